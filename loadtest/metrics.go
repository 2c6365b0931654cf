package loadtest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
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

// Classify maps an error to its outcome class.
func Classify(err error) Outcome {
	var ae *client.APIError
	switch {
	case err == nil:
		return OutcomeOK
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

// Finish marks the end of the run (the engine calls it).
func (c *Collector) Finish(t time.Time) {
	c.mu.Lock()
	if t.After(c.end) {
		c.end = t
	}
	c.mu.Unlock()
}

// iterKey carries the iteration's schedule in the request context, so the
// first exchange of an iteration is measured from the intended start too.
type iterKey struct{}

type iterInfo struct {
	lateness time.Duration
	mu       sync.Mutex
	used     bool
}

func withIteration(ctx context.Context, lateness time.Duration) context.Context {
	return context.WithValue(ctx, iterKey{}, &iterInfo{lateness: lateness})
}

// firstLateness returns the iteration's lateness for its first exchange
// and 0 afterwards.
func firstLateness(ctx context.Context) time.Duration {
	it, _ := ctx.Value(iterKey{}).(*iterInfo)
	if it == nil {
		return 0
	}
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.used {
		return 0
	}
	it.used = true
	return it.lateness
}

// Hook returns the client response hook that records every exchange by
// operation and outcome.
func (c *Collector) Hook() client.ResponseHook {
	return func(ex *client.Exchange) { c.ObserveExchange(ex) }
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
	if ex.Request != nil {
		d += firstLateness(ex.Request.Context())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.ops[ex.Op]
	if s == nil {
		s = &series{byOutcome: map[Outcome]*hdr.Histogram{}}
		c.ops[ex.Op] = s
	}
	s.add(o, d)
	m := c.opOutcomes[ex.Op]
	if m == nil {
		m = map[Outcome]int64{}
		c.opOutcomes[ex.Op] = m
	}
	m[o]++
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
	c.mu.Lock()
	defer c.mu.Unlock()
	c.iterations++
	if r.Dropped {
		c.dropped++
		return
	}
	c.completed++
	if r.Late {
		c.late++
	}
	s := c.scenarios[r.Scenario]
	if s == nil {
		s = &series{byOutcome: map[Outcome]*hdr.Histogram{}}
		c.scenarios[r.Scenario] = s
	}
	s.add(r.Outcome, r.Latency)
	sec := r.Intended.Unix()
	b := c.timeline[sec]
	if b == nil {
		b = &second{outcomes: map[Outcome]int64{}, hist: newTHist()}
		c.timeline[sec] = b
	}
	b.count++
	b.outcomes[r.Outcome]++
	record(b.hist, r.Latency)
}

// OpOutcomes returns live per-operation outcome counts (for progress).
func (c *Collector) OpOutcomes() map[string]map[Outcome]int64 {
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
