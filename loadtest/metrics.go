package loadtest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/scenarios"
)

// Outcome classes an iteration or exchange.
type Outcome string

// Outcome classes.
const (
	OutcomeOK           Outcome = "ok"
	OutcomeRateLimited  Outcome = "0429"
	OutcomeInsufficient Outcome = "0402"
	OutcomeBusiness     Outcome = "business"  // any other business code
	OutcomeTransport    Outcome = "transport" // network, timeouts, 5xx without envelope, truncated streams
	OutcomeSchema       Outcome = "schema"    // response not in the documented shape, failed checks
	OutcomeCanceled     Outcome = "canceled"  // aborted by the second interrupt
)

// Outcomes lists the classes in report order.
func Outcomes() []Outcome {
	return []Outcome{OutcomeOK, OutcomeRateLimited, OutcomeInsufficient, OutcomeBusiness, OutcomeTransport, OutcomeSchema, OutcomeCanceled}
}

// numOutcomes is len(Outcomes()).
const numOutcomes = 7

// outcomeIndex is o's position in Outcomes() (an unknown class counts as
// a transport error, the catch-all of Classify).
func outcomeIndex(o Outcome) int {
	switch o {
	case OutcomeOK:
		return 0
	case OutcomeRateLimited:
		return 1
	case OutcomeInsufficient:
		return 2
	case OutcomeBusiness:
		return 3
	case OutcomeSchema:
		return 5
	case OutcomeCanceled:
		return 6
	}
	return 4
}

// Classify maps an error to its outcome class.
func Classify(err error) Outcome {
	if err == nil {
		// Apart so the success path, once per exchange, does not pay for
		// classifyErr's heap-allocated errors.As target.
		return OutcomeOK
	}
	return classifyErr(err)
}

func classifyErr(err error) Outcome {
	var ae *client.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return OutcomeCanceled
	case client.IsRateLimited(err):
		return OutcomeRateLimited
	case client.IsInsufficientBalance(err):
		return OutcomeInsufficient
	case errors.Is(err, client.ErrDecode), errors.Is(err, scenarios.ErrCheck):
		return OutcomeSchema
	case errors.As(err, &ae):
		if ae.Code != "" {
			return OutcomeBusiness
		}
		if ae.HTTPStatus >= 500 {
			return OutcomeTransport
		}
		// A documented route answered a non-envelope 4xx.
		return OutcomeSchema
	case errors.Is(err, client.ErrStreamFailed), errors.Is(err, client.ErrVideoFailed):
		return OutcomeBusiness
	}
	return OutcomeTransport
}

// Histogram geometry: microseconds from 1 us to 1 h, 3 significant digits
// for the series; 2 digits for the per-second timeline, which only feeds the
// over-time charts.
const (
	histMin     = 1
	histMax     = int64(time.Hour / time.Microsecond)
	histDigits  = 3
	tlineDigits = 2
)

func newHist() *hdr.Histogram  { return hdr.New(histMin, histMax, histDigits) }
func newTHist() *hdr.Histogram { return hdr.New(histMin, histMax, tlineDigits) }

func record(h *hdr.Histogram, d time.Duration) {
	us := d.Microseconds()
	if us < histMin {
		us = histMin
	}
	if us > histMax {
		us = histMax
	}
	_ = h.RecordValue(us)
}

// series is one operation's or scenario's histograms by outcome.
type series struct {
	byOutcome map[Outcome]*hdr.Histogram
}

func (s *series) add(o Outcome, d time.Duration) {
	h := s.byOutcome[o]
	if h == nil {
		h = newHist()
		s.byOutcome[o] = h
	}
	record(h, d)
}

type second struct {
	count    int64
	outcomes map[Outcome]int64
	hist     *hdr.Histogram
}

// Collector aggregates a run: iterations by scenario, exchanges by operation
// (fed by the client's response hook), timings from the scenarios'
// Recorder, and a per-second timeline. It is safe for concurrent use.
//
// The engine gives each of its workers a shard: observations made inside an
// iteration are buffered in the worker's shard and applied to the
// histograms in batches, so the collector's lock is taken once per batch
// rather than twice per request. Observations from outside the engine go
// straight to the histograms. Result and OpOutcomes flush every shard first.
type Collector struct {
	// Validate, when set, checks every successful exchange (the contract
	// suite wires the OpenAPI validator here); an error counts the exchange
	// as a schema violation.
	Validate func(*client.Exchange) error

	clk   clock.Clock
	mu    sync.Mutex
	start time.Time
	end   time.Time

	scenarios map[string]*series
	ops       map[string]*series
	timings   map[string]*hdr.Histogram
	timeline  map[int64]*second
	shards    []*shard

	iterations, completed, late, dropped int64
	opOutcomes                           map[string]map[Outcome]int64
}

// NewCollector returns an empty collector timing with clk (nil: wall clock).
func NewCollector(clk clock.Clock) *Collector {
	if clk == nil {
		clk = clock.Real{}
	}
	return &Collector{
		clk:        clk,
		scenarios:  map[string]*series{},
		ops:        map[string]*series{},
		timings:    map[string]*hdr.Histogram{},
		timeline:   map[int64]*second{},
		opOutcomes: map[string]map[Outcome]int64{},
	}
}

