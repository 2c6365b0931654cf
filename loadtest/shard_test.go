package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/scenarios"
	"github.com/memharness/memharness/scenarios/fakeapi"
)

func TestOutcomeIndexFollowsOutcomes(t *testing.T) {
	all := Outcomes()
	if len(all) != numOutcomes {
		t.Fatalf("numOutcomes = %d, Outcomes() has %d", numOutcomes, len(all))
	}
	for i, o := range all {
		if got := outcomeIndex(o); got != i {
			t.Errorf("outcomeIndex(%s) = %d, want %d", o, got, i)
		}
	}
	if got := outcomeIndex("unknown"); got != outcomeIndex(OutcomeTransport) {
		t.Errorf("unknown class at %d, want the transport slot", got)
	}
}

// TestShardedCollectorEqualsDirect feeds the same observations once
// through worker shards (from several goroutines, as the engine does) and
// once directly: the results must be identical, and no observation may
// stay behind in a shard's buffer.
func TestShardedCollectorEqualsDirect(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		perW    int
	}{
		{name: "less than one batch", workers: 3, perW: shardBatch / 4},
		{name: "several batches", workers: 4, perW: 3*shardBatch + 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			direct, sharded := NewCollector(nil), NewCollector(nil)
			for _, c := range []*Collector{direct, sharded} {
				c.Begin(t0)
				c.Finish(t0.Add(time.Minute))
			}
			obs := func(w, i int) (IterationResult, *client.Exchange) {
				o := OutcomeOK
				var err error
				if i%9 == 0 {
					o, err = OutcomeRateLimited, &client.APIError{Code: "0429"}
				}
				lat := time.Duration(w*1000+i%500+1) * time.Microsecond
				r := IterationResult{Scenario: fmt.Sprintf("s%d", w%2), Intended: t0.Add(time.Duration(i) * 7 * time.Millisecond),
					Latency: lat, Outcome: o, Late: i%11 == 0, Dropped: i%50 == 49}
				return r, &client.Exchange{Op: fmt.Sprintf("op%d", i%3), Duration: lat, Err: err}
			}
			for w := 0; w < tc.workers; w++ {
				for i := 0; i < tc.perW; i++ {
					r, ex := obs(w, i)
					direct.ObserveExchange(ex)
					direct.ObserveIteration(r)
				}
			}
			var wg sync.WaitGroup
			for w := 0; w < tc.workers; w++ {
				sh := sharded.newShard()
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < tc.perW; i++ {
						r, ex := obs(w, i)
						req, _ := http.NewRequestWithContext(newIterCtx(context.Background(), 0, sh), http.MethodGet, "http://x/", nil)
						ex.Request = req
						sharded.ObserveExchange(ex)
						sharded.observeIteration(sh, &r)
					}
				}(w)
			}
			wg.Wait()
			a, _ := json.Marshal(direct.Result())
			b, _ := json.Marshal(sharded.Result())
			if !bytes.Equal(a, b) {
				t.Errorf("sharded result differs:\nsharded %s\ndirect  %s", trunc(b), trunc(a))
			}
		})
	}
}

func TestFirstExchangeCarriesLatenessOnce(t *testing.T) {
	c := NewCollector(nil)
	sh := c.newShard()
	ctx := newIterCtx(context.Background(), 40*time.Millisecond, sh)
	// A client may wrap the iteration's context; the lookup must see
	// through it.
	wrapped, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequestWithContext(wrapped, http.MethodGet, "http://x/", nil)
		c.ObserveExchange(&client.Exchange{Op: "search", Duration: 10 * time.Millisecond, Request: req})
	}
	st := c.Result().Operations["search"].All
	if st.Count != 3 || st.Max < 49.9 || st.Max > 50.1 || st.Min < 9.9 || st.Min > 10.1 {
		t.Errorf("search stats %+v, want one 50 ms and two 10 ms", st)
	}
}

func TestEngineDiscardResults(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{name: "open model", opts: Options{Rate: Rate{2000, time.Second}, MaxRequests: 300, Workers: 50}},
		{name: "closed model", opts: Options{VUs: 4, MaxRequests: 300}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c, col := newTarget(t, fakeapi.Options{})
			search, _ := scenarios.Operation("search")
			o := tc.opts
			o.Collector, o.DiscardResults = col, true
			o.Env = scenarios.NewEnv(c, "ns", 1)
			o.Scenarios = []Weighted{{Scenario: search, Weight: 1}}
			e, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for range e.Run(context.Background()) {
				n++
			}
			res := col.Result()
			if n != 0 {
				t.Errorf("%d results on the channel, want none", n)
			}
			if res.Iterations.Total != 300 || res.Scenarios["search"].All.Count+res.Iterations.Dropped != 300 ||
				res.Operations["search"].All.Count != res.Scenarios["search"].All.Count {
				t.Errorf("iterations %+v, scenario %d, operation %d", res.Iterations,
					res.Scenarios["search"].All.Count, res.Operations["search"].All.Count)
			}
			if l := e.Live(); l.Done+l.Dropped != 300 || l.InFlight != 0 {
				t.Errorf("live %+v", l)
			}
		})
	}
}

// TestRetiredShardRecordsDirectly: an exchange reported after the run
// (by a goroutine a scenario left behind) still counts.
func TestRetiredShardRecordsDirectly(t *testing.T) {
	c := NewCollector(nil)
	sh := c.newShard()
	ctx := newIterCtx(context.Background(), 0, sh)
	observe := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://x/", nil)
		c.ObserveExchange(&client.Exchange{Op: "list_videos", Duration: time.Millisecond, Request: req})
	}
	observe()
	c.retire([]*shard{sh})
	observe()
	if n := c.Result().Operations["list_videos"].All.Count; n != 2 {
		t.Errorf("%d exchanges recorded, want 2", n)
	}
	c.mu.Lock()
	left := len(c.shards)
	c.mu.Unlock()
	if left != 0 {
		t.Errorf("%d shards still registered after retire", left)
	}
}
