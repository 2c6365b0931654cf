// Run-time checks derived from the generated types (src/generated/), shared by
// the flow and its tests.
import type { components as Mem } from "./generated/memories.js";
import type { components as Ms } from "./generated/memsync.js";

/** Schemas of memories.yaml. */
export type S = Mem["schemas"];
/** Schemas of memsync.yaml. */
export type MS = Ms["schemas"];

type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

type Exhaustive<U, A extends readonly unknown[]> = [Exclude<U, A[number]>] extends [never]
  ? unknown
  : { missing: Exclude<U, A[number]> };

// shapeOf<T>()(all, required) lists every key of T and every required key of
// T, checked by the compiler: leaving one out, or naming one T lacks, does not
// compile. shape() then applies the lists at run time.
function shapeOf<T>() {
  return <const A extends readonly (keyof T & string)[], const R extends readonly (RequiredKeys<T> & string)[]>(
    all: A & Exhaustive<keyof T, A>,
    required: R & Exhaustive<RequiredKeys<T>, R>,
  ) => ({ all: all as readonly string[], required: required as readonly string[] });
}

export function fail(msg: string): never {
  throw new Error(msg);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// shape asserts that v is an object with every required key of its generated
// type and no key the type does not declare, and returns it typed.
export function shape<T>(what: string, v: unknown, s: { all: readonly string[]; required: readonly string[] }): T {
  if (!isObject(v)) fail(`${what}: not an object: ${JSON.stringify(v)?.slice(0, 200)}`);
  for (const k of s.required) if (!(k in v)) fail(`${what}: required field "${k}" missing: ${JSON.stringify(v).slice(0, 300)}`);
  for (const k of Object.keys(v)) if (!s.all.includes(k)) fail(`${what}: field "${k}" is not in the spec: ${JSON.stringify(v).slice(0, 300)}`);
  return v as T;
}

// Each list below is compiled against the generated type it names.
export const Shapes = {
  envelope: shapeOf<S["UploadVideoResponse"]>()(["code", "msg", "data", "success", "failed"], ["code", "msg", "data"]),
  error: shapeOf<S["ErrorEnvelope"]>()(["code", "msg", "data", "success", "failed"], ["code", "msg"]),
  uploadData: shapeOf<S["UploadVideoData"]>()(["videoNo", "videoName", "videoStatus", "uploadTime"], ["videoNo", "videoName", "videoStatus", "uploadTime"]),
  listItem: shapeOf<S["VideoListItem"]>()(
    ["video_no", "video_name", "duration", "size", "status", "create_time", "cause"],
    ["video_no", "video_name", "duration", "size", "status", "create_time", "cause"],
  ),
  hit: shapeOf<S["VideoSearchHit"]>()(["videoNo", "videoName", "startTime", "endTime", "score", "audio_ts"], ["videoNo", "score"]),
  chatData: shapeOf<S["ChatResponse"]["data"]>()(["role", "content", "thinkings", "session_id"], ["role", "content"]),
  thinking: shapeOf<S["ChatThinkingEvent"]>()(["type", "title", "content", "sessionId"], ["type", "sessionId"]),
  ref: shapeOf<S["ChatRefEvent"]>()(["type", "sessionId", "ref"], ["type", "sessionId", "ref"]),
  content: shapeOf<S["ChatContentEvent"]>()(["type", "role", "content", "sessionId"], ["type", "content", "sessionId"]),
  end: shapeOf<S["ChatEndEvent"]>()(["code", "data"], ["code", "data"]),
  segment: shapeOf<S["TranscriptionSegment"]>()(["index", "content", "startTime", "endTime"], ["index", "content", "startTime", "endTime"]),
  msStored: shapeOf<MS["StoreMemoriesResultEnvelope"]>()(["data", "status", "timestamp"], ["data", "status", "timestamp"]),
  msPage: shapeOf<MS["MemoryPage"]>()(["data", "pagination", "status", "timestamp"], ["data", "pagination"]),
  msSearch: shapeOf<MS["SearchResultEnvelope"]>()(["data", "status", "timestamp"], ["data", "status", "timestamp"]),
  msDeleted: shapeOf<MS["DeleteMemoryResultEnvelope"]>()(["data", "status", "timestamp"], ["data", "status", "timestamp"]),
};

// readStream reads the SSE body with the platform's own streaming reader
// (ReadableStream's reader + TextDecoder), splits it into lines as the bytes
// arrive and checks each event against its generated type.
export async function readStream(body: ReadableStream<Uint8Array>, videoNo: string, session: string) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const kinds: Record<string, number> = {};
  let pending = "";
  let content = "";
  let end: S["ChatEndEvent"] | undefined;
  const onLine = (line: string) => {
    if (line === "" || line.startsWith(":")) return;
    if (!line.startsWith("data:")) fail(`not an SSE data line: ${line}`);
    if (end) fail(`event after the end event: ${line}`);
    const ev: unknown = JSON.parse(line.slice("data:".length));
    const type = isObject(ev) && typeof ev.type === "string" ? ev.type : "";
    kinds[type] = (kinds[type] ?? 0) + 1;
    switch (type) {
      case "thinking": {
        const t = shape<S["ChatThinkingEvent"]>("thinking event", ev, Shapes.thinking);
        if (t.sessionId !== session) fail(`thinking event of session ${t.sessionId}`);
        break;
      }
      case "ref": {
        const r = shape<S["ChatRefEvent"]>("ref event", ev, Shapes.ref);
        for (const x of r.ref) {
          if (x.video.video_no !== videoNo) fail(`ref to ${x.video.video_no}`);
          for (const it of x.refItems) if (it.videoNo !== videoNo || it.startTime < 0) fail(`ref item ${JSON.stringify(it)}`);
        }
        break;
      }
      case "content":
        content += shape<S["ChatContentEvent"]>("content event", ev, Shapes.content).content;
        break;
      case "":
        end = shape<S["ChatEndEvent"]>("end event", ev, Shapes.end);
        break;
      default:
        fail(`unknown event type ${type}`);
    }
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, nl).replace(/\r$/, ""));
      pending = pending.slice(nl + 1);
    }
  }
  onLine(pending + decoder.decode());
  if (!end) fail("stream ended without the end event");
  if (end.code !== "SUCCESS" || end.data !== "Done") fail(`error end ${JSON.stringify(end)}`);
  if (!kinds.content || !content.trim()) fail(`no content events ${JSON.stringify(kinds)}`);
  if (!kinds.ref) fail(`no ref events ${JSON.stringify(kinds)}`);
}

