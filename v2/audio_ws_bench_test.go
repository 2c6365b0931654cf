package v2

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform"
)

// wsBenchEnv names the environment variable that turns the test binary
// into the benchmark's server process.
const wsBenchEnv = "V2_WS_BENCH_SERVER"

// TestWSBenchServerProcess is the server process of
// BenchmarkConcurrentAudioSessions (skipped otherwise): a v2 surface with
// the wall clock on a loopback port, printed on stdout, and GET
// /_bench/mem answering the live heap + stacks after a GC. It runs until
// stdin closes. A separate process lets the benchmark count the server's
// memory alone.
func TestWSBenchServerProcess(t *testing.T) {
	if os.Getenv(wsBenchEnv) != "1" {
		t.Skip("the server process of BenchmarkConcurrentAudioSessions")
	}
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := platform.New(platform.Options{Clock: clock.Real{}, RateLimits: "off", CreditsOff: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Platform: p, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	s.Register(e)
	e.GET("/_bench/mem", func(c *gin.Context) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		c.String(http.StatusOK, "%d %d", ms.HeapInuse+ms.StackInuse, runtime.NumGoroutine())
	})
	e.GET("/_bench/sched", func(c *gin.Context) {
		c.String(http.StatusOK, "%s", schedCounts().String())
	})
	hs := httptest.NewServer(e)
	fmt.Println(hs.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	hs.Close()
	s.Close()
	_ = p.Close()
	_ = st.Close()
}

// wsBenchServerArgs names the environment variable holding extra flags
// for the server process, space-separated (to profile it:
// V2_WS_BENCH_SERVER_ARGS=-test.cpuprofile=/tmp/server.prof).
const wsBenchServerArgs = "V2_WS_BENCH_SERVER_ARGS"

// wsBenchServer starts the server process and returns its base URL.
// closeAll stops it and returns the CPU time (user + system) it used.
func wsBenchServer(b *testing.B) (base string, closeAll func() time.Duration) {
	args := append([]string{"-test.run=^TestWSBenchServerProcess$"}, strings.Fields(os.Getenv(wsBenchServerArgs))...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), wsBenchEnv+"=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	var once sync.Once
	var cpu time.Duration
	return strings.TrimSpace(line), func() time.Duration {
		once.Do(func() {
			_ = in.Close()
			_ = cmd.Wait()
			if cmd.ProcessState != nil {
				cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
		})
		return cpu
	}
}

// schedHist is a snapshot of the runtime's goroutine scheduling latency
// histogram (/sched/latencies:seconds: how long runnable goroutines waited
// for a CPU), cumulative since the process started.
type schedHist struct {
	counts  []uint64
	buckets []float64
}

func schedCounts() schedHist {
	sample := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(sample)
	h := sample[0].Value.Float64Histogram()
	return schedHist{counts: append([]uint64(nil), h.Counts...), buckets: h.Buckets}
}

// String renders the counts, space-separated.
func (h schedHist) String() string {
	var b strings.Builder
	for i, c := range h.counts {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, c)
	}
	return b.String()
}

// pctSince is the p-th percentile of the latencies recorded after old (the
// upper bound of its bucket).
func (h schedHist) pctSince(old []uint64, p float64) time.Duration {
	var total uint64
	diff := make([]uint64, len(h.counts))
	for i := range h.counts {
		if i < len(old) {
			diff[i] = h.counts[i] - old[i]
		} else {
			diff[i] = h.counts[i]
		}
		total += diff[i]
	}
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(float64(total) * p / 100))
	var run uint64
	for i, c := range diff {
		run += c
		if run >= want {
			return time.Duration(math.Min(h.buckets[i+1], 3600) * float64(time.Second))
		}
	}
	return 0
}

// serverSched reads the server process's scheduling latency counts.
func serverSched(b *testing.B, base string) []uint64 {
	resp, err := http.Get(base + "/_bench/sched")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out []uint64
	for _, f := range strings.Fields(string(raw)) {
		var n uint64
		fmt.Sscan(f, &n)
		out = append(out, n)
	}
	return out
}

// serverMem reads the server process's live heap + stacks and goroutines.
func serverMem(b *testing.B, base string) (bytes, goroutines int64) {
	resp, err := http.Get(base + "/_bench/mem")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := fmt.Fscan(resp.Body, &bytes, &goroutines); err != nil {
		b.Fatal(err)
	}
	return bytes, goroutines
}

// wsBenchSession is one AssemblyAI session streaming 16 kHz PCM in real
// time (100-ms chunks every 100 ms, as a microphone does).
type wsBenchSession struct {
	begin   time.Duration // dial to Begin
	partial time.Duration // first audio chunk to the first partial Turn
	err     error
}

// run opens the session, streams until stop is closed, then terminates
// and waits for the Termination. ready is signalled once the first
// partial arrived.
func (ws *wsBenchSession) run(url string, ready chan<- struct{}, stop <-chan struct{}) {
	signalled := false
	signal := func() {
		if !signalled {
			signalled = true
			ready <- struct{}{}
		}
	}
	defer signal()
	ctx := context.Background()
	t0 := time.Now()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		ws.err = err
		return
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil { // Begin
		ws.err = err
		return
	}
	ws.begin = time.Since(t0)
	frames := make(chan []byte, 64)
	go func() {
		defer close(frames)
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			frames <- b
		}
	}()
	chunk := make([]byte, 3200)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	if err := c.Write(ctx, websocket.MessageBinary, chunk); err != nil {
		ws.err = err
		return
	}
	for {
		select {
		case b, ok := <-frames:
			if !ok {
				return
			}
			if ws.partial == 0 && strings.Contains(string(b), `"Turn"`) {
				ws.partial = time.Since(start)
				signal()
			}
			if strings.Contains(string(b), `"Termination"`) {
				return
			}
		case <-tick.C:
			if err := c.Write(ctx, websocket.MessageBinary, chunk); err != nil {
				ws.err = err
				return
			}
		case <-stop:
			msg, _ := json.Marshal(map[string]string{"type": "Terminate"})
			_ = c.Write(ctx, websocket.MessageText, msg)
			stop = nil
			tick.Stop()
		}
	}
}

