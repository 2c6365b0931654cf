// Package loadtest is the load-test engine of the harness, patterned on
// vegeta: options, a pacer computing intended start times, iterations of
// named scenarios started at those times (open model) or looped by virtual
// users (closed model), results streamed on a channel, HDR-histogram
// metrics that merge across machines, thresholds, and an HTML report.
//
// Latency is measured from each iteration's intended start, so a slow
// target cannot hide its queueing (no coordinated omission). Iterations that
// start more than LateAfter behind schedule are counted late; iterations
// that find every worker busy are dropped and counted.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/scenarios"
)

// Weighted is a scenario with its share of the iterations.
type Weighted struct {
	Scenario scenarios.Scenario
	Weight   int
}

// Options configure a run.
type Options struct {
	// Rate is the open model's arrival rate (ConstantPacer).
	Rate Rate
	// RampStart and RampEnd ramp the rate linearly over Duration
	// (LinearRampPacer); they take precedence over Rate.
	RampStart, RampEnd Rate
	// Pacer overrides Rate and the ramp.
	Pacer Pacer
	// Duration bounds the schedule; MaxRequests bounds the number of
	// iterations. At least one is needed.
	Duration    time.Duration
	MaxRequests uint64
	// VUs > 0 selects the closed model: VUs loops each run an iteration,
	// then wait ThinkTime, until Duration or MaxRequests.
	VUs       int
	ThinkTime time.Duration
	// Workers caps concurrent iterations in the open model (default 1000);
	// an iteration due while all are busy is dropped.
	Workers int
	// LateAfter is the start delay beyond which an iteration counts as late
	// (default 10 ms).
	LateAfter time.Duration
	// DrainTimeout bounds the wait for in-flight iterations after the
	// schedule ends or the first interrupt (0: wait for all).
	DrainTimeout time.Duration
	// Scenarios and their weights (at least one with weight > 0).
	Scenarios []Weighted
	// Env is the scenarios' environment; each iteration runs with a Fork
	// of it.
	Env *scenarios.Env
	// Seed drives the scenario choice and the iterations' Rand.
	Seed uint64
	// Clock schedules iterations (default the wall clock).
	Clock clock.Clock
	// Signals is the injected interrupt channel: the first value stops
	// starting iterations and drains, the second aborts in-flight work.
	Signals <-chan os.Signal
	// Collector, when set, observes every iteration result before it is
	// sent on the channel.
	Collector *Collector
	// DiscardResults keeps per-iteration results off Run's channel, which
	// then only closes when the run ends: for callers that read the
	// Collector and Live, it saves a channel hand-off per iteration.
	DiscardResults bool
}

// IterationResult is the outcome of one scheduled iteration.
type IterationResult struct {
	Seq      uint64
	Scenario string
	// VU is the closed model's virtual user, or the open model's worker.
	VU int
	// Intended is when the iteration should have started, Started when it
	// did, Ended when it finished.
	Intended, Started, Ended time.Time
	// Latency runs from Intended to Ended.
	Latency time.Duration
	// Late: started more than LateAfter after Intended. Dropped: never
	// started because every worker was busy.
	Late, Dropped bool
	Err           error
	Outcome       Outcome
}

// Live counters of a running engine, for progress displays.
type Live struct {
	Scheduled, Started, Done, Dropped, Late, InFlight, Errors int64
	ByOutcome                                                 map[Outcome]int64
	Scenarios                                                 map[string]LiveScenario
}

// LiveScenario counts one scenario's iterations.
type LiveScenario struct {
	Expected, Done, Dropped, InFlight, Errors, RateLimited, Insufficient int64
}

type counters struct {
	expected                                               int64
	done, dropped, inflight, errors, limited, insufficient atomic.Int64
}

// Engine runs one load test. Create it with New; Run it once.
type Engine struct {
	opts    Options
	pacer   Pacer
	clk     clock.Clock
	cum     []int       // cumulative weights
	byIndex []*counters // counters of opts.Scenarios[i]
	total   int
	perScen map[string]*counters

	scheduled, started, done, dropped, late, inflight, errs atomic.Int64
	outcomes                                                [numOutcomes]atomic.Int64 // by outcomeIndex
	stopStarting                                            chan struct{}
	stopOnce                                                sync.Once
	ran                                                     atomic.Bool
	shardMu                                                 sync.Mutex
	shards                                                  []*shard // the workers' collector shards
}

// Errors of New.
var (
	ErrNoScenario = errors.New("loadtest: no scenario with a positive weight")
	ErrNoBound    = errors.New("loadtest: need a duration or a request count")
	ErrNoRate     = errors.New("loadtest: open model needs a positive rate (or a ramp, or VUs)")
)

