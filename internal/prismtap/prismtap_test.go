package prismtap

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestClassify(t *testing.T) {
	const reqViolation = `[{"location":["request","body","page"],"severity":"Error","code":"type","message":"Request body property page must be integer"}]`
	const resViolation = `[{"location":["response","body","data"],"severity":"Error","code":"type","message":"Response body property data must be object"}]`
	const notFound = `[{"location":["request"],"severity":"Warning","message":"Selected route not found"}]`
	tests := []struct {
		name   string
		status int
		ct     string
		body   string
		header string
		want   []Kind
	}{
		{name: "no header", status: 200, ct: "application/json", body: `{"code":"0000"}`},
		{name: "request violation refused with 0001", status: 200, ct: "application/json", body: `{"code":"0001","msg":"parameter error"}`, header: reqViolation, want: []Kind{Expected}},
		{name: "request violation refused with http 400", status: 400, ct: "application/json", body: `{"code":400}`, header: reqViolation, want: []Kind{Expected}},
		{name: "request violation refused by MemSync 422", status: 422, ct: "application/json", body: `{"detail":[]}`, header: reqViolation, want: []Kind{Expected}},
		{name: "request violation the mock accepted", status: 200, ct: "application/json", body: `{"code":"0000","data":{}}`, header: reqViolation, want: []Kind{Failure}},
		{name: "request violation accepted by a stream", status: 200, ct: "text/event-stream", header: reqViolation, want: []Kind{Failure}},
		{name: "http style success", status: 200, ct: "application/json", body: `{"code":200,"msg":"success"}`, header: reqViolation, want: []Kind{Failure}},
		{name: "response violation even on an error", status: 200, ct: "application/json", body: `{"code":"0001"}`, header: resViolation, want: []Kind{Failure}},
		{name: "route not found", status: 200, ct: "application/json", body: `{"status":"ok"}`, header: notFound, want: []Kind{Unchecked}},
		{name: "two at once", status: 200, ct: "application/json", body: `{"code":"0000"}`, header: `[` + reqViolation[1:len(reqViolation)-1] + `,` + resViolation[1:], want: []Kind{Failure, Failure}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := Classify("POST", "/serve/api/v1/x", tc.status, tc.ct, []byte(tc.body), tc.header)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != len(tc.want) {
				t.Fatalf("got %d findings %+v, want %v", len(fs), fs, tc.want)
			}
			for i, f := range fs {
				if f.Kind != tc.want[i] {
					t.Errorf("finding %d: %s, want %s (%+v)", i, f.Kind, tc.want[i], f)
				}
			}
		})
	}
	fs, err := Classify("POST", "/x", 200, "application/json", []byte(`{"code":"0001"}`), tooMany+` [{"location":["request","body","a"],"severity":"Error","message":"x"},{"loc`)
	if err != nil || len(fs) != 1 || fs[0].Kind != Expected || fs[0].Violation.Location[0] != "request" {
		t.Errorf("truncated list: %+v, %v", fs, err)
	}
	fs, err = Classify("POST", "/x", 200, "application/json", []byte(`{"code":"0001"}`), tooMany+` [{"location":["response","body"],"sev`)
	if err != nil || len(fs) != 1 || fs[0].Kind != Failure {
		t.Errorf("truncated response list: %+v, %v", fs, err)
	}
	if _, err := Classify("GET", "/", 200, "", nil, "{not json"); err == nil {
		t.Error("an unreadable header must be an error")
	}
}

// TestTap runs the tap in front of a fake Prism that reports a response
// violation on one path, and checks the report fails and names it, while
// the body reaches the client unchanged.
func TestTap(t *testing.T) {
	prism := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/bad" {
			w.Header().Set("sl-violations", `[{"location":["response","body"],"severity":"Error","message":"Response body must be object"}]`)
		}
		if strings.HasPrefix(r.URL.Path, "/_mock/") {
			w.Header().Set("sl-violations", `[{"location":["request"],"severity":"Warning","message":"Selected route not found"}]`)
		}
		_, _ = w.Write([]byte(`{"code":"0000","data":[]}`))
	}))
	defer prism.Close()
	u, _ := url.Parse(prism.URL)
	tap := New(u, nil)
	front := httptest.NewServer(tap)
	defer front.Close()
	for _, p := range []string{"/ok", "/bad", "/_mock/health"} {
		res, err := http.Get(front.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = io.Copy(&b, res.Body)
		res.Body.Close()
		if b.String() != `{"code":"0000","data":[]}` {
			t.Errorf("%s: body %q changed on the way", p, b.String())
		}
	}
	r := tap.Report()
	if r.OK() || r.Exchanges != 3 || len(r.Failures) != 1 || r.Failures[0].Path != "/bad" || r.Unchecked["GET /_mock/..."] != 1 {
		t.Fatalf("report %+v\n%s", r, r.Text())
	}
	if !strings.Contains(r.Text(), "FAIL GET /bad -> 200 0000: response.body Response body must be object") {
		t.Errorf("text does not name the failure:\n%s", r.Text())
	}
}

