package loadtest

import (
	"context"
	"math"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/scenarios"
	"github.com/memharness/memharness/scenarios/fakeapi"
)

func noop(name string) scenarios.Scenario {
	return scenarios.Scenario{Name: name, Run: func(context.Context, *scenarios.Env) error { return nil }}
}

// drive advances a fake clock by step whenever the engine waits on it,
// until the results channel closes; it returns the results.
func drive(t *testing.T, clk *clock.Fake, step time.Duration, ch <-chan IterationResult) []IterationResult {
	t.Helper()
	var out []IterationResult
	deadline := time.After(30 * time.Second)
	for {
		select {
		case r, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, r)
		case <-deadline:
			t.Fatalf("engine did not finish; %d results", len(out))
		default:
			if clk.Waiters() > 0 {
				clk.Advance(step)
			} else {
				time.Sleep(20 * time.Microsecond)
			}
		}
	}
}

func TestEngineIntendedTimesOnFakeClock(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		step  time.Duration
		count int
		want  func(n uint64) time.Duration
	}{
		{
			name: "constant 50/s", opts: Options{Rate: Rate{50, time.Second}, Duration: time.Second},
			step: 20 * time.Millisecond, count: 50,
			want: func(n uint64) time.Duration { return time.Duration(n) * 20 * time.Millisecond },
		},
		{
			name: "ramp 10/s to 30/s", opts: Options{RampStart: Rate{10, time.Second}, RampEnd: Rate{30, time.Second}, Duration: 10 * time.Second},
			step: time.Millisecond, count: 200,
			want: func(n uint64) time.Duration {
				o, _ := LinearRampPacer{Start: Rate{10, time.Second}, End: Rate{30, time.Second}, Duration: 10 * time.Second}.Offset(n)
				return o
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(time.Time{})
			start := clk.Now()
			o := tc.opts
			o.Clock = clk
			o.Scenarios = []Weighted{{Scenario: noop("noop"), Weight: 1}}
			e, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			if e.Expected() != uint64(tc.count) {
				t.Errorf("Expected = %d, want %d", e.Expected(), tc.count)
			}
			res := drive(t, clk, tc.step, e.Run(context.Background()))
			if len(res) != tc.count {
				t.Fatalf("%d results, want %d", len(res), tc.count)
			}
			for _, r := range res {
				if got := r.Intended.Sub(start); got != tc.want(r.Seq) {
					t.Errorf("iteration %d intended at %v, want %v", r.Seq, got, tc.want(r.Seq))
				}
				if r.Dropped || r.Err != nil {
					t.Errorf("iteration %d: %+v", r.Seq, r)
				}
			}
		})
	}
}

