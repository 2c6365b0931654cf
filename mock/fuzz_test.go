package mock

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
)

// FuzzRequestBodies throws arbitrary bodies at several operations: the
// mock must never panic or answer 5xx, and every answer must be a valid
// envelope (a JSON object with a string code and a msg).
func FuzzRequestBodies(f *testing.F) {
	ops := []string{"list_videos", "search", "upload_url", "delete_videos", "chat", "memories_add", "scraper_url", "folders_move"}
	seeds := []string{
		`{}`, `{"page":1,"size":20}`, `{"search_param":"beach","search_type":"BY_VIDEO","top_k":3}`,
		`{"url":"https://example.com/a.mp4","tags":["a","b"],"datetime_taken":"2025-10-20 11:00:00"}`,
		`["VI1","VI2"]`, `{"video_nos":["VI1"],"prompt":"summarize","session_id":123}`,
		`{"memories":[{"role":"user","content":"x"}]}`, `{"video_urls":["https://www.tiktok.com/@a/video/1"]}`,
		`{"page":"x"}`, `[`, `null`, `"str"`, `{"top_k":1e309}`, `{"latitude":"NaN"}`, "\x00\xff",
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	fuzzOnce.Do(func() {
		s, err := New(Options{RateLimits: "off", CreditsOff: true})
		if err != nil {
			f.Fatal(err)
		}
		fuzzSrv = s
	})
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		path := "/serve/api/v1/" + strings.ReplaceAll(ops[int(op)%len(ops)], "_add", "/add")
		path = strings.ReplaceAll(path, "folders_move", "folders/move")
		for _, ct := range []string{"application/json", "application/x-www-form-urlencoded"} {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Authorization", "sk-fuzz")
			req.Header.Set("Content-Type", ct)
			rec := httptest.NewRecorder()
			fuzzSrv.Handler().ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s %s: HTTP %d %s", path, ct, rec.Code, rec.Body.String())
			}
			ctype := rec.Header().Get("Content-Type")
			if strings.HasPrefix(ctype, "text/event-stream") {
				continue
			}
			var env map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
				t.Fatalf("%s %s: not JSON: %q", path, ct, rec.Body.String())
			}
			if _, ok := env["code"].(string); !ok {
				t.Fatalf("%s %s: code is not a string: %v", path, ct, env)
			}
			if _, ok := env["msg"].(string); !ok {
				t.Fatalf("%s %s: no msg: %v", path, ct, env)
			}
		}
	})
}