func TestBypass(t *testing.T) {
	tests := []struct {
		name, method, path, ct, body string
		want                         bool
	}{
		{name: "json", method: "POST", path: "/serve/api/v1/search", ct: "application/json", body: `{"search_param":"x"}`},
		{name: "no body", method: "GET", path: "/serve/api/v1/get_metadata?video_no=VI1"},
		{name: "multipart", method: "POST", path: "/serve/api/v1/upload", ct: "multipart/form-data; boundary=x", body: "--x--", want: true},
		{name: "octet stream", method: "PUT", path: "/x", ct: "application/octet-stream", body: "\x00\x01", want: true},
		{name: "download", method: "POST", path: "/serve/api/v1/download", ct: "application/json", body: `{"video_no":"VI1"}`, want: true},
		{name: "malformed json", method: "POST", path: "/serve/api/v1/search", ct: "application/json", body: `{not json`, want: true},
		{name: "big integer", method: "POST", path: "/serve/api/v1/chat", ct: "application/json", body: `{"session_id": 606120397607260160, "top_k": 5}`, want: true},
		{name: "small numbers", method: "POST", path: "/serve/api/v1/search", ct: "application/json", body: `{"top_k": 5, "lat": 39.9042, "id": 9007199254740992}`},
		{name: "form", method: "POST", path: "/serve/api/v1/upload_url", ct: "application/x-www-form-urlencoded", body: "url=https://a/b.mp4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.ct != "" {
				r.Header.Set("Content-Type", tc.ct)
			}
			got := Bypass(r)
			if (got != "") != tc.want {
				t.Fatalf("Bypass = %q, want bypass %v", got, tc.want)
			}
			rest, _ := io.ReadAll(r.Body)
			if string(rest) != tc.body {
				t.Errorf("body after Bypass = %q, want it restored", rest)
			}
		})
	}
}

// TestTapBypass: a bypassed exchange reaches the server, not Prism, and is counted.
func TestTapBypass(t *testing.T) {
	var prismHits, serverHits atomic.Int32
	prism := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { prismHits.Add(1) }))
	defer prism.Close()
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serverHits.Add(1) }))
	defer server.Close()
	pu, _ := url.Parse(prism.URL)
	su, _ := url.Parse(server.URL)
	front := httptest.NewServer(New(pu, su))
	defer front.Close()
	res, err := http.Post(front.URL+"/serve/api/v1/upload", "multipart/form-data; boundary=x", strings.NewReader("--x--"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = http.Post(front.URL+"/serve/api/v1/search", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if prismHits.Load() != 1 || serverHits.Load() != 1 {
		t.Fatalf("prism %d, server %d hits; want 1 and 1", prismHits.Load(), serverHits.Load())
	}
}

// TestProbe runs Probe against a fake Prism that validates only /checked:
// the other operation must be reported silent.
func TestProbe(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /checked/{id}:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object}
      responses: {"200": {description: ok}}
  /skipped:
    put:
      requestBody:
        content:
          application/json:
            schema: {type: array, items: {type: string}}
      responses: {"200": {description: ok}}
  /form:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object}
      responses: {"200": {description: ok}}
`))
	if err != nil {
		t.Fatal(err)
	}
	var gotKey atomic.Value
	prism := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotKey.Store(r.Header.Get("Authorization"))
		if r.URL.Path == "/checked/probe" {
			w.Header().Set("sl-violations", `[{"location":["request","body"],"severity":"Error","message":"Request body must be object"}]`)
		}
	}))
	defer prism.Close()
	checked, silent, err := Probe(context.Background(), prism.Client(), prism.URL, doc, http.Header{"Authorization": {"sk-probe"}})
	if err != nil {
		t.Fatal(err)
	}
	if checked != 2 || len(silent) != 1 || !strings.HasPrefix(silent[0], "PUT /skipped") {
		t.Fatalf("checked %d, silent %v", checked, silent)
	}
	if gotKey.Load() != "sk-probe" {
		t.Errorf("header not sent: %v", gotKey.Load())
	}
}
