package mock

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// journalled returns the newest journal entry of key, as GET
// /_mock/requests reports it.
func (ts *testServer) journalled(key string) map[string]any {
	ts.t.Helper()
	reqs, _ := ts.json(http.MethodGet, "/_mock/requests?limit=1&api_key="+key, "", nil)["requests"].([]any)
	if len(reqs) != 1 {
		ts.t.Fatalf("no journal entry for %s", key)
	}
	return reqs[0].(map[string]any)
}

// TestJournalKeepsTheAnswer: /_mock/requests and /_mock/requests/find show
// each request's answer as the client received it: a JSON answer as JSON,
// a chat stream as its event text, a download as size and SHA-256.
func TestJournalKeepsTheAnswer(t *testing.T) {
	ts := newTestServer(t, Options{})
	file := mediatest.MP4(mediatest.MP4Options{Duration: 12, Audio: true})
	no := ts.upload("sk-answer", "default", "beach_day.mp4", file, nil)["data"].(map[string]any)["videoNo"].(string)
	ts.clk.Advance(time.Minute)
	ts.srv.Tick()

	t.Run("json", func(t *testing.T) {
		rec := ts.do(http.MethodPost, "/serve/api/v1/list_videos", "sk-answer", "application/json", strings.NewReader(`{"unique_id":"default"}`))
		var sent any
		if err := json.Unmarshal(rec.Body.Bytes(), &sent); err != nil {
			t.Fatal(err)
		}
		e := ts.journalled("sk-answer")
		if e["operation_id"] != "list_videos" || e["answer_content_type"] != "application/json" || e["answer_digest"] != nil {
			t.Fatalf("entry %v", e)
		}
		got, _ := json.Marshal(e["answer"])
		want, _ := json.Marshal(sent)
		if !bytes.Equal(got, want) || !strings.Contains(string(got), no) {
			t.Fatalf("journal answer %s\nclient got %s", got, want)
		}
		res := decode(t, ts.do(http.MethodPost, "/_mock/requests/find", "", "application/json",
			strings.NewReader(`{"operation":"list_videos","api_key":"sk-answer"}`)))
		found, _ := res["requests"].([]any)
		if len(found) != 1 || found[0].(map[string]any)["answer"] == nil {
			t.Fatalf("find: %v", res)
		}
	})
	t.Run("error envelope", func(t *testing.T) {
		ts.do(http.MethodPost, "/serve/api/v1/list_videos", "sk-answer", "application/json", strings.NewReader(`{"page":"x"}`))
		e := ts.journalled("sk-answer")
		ans, _ := e["answer"].(map[string]any)
		if ans["code"] != "0001" || e["code"] != "0001" {
			t.Fatalf("entry %v", e)
		}
	})
	t.Run("event stream", func(t *testing.T) {
		rec := ts.do(http.MethodPost, "/serve/api/v1/chat_stream", "sk-answer", "application/json",
			strings.NewReader(`{"video_nos":["`+no+`"],"prompt":"What happens?"}`))
		if !strings.Contains(rec.Body.String(), "data:") {
			t.Fatalf("no stream: %s", rec.Body.String())
		}
		e := ts.journalled("sk-answer")
		if s, _ := e["answer"].(string); s != rec.Body.String() || !strings.HasPrefix(e["answer_content_type"].(string), "text/event-stream") {
			t.Fatalf("journal kept %q (%v)\nclient got %q", e["answer"], e["answer_content_type"], rec.Body.String())
		}
	})
	t.Run("download", func(t *testing.T) {
		rec := ts.do(http.MethodPost, "/serve/api/v1/download", "sk-answer", "application/json", strings.NewReader(`{"video_no":"`+no+`"}`))
		sum := sha256.Sum256(file)
		if !bytes.Equal(rec.Body.Bytes(), file) {
			t.Fatalf("download: %d bytes", rec.Body.Len())
		}
		e := ts.journalled("sk-answer")
		dg, _ := e["answer_digest"].(map[string]any)
		if e["answer"] != nil || dg == nil || dg["size"] != float64(len(file)) || dg["sha256"] != hex.EncodeToString(sum[:]) {
			t.Fatalf("entry %v", e)
		}
	})
}
