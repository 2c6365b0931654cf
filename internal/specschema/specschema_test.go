package specschema

import (
	"net/http"
	"strings"
	"testing"

	"github.com/memharness/memharness/openapi"
)

// TestStreamOfAndCheckEvent: the embedded description's streams resolve
// to their event components, and events are judged against them.
func TestStreamOfAndCheckEvent(t *testing.T) {
	doc, err := openapi.Memories()
	if err != nil {
		t.Fatal(err)
	}
	resp := func(path string) Stream {
		t.Helper()
		item := doc.Paths.Find(path)
		if item == nil || item.Post == nil {
			t.Fatalf("no POST %s", path)
		}
		return StreamOf(doc, item.Post.Responses.Status(http.StatusOK).Value)
	}
	video := resp("/serve/api/v1/chat_stream")
	personal := resp("/serve/api/v1/chat_personal_stream")
	if video.Name != DefaultEventSchema || video.Schema == nil || video.Terminator != "" {
		t.Fatalf("chat_stream: %+v", video)
	}
	if personal.Name != "PersonalTokenEvent" || personal.Schema == nil || personal.Terminator != "[DONE]" {
		t.Fatalf("chat_personal_stream: %+v", personal)
	}
	for _, tt := range []struct {
		name   string
		stream Stream
		data   string
		want   string // substring of the first violation's pointer+reason; "" valid
		err    bool
	}{
		{name: "valid content", stream: video, data: `{"type":"content","content":"x","sessionId":"1"}`},
		{name: "content without sessionId", stream: video, data: `{"type":"content","content":"x"}`, want: "sessionId"},
		{name: "content of the wrong type", stream: video, data: `{"type":"content","content":7,"sessionId":"1"}`, want: "/content"},
		{name: "terminator", stream: personal, data: `[DONE]`},
		{name: "token missing", stream: personal, data: `{"text":"x"}`, want: "token"},
		{name: "not JSON", stream: personal, data: `DONE`, err: true},
		{name: "schema missing", stream: Stream{Name: "Nope"}, data: `{}`, err: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			leaves, err := tt.stream.CheckEvent([]byte(tt.data))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if tt.want == "" {
				if len(leaves) != 0 {
					t.Fatalf("valid event explained as %v", leaves)
				}
				return
			}
			if len(leaves) == 0 || !strings.Contains(leaves[0].Pointer+" "+leaves[0].Reason, tt.want) {
				t.Fatalf("violations %v, want one naming %q", leaves, tt.want)
			}
		})
	}
}

// TestV2StreamsAndNamedEvents: the v2 chat completions' streams resolve to
// ChatCompletionChunk with a bare [DONE] terminator after "data: ", and
// the agent stream's named events to their own components.
func TestV2StreamsAndNamedEvents(t *testing.T) {
	doc, err := openapi.MemoriesV2()
	if err != nil {
		t.Fatal(err)
	}
	resp := func(path string) Stream {
		t.Helper()
		item := doc.Paths.Find(path)
		if item == nil || item.Post == nil {
			t.Fatalf("no POST %s", path)
		}
		return StreamOf(doc, item.Post.Responses.Status(http.StatusOK).Value)
	}
	for _, p := range []string{"/vu/chat/completions", "/iu/chat/completions", "/ilm/chat/completions", "/chat/completions"} {
		st := resp(p)
		if st.Name != "ChatCompletionChunk" || st.Schema == nil || st.Terminator != "[DONE]" || st.DataPrefix != "data: " {
			t.Fatalf("%s: %+v", p, st)
		}
	}
	agent := resp("/queries/stream")
	for _, tt := range []struct {
		name, event, data string
		schema            string
		want              string // substring of the first violation; "" valid
		err               bool
	}{
		{name: "progress", event: "progress", data: `{"step":1,"max_steps":3,"message":"x"}`, schema: "AgentProgress"},
		{name: "started data named progress", event: "progress", data: `{"session_id":"s","query":"q"}`, schema: "AgentProgress", want: "step"},
		{name: "unnamed checks the union", data: `{"session_id":"s","query":"q"}`, schema: "AgentEvent"},
		{name: "undeclared name", event: "finished", data: `{}`, err: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			schema, leaves, err := agent.CheckNamedEvent(tt.event, []byte(tt.data))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if tt.err {
				return
			}
			if schema != tt.schema {
				t.Fatalf("checked against %s, want %s", schema, tt.schema)
			}
			if (tt.want == "") != (len(leaves) == 0) || (tt.want != "" && !strings.Contains(leaves[0].Pointer+" "+leaves[0].Reason, tt.want)) {
				t.Fatalf("violations %v, want %q", leaves, tt.want)
			}
		})
	}
}