func TestEngineLateIterations(t *testing.T) {
	// 100/s for 1 s; the clock jumps 1 s at the first wait, so iterations
	// 1..98 start more than 10 ms late and are measured from their intended
	// start.
	clk := clock.NewFake(time.Time{})
	start := clk.Now()
	col := NewCollector(clk)
	e, err := New(Options{Rate: Rate{100, time.Second}, Duration: time.Second, Clock: clk, Collector: col,
		Scenarios: []Weighted{{Scenario: noop("noop"), Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	res := drive(t, clk, time.Second, e.Run(context.Background()))
	late := 0
	for _, r := range res {
		if r.Late {
			late++
		}
		if want := clk.Now().Sub(r.Intended); r.Seq > 0 && r.Latency != want {
			t.Errorf("iteration %d latency %v, want %v from the intended start", r.Seq, r.Latency, want)
		}
	}
	if late != 98 || e.Live().Late != 98 {
		t.Errorf("late = %d (live %d), want 98", late, e.Live().Late)
	}
	r := col.Result()
	if r.Iterations.Late != 98 || r.Iterations.Completed != 100 || !r.Start.Equal(start) {
		t.Errorf("result counts %+v start %v", r.Iterations, r.Start)
	}
	// Iteration 1 was due at 10 ms and started at 1 s.
	for _, r := range res {
		if r.Seq == 1 && r.Latency != 990*time.Millisecond {
			t.Errorf("iteration 1 latency %v, want 990ms", r.Latency)
		}
	}
}

func newTarget(t *testing.T, o fakeapi.Options) (*fakeapi.Server, *client.Client, *Collector) {
	t.Helper()
	fake := fakeapi.New(o)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	col := NewCollector(nil)
	c := client.New(srv.URL, "sk-load", client.WithPace(false), client.WithRetry429(0), client.WithRetryNetworkAbnormal(0), client.WithResponseHook(col.Hook()))
	return fake, c, col
}

func TestEngineOutcomesFromEnvelopeCodes(t *testing.T) {
	// Every 5th search is rate limited, every 7th (not 5th) out of credits.
	_, c, col := newTarget(t, fakeapi.Options{Code: func(op string, n int64) string {
		switch {
		case n%5 == 0:
			return "0429"
		case n%7 == 0:
			return "0402"
		}
		return ""
	}})
	search, _ := scenarios.Operation("search")
	e, err := New(Options{Rate: Rate{500, time.Second}, MaxRequests: 100, Collector: col, Workers: 100,
		Env: scenarios.NewEnv(c, "ns", 1), Scenarios: []Weighted{{Scenario: search, Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[Outcome]int{}
	for r := range e.Run(context.Background()) {
		got[r.Outcome]++
	}
	want := map[Outcome]int{OutcomeOK: 68, OutcomeRateLimited: 20, OutcomeInsufficient: 12}
	for o, n := range want {
		if got[o] != n {
			t.Errorf("%s: %d iterations, want %d (all %v)", o, got[o], n, got)
		}
	}
	res := col.Result()
	op := res.Operations["search"]
	if op == nil || op.All.Count != 100 || op.Get(OutcomeRateLimited).Count != 20 || op.Get(OutcomeInsufficient).Count != 12 {
		t.Fatalf("operation series %+v", op)
	}
	if res.Global.Ratio(OutcomeRateLimited) != 0.2 || math.Abs(res.Global.ErrorRatio()-0.32) > 1e-9 {
		t.Errorf("ratios 0429 %v errors %v", res.Global.Ratio(OutcomeRateLimited), res.Global.ErrorRatio())
	}
	live := e.Live()
	if live.Done != 100 || live.Scenarios["search"].RateLimited != 20 || live.Scenarios["search"].Insufficient != 12 || live.Errors != 32 {
		t.Errorf("live %+v", live)
	}
}

func TestEngineDropsWhenWorkersBusy(t *testing.T) {
	gate := make(chan struct{})
	fake, c, col := newTarget(t, fakeapi.Options{Gate: gate})
	search, _ := scenarios.Operation("search")
	clk := clock.NewFake(time.Time{})
	e, err := New(Options{Rate: Rate{1000, time.Second}, MaxRequests: 50, Workers: 5, Clock: clk, Collector: col,
		Env: scenarios.NewEnv(c, "ns", 1), Scenarios: []Weighted{{Scenario: search, Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	ch := e.Run(context.Background())
	// The clock jumps past the whole schedule at the first wait: the first
	// five iterations take the workers (the target holds them at its gate)
	// and the other 45 find every worker busy.
	for clk.Waiters() == 0 {
		time.Sleep(100 * time.Microsecond)
	}
	clk.Advance(time.Second)
	for dropped := 0; dropped < 45; dropped++ {
		select {
		case r := <-ch:
			if !r.Dropped {
				t.Fatalf("unexpected result before release: %+v", r)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d dropped", dropped)
		}
	}
	for fake.Count("search") < 5 {
		time.Sleep(100 * time.Microsecond)
	}
	close(gate)
	var rest []IterationResult
	for r := range ch {
		rest = append(rest, r)
	}
	if len(rest) != 5 || e.Live().Dropped != 45 || fake.Count("search") != 5 {
		t.Errorf("completed %d, dropped %d, target saw %d", len(rest), e.Live().Dropped, fake.Count("search"))
	}
	res := col.Result()
	if res.Iterations.Dropped != 45 || res.Iterations.Completed != 5 || res.Iterations.Total != 50 {
		t.Errorf("counts %+v", res.Iterations)
	}
}

func TestEngineSignals(t *testing.T) {
	clk := clock.NewFake(time.Time{})
	sig := make(chan os.Signal, 2)
	started := make(chan struct{}, 10)
	block := scenarios.Scenario{Name: "block", Run: func(ctx context.Context, _ *scenarios.Env) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}}
	e, err := New(Options{Rate: Rate{10, time.Second}, Duration: 10 * time.Second, Clock: clk, Signals: sig,
		Scenarios: []Weighted{{Scenario: block, Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	ch := e.Run(context.Background())
	<-started // iteration 0 is in flight
	sig <- syscall.SIGINT
	select {
	case <-e.Stopping():
	case <-time.After(10 * time.Second):
		t.Fatal("first signal did not stop the schedule")
	}
	clk.Advance(5 * time.Second) // would be due 50 more iterations
	select {
	case r := <-ch:
		t.Fatalf("result before the second signal: %+v", r)
	default:
	}
	if l := e.Live(); l.Started != 1 || l.InFlight != 1 {
		t.Errorf("after first signal: %+v", l)
	}
	sig <- syscall.SIGINT
	var res []IterationResult
	timeout := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case r, ok := <-ch:
			if !ok {
				done = true
				break
			}
			res = append(res, r)
		case <-timeout:
			t.Fatal("second signal did not abort")
		}
	}
	if len(res) != 1 || res[0].Outcome != OutcomeCanceled {
		t.Errorf("results %+v", res)
	}
}

func TestEngineClosedModel(t *testing.T) {
	_, c, col := newTarget(t, fakeapi.Options{})
	search, _ := scenarios.Operation("search")
	list, _ := scenarios.Operation("list_videos")
	e, err := New(Options{VUs: 4, MaxRequests: 40, Collector: col, Seed: 3, Env: scenarios.NewEnv(c, "ns", 1),
		Scenarios: []Weighted{{Scenario: search, Weight: 3}, {Scenario: list, Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	vus := map[int]bool{}
	for r := range e.Run(context.Background()) {
		n++
		vus[r.VU] = true
		if r.Err != nil {
			t.Errorf("iteration %d: %v", r.Seq, r.Err)
		}
	}
	res := col.Result()
	if n != 40 || len(vus) == 0 || res.Scenarios["search"] == nil || res.Scenarios["list_videos"] == nil {
		t.Fatalf("n=%d vus=%v scenarios=%v", n, vus, res.Scenarios)
	}
	if s := res.Scenarios["search"].All.Count; s < 20 || s > 38 {
		t.Errorf("search share %d of 40 with weight 3:1", s)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{name: "no scenario", opts: Options{Rate: Rate{1, time.Second}, Duration: time.Second}},
		{name: "no bound", opts: Options{Rate: Rate{1, time.Second}, Scenarios: []Weighted{{noop("a"), 1}}}},
		{name: "no rate", opts: Options{Duration: time.Second, Scenarios: []Weighted{{noop("a"), 1}}}},
		{name: "zero weights", opts: Options{Rate: Rate{1, time.Second}, Duration: time.Second, Scenarios: []Weighted{{noop("a"), 0}}}},
	}
	for _, tc := range tests {
		if _, err := New(tc.opts); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
