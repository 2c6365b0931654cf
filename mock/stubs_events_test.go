package mock

import (
	"net/http"
	"strings"
	"testing"
)

// TestStubEventsAreCheckedAgainstTheEventSchemas: a stubbed event list is
// refused when an event breaks the stream's event component (the
// violation named: event, schema, pointer), unless unchecked; a valid one
// is accepted and streamed as the API frames it.
func TestStubEventsAreCheckedAgainstTheEventSchemas(t *testing.T) {
	for _, tt := range []struct {
		name   string
		stub   string
		refuse []string // substrings of the refusal; nil: accepted
	}{
		{
			name:   "content event without sessionId",
			stub:   `{"operation":"chat_stream","answer":{"events":[{"data":{"type":"content","role":"assistant","content":"Hello"}}]}}`,
			refuse: []string{"answer.events[0]", "ChatStreamEvent", "sessionId", "unchecked"},
		},
		{
			name:   "second event's type is not a chat event",
			stub:   `{"operation":"chat_stream","answer":{"events":[{"data":{"type":"content","role":"assistant","content":"Hi","sessionId":"606120397607260160"}},{"data":{"type":"content","content":7,"sessionId":"606120397607260160"}}]}}`,
			refuse: []string{"answer.events[1]", "/content"},
		},
		{
			name:   "personal token missing",
			stub:   `{"operation":"chat_personal_stream","answer":{"events":[{"data":{"text":"hi"}},{"data":"[DONE]"}]}}`,
			refuse: []string{"answer.events[0]", "PersonalTokenEvent", "token"},
		},
		{
			name:   "terminator before the last event",
			stub:   `{"operation":"chat_personal_stream","answer":{"events":[{"data":"[DONE]"},{"data":{"token":"late"}}]}}`,
			refuse: []string{"answer.events[0]", "terminator [DONE] is not the last event"},
		},
		{
			name:   "status without a stream",
			stub:   `{"operation":"chat_stream","answer":{"status":500,"events":[{"data":{"code":"SUCCESS","data":"Done"}}]}}`,
			refuse: []string{"no text/event-stream answer with HTTP 500"},
		},
		{
			name: "unchecked keeps a broken event",
			stub: `{"operation":"chat_stream","unchecked":true,"answer":{"events":[{"data":{"type":"content"}}]}}`,
		},
		{
			name: "valid video chat events",
			stub: `{"operation":"chat_stream","answer":{"events":[{"data":{"type":"content","role":"assistant","content":"Hello","sessionId":"606120397607260160"}},{"data":{"code":"SUCCESS","data":"Done"}}]}}`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			rec := ts.addStub(t, tt.stub)
			if tt.refuse == nil {
				if rec.Code != http.StatusOK {
					t.Fatalf("refused a stub the spec allows: %d %s", rec.Code, rec.Body.String())
				}
				return
			}
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("accepted: %d %s", rec.Code, rec.Body.String())
			}
			for _, want := range tt.refuse {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("refusal %s does not name %q", rec.Body.String(), want)
				}
			}
			if list := ts.json(http.MethodGet, "/_mock/stubs", "", nil); len(list["stubs"].([]any)) != 0 {
				t.Fatalf("a refused stub was registered: %v", list)
			}
		})
	}
}

// TestValidStubEventsStreamAsTheAPIFramesThem: accepted event lists are
// served with the operation's framing: "data:" for the video chat, and
// "data: " with a bare [DONE] terminator for the personal chat.
func TestValidStubEventsStreamAsTheAPIFramesThem(t *testing.T) {
	for _, tt := range []struct {
		name, stub, path, body, want string
	}{
		{
			name: "video chat",
			stub: `{"operation":"chat_stream","answer":{"events":[{"data":{"type":"content","role":"assistant","content":"Hello","sessionId":"606120397607260160"}},{"data":{"code":"SUCCESS","data":"Done"}}]}}`,
			path: "/serve/api/v1/chat_stream", body: `{"video_nos":["VI1"],"prompt":"hi"}`,
			want: "data:{\"type\":\"content\",\"role\":\"assistant\",\"content\":\"Hello\",\"sessionId\":\"606120397607260160\"}\n\ndata:{\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n",
		},
		{
			name: "personal chat",
			stub: `{"operation":"chat_personal_stream","answer":{"events":[{"data":{"token":"You went to the beach "}},{"data":"[DONE]"}]}}`,
			path: "/serve/api/v1/chat_personal_stream", body: `{"prompt":"where did I go?"}`,
			want: "data: {\"token\":\"You went to the beach \"}\n\ndata: [DONE]\n\n",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			if rec := ts.addStub(t, tt.stub); rec.Code != http.StatusOK {
				t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
			}
			out := ts.record(httptestRequest(http.MethodPost, tt.path, "sk-sse", "application/json", tt.body))
			if out.Body.String() != tt.want || !strings.HasPrefix(out.Header().Get("Content-Type"), "text/event-stream") {
				t.Fatalf("stream %q (%s), want %q", out.Body.String(), out.Header().Get("Content-Type"), tt.want)
			}
		})
	}
}

// TestStubsOfOperationsNoPipelineConsultsAreRefused: only the v1 and v2
// pipelines consult stubs, so a stub for a MemSync or control operation
// (or a typo) is refused even when unchecked, rather than registered to
// never answer.
func TestStubsOfOperationsNoPipelineConsultsAreRefused(t *testing.T) {
	ts := newTestServer(t, Options{})
	for _, op := range []string{"searchMemories", "mock_reset", "serch"} {
		rec := ts.addStub(t, `{"operation":"`+op+`","unchecked":true,"answer":{"data":{}}}`)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `operation \"`+op+`\"`) || !strings.Contains(rec.Body.String(), "only those can be stubbed") {
			t.Errorf("%s: %d %s", op, rec.Code, rec.Body.String())
		}
	}
	if list := ts.json(http.MethodGet, "/_mock/stubs", "", nil); len(list["stubs"].([]any)) != 0 {
		t.Fatalf("refused stubs were registered: %v", list)
	}
}