// New validates the options and returns an engine.
func New(o Options) (*Engine, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Workers <= 0 {
		o.Workers = 1000
	}
	if o.LateAfter <= 0 {
		o.LateAfter = 10 * time.Millisecond
	}
	if o.Duration <= 0 && o.MaxRequests == 0 {
		return nil, ErrNoBound
	}
	if o.Env == nil {
		o.Env = &scenarios.Env{}
	}
	// One filled base Env whose Fixtures every iteration's fork shares; the
	// caller's Env is left as it was.
	o.Env = o.Env.Fork(o.Seed)
	if _, nop := o.Env.Recorder.(scenarios.NopRecorder); nop && o.Collector != nil {
		o.Env.Recorder = o.Collector
	}
	e := &Engine{opts: o, clk: o.Clock, perScen: map[string]*counters{}, stopStarting: make(chan struct{})}
	for _, w := range o.Scenarios {
		if w.Weight < 0 {
			return nil, fmt.Errorf("loadtest: scenario %s has a negative weight", w.Scenario.Name)
		}
		e.total += w.Weight
		e.cum = append(e.cum, e.total)
		if e.perScen[w.Scenario.Name] == nil {
			e.perScen[w.Scenario.Name] = &counters{}
		}
		e.byIndex = append(e.byIndex, e.perScen[w.Scenario.Name])
	}
	if e.total == 0 {
		return nil, ErrNoScenario
	}
	if o.VUs <= 0 {
		switch {
		case o.Pacer != nil:
			e.pacer = o.Pacer
		case !o.RampStart.IsZero() || !o.RampEnd.IsZero():
			if o.Duration <= 0 {
				return nil, errors.New("loadtest: a ramp needs a duration")
			}
			e.pacer = LinearRampPacer{Start: o.RampStart, End: o.RampEnd, Duration: o.Duration}
		case !o.Rate.IsZero():
			e.pacer = ConstantPacer{Rate: o.Rate}
		default:
			return nil, ErrNoRate
		}
	}
	exp := e.Expected()
	for _, w := range o.Scenarios {
		e.perScen[w.Scenario.Name].expected += int64(float64(exp) * float64(w.Weight) / float64(e.total))
	}
	return e, nil
}

// Expected returns how many iterations the run schedules (0 when unknown:
// a closed model bounded by time only).
func (e *Engine) Expected() uint64 {
	var n uint64
	if e.pacer != nil && e.opts.Duration > 0 {
		n = e.pacer.Expected(e.opts.Duration)
	}
	if e.opts.MaxRequests > 0 && (n == 0 || e.opts.MaxRequests < n) {
		n = e.opts.MaxRequests
	}
	return n
}

// Pacer returns the open model's pacer (nil for the closed model).
func (e *Engine) Pacer() Pacer { return e.pacer }

// Live returns the engine's counters now.
func (e *Engine) Live() Live {
	l := Live{
		Scheduled: e.scheduled.Load(), Started: e.started.Load(), Done: e.done.Load(),
		Dropped: e.dropped.Load(), Late: e.late.Load(), InFlight: e.inflight.Load(), Errors: e.errs.Load(),
		ByOutcome: map[Outcome]int64{}, Scenarios: map[string]LiveScenario{},
	}
	for i, o := range Outcomes() {
		if n := e.outcomes[i].Load(); n > 0 {
			l.ByOutcome[o] = n
		}
	}
	for name, c := range e.perScen {
		l.Scenarios[name] = LiveScenario{Expected: c.expected, Done: c.done.Load(), Dropped: c.dropped.Load(), InFlight: c.inflight.Load(),
			Errors: c.errors.Load(), RateLimited: c.limited.Load(), Insufficient: c.insufficient.Load()}
	}
	return l
}

// Stopping returns a channel closed once the engine stops starting
// iterations (first interrupt or Stop); the schedule's natural end does not
// close it.
func (e *Engine) Stopping() <-chan struct{} { return e.stopStarting }

// Stop stops starting new iterations (as the first interrupt does).
func (e *Engine) Stop() { e.stopOnce.Do(func() { close(e.stopStarting) }) }

