package loadtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/scenarios"
)

// trivialAPI answers every request with one fixed list_sessions envelope:
// the cheapest possible target, so the benchmark measures the tool.
func trivialAPI() http.Handler {
	body := []byte(`{"code":"0000","msg":"success","data":{"sessions":[],"current_page":1,"page_size":20,"total_count":"0"},"success":true,"failed":false}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}

// BenchmarkEngineCeiling measures the load tester's own ceiling: b.N
// list_sessions iterations through the full stack (engine, scenario, typed
// client, hook, HDR collector) against a trivial loopback handler, with 64
// virtual users (closed model, so the tool runs as fast as it can).
// "results" drains the per-iteration results channel as a library caller
// would; "discard" runs as the CLI does (DiscardResults, the collector
// only).
func BenchmarkEngineCeiling(b *testing.B) {
	for _, discard := range []bool{false, true} {
		name := "results"
		if discard {
			name = "discard"
		}
		b.Run(name, func(b *testing.B) { benchCeiling(b, discard) })
	}
}

func benchCeiling(b *testing.B, discard bool) {
	srv := httptest.NewServer(trivialAPI())
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	col := NewCollector(nil)
	c := client.New(srv.URL, "sk-bench", client.WithPace(false), client.WithRetry429(0),
		client.WithHTTPClient(&http.Client{Transport: tr}), client.WithResponseHook(col.Hook()))
	op, _ := scenarios.Operation("list_sessions")
	e, err := New(Options{VUs: 64, MaxRequests: uint64(b.N), Collector: col, DiscardResults: discard,
		Env: scenarios.NewEnv(c, "bench", 1), Scenarios: []Weighted{{Scenario: op, Weight: 1}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	errs := 0
	for r := range e.Run(context.Background()) {
		if r.Err != nil {
			errs++
		}
	}
	el := time.Since(start)
	b.StopTimer()
	res := col.Result()
	errs += int(res.Iterations.Completed - res.Global.Get(OutcomeOK).Count)
	if errs > 0 {
		b.Fatalf("%d errors", errs)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
}

// BenchmarkEngineOpenDispatch measures the open model's own cost per
// iteration: a schedule far faster than the machine (every iteration is
// already due) of no-op iterations on 64 workers, so the figure is the
// scheduler, the worker hand-off and the collector. Iterations that find
// every worker busy are dropped and counted in the metric.
func BenchmarkEngineOpenDispatch(b *testing.B) {
	noop := scenarios.Scenario{Name: "noop", Run: func(context.Context, *scenarios.Env) error { return nil }}
	col := NewCollector(nil)
	e, err := New(Options{Rate: Rate{Freq: 1e9, Per: time.Second}, MaxRequests: uint64(b.N), Workers: 64, Collector: col,
		DiscardResults: true, Scenarios: []Weighted{{Scenario: noop, Weight: 1}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range e.Run(context.Background()) {
	}
	b.StopTimer()
	b.ReportMetric(float64(e.Live().Dropped)/float64(b.N), "dropped/op")
}

// BenchmarkCollectorObserve measures recording one exchange and one
// iteration, the per-request cost of the metrics.
func BenchmarkCollectorObserve(b *testing.B) {
	col := NewCollector(nil)
	ex := &client.Exchange{Op: "search", Duration: 3 * time.Millisecond}
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		col.ObserveExchange(ex)
		col.ObserveIteration(IterationResult{Scenario: "search", Intended: now, Latency: time.Duration(i%1000) * time.Microsecond, Outcome: OutcomeOK})
	}
}

// BenchmarkCollectorObserveParallel records one exchange and one iteration
// per op from GOMAXPROCS goroutines: "direct" through the collector's lock
// (as callers outside the engine do), "sharded" through one shard per
// goroutine (as the engine's workers do).
func BenchmarkCollectorObserveParallel(b *testing.B) {
	for _, sharded := range []bool{false, true} {
		name := "direct"
		if sharded {
			name = "sharded"
		}
		b.Run(name, func(b *testing.B) {
			col := NewCollector(nil)
			now := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var sh *shard
				if sharded {
					sh = col.newShard()
				}
				req, _ := http.NewRequestWithContext(newIterCtx(context.Background(), 0, sh), http.MethodGet, "http://x/", nil)
				ex := &client.Exchange{Op: "search", Duration: 3 * time.Millisecond, Request: req}
				i := 0
				for pb.Next() {
					col.ObserveExchange(ex)
					r := IterationResult{Scenario: "search", Intended: now, Latency: time.Duration(i%1000) * time.Microsecond, Outcome: OutcomeOK}
					col.observeIteration(sh, &r)
					i++
				}
			})
			b.StopTimer()
			col.Result()
		})
	}
}