// Begin marks the start of the run (the engine calls it).
func (c *Collector) Begin(t time.Time) {
	c.mu.Lock()
	if c.start.IsZero() || t.Before(c.start) {
		c.start = t
	}
	c.mu.Unlock()
}

// Finish marks the end of the run (the engine calls it) and applies what
// the shards still buffer.
func (c *Collector) Finish(t time.Time) {
	c.flushShards()
	c.mu.Lock()
	if t.After(c.end) {
		c.end = t
	}
	c.mu.Unlock()
}

// shardBatch is how many observations a shard buffers before it takes the
// collector's lock: large enough to make the lock rare, small enough
// (about 14 KB) that a thousand workers' buffers stay cheap.
const shardBatch = 256

// sampleKind tells what a buffered observation is.
type sampleKind uint8

const (
	sampleExchange sampleKind = iota
	sampleIteration
	sampleDropped
)

// sample is one buffered observation.
type sample struct {
	name    string // operation or scenario
	outcome Outcome
	d       time.Duration
	sec     int64 // iterations: the intended start's second
	kind    sampleKind
	late    bool
}

// shard buffers one worker's observations. Its lock is uncontended in
// practice (one worker per shard); it exists for scenarios that make
// exchanges from several goroutines, and for the final flush.
type shard struct {
	c       *Collector
	mu      sync.Mutex
	buf     []sample
	retired bool // the run is over: observations go straight through
}

// newShard registers a shard for one engine worker.
func (c *Collector) newShard() *shard {
	s := &shard{c: c}
	c.mu.Lock()
	c.shards = append(c.shards, s)
	c.mu.Unlock()
	return s
}

func (s *shard) add(x sample) {
	s.mu.Lock()
	if s.retired {
		// A goroutine a scenario left behind reports after the run:
		// nothing would flush the buffer any more.
		s.mu.Unlock()
		s.c.apply(x)
		return
	}
	if s.buf == nil {
		s.buf = make([]sample, 0, shardBatch)
	}
	s.buf = append(s.buf, x)
	if len(s.buf) >= shardBatch {
		s.flushLocked()
	}
	s.mu.Unlock()
}

// flushLocked applies the buffer under the collector's lock; s.mu is held.
// Lock order: shard, then collector.
func (s *shard) flushLocked() {
	if len(s.buf) == 0 {
		return
	}
	c := s.c
	c.mu.Lock()
	for i := range s.buf {
		c.applyLocked(&s.buf[i])
	}
	c.mu.Unlock()
	clear(s.buf) // drop the name strings' references
	s.buf = s.buf[:0]
}

func (s *shard) flush() {
	s.mu.Lock()
	s.flushLocked()
	s.mu.Unlock()
}

// retire flushes the shards of a finished run and forgets them, so a
// collector reused across runs does not accumulate them.
func (c *Collector) retire(shards []*shard) {
	for _, s := range shards {
		s.mu.Lock()
		s.flushLocked()
		s.retired = true
		s.buf = nil
		s.mu.Unlock()
	}
	gone := make(map[*shard]bool, len(shards))
	for _, s := range shards {
		gone[s] = true
	}
	c.mu.Lock()
	kept := c.shards[:0]
	for _, s := range c.shards {
		if !gone[s] {
			kept = append(kept, s)
		}
	}
	clear(c.shards[len(kept):])
	c.shards = kept
	c.mu.Unlock()
}

func (c *Collector) flushShards() {
	c.mu.Lock()
	shards := append([]*shard(nil), c.shards...)
	c.mu.Unlock()
	for _, s := range shards {
		s.flush()
	}
}

// applyLocked records one observation; c.mu is held.
func (c *Collector) applyLocked(x *sample) {
	switch x.kind {
	case sampleExchange:
		s := c.ops[x.name]
		if s == nil {
			s = &series{byOutcome: map[Outcome]*hdr.Histogram{}}
			c.ops[x.name] = s
		}
		s.add(x.outcome, x.d)
		m := c.opOutcomes[x.name]
		if m == nil {
			m = map[Outcome]int64{}
			c.opOutcomes[x.name] = m
		}
		m[x.outcome]++
	case sampleDropped:
		c.iterations++
		c.dropped++
	case sampleIteration:
		c.iterations++
		c.completed++
		if x.late {
			c.late++
		}
		s := c.scenarios[x.name]
		if s == nil {
			s = &series{byOutcome: map[Outcome]*hdr.Histogram{}}
			c.scenarios[x.name] = s
		}
		s.add(x.outcome, x.d)
		b := c.timeline[x.sec]
		if b == nil {
			b = &second{outcomes: map[Outcome]int64{}, hist: newTHist()}
			c.timeline[x.sec] = b
		}
		b.count++
		b.outcomes[x.outcome]++
		record(b.hist, x.d)
	}
}

func (c *Collector) apply(x sample) {
	c.mu.Lock()
	c.applyLocked(&x)
	c.mu.Unlock()
}

