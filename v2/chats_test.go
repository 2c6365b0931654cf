package v2

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform"
)

// chatBody is a one-message chat request with a text and optional parts.
func chatBody(model, text string, parts ...map[string]any) map[string]any {
	content := []any{map[string]any{"type": "text", "text": text}}
	for _, p := range parts {
		content = append(content, p)
	}
	return map[string]any{"model": model, "messages": []any{map[string]any{"role": "user", "content": content}}}
}

func inputFile(ref, mime string) map[string]any {
	return map[string]any{"type": "input_file", "file_uri": ref, "mime_type": mime}
}

// choiceText is the first choice's text in any provider shape.
func choiceText(t *testing.T, a answer) string {
	t.Helper()
	if a.Status != http.StatusOK {
		t.Fatalf("status %d: %s", a.Status, a.Raw)
	}
	ch, _ := a.Body["choices"].([]any)
	if len(ch) == 0 {
		t.Fatalf("no choices: %s", a.Raw)
	}
	c := ch[0].(map[string]any)
	if txt, ok := c["text"].(string); ok {
		return txt
	}
	return c["message"].(map[string]any)["content"].(string)
}

func TestChatProviderShapes(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-chat"
	video := ts.ready(key, "beach_day.mp4", sampleMP4())
	cases := []struct {
		name, model, object, idPrefix, modelEcho string
		usage                                    []string
	}{
		{name: "gemini", model: "gemini:gemini-2.5-flash", object: "completion", idPrefix: "resp_",
			modelEcho: "gemini:gemini-2.5-flash", usage: []string{"input_tokens", "output_tokens", "total_tokens"}},
		{name: "qwen", model: "qwen:qwen3-vl-plus", object: "completion", idPrefix: "",
			modelEcho: "qwen3-vl-plus", usage: []string{"input_tokens", "output_tokens", "total_tokens"}},
		{name: "nova", model: "nova:amazon.nova-lite-v1:0", object: "chat.completion", idPrefix: "chatcmpl_",
			modelEcho: "nova:amazon.nova-lite-v1:0", usage: []string{"prompt_tokens", "output_token", "total_tokens"}},
		{name: "nova us.", model: "nova:us.amazon.nova-pro-v1:0", object: "chat.completion", idPrefix: "chatcmpl_",
			modelEcho: "nova:us.amazon.nova-pro-v1:0", usage: []string{"prompt_tokens", "output_token", "total_tokens"}},
		{name: "gpt", model: "gpt:gpt-4o", object: "chat.completion", idPrefix: "chatcmpl-",
			modelEcho: "gpt-4o-2024-08-06", usage: []string{"prompt_tokens", "completion_tokens", "total_tokens"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := ts.json(http.MethodPost, "/vu/chat/completions", key,
				chatBody(c.model, "Summarize this video.", inputFile(video, "video/mp4")))
			text := choiceText(t, a)
			if a.Body["object"] != c.object || a.Body["model"] != c.modelEcho {
				t.Fatalf("object %v model %v: %s", a.Body["object"], a.Body["model"], a.Raw)
			}
			if _, wrapped := a.Body["code"]; wrapped {
				t.Fatalf("chat answers are not enveloped: %s", a.Raw)
			}
			if id := a.Body["id"].(string); !strings.HasPrefix(id, c.idPrefix) || (c.idPrefix == "" && len(id) != 36) {
				t.Fatalf("id %q", id)
			}
			u := a.Body["usage"].(map[string]any)
			in, out, total := u[c.usage[0]].(float64), u[c.usage[1]].(float64), u[c.usage[2]].(float64)
			// 12 s of video with audio: 12 × (258 + 32) media tokens.
			if in < 12*(258+32) || out <= 0 || total != in+out {
				t.Fatalf("usage %v", u)
			}
			if math.Abs(out-float64(textTokens(text))) > 0 {
				t.Fatalf("output tokens %v for %d-token text", out, textTokens(text))
			}
			// Grounded: the v1 generator names the video and the content
			// model's beach setting shows through.
			if !strings.Contains(text, "beach_day.mp4") || !strings.Contains(strings.ToLower(text), "beach") {
				t.Fatalf("answer not about the asset: %q", text)
			}
		})
	}
}