// Run starts the run and returns the channel of results, closed when every
// iteration has ended. The caller must drain it. Cancelling ctx aborts
// in-flight iterations, as the second interrupt does.
func (e *Engine) Run(ctx context.Context) <-chan IterationResult {
	out := make(chan IterationResult, 1024)
	if !e.ran.CompareAndSwap(false, true) {
		close(out)
		return out
	}
	runCtx, abort := context.WithCancel(ctx)
	start := e.clk.Now()
	if e.opts.Collector != nil {
		e.opts.Collector.Begin(start)
	}
	// Interrupts: the first stops the schedule, the second aborts.
	sigDone := make(chan struct{})
	go func() {
		if e.opts.Signals == nil {
			return
		}
		n := 0
		for {
			select {
			case _, ok := <-e.opts.Signals:
				if !ok {
					return
				}
				n++
				if n == 1 {
					e.Stop()
				} else {
					abort()
					return
				}
			case <-sigDone:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	col, discard := e.opts.Collector, e.opts.DiscardResults
	emit := func(sh *shard, r *IterationResult) {
		if col != nil {
			col.observeIteration(sh, r)
		}
		if !discard {
			out <- *r
		}
	}
	go func() {
		if e.opts.VUs > 0 {
			e.closedModel(runCtx, start, &wg, emit)
		} else {
			e.openModel(runCtx, start, &wg, emit)
		}
		e.drain(runCtx, &wg, abort)
		end := e.clk.Now()
		if e.opts.Collector != nil {
			// Every worker has ended: their shards can go.
			e.shardMu.Lock()
			e.opts.Collector.retire(e.shards)
			e.shards = nil
			e.shardMu.Unlock()
			e.opts.Collector.Finish(end)
		}
		close(sigDone)
		abort()
		close(out)
	}()
	return out
}

// drain waits for in-flight iterations, aborting them after DrainTimeout.
func (e *Engine) drain(ctx context.Context, wg *sync.WaitGroup, abort context.CancelFunc) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	var timeout <-chan time.Time
	if e.opts.DrainTimeout > 0 {
		timeout = e.clk.After(e.opts.DrainTimeout)
	}
	select {
	case <-done:
		return
	case <-timeout:
	case <-ctx.Done():
	}
	abort()
	<-done
}

// pick chooses the index of the next iteration's scenario by weight.
func (e *Engine) pick(r *rand.Rand) int {
	if len(e.opts.Scenarios) == 1 {
		return 0
	}
	x := r.IntN(e.total)
	for i, c := range e.cum {
		if x < c {
			return i
		}
	}
	return len(e.opts.Scenarios) - 1
}

// newShard returns a collector shard for one worker (nil without a
// collector).
func (e *Engine) newShard() *shard {
	if e.opts.Collector == nil {
		return nil
	}
	sh := e.opts.Collector.newShard()
	e.shardMu.Lock()
	e.shards = append(e.shards, sh)
	e.shardMu.Unlock()
	return sh
}

// iterSeed is iteration n's seed: every iteration gets its own stream,
// whichever worker runs it.
func (e *Engine) iterSeed(n uint64) uint64 { return e.opts.Seed ^ (n+1)*0x9e3779b97f4a7c15 }

func (e *Engine) stopped(ctx context.Context) bool {
	select {
	case <-e.stopStarting:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// openJob is one iteration handed by the open model's scheduler to a
// worker.
type openJob struct {
	n                 uint64
	scen              int
	intended, started time.Time
}

// openModel starts iterations at the pacer's times on a pool of at most
// Workers goroutines, started as the load needs them (a run at 5/s uses a
// few, not a thousand). The scheduler admits an iteration only when a
// worker is free, so an iteration due while all are busy is dropped, not
// queued, and the schedule keeps its intended times.
func (e *Engine) openModel(ctx context.Context, start time.Time, wg *sync.WaitGroup, emit func(*shard, *IterationResult)) {
	rnd := rand.New(rand.NewPCG(e.opts.Seed, 0xda3e39cb94b95bdb))
	workers := e.opts.Workers
	// Never blocks: at most workers jobs are admitted and not yet taken.
	jobs := make(chan openJob, workers)
	defer close(jobs)
	var busy atomic.Int64 // admitted iterations not yet emitted
	spawned := 0
	dropShard := e.newShard() // the scheduler's, for dropped iterations
	worker := func(id int) {
		defer wg.Done()
		sh := e.newShard()
		for j := range jobs {
			r := e.iterate(ctx, j.scen, j.n, id, j.intended, j.started, e.iterSeed(j.n), sh)
			emit(sh, &r)
			busy.Add(-1)
		}
	}
	for n := uint64(0); ; n++ {
		if e.opts.MaxRequests > 0 && n >= e.opts.MaxRequests {
			return
		}
		off, ok := e.pacer.Offset(n)
		if !ok || (e.opts.Duration > 0 && off >= e.opts.Duration) {
			return
		}
		intended := start.Add(off)
		now := e.clk.Now()
		if wait := intended.Sub(now); wait > 0 {
			select {
			case <-e.clk.After(wait):
			case <-e.stopStarting:
				return
			case <-ctx.Done():
				return
			}
			now = e.clk.Now()
		}
		if e.stopped(ctx) {
			return
		}
		i := e.pick(rnd)
		e.scheduled.Add(1)
		// Only this goroutine increments busy, so the check cannot race
		// past the cap.
		if busy.Load() >= int64(workers) {
			// Every worker is busy: the iteration is dropped, not queued,
			// so the schedule keeps its intended times.
			e.dropped.Add(1)
			e.byIndex[i].dropped.Add(1)
			emit(dropShard, &IterationResult{Seq: n, Scenario: e.opts.Scenarios[i].Scenario.Name, Intended: intended, Dropped: true})
			continue
		}
		if b := busy.Add(1); int(b) > spawned {
			// More admitted iterations than workers: one more worker.
			wg.Add(1)
			go worker(spawned)
			spawned++
		}
		// The start is when the scheduler dispatches: lateness is the
		// scheduler's delay, not the worker's.
		jobs <- openJob{n: n, scen: i, intended: intended, started: now}
	}
}

func (e *Engine) closedModel(ctx context.Context, start time.Time, wg *sync.WaitGroup, emit func(*shard, *IterationResult)) {
	var seq atomic.Uint64
	var deadline time.Time
	if e.opts.Duration > 0 {
		deadline = start.Add(e.opts.Duration)
	}
	var vus sync.WaitGroup
	for vu := 0; vu < e.opts.VUs; vu++ {
		wg.Add(1)
		vus.Add(1)
		go func(vu int) {
			defer wg.Done()
			defer vus.Done()
			rnd := rand.New(rand.NewPCG(e.opts.Seed+uint64(vu), 0xda3e39cb94b95bdb))
			sh := e.newShard()
			for {
				if e.stopped(ctx) {
					return
				}
				now := e.clk.Now()
				if !deadline.IsZero() && !now.Before(deadline) {
					return
				}
				n := seq.Add(1) - 1
				if e.opts.MaxRequests > 0 && n >= e.opts.MaxRequests {
					return
				}
				i := e.pick(rnd)
				e.scheduled.Add(1)
				r := e.iterate(ctx, i, n, vu, now, now, e.iterSeed(n), sh)
				emit(sh, &r)
				if e.opts.ThinkTime > 0 {
					select {
					case <-e.clk.After(e.opts.ThinkTime):
					case <-e.stopStarting:
						return
					case <-ctx.Done():
						return
					}
				}
			}
		}(vu)
	}
	// Return when the schedule is over; drain then waits for the VUs'
	// last iterations.
	allDone := make(chan struct{})
	go func() {
		vus.Wait()
		close(allDone)
	}()
	var dl <-chan time.Time
	if !deadline.IsZero() {
		dl = e.clk.After(deadline.Sub(e.clk.Now()))
	}
	select {
	case <-allDone:
	case <-dl:
	case <-e.stopStarting:
	case <-ctx.Done():
	}
}

// iterate runs one iteration of scenario i on a worker whose collector
// shard is sh.
func (e *Engine) iterate(ctx context.Context, i int, n uint64, vu int, intended, started time.Time, seed uint64, sh *shard) IterationResult {
	sc, c := e.opts.Scenarios[i].Scenario, e.byIndex[i]
	e.started.Add(1)
	e.inflight.Add(1)
	c.inflight.Add(1)
	lateness := started.Sub(intended)
	if lateness < 0 {
		lateness = 0
	}
	res := IterationResult{Seq: n, Scenario: sc.Name, VU: vu, Intended: intended, Started: started}
	if lateness > e.opts.LateAfter {
		res.Late = true
		e.late.Add(1)
	}
	env := e.opts.Env.Fork(seed)
	res.Err = safeRun(newIterCtx(ctx, lateness, sh), sc, env)
	res.Ended = e.clk.Now()
	res.Latency = res.Ended.Sub(intended)
	res.Outcome = Classify(res.Err)
	e.inflight.Add(-1)
	c.inflight.Add(-1)
	e.done.Add(1)
	c.done.Add(1)
	e.outcomes[outcomeIndex(res.Outcome)].Add(1)
	if res.Outcome != OutcomeOK {
		e.errs.Add(1)
		c.errors.Add(1)
	}
	switch res.Outcome {
	case OutcomeRateLimited:
		c.limited.Add(1)
	case OutcomeInsufficient:
		c.insufficient.Add(1)
	}
	return res
}

// safeRun runs a scenario, turning a panic into an error: scenarios must not
// panic, and one that does must not take the run down.
func safeRun(ctx context.Context, sc scenarios.Scenario, env *scenarios.Env) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("scenario %s panicked: %v", sc.Name, p)
		}
	}()
	if sc.Run == nil {
		return fmt.Errorf("scenario %s has no Run", sc.Name)
	}
	return sc.Run(ctx, env)
}
