package memsync

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/openapi"
)

// t0 is 10 s into a minute, so tests can tell a window's reset from "now".
var t0 = time.Date(2025, 3, 20, 10, 0, 10, 0, time.UTC)

// testSpec loads memsync.yaml once for the whole test binary: parsing and validating it is the
// slowest part of a harness, especially under -race. Servers never modify it.
var testSpec = sync.OnceValues(openapi.MemSync)

// harness is one in-process server with a fake clock, and a client that validates every
// response against memsync.yaml.
type harness struct {
	t    testing.TB
	srv  *Server
	clk  *clock.Fake
	h    http.Handler
	spec *openapi3.T

	mu      sync.Mutex
	checked map[string]bool // operationIds whose responses were validated
}

func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	clk := clock.NewFake(t0)
	if opts.Clock == nil {
		opts.Clock = clk
	}
	spec, err := testSpec()
	if err != nil {
		t.Fatalf("spec: %v", err)
	}
	if opts.Spec == nil {
		opts.Spec = spec
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &harness{t: t, srv: srv, clk: clk, h: srv.Handler(), spec: spec, checked: map[string]bool{}}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// data returns the success payload, enveloped or not.
func (r *response) data() map[string]any {
	if d, ok := r.body["data"].(map[string]any); ok && r.body["status"] == "success" {
		return d
	}
	return r.body
}

func (r *response) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r *response) details() map[string]any {
	e, _ := r.body["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	return d
}

// do sends a JSON request (body nil for none) with key as X-API-Key (empty: no header).
func (h *harness) do(method, target, key string, body any) *response {
	h.t.Helper()
	var rd io.Reader
	var raw []byte
	if body != nil {
		switch b := body.(type) {
		case string:
			raw = []byte(b)
		case []byte:
			raw = b
		default:
			var err error
			if raw, err = json.Marshal(body); err != nil {
				h.t.Fatal(err)
			}
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	return h.send(req, raw)
}

// upload sends a multipart file integration request.
func (h *harness) upload(target, key, filename string, content []byte, fields map[string]string) *response {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			h.t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	raw := buf.Bytes()
	req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(raw))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	return h.send(req, raw)
}

func (h *harness) send(req *http.Request, raw []byte) *response {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	res := &response{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	if err := json.Unmarshal(res.raw, &res.body); err != nil {
		h.t.Fatalf("%s %s: response is not a JSON object: %v\n%s", req.Method, req.URL, err, res.raw)
	}
	if res.status >= 500 {
		h.t.Fatalf("%s %s: server error %d: %s", req.Method, req.URL, res.status, res.raw)
	}
	h.validate(req, raw, res)
	return res
}

// validate checks the answer against the operation the request targets, found by hand from the
// spec (servers is "/"), including the status code.
func (h *harness) validate(req *http.Request, raw []byte, res *response) {
	h.t.Helper()
	route, params := h.route(req)
	if route == nil {
		if res.status != http.StatusNotFound || res.errorCode() != "RESOURCE_NOT_FOUND" {
			h.t.Fatalf("%s %s: no operation in the spec, but answered %d %s", req.Method, req.URL.Path, res.status, res.raw)
		}
		return
	}
	r2 := req.Clone(context.Background())
	r2.Body = io.NopCloser(bytes.NewReader(raw))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r2, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: res.status, Header: res.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(res.raw)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		h.t.Fatalf("%s %s (%s): response %d does not match memsync.yaml: %v\n%s", req.Method, req.URL, route.Operation.OperationID,
			res.status, err, res.raw)
	}
	h.mu.Lock()
	h.checked[route.Operation.OperationID] = true
	h.mu.Unlock()
}

// route matches a request path against the spec's templates, static segments first.
func (h *harness) route(req *http.Request) (*routers.Route, map[string]string) {
	segs := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var best *routers.Route
	var bestParams map[string]string
	bestStatic := -1
	for p, item := range h.spec.Paths.Map() {
		op := item.GetOperation(req.Method)
		if op == nil {
			continue
		}
		tsegs := strings.Split(strings.Trim(p, "/"), "/")
		if len(tsegs) != len(segs) {
			continue
		}
		params := map[string]string{}
		static := 0
		match := true
		for i, ts := range tsegs {
			if strings.HasPrefix(ts, "{") {
				params[ts[1:len(ts)-1]] = segs[i]
			} else if ts == segs[i] {
				static++
			} else {
				match = false
				break
			}
		}
		if match && static > bestStatic {
			bestStatic = static
			best = &routers.Route{Spec: h.spec, Server: h.spec.Servers[0], Path: p, PathItem: item,
				Method: req.Method, Operation: op}
			bestParams = params
		}
	}
	return best, bestParams
}

// quickStart is seed 004's first call.
func quickStart() map[string]any {
	return map[string]any{
		"messages": []map[string]string{
			{"role": "user", "content": "I'm a software engineer who loves hiking"},
			{"role": "assistant", "content": "That's a great combination of technical and outdoor interests!"},
		},
		"agent_id":  "my-chatbot",
		"thread_id": "conversation-123",
		"source":    "chat",
	}
}

// store saves one user message and returns the created memory ids.
func (h *harness) store(key, content string) []string {
	h.t.Helper()
	res := h.do(http.MethodPost, "/v1/memories", key, map[string]any{
		"messages": []map[string]string{{"role": "user", "content": content}},
		"agent_id": "agent", "thread_id": "thread", "source": "chat",
	})
	if res.status != http.StatusOK {
		h.t.Fatalf("store: %d %s", res.status, res.raw)
	}
	var ids []string
	for _, m := range res.data()["memories"].([]any) {
		ids = append(ids, m.(map[string]any)["id"].(string))
	}
	return ids
}

// seedProfile stores enough varied facts for a profile and a bio.
func (h *harness) seedProfile(key string) {
	h.t.Helper()
	for _, s := range []string{
		"I'm a software engineer at Google working on machine learning infrastructure.",
		"I love hiking in Yosemite and taking photography trips.",
		"My wife Sarah is a doctor at Stanford hospital.",
		"I'm learning Spanish through an online course.",
		"I run a marathon every year to stay fit and healthy.",
		"I'm planning a trip to Japan next month.",
	} {
		h.store(key, s)
	}
}

func newRequest(method, target, key string) *http.Request {
	req := httptest.NewRequest(method, target, nil)
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	return req
}

// chatBody is the chat-integration page's request, with a user message long enough to keep.
func chatBody() map[string]any {
	return map[string]any{
		"platform": "chatgpt",
		"chat_data": []map[string]any{
			{"timestamp": "2024-01-15T14:30:00Z", "role": "user",
				"content": "I'm a nurse in Boston and I'm learning machine learning to analyse medical images."},
			{"timestamp": "2024-01-15T14:30:15Z", "role": "assistant",
				"content": "Machine learning has numerous applications in healthcare..."},
			{"timestamp": "2024-01-16T09:00:00Z", "role": "user",
				"content": "I started training for a half marathon with my sister last week."},
		},
		"extract_mode": "insights",
	}
}