func TestChatPathsServeIdentically(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-paths"
	video := ts.ready(key, "kitchen.mp4", sampleMP4())
	var first string
	for _, p := range []string{"/vu/chat/completions", "/iu/chat/completions", "/ilm/chat/completions", "/chat/completions"} {
		text := choiceText(t, ts.json(http.MethodPost, p, key,
			chatBody("gemini:gemini-2.0-flash", "Find the highlights", inputFile(video, "video/mp4"))))
		if first == "" {
			first = text
		} else if text != first {
			t.Fatalf("%s answered differently:\n%s\n---\n%s", p, text, first)
		}
	}
}

func TestChatMediaReferences(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-refs"
	video := ts.ready(key, "mountain_hike.mp4", sampleMP4())
	image := ts.ready(key, "beach.png", pngBytes())
	png64 := base64.StdEncoding.EncodeToString(pngBytes())
	mp464 := base64.StdEncoding.EncodeToString(sampleMP4())
	cases := []struct {
		name  string
		model string
		part  map[string]any
		want  string // a substring of the answer
	}{
		{name: "input_file asset id", model: "gemini:gemini-2.5-flash", part: inputFile(video, "video/mp4"), want: "mountain"},
		{name: "input_file download URL", model: "gemini:gemini-2.5-flash",
			part: inputFile("http://127.0.0.1:9/serve/api/v2/"+video+"/download", "video/mp4"), want: "mountain"},
		{name: "video_url bucket/blob URL", model: "nova:amazon.nova-lite-v1:0",
			part: map[string]any{"type": "video_url", "video_url": "https://mavi-backend.memories.ai/serve/api/v2/download?bucket=mavi-resource&blob=" + video + ".mp4"}, want: "mountain"},
		{name: "image_url object", model: "gpt:gpt-4.1",
			part: map[string]any{"type": "image_url", "image_url": map[string]any{"url": image}}, want: "what this image shows"},
		{name: "qwen image part", model: "qwen:qwen-vl-max", part: map[string]any{"type": "image", "image": image}, want: "what this image shows"},
		{name: "image data URL", model: "gpt:gpt-5",
			part: map[string]any{"type": "image_url", "image_url": map[string]any{"url": "data:image/png;base64," + png64}}, want: "what this image shows"},
		{name: "bare base64 video", model: "gemini:gemini-2.5-flash", part: inputFile(mp464, "video/mp4"), want: "runs 12 seconds"},
		{name: "outside URL described from its name", model: "gemini:gemini-2.5-flash",
			part: inputFile("https://cdn.example.com/clips/ski_trip.mp4", "video/mp4"), want: "ski_trip.mp4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prompt := "Summarize this."
			if strings.Contains(c.want, "image") {
				prompt = "What is in this picture?"
			}
			text := choiceText(t, ts.json(http.MethodPost, "/vu/chat/completions", key, chatBody(c.model, prompt, c.part)))
			if !strings.Contains(text, c.want) {
				t.Fatalf("answer lacks %q: %q", c.want, text)
			}
		})
	}
}

