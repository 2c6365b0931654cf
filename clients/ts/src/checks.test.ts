// Shows the run-time checks fail when an answer drifts from the generated
// types: node --test dist/checks.test.js (run by clients/run.sh).
import assert from "node:assert/strict";
import { test } from "node:test";
import { readStream, shape, Shapes, type S } from "./checks.js";

const v = "VI123456789012345678";
const s = "606120397607260160";

function stream(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(c) {
      // Split in the middle of a line: the reader must join chunks.
      c.enqueue(bytes.slice(0, 7));
      c.enqueue(bytes.slice(7));
      c.close();
    },
  });
}

const good =
  `data:{"type":"ref","sessionId":"${s}","ref":[{"video":{"duration":"10","video_no":"${v}","video_name":"x"},"refItems":[{"videoNo":"${v}","startTime":1,"type":"keyframe"}]}]}\n\n` +
  `data:{"type":"content","role":"assistant","content":"Hello","sessionId":"${s}"}\n\n`;

test("a complete stream passes", async () => {
  await readStream(stream(good + `data:{"code":"SUCCESS","data":"Done"}\n\n`), v, s);
});

for (const [name, text, want] of [
  ["no end event", good, /without the end event/],
  ["error end", good + `data:{"code":"SUCCESS","data":"Error"}\n\n`, /error end/],
  ["unknown field", `data:{"type":"content","content":"x","sessionId":"${s}","extra":1}\n\n`, /"extra" is not in the spec/],
  ["missing required field", `data:{"type":"content","sessionId":"${s}"}\n\n`, /required field "content" missing/],
  ["ref to another video", good.replaceAll(v, "VI000000000000000000") + `data:{"code":"SUCCESS","data":"Done"}\n\n`, /ref to/],
] as const) {
  test(`stream check fails: ${name}`, async () => {
    await assert.rejects(readStream(stream(text), v, s), want);
  });
}

test("shape refuses undeclared and missing fields", () => {
  const ok = { videoNo: v, videoName: "x", videoStatus: "UNPARSE", uploadTime: "1" };
  assert.equal(shape<S["UploadVideoData"]>("upload", ok, Shapes.uploadData).videoNo, v);
  assert.throws(() => shape("upload", { ...ok, extra: 1 }, Shapes.uploadData), /"extra" is not in the spec/);
  assert.throws(() => shape("upload", { videoNo: v }, Shapes.uploadData), /required field "videoName" missing/);
  assert.throws(() => shape("upload", [ok], Shapes.uploadData), /not an object/);
});
