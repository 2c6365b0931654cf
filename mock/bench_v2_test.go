package mock

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// The v2 benchmarks run the v2 pipeline (auth, guard, parse, handler,
// seed-000 adapter) on the same server as BenchmarkListVideosMock, so the
// per-request costs compare side by side in one run:
//
//	go test ./mock -run '^$' -bench 'ListVideosMock$|V2' -benchmem -count 5

// reportCPU starts measuring the process's CPU time; the function it
// returns reports it per op as cpu-ns/op. Unlike ns/op, CPU time is not
// inflated while other processes hold the cores, so ratios between
// benchmarks stay comparable on a busy machine. Call it after
// b.ResetTimer and defer the result.
func reportCPU(b *testing.B) func() {
	start, ok := processCPU()
	return func() {
		if end, ok2 := processCPU(); ok && ok2 && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// v2Asset uploads a small MP4 as sk-bench and makes it SUCCESS.
func v2Asset(b *testing.B, s *Server) string {
	b.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "bench.mp4")
	_, _ = fw.Write(mediatest.MP4(mediatest.MP4Options{Duration: 10, Audio: true}))
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/serve/api/v2/upload", &buf)
	req.Header.Set("Authorization", "sk-bench")
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	var m struct {
		Data struct {
			AssetID string `json:"asset_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || m.Data.AssetID == "" {
		b.Fatalf("v2 upload: %d %s", rec.Code, rec.Body)
	}
	if err := s.Advance(time.Minute); err != nil {
		b.Fatal(err)
	}
	return m.Data.AssetID
}

// BenchmarkV2Metadata is GET /serve/api/v2/{asset_id}/metadata through the
// full v2 pipeline (compare with BenchmarkListVideosMock).
func BenchmarkV2Metadata(b *testing.B) {
	s := benchServer(b)
	id := v2Asset(b, s)
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, "/serve/api/v2/"+id+"/metadata", nil)
		req.Header.Set("Authorization", "sk-bench")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkV2ChatCompletion is a non-streaming POST
// /serve/api/v2/vu/chat/completions about an uploaded asset through the
// full v2 pipeline (compare with BenchmarkListVideosMock in the same run).
func BenchmarkV2ChatCompletion(b *testing.B) {
	s := benchServer(b)
	id := v2Asset(b, s)
	h := s.Handler()
	body := []byte(`{"model":"gemini:gemini-2.5-flash","max_tokens":200,"messages":[{"role":"user","content":[` +
		`{"type":"input_file","file_uri":"` + id + `","mime_type":"video/mp4"},{"type":"text","text":"What happens in this video?"}]}]}`)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/serve/api/v2/vu/chat/completions", bytes.NewReader(body))
		req.Header.Set("Authorization", "sk-bench")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkV2ChatCompletionUncached is BenchmarkV2ChatCompletion with a
// different question each time, so no answer comes from the surface's
// answer cache: the cost of generating one (the media's content model
// output is still cached, as for any asset asked about twice).
func BenchmarkV2ChatCompletionUncached(b *testing.B) {
	s := benchServer(b)
	id := v2Asset(b, s)
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		body := []byte(`{"model":"gemini:gemini-2.5-flash","max_tokens":200,"messages":[{"role":"user","content":[` +
			`{"type":"input_file","file_uri":"` + id + `","mime_type":"video/mp4"},{"type":"text","text":"What happens in this video? (` +
			strconv.Itoa(i) + `)"}]}]}`)
		req := httptest.NewRequest(http.MethodPost, "/serve/api/v2/vu/chat/completions", bytes.NewReader(body))
		req.Header.Set("Authorization", "sk-bench")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d %s", rec.Code, rec.Body)
		}
	}
}
