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
func BenchmarkEngineCeiling(b *testing.B) {
	srv := httptest.NewServer(trivialAPI())
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	col := NewCollector(nil)
	c := client.New(srv.URL, "sk-bench", client.WithPace(false), client.WithRetry429(0),
		client.WithHTTPClient(&http.Client{Transport: tr}), client.WithResponseHook(col.Hook()))
	op, _ := scenarios.Operation("list_sessions")
	e, err := New(Options{VUs: 64, MaxRequests: uint64(b.N), Collector: col,
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
	if errs > 0 {
		b.Fatalf("%d errors", errs)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
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
