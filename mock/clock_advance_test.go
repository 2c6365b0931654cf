package mock

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// TestClockAdvanceRunsDueV2Tasks runs the mock on its production clock (the
// wall clock plus the control plane's offset), not a fake: an async v2 task
// due in an hour is delivered as soon as POST /_mock/clock/advance jumps
// past its due time, as the control plane promises. Before, waits on that
// clock ran in wall time whatever the offset, so the webhook came an hour
// later; the 30 s bound below only keeps a broken build from hanging.
func TestClockAdvanceRunsDueV2Tasks(t *testing.T) {
	hooks := make(chan map[string]any, 4)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		hooks <- m
	}))
	defer rcv.Close()
	ts := newTestServer(t, Options{Clock: clock.NewOffset(clock.Real{}), DefaultWebhook: rcv.URL, V2TaskTime: time.Hour})
	m := ts.json(http.MethodPost, "/serve/api/v2/tiktok/video/mai/transcript", "sk-clock",
		map[string]any{"video_url": "https://www.tiktok.com/@memories/video/7350000000000000001"})
	id, _ := m["data"].(map[string]any)["task_id"].(string)
	if id == "" {
		t.Fatalf("start task: %v", m)
	}
	if got := ts.json(http.MethodPost, "/_mock/clock/advance", "", map[string]any{"seconds": 7200}); got["now"] == nil {
		t.Fatalf("advance: %v", got)
	}
	select {
	case h := <-hooks:
		if h["task_id"] != id || h["message"] != "SUCCESS" {
			t.Fatalf("webhook %v, want task %s SUCCESS", h, id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook after the clock was advanced past the task's due time")
	}
}