func TestChatErrors(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-err"
	video := ts.ready(key, "a.mp4", sampleMP4())
	other := ts.ready("sk-someone-else", "b.mp4", sampleMP4())
	pending := ts.upload(key, "late.mp4", sampleMP4()).data()["asset_id"].(string)
	const catchAll = "Request has exceeded the limit."
	cases := []struct {
		name   string
		key    string
		body   any
		status int
		msg    string
	}{
		{name: "no key", body: chatBody("gemini:gemini-2.5-flash", "hi"), status: 401, msg: "Unauthorized"},
		{name: "unknown model", key: key, body: chatBody("gemini:gemini-9", "hi"), status: 400, msg: catchAll},
		{name: "model without prefix", key: key, body: chatBody("gemini-2.5-flash", "hi"), status: 400, msg: catchAll},
		{name: "missing model", key: key, body: map[string]any{"messages": []any{map[string]any{"role": "user", "content": "hi"}}},
			status: 400, msg: "model cannot be null or empty"},
		{name: "missing messages", key: key, body: map[string]any{"model": "gpt:gpt-4o"}, status: 400, msg: "messages cannot be null or empty"},
		{name: "empty messages", key: key, body: map[string]any{"model": "gpt:gpt-4o", "messages": []any{}}, status: 400, msg: catchAll},
		{name: "bad role", key: key, body: map[string]any{"model": "gpt:gpt-4o", "messages": []any{map[string]any{"role": "robot", "content": "hi"}}},
			status: 400, msg: catchAll},
		{name: "unknown part type", key: key, body: chatBody("gpt:gpt-4o", "hi", map[string]any{"type": "audio_url", "audio_url": "x"}),
			status: 400, msg: catchAll},
		{name: "temperature out of range", key: key, body: func() any {
			b := chatBody("gpt:gpt-4o", "hi")
			b["temperature"] = 3
			return b
		}(), status: 400, msg: catchAll},
		{name: "unknown asset", key: key, body: chatBody("gemini:gemini-2.5-flash", "hi", inputFile("re_600000000000000001", "video/mp4")),
			status: 400, msg: catchAll},
		{name: "another account's asset", key: key, body: chatBody("gemini:gemini-2.5-flash", "hi", inputFile(other, "video/mp4")),
			status: 400, msg: catchAll},
		{name: "asset not SUCCESS yet", key: key, body: chatBody("gemini:gemini-2.5-flash", "hi", inputFile(pending, "video/mp4")),
			status: 400, msg: catchAll},
		{name: "unreadable base64 media", key: key,
			body:   chatBody("gemini:gemini-2.5-flash", "hi", inputFile("data:video/mp4;base64,"+base64.StdEncoding.EncodeToString(mediatest.Corrupt()), "")),
			status: 400, msg: catchAll},
		{name: "not base64 at all", key: key, body: chatBody("gemini:gemini-2.5-flash", "hi", inputFile("%%%", "video/mp4")),
			status: 400, msg: catchAll},
	}
	_ = video
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectError(t, ts.json(http.MethodPost, "/vu/chat/completions", c.key, c.body), c.status, c.msg)
		})
	}
}

func TestChatChargesModelPrice(t *testing.T) {
	ts := newTestSurface(t, testOpts{credits: true})
	key := "sk-pay"
	video := ts.ready(key, "a.mp4", sampleMP4())
	account := ts.p.Accounts.Resolve(key)
	ts.p.Ledger.SetBalance(account, 10)
	a := ts.json(http.MethodPost, "/vu/chat/completions", key, chatBody("gemini:gemini-2.5-pro", "Summarize", inputFile(video, "video/mp4")))
	u := a.Body["usage"].(map[string]any)
	in, out := u["input_tokens"].(float64), u["output_tokens"].(float64)
	// gemini-2.5-pro below 200K input tokens: $1.25 / $10 per 1M; a credit is $0.01.
	want := (in*1.25 + out*10) / 1e6 / 0.01
	if got := 10 - ts.p.Ledger.Balance(account); math.Abs(got-want) > 1e-6 {
		t.Fatalf("charged %.6f credits, want %.6f", got, want)
	}
	ts.p.Ledger.SetBalance(account, 0)
	expectError(t, ts.json(http.MethodPost, "/vu/chat/completions", key, chatBody("gemini:gemini-2.5-pro", "Summarize")),
		http.StatusPaymentRequired, "")
}

func TestChatPriceTiers(t *testing.T) {
	cases := []struct {
		model   string
		input   int
		in, out float64
	}{
		{model: "gemini:gemini-3-pro-preview", input: 200_000, in: 2, out: 12},
		{model: "gemini:gemini-3-pro-preview", input: 200_001, in: 4, out: 18},
		{model: "qwen:qwen3-vl-plus", input: 32_000, in: 0.21, out: 1.68},
		{model: "qwen:qwen3-vl-plus", input: 100_000, in: 0.31, out: 2.52},
		{model: "qwen:qwen3-vl-flash", input: 200_000, in: 0.126, out: 1.01},
		{model: "gpt:o1", input: 1, in: 15, out: 60},
		{model: "nova:us.amazon.nova-lite-v1:0", input: 1, in: 0.06, out: 0.24},
	}
	for _, c := range cases {
		in, out := chatModels[c.model].price(c.input)
		if in != c.in || out != c.out {
			t.Errorf("%s at %d tokens: %v/%v, want %v/%v", c.model, c.input, in, out, c.in, c.out)
		}
	}
}

