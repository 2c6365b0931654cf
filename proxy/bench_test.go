package proxy_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
)

// latencies runs fn b.N times and reports p50 and p99 in microseconds.
func latencies(b *testing.B, fn func()) {
	b.Helper()
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		fn()
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkProxyOverhead calls list_videos of an in-process mock directly,
// through the proxy, and through the proxy while recording and checking
// drift: the difference of the p50/p99 columns is the proxy's overhead.
func BenchmarkProxyOverhead(b *testing.B) {
	_, up := upstreamMock(b, nil)
	_, plain := gateway(b, proxy.Options{}, up.URL)
	col, err := drift.New(drift.Options{})
	if err != nil {
		b.Fatal(err)
	}
	rec, err := proxy.NewRecorder(proxy.RecorderOptions{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rec.Close() })
	_, full := gateway(b, proxy.Options{Observers: []proxy.Observer{col, rec}}, up.URL)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	body := []byte(`{}`)
	do := func(b *testing.B, base string) func() {
		return func() {
			req, _ := http.NewRequest("POST", base+"/serve/api/v1/list_videos", bytes.NewReader(body))
			req.Header.Set("Authorization", "sk-bench")
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	b.Run("direct", func(b *testing.B) { latencies(b, do(b, up.URL)) })
	b.Run("proxied", func(b *testing.B) { latencies(b, do(b, plain.URL)) })
	b.Run("proxied+record+drift", func(b *testing.B) { latencies(b, do(b, full.URL)) })
}

// BenchmarkSSEFirstEvent measures the time to the first event of a stream
// directly and through the proxy.
func BenchmarkSSEFirstEvent(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data:{\"type\":\"thinking\",\"content\":\"first\"}\n\n")
		http.NewResponseController(w).Flush()
		_, _ = io.WriteString(w, "data:{\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n")
	}))
	b.Cleanup(up.Close)
	_, gw := gateway(b, proxy.Options{Observers: []proxy.Observer{nopObserver{}}}, up.URL)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	first := func(b *testing.B, base string) func() {
		return func() {
			resp, err := client.Post(base+"/serve/api/v1/chat_stream", "application/json", strings.NewReader(`{}`))
			if err != nil {
				b.Fatal(err)
			}
			br := bufio.NewReader(resp.Body)
			if _, err := readEvent(br); err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, br)
			resp.Body.Close()
		}
	}
	b.Run("direct", func(b *testing.B) { latencies(b, first(b, up.URL)) })
	b.Run("proxied", func(b *testing.B) { latencies(b, first(b, gw.URL)) })
}

type nopObserver struct{}

func (nopObserver) Observe(*proxy.Exchange) {}

// BenchmarkUpload1GiB streams 1 GiB through the proxy (with an observer,
// so bodies are captured and hashed) and reports the growth of the
// process's peak resident set (client, proxy and upstream all live here).
func BenchmarkUpload1GiB(b *testing.B) {
	const size = 1 << 30
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, strconv.FormatInt(n, 10))
	}))
	b.Cleanup(up.Close)
	_, gw := gateway(b, proxy.Options{Observers: []proxy.Observer{nopObserver{}}}, up.URL)
	before := procStatus(b, "VmRSS")
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.Post(gw.URL+"/serve/api/v1/upload", "video/mp4", io.LimitReader(pattern{}, size))
		if err != nil {
			b.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != strconv.Itoa(size) {
			b.Fatalf("upstream got %s bytes", got)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(procStatus(b, "VmHWM")-before)/1024, "MB-peak-RSS-growth")
}

// procStatus reads a kB figure of /proc/self/status (0 where there is none).
func procStatus(b *testing.B, field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
