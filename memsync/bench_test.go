package memsync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkStoreAndSearch measures one store (one user message with two facts) plus one search,
// through the whole HTTP pipeline, against a user whose memory count grows with b.N.
func BenchmarkStoreAndSearch(b *testing.B) {
	srv, err := New(Options{RateLimits: Bool(false)})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	search, _ := json.Marshal(map[string]any{"query": "What does the user do for work?", "limit": 10, "rerank": true})
	send := func(path string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("X-API-Key", "bench")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.Bytes())
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		store, _ := json.Marshal(map[string]any{
			"messages": []map[string]string{{"role": "user",
				"content": fmt.Sprintf("I'm an engineer on project %d. I love hiking trail %d on weekends.", i, i)}},
			"agent_id": "bench", "thread_id": "t", "source": "chat"})
		send("/v1/memories", store)
		send("/v1/memories/search", search)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "store+search/s")
}

// BenchmarkSearch1000 measures a search over a user with 1000 memories.
func BenchmarkSearch1000(b *testing.B) {
	srv, err := New(Options{RateLimits: Bool(false)})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	for i := 0; i < 500; i++ {
		store, _ := json.Marshal(map[string]any{
			"messages": []map[string]string{{"role": "user",
				"content": fmt.Sprintf("I'm a teacher at school %d. I enjoy painting landscape number %d.", i, i)}},
			"agent_id": "bench", "thread_id": "t", "source": "chat"})
		req := httptest.NewRequest(http.MethodPost, "/v1/memories", bytes.NewReader(store))
		req.Header.Set("X-API-Key", "bench")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	search, _ := json.Marshal(map[string]any{"query": "Which school does the user teach at?", "limit": 10})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/memories/search", bytes.NewReader(search))
		req.Header.Set("X-API-Key", "bench")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d", rec.Code)
		}
	}
}
