package mock

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/mock/store"
)

// Speed and memory of the library, measured (issue 4):
//
//	go test ./mock -run '^$' -bench 'Store|Filter|LargeUpload' -benchtime 1x

func fillStore(b *testing.B, st store.Store, n int) {
	b.Helper()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		status := store.StatusParse
		if i%10 == 0 {
			status = store.StatusUnparse
		}
		v := &store.Video{
			No: fmt.Sprintf("VI5%017d", i), Account: "sk-bench", Namespace: "default",
			Name: fmt.Sprintf("clip_%06d", i), Status: status, Size: 3_284_512, Duration: 42,
			Width: 1280, Height: 720, FPS: 30, VideoCodec: "h264", AudioCodec: "aac", HasAudio: true,
			CreatedAt: now.Add(time.Duration(i) * time.Second), ReadyAt: farFuture, FinalStatus: store.StatusParse,
			Tags: []string{"api"}, MediaKey: "0123456789abcdef0123456789abcdef",
			MediaSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		}
		if err := st.PutVideo(v); err != nil {
			b.Fatal(err)
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkStoreBytesPerRecord reports the in-memory store's heap per
// video record at 100,000 records (target: at most 2 KB).
func BenchmarkStoreBytesPerRecord(b *testing.B) {
	const n = 100_000
	for i := 0; i < b.N; i++ {
		st, err := store.Open(store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		before := heapInUse()
		fillStore(b, st, n)
		after := heapInUse()
		b.ReportMetric(float64(after-before)/n, "bytes/record")
		runtime.KeepAlive(st)
		_ = st.Close()
	}
}

// BenchmarkListVideosFilter100k times list_videos with a status filter
// over 100,000 stored videos through the full handler (target: < 5 ms).
func BenchmarkListVideosFilter100k(b *testing.B) {
	s := benchServer(b)
	fillStore(b, s.store, 100_000)
	h := s.Handler()
	bodies := []string{
		`{"status":"UNPARSE","page":3,"size":20}`,
		`{"video_name":"clip_099999"}`,
		`{"page":1,"size":200}`,
	}
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/serve/api/v1/list_videos", strings.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Authorization", "sk-bench")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		lat = append(lat, time.Since(t0))
		if !strings.Contains(rec.Body.String(), `"0000"`) {
			b.Fatal(rec.Body.String())
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// rssKB reads a field (VmRSS, VmHWM) of /proc/self/status in kB.
func rssKB(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

// BenchmarkLargeUpload streams a 1 GiB multipart upload through the full
// handler and reports how much the peak resident memory grew (target:
// under 64 MB): the body goes straight to a media file while it is hashed.
func BenchmarkLargeUpload(b *testing.B) {
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		b.Skip("needs Linux /proc to read peak RSS")
	}
	file := mediatest.LargeMP4(mediatest.MP4Options{Duration: 600}, 1<<30)
	s := benchServer(b)
	for i := 0; i < b.N; i++ {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			part, _ := mw.CreateFormFile("file", "big.mp4")
			_, err := io.Copy(part, io.NewSectionReader(file, 0, file.Size()))
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		req := httptest.NewRequest(http.MethodPost, "/serve/api/v1/upload", pr)
		req.Header.Set("Authorization", "sk-bench")
		req.Header.Set("Content-Type", mw.FormDataContentType())
		runtime.GC()
		_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM
		base := rssKB("VmRSS")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		peak := rssKB("VmHWM")
		if !strings.Contains(rec.Body.String(), `"0000"`) {
			b.Fatal(rec.Body.String())
		}
		b.ReportMetric(float64(peak-base)/1024, "peak-rss-growth-MB")
		b.SetBytes(file.Size())
	}
}
