package mock

import (
	"net/url"
	"strings"
	"testing"

	"github.com/memharness/memharness/platform/callbackhosts"
)

// TestCallbackHosts: under --callback-hosts loopback every operation that
// takes a callback URL refuses a public host with 0001 and a message naming
// it, stores nothing, and accepts a loopback callback.
func TestCallbackHosts(t *testing.T) {
	policy, err := callbackhosts.Parse("loopback")
	if err != nil {
		t.Fatal(err)
	}
	const outside = "https://hooks.example.com/cb"
	const inside = "http://127.0.0.1:9/cb"
	tests := []struct {
		name string
		path string
		body func(cb string) map[string]any
	}{
		{name: "upload_url", path: "/serve/api/v1/upload_url", body: func(cb string) map[string]any {
			return map[string]any{"url": "https://example.com/beach_day.mp4", "callback": cb}
		}},
		{name: "scraper", path: "/serve/api/v1/scraper", body: func(cb string) map[string]any {
			return map[string]any{"username": "https://www.tiktok.com/@cutshall73", "scraper_cnt": 2, "callback_url": cb}
		}},
		{name: "scraper_url alias callback", path: "/serve/api/v1/scraper_url", body: func(cb string) map[string]any {
			return map[string]any{"video_urls": []string{"https://www.tiktok.com/@cutshall73/video/7543017294226558221"}, "callback": cb}
		}},
		{name: "scraper_tag_public", path: "/serve/api/v1/scraper_tag_public", body: func(cb string) map[string]any {
			return map[string]any{"hash_tags": []string{"beach"}, "scraper_cnt": 1, "callback": cb}
		}},
		{name: "understand_upload", path: "/v1/understand/upload", body: func(cb string) map[string]any {
			return map[string]any{"video_url": "https://example.com/v.mp4", "user_prompt": "Describe it", "system_prompt": "You are a video understanding system.", "callback": cb}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, Options{CallbackHosts: policy, CreditsOff: true})
			got := ts.json("POST", tc.path, "sk-cb", tc.body(outside))
			if c := code(got); c != CodeBadParam && c != "-1" {
				t.Fatalf("outside callback: code %v, want 0001: %v", got["code"], got)
			}
			msg, _ := got["msg"].(string)
			if !strings.Contains(msg, "hooks.example.com is outside the allowed callback hosts (loopback)") {
				t.Errorf("outside callback: message %q does not say why", msg)
			}
			ok := ts.json("POST", tc.path, "sk-cb", tc.body(inside))
			if c := code(ok); c != CodeOK && c != "0" {
				t.Fatalf("loopback callback refused: %v", ok)
			}
		})
	}

	t.Run("refused upload stores nothing", func(t *testing.T) {
		ts := newTestServer(t, Options{CallbackHosts: policy, CreditsOff: true})
		form := url.Values{"url": {"https://example.com/beach_day.mp4"}, "callback": {"http://10.0.0.1/cb"}}
		rec := ts.do("POST", "/serve/api/v1/upload_url", "sk-cb", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if c := code(decode(t, rec)); c != CodeBadParam {
			t.Fatalf("private-address callback under loopback: code %s", c)
		}
		list := ts.json("POST", "/serve/api/v1/list_videos", "sk-cb", map[string]any{})
		if n := data(list)["total_count"]; n != "0" {
			t.Errorf("list_videos total_count = %v after a refused upload, want 0", n)
		}
	})

	t.Run("default policy admits any host", func(t *testing.T) {
		ts := newTestServer(t, Options{CreditsOff: true})
		got := ts.json("POST", "/serve/api/v1/upload_url", "sk-cb", map[string]any{"url": "https://example.com/a.mp4", "callback": outside})
		if c := code(got); c != CodeOK {
			t.Fatalf("default policy refused %s: %v", outside, got)
		}
	})
}