func TestChatModelEnumMatchesCatalogue(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	enum := ts.s.spec.Components.Schemas["ChatModel"].Value.Enum
	var spec []string
	for _, e := range enum {
		spec = append(spec, e.(string))
	}
	if got, want := strings.Join(spec, ","), strings.Join(chatModelIDs(), ","); got != want {
		t.Fatalf("ChatModel enum and the Go catalogue differ:\nspec %s\ngo   %s", got, want)
	}
}

func TestChatOptions(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-opt"
	video := ts.ready(key, "concert.mp4", sampleMP4())
	base := func(model string, extra map[string]any) map[string]any {
		b := chatBody(model, "Summarize this video.", inputFile(video, "video/mp4"))
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	t.Run("max_tokens cuts with finish_reason length", func(t *testing.T) {
		a := ts.json(http.MethodPost, "/vu/chat/completions", key, base("gpt:gpt-4.1", map[string]any{"max_tokens": 10}))
		c := a.Body["choices"].([]any)[0].(map[string]any)
		if c["finish_reason"] != "length" || a.Body["usage"].(map[string]any)["completion_tokens"].(float64) > 10 {
			t.Fatalf("%s", a.Raw)
		}
	})
	t.Run("stop ends before the sequence", func(t *testing.T) {
		full := choiceText(t, ts.json(http.MethodPost, "/vu/chat/completions", key, base("gpt:gpt-4.1", nil)))
		a := ts.json(http.MethodPost, "/vu/chat/completions", key, base("gpt:gpt-4.1", map[string]any{"stop": []any{"runs"}}))
		if got := choiceText(t, a); got != full[:strings.Index(full, "runs")] {
			t.Fatalf("stopped text %q", got)
		}
	})
	t.Run("n choices", func(t *testing.T) {
		a := ts.json(http.MethodPost, "/vu/chat/completions", key, base("gemini:gemini-2.5-flash", map[string]any{"n": 3}))
		ch := a.Body["choices"].([]any)
		if len(ch) != 3 || ch[2].(map[string]any)["index"].(float64) != 2 {
			t.Fatalf("%s", a.Raw)
		}
	})
	t.Run("gemini JSON output with a schema", func(t *testing.T) {
		a := ts.json(http.MethodPost, "/vu/chat/completions", key, base("gemini:gemini-2.5-flash", map[string]any{
			"extra_body": map[string]any{"metadata": map[string]any{"response_mime_type": "application/json",
				"responseSchema": map[string]any{"type": "OBJECT", "properties": map[string]any{
					"summary": map[string]any{"type": "STRING"}, "tags": map[string]any{"type": "ARRAY"}}}}}}))
		var v struct {
			Summary string   `json:"summary"`
			Tags    []string `json:"tags"`
		}
		if err := json.Unmarshal([]byte(choiceText(t, a)), &v); err != nil || v.Summary == "" || len(v.Tags) == 0 {
			t.Fatalf("not the schema's JSON (%v): %s", err, a.Raw)
		}
	})
	t.Run("gpt json_object", func(t *testing.T) {
		a := ts.json(http.MethodPost, "/vu/chat/completions", key, base("gpt:gpt-4o", map[string]any{"response_format": map[string]any{"type": "json_object"}}))
		var v map[string]any
		if err := json.Unmarshal([]byte(choiceText(t, a)), &v); err != nil || v["answer"] == "" {
			t.Fatalf("%v: %s", err, a.Raw)
		}
	})
	t.Run("text only", func(t *testing.T) {
		a := ts.json(http.MethodPost, "/vu/chat/completions", key, map[string]any{"model": "gemini:gemini-2.5-flash",
			"messages": []any{map[string]any{"role": "user", "content": "Hello there"}}})
		if !strings.Contains(choiceText(t, a), "No video, image or file was attached") {
			t.Fatalf("%s", a.Raw)
		}
	})
}

// sseEvents splits a captured event stream into its data payloads.
func sseEvents(t *testing.T, raw []byte) []string {
	t.Helper()
	var out []string
	for _, ev := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n\n") {
		if !strings.HasPrefix(ev, "data: ") || strings.Contains(ev, "\n") {
			t.Fatalf("malformed event %q", ev)
		}
		out = append(out, strings.TrimPrefix(ev, "data: "))
	}
	return out
}

