package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// testServer is an in-process mock with a fake clock.
type testServer struct {
	t   *testing.T
	srv *Server
	clk *clock.Fake
}

func newTestServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	if opts.Clock == nil {
		opts.Clock = clk
	}
	if os.Getenv("MOCK_TEST_NO_CONTROL") != "" {
		opts.DisableControl = true
	}
	if opts.RateLimits == "" {
		opts.RateLimits = "off"
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &testServer{t: t, srv: srv, clk: clk}
}

// do sends a request through the handler and returns the recorder.
func (ts *testServer) do(method, path, key, contentType string, body io.Reader) *httptest.ResponseRecorder {
	ts.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if key != "" {
		req.Header.Set("Authorization", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	ts.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// json posts a JSON body (or GETs with the query in path when body is nil
// and method is GET) and decodes the envelope.
func (ts *testServer) json(method, path, key string, body any) map[string]any {
	ts.t.Helper()
	var r io.Reader
	ct := ""
	if body != nil {
		b, _ := json.Marshal(body)
		r, ct = bytes.NewReader(b), "application/json"
	}
	rec := ts.do(method, path, key, ct, r)
	return decode(ts.t, rec)
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("decode %d %q: %v", rec.Code, rec.Body.String(), err)
	}
	return m
}

// multipartBody builds a multipart body with fields and files.
func multipartBody(t testing.TB, fields map[string][]string, files map[string][]fileSpec) (io.Reader, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for field, fs := range files {
		for _, f := range fs {
			part, err := w.CreateFormFile(field, f.name)
			if err != nil {
				panic(err)
			}
			_, _ = part.Write(f.data)
		}
	}
	_ = w.Close()
	return &buf, w.FormDataContentType()
}

type fileSpec struct {
	name string
	data []byte
}

func code(m map[string]any) string {
	switch c := m["code"].(type) {
	case string:
		return c
	case float64:
		return strconv.Itoa(int(c))
	}
	return ""
}

func data(m map[string]any) map[string]any {
	d, _ := m["data"].(map[string]any)
	return d
}

func httptestRequest(method, path, key, contentType, body string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func (ts *testServer) record(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	ts.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func (ts *testServer) serve(req *http.Request) map[string]any {
	ts.t.Helper()
	return decode(ts.t, ts.record(req))
}

func readAll(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}
