package mock

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// parsedVideoServer starts a real-clock mock with one parsed video and
// returns it with the video number.
func parsedVideoServer(t testing.TB, opts Options) (*Server, string) {
	opts.RateLimits, opts.CreditsOff = "off", true
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	body, ct := multipartBody(nil, nil, map[string][]fileSpec{"file": {{name: "harbour_tour.mp4", data: mediatest.MP4(mediatest.MP4Options{Duration: 40, Audio: true})}}})
	rec := httptest.NewRecorder()
	req := httptestRequest(http.MethodPost, "/serve/api/v1/upload", "sk-stream", ct, readAll(body))
	s.Handler().ServeHTTP(rec, req)
	no := strings.Split(strings.Split(rec.Body.String(), `"videoNo":"`)[1], `"`)[0]
	v, err := s.store.GetVideo("sk-stream", "default", no)
	if err != nil {
		t.Fatal(err)
	}
	s.life.force(v, v.FinalStatus, "")
	return s, no
}

func streamRequest(ctx context.Context, base, no string) *http.Request {
	body := fmt.Sprintf(`{"video_nos":["%s"],"prompt":"Find the highlights of this video and give timestamps"}`, no)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/serve/api/v1/chat_stream", strings.NewReader(body))
	req.Header.Set("Authorization", "sk-stream")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	return req
}

// TestStreamDisconnectStopsGeneration: a client that goes away mid-stream
// stops generation, and no goroutine of the request is left behind.
func TestStreamDisconnectStopsGeneration(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s, no := parsedVideoServer(t, Options{StreamChunkDelay: 50 * time.Millisecond, StreamChunkSize: 4})
	hs := httptest.NewServer(s.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := hs.Client().Do(streamRequest(ctx, hs.URL, no))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "data:") {
		t.Fatalf("no first event: %q", sc.Text())
	}
	cancel()
	_ = resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		j := s.p.Journal.Last(1)
		if len(j) == 1 && j[0].OperationID == "chat_stream" {
			if j[0].Code != "DISCONNECTED" {
				t.Fatalf("journal code %q, want DISCONNECTED", j[0].Code)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the handler did not stop after the client left")
		}
		time.Sleep(10 * time.Millisecond)
	}
	hs.CloseClientConnections()
	hs.Close()
	hs.Client().CloseIdleConnections()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// rawStream opens a chat_stream on a plain TCP connection with a small
// read buffer, so the benchmark's client side costs little next to the
// server's, and reports the time to the first byte and to the end.
func rawStream(addr, no string, first chan<- struct{}) (ttfb, total time.Duration, err error) {
	t0 := time.Now()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		first <- struct{}{}
		return 0, 0, err
	}
	defer conn.Close()
	body := fmt.Sprintf(`{"video_nos":["%s"],"prompt":"Find the highlights of this video and give timestamps"}`, no)
	fmt.Fprintf(conn, "POST /serve/api/v1/chat_stream HTTP/1.1\r\nHost: %s\r\nAuthorization: sk-stream\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body)
	buf := make([]byte, 512)
	got := false
	for {
		n, rerr := conn.Read(buf)
		if n > 0 && !got && strings.Contains(string(buf[:n]), "data:") {
			got, ttfb = true, time.Since(t0)
			first <- struct{}{}
		}
		if rerr != nil {
			break
		}
	}
	if !got {
		first <- struct{}{}
	}
	return ttfb, time.Since(t0), nil
}

// BenchmarkConcurrentChatStreams opens n chat_stream connections on
// loopback at once, all paced (first event 200 ms, 20 ms per chunk), and
// reports the memory per open stream (heap + stacks of the whole process,
// sampled when every stream has sent its first event; the raw clients
// hold a 512-byte buffer each) and how each stream's duration compares
// with the same stream alone.
//
//	go test ./mock -run '^$' -bench ConcurrentChatStreams -benchtime 1x
func BenchmarkConcurrentChatStreams(b *testing.B) {
	const n = 1000
	s, no := parsedVideoServer(b, Options{StreamFirstEvent: 200 * time.Millisecond, StreamChunkDelay: 20 * time.Millisecond, StreamChunkSize: 40})
	defer s.Close()
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	addr := strings.TrimPrefix(hs.URL, "http://")
	sink := make(chan struct{}, 1)
	aloneFirst, alone, err := rawStream(addr, no, sink)
	if err != nil {
		b.Fatal(err)
	}
	aloneBody := alone - aloneFirst
	for i := 0; i < b.N; i++ {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		var wg sync.WaitGroup
		firstEvent := make(chan struct{}, n)
		durations := make([]time.Duration, n)
		bodies := make([]time.Duration, n) // first event to end: the paced part
		for j := 0; j < n; j++ {
			wg.Add(1)
			go func(j int) {
				defer wg.Done()
				first, d, err := rawStream(addr, no, firstEvent)
				if err != nil {
					b.Error(err)
				}
				durations[j], bodies[j] = d, d-first
			}(j)
		}
		for j := 0; j < n; j++ {
			<-firstEvent
		}
		runtime.ReadMemStats(&ms1)
		perStream := float64((ms1.HeapInuse+ms1.StackInuse)-(ms0.HeapInuse+ms0.StackInuse)) / n
		wg.Wait()
		sort.Slice(durations, func(a, c int) bool { return durations[a] < durations[c] })
		sort.Slice(bodies, func(a, c int) bool { return bodies[a] < bodies[c] })
		// After its first event a stream is only paced: this ratio shows
		// whether the other streams slow its pacing down.
		b.ReportMetric(float64(bodies[n*99/100])/float64(aloneBody), "p99-paced-part/alone")
		b.ReportMetric(perStream/1024, "KB/stream")
		b.ReportMetric(float64(durations[n/2])/float64(alone), "p50-duration/alone")
		b.ReportMetric(float64(durations[n*99/100])/float64(alone), "p99-duration/alone")
		b.ReportMetric(float64(alone.Milliseconds()), "alone-ms")
	}
}
