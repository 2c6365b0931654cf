package memsync

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// fuzzCheck sends body to path and checks the answer: no 5xx, a JSON object in the success or
// error envelope.
func fuzzCheck(t *testing.T, h http.Handler, path string, body []byte) {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", "fuzz")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s: %d for %q: %s", path, rec.Code, body, rec.Body.Bytes())
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s: not JSON for %q: %s", path, body, rec.Body.Bytes())
	}
	switch {
	case rec.Code < 300:
		if got["status"] != "success" || got["data"] == nil || got["timestamp"] == nil {
			t.Fatalf("%s: bad success envelope for %q: %s", path, body, rec.Body.Bytes())
		}
	default:
		e, _ := got["error"].(map[string]any)
		if got["status"] != "error" || e == nil || e["code"] == nil || e["message"] == nil {
			t.Fatalf("%s: bad error envelope for %q: %s", path, body, rec.Body.Bytes())
		}
	}
}

func fuzzServer(f *testing.F) http.Handler {
	srv, err := New(Options{RateLimits: Bool(false)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	return srv.Handler()
}

func FuzzStoreMemories(f *testing.F) {
	b, _ := json.Marshal(quickStart())
	f.Add(b)
	f.Add([]byte(`{"messages":[{"role":"user","content":"I'm Dr. Who. I'll travel in 2025! My cat? yes."}],"agent_id":"a","thread_id":"t","source":"s","metadata":{"x":[1,{}]}}`))
	f.Add([]byte(`{"messages":[{"role":"user","content":"I \u0130m \u212a \ufffd i'm"}],"agent_id":"a","thread_id":"t","source":"s"}`))
	f.Add([]byte(`{"messages":[]}`))
	f.Add([]byte(`{"messages":[{"role":"user","content":1e400}]}`))
	f.Add([]byte(`[`))
	f.Add([]byte(`null`))
	h := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzCheck(t, h, "/v1/memories", body)
	})
}

func FuzzSearchMemories(f *testing.F) {
	f.Add([]byte(`{"query":"What does the user do for work?","limit":5,"categories":["career"],"rerank":true}`))
	f.Add([]byte(`{"query":"","limit":-1}`))
	f.Add([]byte(`{"query":"x","limit":1e300,"include_bio":"yes"}`))
	f.Add([]byte(`{"query":"\u0000\uffff","agent_id":"a","thread_id":"t"}`))
	f.Add([]byte(`{}`))
	h := fuzzServer(f)
	// Something to search.
	b, _ := json.Marshal(quickStart())
	req := httptest.NewRequest(http.MethodPost, "/v1/memories", bytes.NewReader(b))
	req.Header.Set("X-API-Key", "fuzz")
	h.ServeHTTP(httptest.NewRecorder(), req)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzCheck(t, h, "/v1/memories/search", body)
	})
}

func FuzzFactPipeline(f *testing.F) {
	f.Add("I'm a software engineer who loves hiking")
	f.Add("Dr. Smith. e.g. 3.5! I'll? My mine me myself I")
	f.Add("\xff\xfe I \u0130m")
	lx := newLexicon()
	f.Fuzz(func(t *testing.T, text string) {
		for _, s := range sentences(text) {
			fact, _ := rewriteFact(s)
			_ = lx.detect(fact)
			_ = lx.memoryType(s)
			_ = lx.informative(s)
		}
		_, _ = documentText("pdf", []byte(text))
		_, _ = documentText("html", []byte(text))
		_, _ = documentText("md", []byte(text))
	})
}

func FuzzQueryParams(f *testing.F) {
	f.Add("/v1/memories", "page=2&page_size=5&category=career")
	f.Add("/v1/profile/bio", "format=short&style=casual&exclude_categories=travel,health&refresh=1")
	f.Add("/v1/api-keys", "limit=100&offset=9223372036854775807&status=revoked")
	f.Add("/v1/profile", "include=bio,stats&category=travel")
	f.Add("/v1/memories/mem_0/x", "cascade=%zz")
	h := fuzzServer(f)
	f.Fuzz(func(t *testing.T, path, query string) {
		u := &url.URL{Path: path, RawQuery: query}
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n#?") {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL = u
		req.RequestURI = u.RequestURI()
		req.Header.Set("X-API-Key", "fuzz")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s?%s: %d %s", path, query, rec.Code, rec.Body.Bytes())
		}
	})
}