// iterKey carries the iteration's schedule in the request context, so the
// first exchange of an iteration is measured from the intended start too.
type iterKey struct{}

// iterCtx is an iteration's context: the run's context plus the
// iteration's lateness and its worker's shard, in one allocation.
type iterCtx struct {
	context.Context
	lateness time.Duration
	used     atomic.Bool
	shard    *shard
}

// Value implements context.Context.
func (c *iterCtx) Value(key any) any {
	if _, ok := key.(iterKey); ok {
		return c
	}
	return c.Context.Value(key)
}

func newIterCtx(ctx context.Context, lateness time.Duration, sh *shard) *iterCtx {
	return &iterCtx{Context: ctx, lateness: lateness, shard: sh}
}

func iterationOf(ctx context.Context) *iterCtx {
	it, _ := ctx.Value(iterKey{}).(*iterCtx)
	return it
}

// firstLateness returns the iteration's lateness for its first exchange
// and 0 afterwards, so one iteration's exchanges do not all carry it.
func (it *iterCtx) firstLateness() time.Duration {
	if it.used.Load() || !it.used.CompareAndSwap(false, true) {
		return 0
	}
	return it.lateness
}

// Hook returns the client response hook that records every exchange by
// operation and outcome.
func (c *Collector) Hook() client.ResponseHook {
	return c.ObserveExchange
}

// ObserveExchange records one exchange.
func (c *Collector) ObserveExchange(ex *client.Exchange) {
	o := Classify(ex.Err)
	if o == OutcomeOK && c.Validate != nil {
		if err := c.Validate(ex); err != nil {
			o = OutcomeSchema
		}
	}
	d := ex.Duration
	var sh *shard
	if ex.Request != nil {
		if it := iterationOf(ex.Request.Context()); it != nil {
			d += it.firstLateness()
			if it.shard != nil && it.shard.c == c {
				sh = it.shard
			}
		}
	}
	x := sample{kind: sampleExchange, name: ex.Op, outcome: o, d: d}
	if sh != nil {
		sh.add(x)
		return
	}
	c.apply(x)
}

// Record implements scenarios.Recorder.
func (c *Collector) Record(metric string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.timings[metric]
	if h == nil {
		h = newHist()
		c.timings[metric] = h
	}
	record(h, d)
}

// ObserveIteration records one iteration result.
func (c *Collector) ObserveIteration(r IterationResult) {
	c.observeIteration(nil, &r)
}

// observeIteration records an iteration in sh (nil: directly).
func (c *Collector) observeIteration(sh *shard, r *IterationResult) {
	x := sample{kind: sampleIteration, name: r.Scenario, outcome: r.Outcome, d: r.Latency, sec: r.Intended.Unix(), late: r.Late}
	if r.Dropped {
		x = sample{kind: sampleDropped, name: r.Scenario}
	}
	if sh != nil {
		sh.add(x)
		return
	}
	c.apply(x)
}

// OpOutcomes returns live per-operation outcome counts (for progress).
func (c *Collector) OpOutcomes() map[string]map[Outcome]int64 {
	c.flushShards()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]map[Outcome]int64, len(c.opOutcomes))
	for op, m := range c.opOutcomes {
		cp := make(map[Outcome]int64, len(m))
		for k, v := range m {
			cp[k] = v
		}
		out[op] = cp
	}
	return out
}

// Result snapshots the collector into a mergeable Result.
func (c *Collector) Result() Result {
	c.flushShards()
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Result{
		Version:    ResultVersion,
		Start:      c.start,
		End:        c.end,
		Iterations: Counts{Total: c.iterations, Completed: c.completed, Late: c.late, Dropped: c.dropped},
		Scenarios:  map[string]*Series{},
		Operations: map[string]*Series{},
		Timings:    map[string]*Stats{},
	}
	if r.End.Before(r.Start) {
		r.End = r.Start
	}
	for name, s := range c.scenarios {
		r.Scenarios[name] = exportSeries(s)
	}
	for name, s := range c.ops {
		r.Operations[name] = exportSeries(s)
	}
	for name, h := range c.timings {
		r.Timings[name] = &Stats{Hist: encode(h)}
	}
	secs := make([]int64, 0, len(c.timeline))
	for s := range c.timeline {
		secs = append(secs, s)
	}
	sort.Slice(secs, func(i, j int) bool { return secs[i] < secs[j] })
	for _, s := range secs {
		b := c.timeline[s]
		sec := Second{T: s, Count: b.count, Outcomes: map[Outcome]int64{}, Hist: encode(b.hist)}
		for k, v := range b.outcomes {
			sec.Outcomes[k] = v
		}
		r.Timeline = append(r.Timeline, sec)
	}
	r.compute()
	return r
}

func exportSeries(s *series) *Series {
	out := &Series{Outcomes: map[Outcome]*Stats{}}
	for o, h := range s.byOutcome {
		out.Outcomes[o] = &Stats{Hist: encode(h)}
	}
	return out
}

func encode(h *hdr.Histogram) string {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return ""
	}
	return string(b)
}

func decode(s string) (*hdr.Histogram, error) {
	if s == "" {
		return nil, errors.New("empty histogram")
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}
