package v2

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/memharness/memharness/toolkit/stubs"
)

// openAIFraming is the chat completion stream's framing, as the mock's own
// stream writes it (chat_stream.go) and the openai SDK reads it: each
// event one "data: " line of JSON and a blank line, then a bare
// "data: [DONE]".
var openAIFraming = regexp.MustCompile(`\A(data: \{[^\n]*\}\n\n)+data: \[DONE\]\n\n\z`)

func chunkEvent(t *testing.T, chunk map[string]any) stubs.Event {
	t.Helper()
	raw, err := json.Marshal(chunk)
	if err != nil {
		t.Fatal(err)
	}
	return stubs.Event{Data: raw}
}

func stubChunk(delta map[string]any, finish any) map[string]any {
	return map[string]any{"id": "resp_stubbed", "object": "chat.completion.chunk", "created": 1767093284,
		"model":   "gemini:gemini-2.5-flash",
		"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}}}
}

// TestStubbedChatStream: a stubbed "stream": true chat completion is
// checked against ChatCompletionChunk (x-sse-events) and streamed with the
// real stream's framing, bare [DONE] included, so the OpenAI-style parser
// of the real stream's tests reads it; an invalid chunk is refused naming
// the pointer, and [DONE] must come last.
func TestStubbedChatStream(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	ts.p.Stubs.SetChecker(ts.s.CheckStub)
	key := "sk-stub-stream"
	video := ts.ready(key, "beach_day.mp4", sampleMP4())
	body := chatBody("gemini:gemini-2.5-flash", "Summarize this video.", inputFile(video, "video/mp4"))
	body["stream"] = true

	real := ts.json(http.MethodPost, "/vu/chat/completions", key, body)
	if !openAIFraming.Match(real.Raw) {
		t.Fatalf("the real stream's framing changed (update openAIFraming): %q", real.Raw)
	}

	done := stubs.Event{Data: json.RawMessage(`"[DONE]"`)}
	for _, tt := range []struct {
		name   string
		events []stubs.Event
		want   string
	}{
		{name: "not a chunk", events: []stubs.Event{chunkEvent(t, map[string]any{"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": []any{}}), done},
			want: "answer.events[0] breaks the v2_vu_chat event schema ChatCompletionChunk at /object"},
		{name: "a delta role no model sends", events: []stubs.Event{chunkEvent(t, stubChunk(map[string]any{"role": "user"}, nil)), done},
			want: "at /choices/0/delta/role"},
		{name: "an unknown finish reason", events: []stubs.Event{chunkEvent(t, stubChunk(map[string]any{}, "done")), done},
			want: "at /choices/0/finish_reason"},
		{name: "[DONE] before the end", events: []stubs.Event{done, chunkEvent(t, stubChunk(map[string]any{"content": "late"}, nil))},
			want: "answer.events[0]: terminator [DONE] is not the last event"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ts.p.Stubs.Add(stubs.Stub{Operation: "v2_vu_chat", Answer: stubs.Answer{Events: tt.events}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Add: %v, want a refusal naming %q", err, tt.want)
			}
		})
	}

	events := []stubs.Event{
		chunkEvent(t, stubChunk(map[string]any{"role": "assistant", "content": ""}, nil)),
		chunkEvent(t, stubChunk(map[string]any{"content": "A stubbed "}, nil)),
		chunkEvent(t, stubChunk(map[string]any{"content": "answer."}, nil)),
		chunkEvent(t, stubChunk(map[string]any{}, "length")),
		done,
	}
	if _, err := ts.p.Stubs.Add(stubs.Stub{Operation: "v2_vu_chat", Answer: stubs.Answer{Events: events}}); err != nil {
		t.Fatalf("a valid chunk stream was refused: %v", err)
	}
	a := ts.json(http.MethodPost, "/vu/chat/completions", key, body)
	if a.Status != http.StatusOK || a.Header.Get("Content-Type") != real.Header.Get("Content-Type") {
		t.Fatalf("stubbed stream: %d %q, want 200 %q", a.Status, a.Header.Get("Content-Type"), real.Header.Get("Content-Type"))
	}
	if !openAIFraming.Match(a.Raw) {
		t.Fatalf("stubbed stream framed unlike the real one: %q", a.Raw)
	}
	text, finish, _ := streamText(t, sseEvents(t, a.Raw))
	if text != "A stubbed answer." || finish != "length" {
		t.Fatalf("parsed %q (finish %q) from the stubbed stream", text, finish)
	}
}

// TestStubbedAgentStreamNamedEvents: on /queries/stream an event's name
// picks its component (x-sse-named-events): a "progress" event whose data
// is a valid AgentStarted is refused as an AgentProgress, and a name the
// stream does not declare is refused.
func TestStubbedAgentStreamNamedEvents(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	ts.p.Stubs.SetChecker(ts.s.CheckStub)
	started := json.RawMessage(`{"session_id":"8d0f2b8e-5a44-4c1e-9b1e-1f0b6c1f9a52","query":"AI coding tools"}`)
	for _, tt := range []struct {
		name   string
		events []stubs.Event
		want   string
	}{
		{name: "started data under a progress name", events: []stubs.Event{{Event: "progress", Data: started}},
			want: "answer.events[0] breaks the v2_queries_stream event schema AgentProgress"},
		{name: "a step below 1", events: []stubs.Event{{Event: "progress", Data: json.RawMessage(`{"step":0,"max_steps":10,"message":"x"}`)}},
			want: "AgentProgress at /step"},
		{name: "an undeclared name", events: []stubs.Event{{Event: "finished", Data: json.RawMessage(`{}`)}},
			want: `answer.events[0]: event "finished" is not one the stream declares`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ts.p.Stubs.Add(stubs.Stub{Operation: "v2_queries_stream", Answer: stubs.Answer{Events: tt.events}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Add: %v, want a refusal naming %q", err, tt.want)
			}
		})
	}
	valid := []stubs.Event{
		{Event: "started", Data: started},
		{Event: "progress", Data: json.RawMessage(`{"step":1,"max_steps":10,"message":"Searching TikTok"}`)},
		{Event: "ping", Data: json.RawMessage(`{}`)},
	}
	if _, err := ts.p.Stubs.Add(stubs.Stub{Operation: "v2_queries_stream", Answer: stubs.Answer{Events: valid}}); err != nil {
		t.Fatalf("valid named events refused: %v", err)
	}
}
