package v2

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"runtime"
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

// agentProbe is what one raw agent stream measured.
type agentProbe struct {
	// first is the first-event latency: from the request's last byte
	// written to the first byte of the first event read. Dialling is left
	// out (it measures the kernel's accept queue and the client's own
	// scheduling, not the surface).
	first time.Duration
	// total is from the request written to the end of the stream.
	total time.Duration
	err   error
}

// rawAgentStream runs one agent stream over a raw connection. first is
// signalled once, when the first event arrived or the stream failed;
// untilFirst hangs up right after the first event.
func rawAgentStream(addr string, untilFirst bool, first chan<- struct{}) (p agentProbe) {
	signalled := false
	defer func() {
		if !signalled {
			first <- struct{}{}
		}
	}()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		p.err = err
		return p
	}
	defer conn.Close()
	body := `{"query":"basketball dunk highlights","enable_clarification":false,"max_results":5}`
	req := fmt.Sprintf("POST %s/queries/stream HTTP/1.1\r\nHost: %s\r\nAuthorization: sk-bench\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", BasePath, addr, len(body), body)
	if _, err := io.WriteString(conn, req); err != nil {
		p.err = err
		return p
	}
	t0 := time.Now()
	buf := make([]byte, 512)
	for {
		n, rerr := conn.Read(buf)
		if n > 0 && !signalled && bytes.Contains(buf[:n], []byte("event:")) {
			p.first = time.Since(t0)
			signalled = true
			first <- struct{}{}
			if untilFirst {
				return p
			}
		}
		if rerr != nil {
			break
		}
	}
	p.total = time.Since(t0)
	if !signalled {
		p.err = fmt.Errorf("no event")
	}
	return p
}

// BenchmarkConcurrentAgentStreams opens 1,000 Video Searching Agent
// streams on loopback, paced as the chat streams are (first event 200 ms,
// 100 ms between events, about 1.6 s a stream), and reports:
//
//   - KB/stream: memory per open stream (live heap + stacks of the whole
//     process after a GC, sampled when every stream has sent its first
//     event, divided by the streams still open; the raw clients share the
//     process and hold a 512-byte buffer each);
//   - p50/p99-first-event/alone: the first-event latency (request written
//     to first event read) under load against the median of 20 streams
//     alone, measured in the same run just before.
//
// Two arrival patterns: arrivals=500us starts the clients at a constant
// rate, as a load tester's pacer does (1,000 streams within half a second;
// each lasts about 1.6 s, so all of them are open at once from the last
// start to the first end), and arrivals=burst starts all 1,000 at once,
// which also measures the listen backlog and the run queue of the 2 cores
// the clients share with the server.
//
//	go test ./v2 -run '^$' -bench ConcurrentAgentStreams -benchtime 1x
func BenchmarkConcurrentAgentStreams(b *testing.B) {
	for _, arrival := range []time.Duration{500 * time.Microsecond, 0} {
		name := "arrivals=" + arrival.String()
		if arrival == 0 {
			name = "arrivals=burst"
		}
		b.Run(name, func(b *testing.B) { benchAgentStreams(b, arrival) })
	}
}

// benchAgentStreams is BenchmarkConcurrentAgentStreams with one gap
// between client starts (0: all at once).
func benchAgentStreams(b *testing.B, arrival time.Duration) {
	const n = 1000
	addr, closeAll := agentBenchServer(b, chat.Knobs{FirstEvent: 200 * time.Millisecond, PerChunk: 100 * time.Millisecond})
	defer closeAll()
	sink := make(chan struct{}, 1)
	var aloneFirst []time.Duration
	for range 20 {
		p := rawAgentStream(addr, true, sink)
		<-sink
		if p.err != nil {
			b.Fatal(p.err)
		}
		aloneFirst = append(aloneFirst, p.first)
	}
	alone := pct(aloneFirst, 50)
	for i := 0; i < b.N; i++ {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		var wg sync.WaitGroup
		firstEvent := make(chan struct{}, n)
		probes := make([]agentProbe, n)
		var ended atomic.Int64
		start := time.Now()
		for j := 0; j < n; j++ {
			if arrival > 0 {
				time.Sleep(time.Until(start.Add(time.Duration(j) * arrival)))
			}
			wg.Add(1)
			go func(j int) {
				defer wg.Done()
				probes[j] = rawAgentStream(addr, false, firstEvent)
				ended.Add(1)
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
		firsts := make([]time.Duration, n)
		for j, p := range probes {
			if p.err != nil {
				b.Fatal(p.err)
			}
			firsts[j] = p.first
		}
		b.ReportMetric(perStream/1024, "KB/stream")
		b.ReportMetric(open, "open-streams")
		b.ReportMetric(float64(pct(firsts, 50))/float64(alone), "p50-first-event/alone")
		b.ReportMetric(float64(pct(firsts, 99))/float64(alone), "p99-first-event/alone")
		b.ReportMetric(float64(alone.Microseconds())/1000, "alone-first-ms")
		b.Logf("first event: alone p50 %v max %v; loaded p50 %v p99 %v max %v", alone, pct(aloneFirst, 100),
			pct(firsts, 50), pct(firsts, 99), pct(firsts, 100))
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

// BenchmarkAgentStreamCPU is the CPU and allocation cost of one whole
// agent stream without pacing (request through the pipeline to the
// complete event, in process): what 1,000 concurrent streams multiply.
//
//	go test ./v2 -run '^$' -bench AgentStreamCPU -benchmem
func BenchmarkAgentStreamCPU(b *testing.B) {
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
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	s.Register(e)
	body := `{"query":"basketball dunk highlights","enable_clarification":false,"max_results":5}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("POST", BasePath+"/queries/stream", strings.NewReader(body))
		r.Header.Set("Authorization", "sk-bench")
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if !bytes.Contains(w.Body.Bytes(), []byte("event: complete")) {
			b.Fatalf("no complete event: %s", w.Body.String())
		}
	}
}