// handshake opens a session, waits for its Begin and terminates it: the
// dial-to-Begin time of a session that sends no audio.
func wsHandshake(url string) (time.Duration, error) {
	ctx := context.Background()
	t0 := time.Now()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return 0, err
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil {
		return 0, err
	}
	d := time.Since(t0)
	msg, _ := json.Marshal(map[string]string{"type": "Terminate"})
	if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
		return 0, err
	}
	for {
		if _, _, err := c.Read(ctx); err != nil {
			return d, nil // Termination read, then the server's close
		}
	}
}

// pct is the p-th percentile of d (nearest rank below).
func pct(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}

// BenchmarkConcurrentAudioSessions opens 500 real-time audio WebSocket
// sessions on loopback (AssemblyAI, 16 kHz PCM streamed in real time,
// arrivals one per millisecond) against a server in its own process and
// reports the server's memory per open session (its live heap + stacks
// after a GC, sampled when every session has its first partial; the
// clients' own cost is reported apart) and the latencies against sessions
// alone, measured in the same run just before:
//
//   - begin: dial to the Begin message (the handshake). Alone is 500
//     handshakes one after the other (Begin, then Terminate) on the same
//     arrival schedule. Under load the p50 is compared with alone's p50
//     and the p99 with alone's p99: the same statistic over as many
//     samples on both sides, since a p99 of 500 samples against a median
//     would count the machine's own jitter (two cores shared by the client
//     process, the server process and whatever else runs) as the
//     server's; p99-begin/alone-p50 is reported too.
//   - first partial: first audio chunk to the first partial Turn (a second
//     of audio, so about 900 ms when the server keeps up), against the
//     median of 5 sessions alone.
//
// The client process runs without automatic garbage collection during the
// measurement (see the comment in the body); the server process keeps the
// runtime's defaults.
//
// It also logs the p99 of the runtime's goroutine scheduling latency
// (/sched/latencies) in each process, alone and under load: how long a
// runnable goroutine waited for a CPU, of which a handshake needs several.
//
// V2_WS_BENCH_TAIL=1 logs every session whose handshake took over 3 ms:
// consecutive arrivals slowed by a shrinking amount are one stall of the
// machine, not of a session.
//
//	go test ./v2 -run '^$' -bench ConcurrentAudioSessions -benchtime 1x
func BenchmarkConcurrentAudioSessions(b *testing.B) {
	const n = 500
	base, closeAll := wsBenchServer(b)
	defer closeAll()
	defer func() {
		// The server's whole CPU time (start, alone and loaded phases):
		// what the 2 shared cores gave it.
		b.ReportMetric(float64(closeAll().Milliseconds()), "server-cpu-ms")
	}()
	url := "ws" + strings.TrimPrefix(base, "http") + AudioWSPath + "?provider=assemblyai&api_key=sk-bench"
	// The clients' own garbage collector stays off while they measure
	// (alone and under load alike): its marking phases on a small, growing
	// heap stalled every client for milliseconds, counted as handshake
	// time. The server process keeps its defaults. Memory is sampled
	// after explicit collections.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	alone := func() wsBenchSession {
		var ws wsBenchSession
		ready, stop := make(chan struct{}, 1), make(chan struct{})
		done := make(chan struct{})
		go func() { ws.run(url, ready, stop); close(done) }()
		<-ready
		close(stop)
		<-done
		if ws.err != nil {
			b.Fatal(ws.err)
		}
		return ws
	}
	alone() // warm up
	// Alone: as many handshakes as there will be sessions, on the same
	// arrival schedule, each closed before the next one starts: both sides
	// meet the machine's own jitter over the same span.
	var aloneBegin, alonePartial []time.Duration
	cliSched0, srvSched0 := schedCounts().counts, serverSched(b, base)
	start := time.Now()
	for j := range n {
		time.Sleep(time.Until(start.Add(time.Duration(j) * time.Millisecond)))
		d, err := wsHandshake(url)
		if err != nil {
			b.Fatal(err)
		}
		aloneBegin = append(aloneBegin, d)
	}
	cliSched1, srvSched1 := schedCounts(), serverSched(b, base)
	for range 5 {
		alonePartial = append(alonePartial, alone().partial)
	}
	for i := 0; i < b.N; i++ {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		srv0, _ := serverMem(b, base)
		cliSched2, srvSched2 := schedCounts().counts, serverSched(b, base)
		sessions := make([]wsBenchSession, n)
		ready, stop := make(chan struct{}, n), make(chan struct{})
		var wg sync.WaitGroup
		start := time.Now()
		for j := range sessions {
			// Arrivals paced at one per millisecond, as a load tester's
			// constant pacer would: 500 sessions open within half a second.
			time.Sleep(time.Until(start.Add(time.Duration(j) * time.Millisecond)))
			wg.Add(1)
			go func() { defer wg.Done(); sessions[j].run(url, ready, stop) }()
		}
		for range n {
			<-ready
		}
		cliSched3 := schedCounts()
		srvSched3 := schedHist{counts: serverSched(b, base), buckets: cliSched3.buckets}
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		goroutinesAtPeak := runtime.NumGoroutine()
		srv1, srvGoroutines := serverMem(b, base)
		close(stop)
		wg.Wait()
		var begins, partials []time.Duration
		for _, ws := range sessions {
			if ws.err != nil {
				b.Fatal(ws.err)
			}
			begins, partials = append(begins, ws.begin), append(partials, ws.partial)
		}
		b.Logf("clients: heap %d KB, stacks %d KB per session, %d goroutines; server: %d goroutines", (int64(ms1.HeapInuse)-int64(ms0.HeapInuse))/n/1024,
			(int64(ms1.StackInuse)-int64(ms0.StackInuse))/n/1024, goroutinesAtPeak, srvGoroutines)
		b.Logf("begin p50 %v p99 %v; first partial p50 %v p99 %v", pct(begins, 50), pct(begins, 99), pct(partials, 50), pct(partials, 99))
		b.ReportMetric(float64(srv1-srv0)/n/1024, "server-KB/session")
		b.ReportMetric(float64((ms1.HeapInuse+ms1.StackInuse)-(ms0.HeapInuse+ms0.StackInuse))/n/1024, "client-KB/session")
		if os.Getenv("V2_WS_BENCH_TAIL") != "" {
			for j, ws := range sessions {
				if ws.begin > 3*time.Millisecond {
					b.Logf("slow begin: session %d %v", j, ws.begin)
				}
			}
		}
		b.Logf("alone: begin p50 %v p99 %v max %v", pct(aloneBegin, 50), pct(aloneBegin, 99), pct(aloneBegin, 100))
		// How long runnable goroutines waited for a CPU (runtime/metrics
		// /sched/latencies, bucket upper bounds): a handshake is a few
		// such hand-offs in each process.
		srvSched1h := schedHist{counts: srvSched1, buckets: cliSched1.buckets}
		b.Logf("scheduling latency p99: alone client %v server %v; under load client %v server %v",
			cliSched1.pctSince(cliSched0, 99), srvSched1h.pctSince(srvSched0, 99),
			cliSched3.pctSince(cliSched2, 99), srvSched3.pctSince(srvSched2, 99))
		b.ReportMetric(float64(pct(begins, 50))/float64(pct(aloneBegin, 50)), "p50-begin/alone")
		b.ReportMetric(float64(pct(begins, 99))/float64(pct(aloneBegin, 99)), "p99-begin/alone-p99")
		b.ReportMetric(float64(pct(begins, 99))/float64(pct(aloneBegin, 50)), "p99-begin/alone-p50")
		b.ReportMetric(float64(pct(partials, 50))/float64(pct(alonePartial, 50)), "p50-first-partial/alone")
		b.ReportMetric(float64(pct(partials, 99))/float64(pct(alonePartial, 50)), "p99-first-partial/alone")
		b.ReportMetric(float64(pct(alonePartial, 50).Microseconds())/1000, "alone-first-partial-ms")
		b.ReportMetric(float64(pct(aloneBegin, 50).Microseconds())/1000, "alone-begin-ms")
	}
}
