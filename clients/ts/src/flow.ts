// A real user flow against a started mockserver through the TypeScript
// client generated from the specs: openapi-typescript writes the types
// (src/generated/), openapi-fetch sends the requests. Every answer is checked
// against the generated types twice: at compile time (request bodies, paths
// and the fields read must exist in the spec) and at run time (shape() refuses
// a missing required field or a field the generated type does not declare).
//
//   MEMORIES_API_BASE_URL=http://127.0.0.1:8080 MEMSYNC_API_BASE_URL=http://127.0.0.1:8081 node dist/flow.js
import createClient from "openapi-fetch";
import { fail, isObject, readStream, shape, Shapes, type MS, type S } from "./checks.js";
import type { paths as MemPaths } from "./generated/memories.js";
import type { paths as MsPaths } from "./generated/memsync.js";

// ---- the Memories.ai flow ---------------------------------------------------

const base = (process.env.MEMORIES_API_BASE_URL ?? "").replace(/\/+$/, "");
const key = process.env.MEMORIES_API_KEY || "sk-tsflow";
const msBase = (process.env.MEMSYNC_API_BASE_URL ?? "").replace(/\/+$/, "");
const msKey = process.env.MEMSYNC_API_KEY || "ms-tsflow";

const api = createClient<MemPaths>({ baseUrl: base, headers: { Authorization: key } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Throttled extends Error {}

// envelope checks a 200 v1 answer: a business error throws (Throttled for
// 0429), a success is checked against the envelope keys and returned typed.
function envelope<T extends { code: unknown }>(what: string, res: Response, body: unknown): T {
  if (res.status !== 200) fail(`${what}: HTTP ${res.status}`);
  if (isObject(body) && body.code !== "0000" && body.code !== 200) {
    const e = shape<S["ErrorEnvelope"]>(what, body, Shapes.error);
    if (e.code === "0429") throw new Throttled(`${what}: ${e.msg}`);
    fail(`${what}: business error ${e.code}: ${e.msg}`);
  }
  return shape<T>(what, body, Shapes.envelope);
}

// retry repeats a call while it answers 0429 (the documented v1.2 limits: chat 1/s).
async function retry<T>(what: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof Throttled) || attempt >= 40) throw e;
      await sleep(300);
    }
  }
}