// streamText checks the chunk sequence and returns the streamed content of
// choice 0, the last finish_reason and the usage chunk (nil if none).
func streamText(t *testing.T, events []string) (string, string, map[string]any) {
	t.Helper()
	if events[len(events)-1] != "[DONE]" {
		t.Fatalf("stream does not end with [DONE]: %q", events[len(events)-1])
	}
	var b strings.Builder
	var finish string
	var usage map[string]any
	for i, ev := range events[:len(events)-1] {
		var c struct {
			ID      string         `json:"id"`
			Object  string         `json:"object"`
			Usage   map[string]any `json:"usage"`
			Choices []struct {
				Index        int               `json:"index"`
				Delta        map[string]string `json:"delta"`
				FinishReason *string           `json:"finish_reason"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(ev), &c); err != nil || c.Object != "chat.completion.chunk" || c.ID == "" {
			t.Fatalf("event %d is not a chunk (%v): %s", i, err, ev)
		}
		if i == 0 && (len(c.Choices) != 1 || c.Choices[0].Delta["role"] != "assistant") {
			t.Fatalf("first chunk carries no role: %s", ev)
		}
		if c.Usage != nil {
			usage = c.Usage
			continue
		}
		b.WriteString(c.Choices[0].Delta["content"])
		if c.Choices[0].FinishReason != nil {
			finish = *c.Choices[0].FinishReason
		}
	}
	return b.String(), finish, usage
}

func TestChatStream(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-stream"
	video := ts.ready(key, "beach_day.mp4", sampleMP4())
	for _, model := range []string{"gemini:gemini-2.5-flash", "gpt:gpt-5-mini", "nova:amazon.nova-lite-v1:0", "qwen:qwen3-vl-flash"} {
		t.Run(model, func(t *testing.T) {
			body := chatBody(model, "Summarize this video.", inputFile(video, "video/mp4"))
			want := choiceText(t, ts.json(http.MethodPost, "/vu/chat/completions", key, body))
			body["stream"] = true
			body["stream_options"] = map[string]any{"include_usage": true}
			a := ts.json(http.MethodPost, "/vu/chat/completions", key, body)
			if a.Status != 200 || a.Header.Get("Content-Type") != ContentTypeChatStream {
				t.Fatalf("status %d type %q", a.Status, a.Header.Get("Content-Type"))
			}
			text, finish, usage := streamText(t, sseEvents(t, a.Raw))
			if text != want || finish != "stop" {
				t.Fatalf("streamed %q (finish %q), want %q", text, finish, want)
			}
			if usage == nil || usage["completion_tokens"].(float64) != float64(textTokens(want)) {
				t.Fatalf("usage chunk %v", usage)
			}
		})
	}
}

// TestChatStreamPacedAndCancelled drives a paced stream over a real
// loopback connection with the fake clock: nothing arrives before the first
// event's delay, each advance releases one event, and a client that goes
// away ends the handler without more clock ticks.
func TestChatStreamPacedAndCancelled(t *testing.T) {
	knobs := chat.Knobs{FirstEvent: 2 * time.Second, PerChunk: time.Second, ChunkSize: 8}
	ts := newTestSurface(t, testOpts{opts: Options{StreamKnobs: func() chat.Knobs { return knobs }}})
	key := "sk-paced"
	video := ts.ready(key, "beach_day.mp4", sampleMP4())
	srv := httptest.NewServer(ts.h)
	body := chatBody("gemini:gemini-2.5-flash", "Summarize this video.", inputFile(video, "video/mp4"))
	body["stream"] = true
	raw, _ := json.Marshal(body)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+BasePath+"/vu/chat/completions", bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	events := make(chan string, 64)
	go func() {
		defer close(events)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); line != "" {
				events <- line
			}
		}
	}()
	next := func() string {
		select {
		case ev := <-events:
			return ev
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
			return ""
		}
	}
	quiet := func() {
		select {
		case ev := <-events:
			t.Fatalf("event before its time: %s", ev)
		case <-time.After(50 * time.Millisecond):
		}
	}
	// Advance in small steps until the stream has registered its timer.
	advance := func(d time.Duration) {
		deadline := time.Now().Add(10 * time.Second)
		for ts.clk.Waiters() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("stream never waited on the clock")
			}
			time.Sleep(time.Millisecond)
		}
		ts.clk.Advance(d)
	}
	quiet()
	advance(time.Second)
	quiet()
	advance(time.Second)
	if ev := next(); !strings.Contains(ev, `"role":"assistant"`) {
		t.Fatalf("first event %s", ev)
	}
	advance(time.Second)
	if ev := next(); !strings.Contains(ev, `"content":"`) {
		t.Fatalf("second event %s", ev)
	}
	quiet()
	cancel()
	for range events {
	}
	// Close waits for the handler: it returns because the client left.
	srv.Close()
}

func TestChatStreamInjectedFailure(t *testing.T) {
	ts := newTestSurface(t, testOpts{opts: Options{StreamKnobs: func() chat.Knobs { return chat.Knobs{FailProbability: 1} }}})
	key := "sk-fail"
	video := ts.ready(key, "beach.mp4", sampleMP4())
	body := chatBody("gemini:gemini-2.5-flash", "Summarize this video.", inputFile(video, "video/mp4"))
	body["stream"] = true
	a := ts.json(http.MethodPost, "/vu/chat/completions", key, body)
	events := sseEvents(t, a.Raw)
	if events[len(events)-1] == "[DONE]" || len(events) < 2 {
		t.Fatalf("stream was not broken: %d events", len(events))
	}
}

// TestOpenAIClientRequests sends the two requests the openai SDK check
// (clients/openai-sdk) sends, as the SDK sends them (Bearer key, JSON,
// event stream read line by line), over loopback: an upload polled to
// SUCCESS, then a non-streaming and a streaming completion about it.
func TestOpenAIClientRequests(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	srv := httptest.NewServer(ts.h)
	defer srv.Close()
	key := "sk-openai-sdk"
	fixture, err := os.ReadFile(openAIFixture)
	if err != nil {
		t.Fatal(err)
	}
	video := ts.ready(key, "beach_day.mp4", fixture)
	post := func(body map[string]any) *http.Response {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+BasePath+"/vu/chat/completions", bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	body := chatBody("gemini:gemini-2.5-flash", "What happens in this video?", inputFile(video, "video/mp4"))
	resp := post(body)
	var completion struct {
		Object  string `json:"object"`
		Choices []struct {
			Text string `json:"text"`
		} `json:"choices"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&completion); err != nil || completion.Object != "completion" || completion.Choices[0].Text == "" {
		t.Fatalf("non-stream: %v %+v", err, completion)
	}
	resp.Body.Close()
	body["stream"] = true
	resp = post(body)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text, finish, _ := streamText(t, sseEvents(t, raw))
	if text != completion.Choices[0].Text || finish != "stop" {
		t.Fatalf("streamed %q, want %q", text, completion.Choices[0].Text)
	}
}

// openAIFixture is the video clients/openai-sdk/chat.mjs uploads: the
// content of sampleMP4 (12 s with audio), committed so the Node check needs
// no Go at run time.
const openAIFixture = "../clients/openai-sdk/beach_day.mp4"

// TestOpenAIFixtureIsSampleMP4 keeps the committed fixture equal to
// sampleMP4; UPDATE_OPENAI_FIXTURE=1 rewrites it.
func TestOpenAIFixtureIsSampleMP4(t *testing.T) {
	want := sampleMP4()
	if os.Getenv("UPDATE_OPENAI_FIXTURE") == "1" {
		if err := os.WriteFile(openAIFixture, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(openAIFixture)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s differs from sampleMP4 (%v); rerun with UPDATE_OPENAI_FIXTURE=1", openAIFixture, err)
	}
}

func TestChatAudioAndHistory(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-audio"
	audio := ts.ready(key, "podcast_interview.wav", wavBytes(16000, 20))
	body := map[string]any{"model": "qwen:qwen-vl-plus", "messages": []any{
		map[string]any{"role": "system", "content": "You are terse."},
		map[string]any{"role": "user", "content": "Hello"},
		map[string]any{"role": "assistant", "content": "Hi, send me a file."},
		map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "What is said?"}, inputFile(audio, "audio/wav")}},
	}}
	a := ts.json(http.MethodPost, "/chat/completions", key, body)
	text := choiceText(t, a)
	// 20 s of audio: 32 tokens per second and no frames.
	if in := a.Body["usage"].(map[string]any)["input_tokens"].(float64); in < 20*32 || in >= 20*258 {
		t.Fatalf("input tokens %v for 20 s of audio", in)
	}
	if !strings.Contains(text, "podcast_interview.wav") || !strings.Contains(text, "\"") {
		t.Fatalf("answer does not quote the audio: %q", text)
	}
}

// BenchmarkChatCompletion is one non-streaming completion about a video
// asset through the whole pipeline (auth, guard, validation, content model,
// generator, pricing, encoding):
//
//	go test ./v2 -run '^$' -bench ChatCompletion
func BenchmarkChatCompletion(b *testing.B) {
	clk := clock.NewFake(time.Date(2026, 3, 13, 10, 0, 0, 0, time.UTC))
	st, err := store.Open(store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p, err := platform.New(platform.Options{Clock: clk, RateLimits: "off", CreditsOff: true})
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{Platform: p, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(); _ = p.Close(); _ = st.Close() })
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	s.Register(e)
	serve := func(method, path, ct string, body io.Reader) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, BasePath+path, body)
		req.Header.Set("Authorization", "sk-bench")
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
		return rec
	}
	var buf bytes.Buffer
	ct := newMultipart(&buf, "file", "beach_day.mp4", sampleMP4())
	var up struct {
		Data struct {
			AssetID string `json:"asset_id"`
		} `json:"data"`
	}
	_ = json.Unmarshal(serve(http.MethodPost, "/upload", ct, &buf).Body.Bytes(), &up)
	clk.Advance(time.Minute)
	raw, _ := json.Marshal(chatBody("gemini:gemini-2.5-flash", "Summarize this video.", inputFile(up.Data.AssetID, "video/mp4")))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve(http.MethodPost, "/vu/chat/completions", "application/json", bytes.NewReader(raw))
	}
}

// TestChatRateLimitBurst: chat follows "the provider's limits" (10 QPS with
// bursts of 10 in the mock), so back-to-back calls pass and the eleventh
// call in the same instant is refused.
func TestChatRateLimitBurst(t *testing.T) {
	ts := newTestSurface(t, testOpts{rateLimits: "v1.2"})
	body := map[string]any{"model": "gpt:gpt-4o", "messages": []any{map[string]any{"role": "user", "content": "hi"}}}
	for i := range 10 {
		if a := ts.json(http.MethodPost, "/iu/chat/completions", "sk-burst", body); a.Status != http.StatusOK {
			t.Fatalf("call %d: %d %s", i+1, a.Status, a.Raw)
		}
	}
	expectError(t, ts.json(http.MethodPost, "/iu/chat/completions", "sk-burst", body), http.StatusTooManyRequests, "Request has exceeded the limit.")
	ts.clk.Advance(100 * time.Millisecond)
	if a := ts.json(http.MethodPost, "/iu/chat/completions", "sk-burst", body); a.Status != http.StatusOK {
		t.Fatalf("after 100 ms: %d %s", a.Status, a.Raw)
	}
}

func TestChatStreamSeveralChoices(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-n"
	video := ts.ready(key, "beach_day.mp4", sampleMP4())
	body := chatBody("gpt:gpt-4.1-nano", "Summarize this video.", inputFile(video, "video/mp4"))
	body["n"] = 2
	want := ts.json(http.MethodPost, "/vu/chat/completions", key, body).Body["choices"].([]any)
	body["stream"] = true
	events := sseEvents(t, ts.json(http.MethodPost, "/vu/chat/completions", key, body).Raw)
	texts, finished := map[int]string{}, map[int]bool{}
	for _, ev := range events[:len(events)-1] {
		var c struct {
			Choices []struct {
				Index        int               `json:"index"`
				Delta        map[string]string `json:"delta"`
				FinishReason *string           `json:"finish_reason"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(ev), &c); err != nil || len(c.Choices) != 1 {
			t.Fatalf("event %s", ev)
		}
		ch := c.Choices[0]
		texts[ch.Index] += ch.Delta["content"]
		finished[ch.Index] = finished[ch.Index] || ch.FinishReason != nil
	}
	for i, w := range want {
		msg := w.(map[string]any)["message"].(map[string]any)["content"].(string)
		if texts[i] != msg || !finished[i] {
			t.Fatalf("choice %d streamed %q (finished %v), want %q", i, texts[i], finished[i], msg)
		}
	}
}
