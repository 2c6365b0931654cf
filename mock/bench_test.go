package mock

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// The benchmarks compare the full pipeline (auth, limits, parse and
// validate, handler, adapter) with a bare Gin handler returning the same
// bytes, in the same run, both in-process and over loopback HTTP. Report
// them as ratios: go test ./mock -run '^$' -bench . -benchmem

func benchServer(b *testing.B) *Server {
	b.Helper()
	s, err := New(Options{RateLimits: "off", CreditsOff: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func bareEngine(body []byte) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/serve/api/v1/list_videos", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", body) })
	return e
}

const listBody = `{"page":1,"size":20,"unique_id":"default"}`

func listOnce(b *testing.B, h http.Handler) []byte {
	req := httptest.NewRequest(http.MethodPost, "/serve/api/v1/list_videos", strings.NewReader(listBody))
	req.Header.Set("Authorization", "sk-bench")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("HTTP %d", rec.Code)
	}
	return rec.Body.Bytes()
}

// seedLibrary uploads n URL videos into sk-bench's default namespace.
func seedLibrary(b *testing.B, s *Server, n int) {
	for i := 0; i < n; i++ {
		req := httptest.NewRequest(http.MethodPost, "/serve/api/v1/upload_url",
			strings.NewReader(`{"url":"https://example.com/v/`+strings.Repeat("x", i%7)+`clip.mp4"}`))
		req.Header.Set("Authorization", "sk-bench")
		req.Header.Set("Content-Type", "application/json")
		s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}
}

func BenchmarkListVideosMock(b *testing.B) {
	s := benchServer(b)
	seedLibrary(b, s, 20)
	h := s.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := 0; i < b.N; i++ {
		listOnce(b, h)
	}
}

func BenchmarkListVideosBareGin(b *testing.B) {
	s := benchServer(b)
	seedLibrary(b, s, 20)
	h := bareEngine(listOnce(b, s.Handler()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		listOnce(b, h)
	}
}

func BenchmarkUploadURLMock(b *testing.B) {
	s := benchServer(b)
	h := s.Handler()
	body := `url=https%3A%2F%2Fexample.com%2Fmedia%2Fbeach_day.mp4&unique_id=bench&tags=a&tags=b&datetime_taken=2025-10-20+11%3A00%3A00`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/serve/api/v1/upload_url", strings.NewReader(body))
		req.Header.Set("Authorization", "sk-bench")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !bytes.Contains(rec.Body.Bytes(), []byte(`"0000"`)) {
			b.Fatal(rec.Body.String())
		}
	}
}

// loopback measures a handler behind a real HTTP server on 127.0.0.1 with
// a keep-alive client, as an SDK would call it.
func loopback(b *testing.B, h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := srv.Client()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/serve/api/v1/list_videos", strings.NewReader(listBody))
			req.Header.Set("Authorization", "sk-bench")
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	})
}

func BenchmarkListVideosMockLoopback(b *testing.B) {
	s := benchServer(b)
	seedLibrary(b, s, 20)
	loopback(b, s.Handler())
}

func BenchmarkListVideosBareGinLoopback(b *testing.B) {
	s := benchServer(b)
	seedLibrary(b, s, 20)
	loopback(b, bareEngine(listOnce(b, s.Handler())))
}

func BenchmarkStartup(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		_ = s.Close()
	}
}
