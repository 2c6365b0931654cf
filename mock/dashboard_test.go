package mock

import (
	"bufio"
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestDashboardServed: the dashboard, its assets and panels are served on
// the control plane with a same-origin CSP; the page shows what the API
// stored (the browser test in package dashboard drives it for real).
func TestDashboardServed(t *testing.T) {
	ts := newTestServer(t, Options{})
	up := ts.upload("sk-a", "", "beach_day.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 3}), nil)
	no := data(up)["videoNo"].(string)
	tests := []struct {
		name, path, ctype, want string
		code                    int
	}{
		{name: "page", path: "/_mock/ui", code: 200, ctype: "text/html", want: no},
		{name: "account", path: "/_mock/ui?account=sk-a", code: 200, ctype: "text/html", want: `aria-current="true">sk-a<`},
		{name: "item", path: "/_mock/ui/video?id=" + no, code: 200, ctype: "text/html", want: "beach_day"},
		{name: "unknown item", path: "/_mock/ui/video?id=VI000", code: 404, ctype: "application/json", want: `{"error":`},
		{name: "panel", path: "/_mock/ui/panel?name=library", code: 200, ctype: "text/html", want: `data-item="` + no + `"`},
		{name: "script", path: "/_mock/ui/dashboard.js", code: 200, ctype: "text/javascript", want: "EventSource"},
		{name: "style", path: "/_mock/ui/dashboard.css", code: 200, ctype: "text/css", want: ":root"},
		{name: "media", path: "/_mock/ui/media?id=" + no, code: 200, ctype: "application/octet-stream", want: "ftyp"},
		{name: "unknown page", path: "/_mock/ui/nope", code: 404, ctype: "application/json", want: `{"error":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.do(http.MethodGet, tt.path, "", "", nil)
			if rec.Code != tt.code || !strings.HasPrefix(rec.Header().Get("Content-Type"), tt.ctype) || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("GET %s: %d %s %.300s; want %d %s with %q", tt.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), tt.code, tt.ctype, tt.want)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Fatalf("CSP %q", csp)
			}
		})
	}
}

// TestDashboardToken: with a control token, a browser opening the
// dashboard gets a page asking for it, an API client a JSON 401, and the
// token works as the header or as the dashboard's cookie.
func TestDashboardToken(t *testing.T) {
	ts := newTestServer(t, Options{ControlToken: "secret"})
	get := func(header, cookie, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/_mock/ui", nil)
		if header != "" {
			req.Header.Set("X-Mock-Token", header)
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "mock_token", Value: cookie})
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		return ts.record(req)
	}
	tests := []struct {
		name, header, cookie, accept, want string
		code                               int
	}{
		{name: "browser without token", accept: "text/html,*/*", code: 401, want: `id="token"`},
		{name: "client without token", code: 401, want: `"error":"missing or wrong X-Mock-Token"`},
		{name: "wrong cookie", cookie: "nope", accept: "text/html", code: 401, want: `id="token"`},
		{name: "header", header: "secret", code: 200, want: "memharness dashboard"},
		{name: "cookie", cookie: "secret", accept: "text/html", code: 200, want: "memharness dashboard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(tt.header, tt.cookie, tt.accept)
			if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("%d %.300s; want %d with %q", rec.Code, rec.Body.String(), tt.code, tt.want)
			}
		})
	}
	// The cookie opens the rest of the control plane too (the page's forms).
	req := httptest.NewRequest(http.MethodGet, "/_mock/clock", nil)
	req.AddCookie(&http.Cookie{Name: "mock_token", Value: "secret"})
	if rec := ts.record(req); rec.Code != 200 {
		t.Fatalf("GET /_mock/clock with the cookie: %d %s", rec.Code, rec.Body.String())
	}
}

// TestDashboardEvents: the live stream sends every panel once, then only
// what changed (here the library, after an upload).
func TestDashboardEvents(t *testing.T) {
	ts := newTestServer(t, Options{})
	srv := httptest.NewServer(ts.srv.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/_mock/ui/events?page=index", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	next := func() string {
		t.Helper()
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				return d
			}
		}
		t.Fatalf("stream ended: %v", sc.Err())
		return ""
	}
	first := map[string]bool{}
	for range 7 { // clock, accounts, library, callbacks, stubs, requests, lists
		d := next()
		first[d[strings.Index(d, `"panel":"`)+9:][:4]] = true
	}
	if len(first) != 7 {
		t.Fatalf("first round: %v", first)
	}
	no := data(ts.upload("sk-a", "", "beach_day.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 3}), nil))["videoNo"].(string)
	for {
		d := next()
		if strings.Contains(d, `"panel":"library"`) {
			if !strings.Contains(d, no) {
				t.Fatalf("library update without %s: %.300s", no, d)
			}
			return
		}
	}
}

// TestDashboardRedeliver: the Redeliver button's control operation.
func TestDashboardRedeliver(t *testing.T) {
	ts := newTestServer(t, Options{})
	a := data(ts.upload("sk-a", "", "a.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 3}), nil))["videoNo"].(string)

	if rec := ts.do(http.MethodPost, "/_mock/callbacks/cb-404/redeliver", "", "", nil); rec.Code != 404 {
		t.Fatalf("redeliver of an unknown delivery: %d %s", rec.Code, rec.Body.String())
	}
	ts.srv.p.Webhooks.Enqueue("http://127.0.0.1:1/cb", map[string]any{"videoNo": a})
	if rec := ts.do(http.MethodPost, "/_mock/callbacks/cb-1/redeliver", "", "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"id":"cb-1"`) {
		t.Fatalf("redeliver: %d %s", rec.Code, rec.Body.String())
	}

}

// TestDashboardV2Assets: v2 assets show in the library with their own
// statuses, WAITING/UPLOADING on the way to SUCCESS, and their timeline.
func TestDashboardV2Assets(t *testing.T) {
	ts := newTestServer(t, Options{V2UploadTime: 4 * time.Second})
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "clip.mp4")
	_, _ = fw.Write(mediatest.MP4(mediatest.MP4Options{Duration: 3}))
	_ = mw.Close()
	if rec := ts.do(http.MethodPost, "/serve/api/v2/upload", "sk-v2", mw.FormDataContentType(), &buf); rec.Code != http.StatusOK {
		t.Fatalf("v2 upload: %d %s", rec.Code, rec.Body)
	}
	lib := ts.do(http.MethodGet, "/_mock/ui/panel?name=library", "", "", nil).Body.String() // every account
	m := regexp.MustCompile(`data-item="([^"]+)"[\s\S]*?data-status>(\w+)<`).FindStringSubmatch(lib)
	if m == nil || !strings.Contains(lib, "assets · v2") || m[2] == "SUCCESS" {
		t.Fatalf("v2 library before the upload ends: %.600s", lib)
	}
	ts.clk.Advance(time.Minute)
	lib = ts.do(http.MethodGet, "/_mock/ui/panel?name=library&account=sk-v2", "", "", nil).Body.String()
	if !strings.Contains(lib, `data-status>SUCCESS<`) {
		t.Fatalf("v2 library after the upload: %.600s", lib)
	}
	page := ts.do(http.MethodGet, "/_mock/ui/video?id="+m[1], "", "", nil)
	if page.Code != 200 || !strings.Contains(page.Body.String(), "status SUCCESS") || !strings.Contains(page.Body.String(), "status UPLOADING") {
		t.Fatalf("v2 item page: %d %.1500s", page.Code, page.Body.String())
	}
}

// TestDashboardAccountFaults: the Accounts view shows an account's own
// faults (PUT /_mock/faults?api_key=K) instead of the global ones.
func TestDashboardAccountFaults(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-a", map[string]any{})
	ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-b", map[string]any{})
	rec := ts.do(http.MethodPut, "/_mock/faults?api_key=sk-a", "", "application/json",
		strings.NewReader(`{"operations":{"search":{"error_rate":0.5}}}`))
	if rec.Code != 200 {
		t.Fatalf("PUT faults: %d %s", rec.Code, rec.Body)
	}
	tests := []struct {
		account string
		own     bool
	}{{"sk-a", true}, {"sk-b", false}}
	for _, tt := range tests {
		body := ts.do(http.MethodGet, "/_mock/ui/panel?name=accounts&account="+tt.account, "", "", nil).Body.String()
		if strings.Contains(body, "this account's own") != tt.own || strings.Contains(body, "error_rate") != tt.own {
			t.Errorf("%s: own faults shown = %v, want %v\n%.400s", tt.account, !tt.own, tt.own, body[strings.Index(body, "Faults"):])
		}
	}
}
