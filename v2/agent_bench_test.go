package v2

import (
	"fmt"
	"net"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform"
)

// agentBenchServer is a v2 surface on a loopback server with the wall
// clock and paced agent streams.
func agentBenchServer(b *testing.B, knobs chat.Knobs) (addr string, closeAll func()) {
	st, err := store.Open(store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	p, err := platform.New(platform.Options{Clock: clock.Real{}, RateLimits: "off", CreditsOff: true})
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Options{Platform: p, Store: st, StreamKnobs: func() chat.Knobs { return knobs }})
	if err != nil {
		b.Fatal(err)
	}
	s.publicLibrary() // built once at first use; not part of any stream
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	s.Register(e)
	hs := httptest.NewServer(e)
	return strings.TrimPrefix(hs.URL, "http://"), func() {
		hs.Close()
		s.Close()
		_ = p.Close()
		_ = st.Close()
	}
}

// rawAgentStream runs one agent stream over a raw connection and reports
// the time to its first event and to its end.
func rawAgentStream(addr string, first chan<- struct{}) (ttfb, total time.Duration, err error) {
	t0 := time.Now()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		first <- struct{}{}
		return 0, 0, err
	}
	defer conn.Close()
	body := `{"query":"basketball dunk highlights","enable_clarification":false,"max_results":5}`
	fmt.Fprintf(conn, "POST %s/queries/stream HTTP/1.1\r\nHost: %s\r\nAuthorization: sk-bench\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", BasePath, addr, len(body), body)
	buf := make([]byte, 512)
	got := false
	for {
		n, rerr := conn.Read(buf)
		if n > 0 && !got && strings.Contains(string(buf[:n]), "event:") {
			got, ttfb = true, time.Since(t0)
			first <- struct{}{}
		}
		if rerr != nil {
			break
		}
	}
	if !got {
		first <- struct{}{}
		return 0, time.Since(t0), fmt.Errorf("no event")
	}
	return ttfb, time.Since(t0), nil
}

// BenchmarkConcurrentAgentStreams opens 1,000 Video Searching Agent
// streams on loopback at once, paced (first event 200 ms, 100 ms between
// events, about 1.3 s a stream), and reports the memory per open stream
// (live heap + stacks of the whole process after a GC, sampled when every
// stream has sent its first event, divided by the streams still open; the
// raw clients hold a 512-byte buffer each) and the first-event latency
// p50 and p99 against one stream alone:
//
//	go test ./v2 -run '^$' -bench ConcurrentAgentStreams -benchtime 1x
func BenchmarkConcurrentAgentStreams(b *testing.B) {
	const n = 1000
	addr, closeAll := agentBenchServer(b, chat.Knobs{FirstEvent: 200 * time.Millisecond, PerChunk: 100 * time.Millisecond})
	defer closeAll()
	sink := make(chan struct{}, 1)
	aloneFirst, alone, err := rawAgentStream(addr, sink)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		var wg sync.WaitGroup
		firstEvent := make(chan struct{}, n)
		firsts := make([]time.Duration, n)
		durations := make([]time.Duration, n)
		var ended atomic.Int64
		for j := 0; j < n; j++ {
			wg.Add(1)
			go func(j int) {
				defer wg.Done()
				f, d, err := rawAgentStream(addr, firstEvent)
				ended.Add(1)
				if err != nil {
					b.Error(err)
				}
				firsts[j], durations[j] = f, d
			}(j)
		}
		for j := 0; j < n; j++ {
			<-firstEvent
		}
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		open := float64(n - ended.Load())
		perStream := float64((ms1.HeapInuse+ms1.StackInuse)-(ms0.HeapInuse+ms0.StackInuse)) / open
		wg.Wait()
		sort.Slice(firsts, func(a, c int) bool { return firsts[a] < firsts[c] })
		sort.Slice(durations, func(a, c int) bool { return durations[a] < durations[c] })
		b.ReportMetric(perStream/1024, "KB/stream")
		b.ReportMetric(open, "open-streams")
		b.ReportMetric(float64(firsts[n/2])/float64(aloneFirst), "p50-first-event/alone")
		b.ReportMetric(float64(firsts[n*99/100])/float64(aloneFirst), "p99-first-event/alone")
		b.ReportMetric(float64(durations[n*99/100])/float64(alone), "p99-duration/alone")
		b.ReportMetric(float64(aloneFirst.Milliseconds()), "alone-first-ms")
	}
}

// BenchmarkAgentPublicSearch is one platform search of the agent over the
// seeded public library (240 videos):
//
//	go test ./v2 -run '^$' -bench AgentPublicSearch
func BenchmarkAgentPublicSearch(b *testing.B) {
	st, err := store.Open(store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p, err := platform.New(platform.Options{Clock: clock.Real{}, RateLimits: "off", CreditsOff: true})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	s, err := New(Options{Platform: p, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.publicLibrary()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(s.searchPublic("tiktok", "basketball dunk highlights", 10, "")) == 0 {
			b.Fatal("nothing found")
		}
	}
}
