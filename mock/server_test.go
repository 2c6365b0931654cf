package mock

import (
	"net/http"
	"strings"
	"testing"
)

func TestListVideosAnswersSuccessAndAuth(t *testing.T) {
	ts := newTestServer(t, Options{})
	tests := []struct {
		name, key, want string
	}{
		{name: "raw key", key: "sk-test", want: "0000"},
		{name: "bearer tolerated", key: "Bearer sk-test", want: "0000"},
		{name: "missing key", key: "", want: "0401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(http.MethodPost, "/serve/api/v1/list_videos", tt.key, "application/json", strings.NewReader(`{}`))
			if rec.Code != http.StatusOK {
				t.Fatalf("HTTP %d, want 200 (v1 errors are HTTP 200)", rec.Code)
			}
			m := decode(t, rec)
			if got := code(m); got != tt.want {
				t.Fatalf("code %q, want %q (%v)", got, tt.want, m)
			}
		})
	}
}

func TestRestrictedKeys(t *testing.T) {
	ts := newTestServer(t, Options{APIKeys: []string{"sk-good"}})
	if got := code(ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-bad", map[string]any{})); got != "0401" {
		t.Fatalf("rejected key: code %q, want 0401", got)
	}
	if got := code(ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-good", map[string]any{})); got != "0000" {
		t.Fatalf("accepted key: code %q, want 0000", got)
	}
}

func TestUnknownRouteIsRealNotFound(t *testing.T) {
	ts := newTestServer(t, Options{})
	rec := ts.do(http.MethodGet, "/serve/api/v1/no_such_thing", "sk-test", "", nil)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("HTTP %d, want 404", rec.Code)
	}
	if m := decode(t, rec); m["status"] != float64(404) {
		t.Fatalf("body %v, want a JSON 404 body", m)
	}
}

func TestHTTPErrorStyle(t *testing.T) {
	ts := newTestServer(t, Options{ErrorStyle: "http"})
	rec := ts.do(http.MethodPost, "/serve/api/v1/list_videos", "", "application/json", strings.NewReader(`{}`))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("HTTP %d, want 401", rec.Code)
	}
	m := decode(t, rec)
	if m["code"] != float64(401) || m["msg"] != "Unauthorized" {
		t.Fatalf("body %v, want {code:401,msg:Unauthorized}", m)
	}
}

func TestMalformedParametersAnswer0001(t *testing.T) {
	ts := newTestServer(t, Options{})
	tests := []struct {
		name, method, path, ct, body string
	}{
		{"wrong type", http.MethodPost, "/serve/api/v1/list_videos", "application/json", `{"page":"one"}`},
		{"malformed json", http.MethodPost, "/serve/api/v1/list_videos", "application/json", `{"page":`},
		{"missing required", http.MethodPost, "/serve/api/v1/search", "application/json", `{"search_type":"BY_VIDEO"}`},
		{"bad enum", http.MethodPost, "/serve/api/v1/search", "application/json", `{"search_param":"x","search_type":"BY_SMELL"}`},
		{"over limit", http.MethodPost, "/serve/api/v1/search", "application/json", `{"search_param":"x","search_type":"BY_VIDEO","top_k":100000}`},
		{"bad datetime", http.MethodPost, "/serve/api/v1/upload_url", "application/x-www-form-urlencoded", `url=https%3A%2F%2Fexample.com%2Fa.mp4&datetime_taken=2025%2F10%2F20`},
		{"long callback", http.MethodPost, "/serve/api/v1/upload_url", "application/json", `{"url":"https://example.com/a.mp4","callback":"https://x.example/` + strings.Repeat("a", 300) + `"}`},
		{"too many deletes", http.MethodPost, "/serve/api/v1/delete_videos", "application/json", `[` + strings.Repeat(`"VI1",`, 100) + `"VI2"]`},
		{"missing query", http.MethodGet, "/serve/api/v1/generate_summary?video_no=VI1", "", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(tt.method, tt.path, "sk-test", tt.ct, strings.NewReader(tt.body))
			if rec.Code >= 500 {
				t.Fatalf("HTTP %d: %s", rec.Code, rec.Body.String())
			}
			m := decode(t, rec)
			if got := code(m); got != "0001" {
				t.Fatalf("code %q, want 0001: %v", got, m)
			}
			if m["success"] != false || m["failed"] != true {
				t.Fatalf("envelope flags wrong: %v", m)
			}
		})
	}
}
