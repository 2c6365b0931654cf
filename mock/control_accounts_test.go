package mock

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestLinkedKeysShareLibraryLimitsAndCredits: keys linked through the
// control plane are one account on v1 and v2 (V2_SURFACE §5): one library,
// one balance.
func TestLinkedKeysShareLibraryLimitsAndCredits(t *testing.T) {
	ts := newTestServer(t, Options{})
	up := ts.json(http.MethodPost, "/serve/api/v1/upload_url", "sk-main", map[string]any{"url": "https://example.com/beach.mp4"})
	if code(up) != CodeOK {
		t.Fatalf("upload_url: %v", up)
	}
	linked := ts.json(http.MethodPut, "/_mock/accounts/sk-main/keys", "", map[string]any{"keys": []string{"sk-second"}})
	if linked["account"] != "sk-main" || len(linked["keys"].([]any)) != 2 {
		t.Fatalf("link: %v", linked)
	}
	list := ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-second", map[string]any{})
	if n := len(data(list)["videos"].([]any)); n != 1 {
		t.Fatalf("linked key sees %d videos, want 1: %v", n, list)
	}
	// One balance: emptying it through one key refuses the other.
	ts.json(http.MethodPut, "/_mock/accounts/sk-second/balance", "", map[string]any{"credits": 0})
	s := ts.json(http.MethodPost, "/serve/api/v1/search", "sk-main", map[string]any{"search_param": "beach", "search_type": "BY_VIDEO"})
	if code(s) != CodeNoBalance {
		t.Fatalf("search after emptying the shared balance: %v", s)
	}
	// A v2 upload through the linked key shows up in the account's assets.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "clip.mp4")
	_, _ = fw.Write(mediatest.MP4(mediatest.MP4Options{Duration: 3}))
	_ = mw.Close()
	rec := ts.do(http.MethodPost, "/serve/api/v2/upload", "sk-second", mw.FormDataContentType(), &buf)
	if rec.Code != http.StatusOK {
		t.Fatalf("v2 upload: %d %s", rec.Code, rec.Body)
	}
	assets := ts.json(http.MethodGet, "/_mock/v2/assets?api_key=sk-main", "", nil)
	if n := len(assets["assets"].([]any)); n != 1 {
		t.Fatalf("account assets %v", assets)
	}
	// A key of another account cannot be taken over.
	taken := ts.do(http.MethodPut, "/_mock/accounts/sk-other/keys", "", "application/json", bytes.NewBufferString(`{"keys":["sk-second"]}`))
	if taken.Code != http.StatusBadRequest {
		t.Fatalf("stealing a key: %d %s", taken.Code, taken.Body)
	}
}

func TestAccountWebhookControl(t *testing.T) {
	ts := newTestServer(t, Options{DefaultWebhook: "http://127.0.0.1:9/default"})
	got := ts.json(http.MethodGet, "/_mock/accounts/sk-a/webhook", "", nil)
	if got["url"] != "http://127.0.0.1:9/default" {
		t.Fatalf("default webhook: %v", got)
	}
	set := ts.json(http.MethodPut, "/_mock/accounts/sk-a/webhook", "", map[string]any{"url": "127.0.0.1:9/mine"})
	if set["url"] != "http://127.0.0.1:9/mine" {
		t.Fatalf("set: %v", set)
	}
	if ts.srv.Platform().Accounts.Webhook("sk-a") != "http://127.0.0.1:9/mine" {
		t.Fatal("platform does not hold the webhook")
	}
	bad := ts.do(http.MethodPut, "/_mock/accounts/sk-a/webhook", "", "application/json", bytes.NewBufferString(`{"url":5}`))
	if bad.Code != http.StatusBadRequest {
		t.Fatalf("non-string url: %d", bad.Code)
	}
	tasks := ts.json(http.MethodGet, "/_mock/v2/tasks", "", nil)
	if _, ok := tasks["tasks"].([]any); !ok {
		t.Fatalf("tasks: %v", tasks)
	}
}