async function step(name: string, run: () => Promise<void>) {
  const start = Date.now();
  try {
    await run();
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`);
  }
  console.log(`tsflow: ok  ${name.padEnd(30)} ${Date.now() - start}ms`);
}

async function memoriesFlow() {
  let videoNo = "";
  let session = "";

  await step("upload_url", async () => {
    const env = await retry("upload_url", async () => {
      const { data, response } = await api.POST("/serve/api/v1/upload_url", {
        body: { url: "https://example.com/clients/beach_sunset_walk.mp4" },
      });
      return envelope<S["UploadVideoResponse"]>("upload_url", response, data);
    });
    const d = shape<S["UploadVideoData"]>("upload_url data", env.data, Shapes.uploadData);
    if (!/^VI\d{18}$/.test(d.videoNo) || d.videoStatus !== "UNPARSE" || d.videoName !== "beach_sunset_walk") {
      fail(`unexpected upload data ${JSON.stringify(d)}`);
    }
    videoNo = d.videoNo;
  });

  await step("wait for PARSE (list_videos)", async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const env = await retry("list_videos", async () => {
        const { data, response } = await api.POST("/serve/api/v1/list_videos", { body: {} });
        return envelope<S["ListVideosResponse"]>("list_videos", response, data);
      });
      const v = env.data.videos.map((x) => shape<S["VideoListItem"]>("video", x, Shapes.listItem)).find((x) => x.video_no === videoNo);
      if (v?.status === "PARSE") {
        if (!v.duration || !v.create_time) fail(`parsed video without duration: ${JSON.stringify(v)}`);
        return;
      }
      if (v?.status === "FAIL" || v?.status === "FAILED") fail(`video failed: ${v.cause}`);
      if (Date.now() > deadline) fail(`${videoNo} not PARSE after 60 s`);
      await sleep(250);
    }
  });

  await step("search", async () => {
    const env = await retry("search", async () => {
      const { data, response } = await api.POST("/serve/api/v1/search", {
        body: { search_param: "beach", search_type: "BY_VIDEO" },
      });
      return envelope<S["SearchResponse"]>("search", response, data);
    });
    if (!Array.isArray(env.data)) fail("search data is not a list of hits");
    const hits = env.data.map((h) => shape<S["VideoSearchHit"]>("hit", h, Shapes.hit));
    if (hits[0]?.videoNo !== videoNo) fail(`"beach" does not rank ${videoNo} first: ${JSON.stringify(hits)}`);
    for (const h of hits) if (h.score < 0 || h.score > 1) fail(`score ${h.score} outside [0,1]`);
  });

  await step("chat", async () => {
    const env = await retry("chat", async () => {
      const { data, response } = await api.POST("/serve/api/v1/chat", {
        body: { video_nos: [videoNo], prompt: "Summarize the video" },
      });
      return envelope<S["ChatResponse"]>("chat", response, data);
    });
    const d = shape<S["ChatResponse"]["data"]>("chat data", env.data, Shapes.chatData);
    if (d.role !== "ASSISTANT" || !d.content.trim() || !d.session_id) fail(`unexpected answer ${JSON.stringify(d)}`);
    session = d.session_id;
  });

  await step("chat_stream", async () => {
    for (let attempt = 0; ; attempt++) {
      const { response } = await api.POST("/serve/api/v1/chat_stream", {
        body: { video_nos: [videoNo], prompt: "What are the highlights?", session_id: session },
        parseAs: "stream",
      });
      if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
        // Refused before the stream started: a JSON envelope.
        const body: unknown = await response.json();
        try {
          envelope("chat_stream", response, body);
        } catch (e) {
          if (e instanceof Throttled && attempt < 40) {
            await sleep(300);
            continue;
          }
          throw e;
        }
        fail(`not a stream: ${JSON.stringify(body).slice(0, 200)}`);
      }
      await readStream(response.body ?? fail("no body"), videoNo, session);
      return;
    }
  });

  for (const [op, path] of [
    ["get_video_transcription", "/serve/api/v1/get_video_transcription"],
    ["get_audio_transcription", "/serve/api/v1/get_audio_transcription"],
  ] as const) {
    await step(op, async () => {
      const env = await retry(op, async () => {
        const { data, response } = await api.GET(path, { params: { query: { video_no: videoNo } } });
        return envelope<S["TranscriptionResponse"]>(op, response, data);
      });
      if (!env.data || env.data.videoNo !== videoNo || env.data.transcriptions.length === 0) fail(`no transcript: ${JSON.stringify(env.data)}`);
      for (const s of env.data.transcriptions) {
        const seg = shape<S["TranscriptionSegment"]>("segment", s, Shapes.segment);
        if (!seg.content.trim() || !seg.startTime || !seg.endTime) fail(`incomplete segment ${JSON.stringify(seg)}`);
      }
    });
  }

  await step("delete_videos", async () => {
    await retry("delete_videos", async () => {
      const { data, response } = await api.POST("/serve/api/v1/delete_videos", { body: [videoNo] });
      return envelope<S["EmptyResponse"]>("delete_videos", response, data);
    });
    // The video is gone: its transcript is now a business error (0001).
    for (let attempt = 0; ; attempt++) {
      const { data } = await api.GET("/serve/api/v1/get_video_transcription", { params: { query: { video_no: videoNo } } });
      const e = shape<S["ErrorEnvelope"]>("transcript after delete", data, Shapes.error);
      if (e.code === "0429" && attempt < 40) {
        await sleep(300);
        continue;
      }
      if (e.code !== "0001") fail(`transcript after delete answered ${e.code}, want 0001`);
      return;
    }
  });
}

// ---- the MemSync flow -----------------------------------------------------------

async function memsyncFlow() {
  const ms = createClient<MsPaths>({ baseUrl: msBase, headers: { "X-API-Key": msKey } });
  const thread = `thread-${Date.now()}`;
  let stored: MS["StoreMemoriesResult"] | undefined;

  await step("storeMemories", async () => {
    const { data, response } = await ms.POST("/v1/memories", {
      body: {
        agent_id: "clients-flow",
        thread_id: thread,
        source: "chat",
        messages: [
          { role: "user", content: "I work as a marine biologist in Lisbon. I love surfing at dawn on weekends." },
          { role: "assistant", content: "That sounds wonderful." },
        ],
      },
    });
    if (response.status !== 200) fail(`HTTP ${response.status}`);
    const env = shape<MS["StoreMemoriesResultEnvelope"]>("storeMemories", data, Shapes.msStored);
    stored = env.data;
    if (env.status !== "success" || !stored.success || stored.memories_created === 0 || stored.memories.length !== stored.memories_created) {
      fail(JSON.stringify(stored));
    }
  });

  await step("listMemories", async () => {
    const { data, response } = await ms.GET("/v1/memories", { params: { query: { thread_id: thread } } });
    if (response.status !== 200) fail(`HTTP ${response.status}`);
    const page = shape<MS["MemoryPage"]>("listMemories", data, Shapes.msPage);
    if (page.data.length !== stored?.memories_created || page.pagination.total_items !== page.data.length) {
      fail(`${page.data.length} listed, ${stored?.memories_created} stored`);
    }
  });

  let id = "";
  await step("searchMemories", async () => {
    const { data, response } = await ms.POST("/v1/memories/search", { body: { query: "surfing", thread_id: thread } });
    if (response.status !== 200) fail(`HTTP ${response.status}`);
    const env = shape<MS["SearchResultEnvelope"]>("searchMemories", data, Shapes.msSearch);
    const first = env.data.memories[0];
    if (!first || !first.memory.toLowerCase().includes("surf")) fail(`"surfing" does not rank the surfing memory first`);
    id = first.id;
  });

  await step("deleteMemory", async () => {
    const { data, response } = await ms.DELETE("/v1/memories/{memory_id}", { params: { path: { memory_id: id } } });
    if (response.status !== 200) fail(`HTTP ${response.status}`);
    const env = shape<MS["DeleteMemoryResultEnvelope"]>("deleteMemory", data, Shapes.msDeleted);
    if (!env.data.success || env.data.memory_id !== id) fail(JSON.stringify(env.data));
    const again = await ms.DELETE("/v1/memories/{memory_id}", { params: { path: { memory_id: id } } });
    if (again.response.status !== 404) fail(`second delete answered HTTP ${again.response.status}, want 404`);
  });
}

async function main() {
  if (!base) {
    console.error("tsflow: set MEMORIES_API_BASE_URL (and MEMSYNC_API_BASE_URL for the MemSync flow)");
    process.exit(2);
  }
  try {
    await memoriesFlow();
    if (msBase) await memsyncFlow();
  } catch (e) {
    console.error(`tsflow: ${(e as Error).message}`);
    process.exit(1);
  }
  console.log("tsflow: all flows passed");
}

await main();
