package v2

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform"
)

// testSurface is a v2 surface on its own engine, platform and store, with
// a fake clock.
type testSurface struct {
	t   *testing.T
	s   *Surface
	p   *platform.Platform
	st  *store.Memory
	clk *clock.Fake
	h   http.Handler
}

type testOpts struct {
	opts       Options
	dir        string
	rateLimits string
	credits    bool
	clk        *clock.Fake
}

func newTestSurface(t *testing.T, to testOpts) *testSurface {
	t.Helper()
	clk := to.clk
	if clk == nil {
		clk = clock.NewFake(time.Date(2026, 3, 13, 10, 0, 0, 0, time.UTC))
	}
	rl := to.rateLimits
	if rl == "" {
		rl = "off"
	}
	st, err := store.Open(store.Options{Dir: to.dir})
	if err != nil {
		t.Fatal(err)
	}
	p, err := platform.New(platform.Options{Clock: clk, RateLimits: rl, CreditsOff: !to.credits,
		CallbackBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	o := to.opts
	o.Platform, o.Store = p, st
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	s.Register(e)
	ts := &testSurface{t: t, s: s, p: p, st: st, clk: clk, h: e}
	t.Cleanup(func() {
		s.Close()
		_ = p.Close()
		_ = st.Close()
	})
	return ts
}

// answer is a decoded response.
type answer struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

func (a answer) data() map[string]any {
	m, _ := a.Body["data"].(map[string]any)
	return m
}

func (ts *testSurface) do(method, path, key, contentType string, body io.Reader) answer {
	ts.t.Helper()
	req := httptest.NewRequest(method, BasePath+path, body)
	if key != "" {
		req.Header.Set("Authorization", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, req)
	a := answer{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.Bytes()}
	if ct := rec.Header().Get("Content-Type"); ct == "application/json" {
		if err := json.Unmarshal(a.Raw, &a.Body); err != nil {
			ts.t.Fatalf("%s %s: undecodable JSON %q", method, path, a.Raw)
		}
	}
	return a
}

func (ts *testSurface) json(method, path, key string, body any) answer {
	ts.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	return ts.do(method, path, key, "application/json", r)
}

// upload posts data as a multipart `file` named name.
func (ts *testSurface) upload(key, name string, data []byte) answer {
	ts.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return ts.do(http.MethodPost, "/upload", key, mw.FormDataContentType(), &buf)
}

// ready uploads data and advances the clock until it is SUCCESS.
func (ts *testSurface) ready(key, name string, data []byte) string {
	ts.t.Helper()
	a := ts.upload(key, name, data)
	if a.Status != 200 {
		ts.t.Fatalf("upload: %d %s", a.Status, a.Raw)
	}
	id := a.data()["asset_id"].(string)
	ts.clk.Advance(time.Minute)
	if st := ts.status(key, id); st != StatusSuccess {
		ts.t.Fatalf("asset %s is %s, want SUCCESS", id, st)
	}
	return id
}

func (ts *testSurface) status(key, id string) string {
	ts.t.Helper()
	m := ts.do(http.MethodGet, "/"+id+"/metadata", key, "", nil)
	if m.Status != 200 {
		ts.t.Fatalf("metadata %s: %d %s", id, m.Status, m.Raw)
	}
	res := m.data()["resource"].([]any)
	return res[0].(map[string]any)["upload_status"].(string)
}

// expectError checks a seed-000 error answer.
func expectError(t *testing.T, a answer, status int, msg string) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("status %d, want %d: %s", a.Status, status, a.Raw)
	}
	if c, _ := a.Body["code"].(float64); int(c) != status {
		t.Fatalf("code %v, want %d: %s", a.Body["code"], status, a.Raw)
	}
	if msg != "" && a.Body["msg"] != msg {
		t.Fatalf("msg %q, want %q", a.Body["msg"], msg)
	}
	if a.Body["success"] != false || a.Body["failed"] != true || a.Body["data"] != nil {
		t.Fatalf("error envelope flags: %s", a.Raw)
	}
}

// receiver is a loopback webhook receiver.
type receiver struct {
	srv  *httptest.Server
	got  chan map[string]any
	fail int
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	r := &receiver{got: make(chan map[string]any, 64), fail: failFirst}
	// Deliveries of concurrent tasks arrive on concurrent connections.
	var n atomic.Int64
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if n.Add(1) <= int64(r.fail) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var m map[string]any
		_ = json.NewDecoder(req.Body).Decode(&m)
		r.got <- m
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) wait(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m := <-r.got:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook received")
		return nil
	}
}

// advanceUntil advances the clock in steps until cond holds, waiting for
// background goroutines to register their timers.
func (ts *testSurface) advanceUntil(cond func() bool) {
	ts.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			ts.t.Fatal("condition never held")
		}
		ts.clk.Advance(time.Second)
		time.Sleep(time.Millisecond)
	}
}

// newMultipart writes a one-file multipart body to buf and returns its
// content type.
func newMultipart(buf *bytes.Buffer, field, name string, data []byte) string {
	mw := multipart.NewWriter(buf)
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return mw.FormDataContentType()
}

// pngBytes is a small PNG for image cases.
func pngBytes() []byte { return mediatest.PNG(64, 48, 1) }
