// The official openai SDK (package.json pins it) against the mock's v2 chat
// completions, the way public client code drives them: baseURL
// <v2 base>/vu, the API key as the SDK sends it ("Authorization: Bearer
// <key>"), one non-streaming and one streaming request about an asset
// uploaded first (fetch for the upload and the metadata polling, with the
// raw key as the v2 docs show). Exits non-zero on the first mismatch.
//
//   MEMORIES_V2_BASE_URL=http://127.0.0.1:8080/serve/api/v2 MEMORIES_API_KEY=sk-… node chat.mjs
import { readFile } from "node:fs/promises";
import OpenAI from "openai";

const base = (process.env.MEMORIES_V2_BASE_URL || "").replace(/\/+$/, "");
const key = process.env.MEMORIES_API_KEY || "sk-openai-sdk";
if (!base) {
  console.error("MEMORIES_V2_BASE_URL is required (…/serve/api/v2)");
  process.exit(2);
}
const model = "gemini:gemini-2.5-flash";

function fail(msg) {
  throw new Error(msg);
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    const out = await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    return out;
  } catch (e) {
    console.error(`FAIL ${name}: ${e.stack || e}`);
    process.exit(1);
  }
}

// v2 answers 429 past 1 QPS per operation: wait and retry.
async function v2(path, init = {}) {
  for (let i = 0; i < 20; i++) {
    const r = await fetch(base + path, { ...init, headers: { Authorization: key, ...(init.headers || {}) } });
    if (r.status !== 429) return r;
    await new Promise((res) => setTimeout(res, 1100));
  }
  fail(`${path}: still rate limited`);
}

const assetId = await step("upload beach_day.mp4 (multipart, fetch)", async () => {
  const bytes = await readFile(new URL("./beach_day.mp4", import.meta.url));
  const form = new FormData();
  form.append("file", new Blob([bytes], { type: "video/mp4" }), "beach_day.mp4");
  const r = await v2("/upload", { method: "POST", body: form });
  const env = await r.json();
  if (r.status !== 200 || env.code !== 200 || !/^re_\d{18}$/.test(env.data?.asset_id ?? "")) fail(`upload: ${r.status} ${JSON.stringify(env)}`);
  return env.data.asset_id;
});

await step("metadata until SUCCESS", async () => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await v2(`/${assetId}/metadata`);
    const env = await r.json();
    const status = env.data?.resource?.[0]?.upload_status;
    if (status === "SUCCESS") return;
    if (status === "FAILED") fail(`asset failed: ${JSON.stringify(env)}`);
    if (Date.now() > deadline) fail(`not SUCCESS after 60 s: ${JSON.stringify(env)}`);
    await new Promise((res) => setTimeout(res, 1100));
  }
});

const client = new OpenAI({ apiKey: key, baseURL: `${base}/vu`, maxRetries: 3, timeout: 60_000 });
const messages = [
  {
    role: "user",
    content: [
      { type: "text", text: "What happens in this video?" },
      { type: "input_file", file_uri: assetId, mime_type: "video/mp4" },
    ],
  },
];

const completion = await step(`chat.completions.create (${model}, non-streaming)`, async () => {
  const c = await client.chat.completions.create({ model, messages, max_tokens: 1000, temperature: 0.7 });
  // Gemini answers the vendor's `completion` object, not OpenAI's shape.
  const text = c.choices?.[0]?.text;
  if (c.object !== "completion" || c.model !== model || !text) fail(`unexpected answer: ${JSON.stringify(c)}`);
  if (!text.includes("beach_day.mp4")) fail(`answer is not about the upload: ${text}`);
  const u = c.usage;
  if (!(u.input_tokens > 0 && u.output_tokens > 0 && u.total_tokens === u.input_tokens + u.output_tokens)) fail(`usage ${JSON.stringify(u)}`);
  return c;
});

await step(`chat.completions.create (${model}, stream: true)`, async () => {
  const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
  let text = "";
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.object !== "chat.completion.chunk") fail(`not a chunk: ${JSON.stringify(chunk)}`);
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    text += choice.delta?.content ?? "";
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  if (text !== completion.choices[0].text) fail(`streamed text differs:\n${text}\n---\n${completion.choices[0].text}`);
  if (finish !== "stop" || chunks < 3) fail(`finish_reason ${finish} after ${chunks} chunks`);
  if (usage?.completion_tokens !== completion.usage.output_tokens) fail(`usage chunk ${JSON.stringify(usage)}`);
});

await step("chat.completions.create (gpt:gpt-4.1-mini, OpenAI shape)", async () => {
  const c = await client.chat.completions.create({ model: "gpt:gpt-4.1-mini", messages });
  const content = c.choices?.[0]?.message?.content;
  if (c.object !== "chat.completion" || !content?.includes("beach_day.mp4") || c.choices[0].finish_reason !== "stop") {
    fail(`unexpected answer: ${JSON.stringify(c)}`);
  }
});

console.log("openai SDK check passed");
