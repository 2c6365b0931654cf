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
