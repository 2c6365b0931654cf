package mock

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestResetAccountForgetsV2: POST /_mock/reset?api_key=K forgets K's v2
// assets and stops its running async tasks (no callback, not listed);
// another account's task goes on.
func TestResetAccountForgetsV2(t *testing.T) {
	ts := newTestServer(t, Options{DefaultWebhook: "http://127.0.0.1:9/hook"})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "clip.mp4")
	_, _ = fw.Write(mediatest.MP4(mediatest.MP4Options{Duration: 3}))
	_ = mw.Close()
	if rec := ts.do(http.MethodPost, "/serve/api/v2/upload", "sk-gone", mw.FormDataContentType(), &buf); rec.Code != http.StatusOK {
		t.Fatalf("v2 upload: %d %s", rec.Code, rec.Body)
	}
	task := func(key string) string {
		m := ts.json(http.MethodPost, "/serve/api/v2/tiktok/video/mai/transcript", key,
			map[string]any{"video_url": "https://www.tiktok.com/@memories/video/7350000000000000001"})
		id, _ := m["data"].(map[string]any)["task_id"].(string)
		if id == "" {
			t.Fatalf("start task: %v", m)
		}
		return id
	}
	gone, kept := task("sk-gone"), task("sk-kept")
	if got := ts.json(http.MethodPost, "/_mock/reset?api_key=sk-gone", "", nil); got["status"] != "ok" {
		t.Fatalf("reset: %v", got)
	}
	if n := len(ts.json(http.MethodGet, "/_mock/v2/assets?api_key=sk-gone", "", nil)["assets"].([]any)); n != 0 {
		t.Fatalf("%d v2 assets after the reset", n)
	}
	ts.clk.Advance(time.Hour)
	// The kept task's goroutine hands its callback over once it runs; wait
	// for that before closing (Close would otherwise race it and stop the
	// task first). The reset task has no goroutine left to hand anything.
	handed := func() bool {
		for _, d := range ts.srv.p.Webhooks.Snapshot() {
			if id, _ := d.Payload.(map[string]any)["task_id"].(string); id == kept {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(20 * time.Second); !handed(); runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("the kept task's callback was never handed over")
		}
	}
	_ = ts.srv.Close()
	for _, tk := range ts.srv.v2.Tasks() {
		if tk.ID == gone {
			t.Fatalf("reset task listed: %+v", tk)
		}
	}
	var sent []string
	for _, d := range ts.srv.p.Webhooks.Snapshot() {
		id, _ := d.Payload.(map[string]any)["task_id"].(string)
		sent = append(sent, id)
	}
	if len(sent) != 1 || sent[0] != kept {
		t.Fatalf("callbacks handed over for tasks %v, want only %s (reset: %s)", sent, kept, gone)
	}
}
