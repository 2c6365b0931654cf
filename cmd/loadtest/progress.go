package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/memharness/memharness/loadtest"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

type progressKind int

const (
	progressNone progressKind = iota
	progressLines
	progressBars
)

// progressMode: bars only on a terminal; plain periodic lines otherwise.
func progressMode(flagValue string, quiet bool, out io.Writer) progressKind {
	if quiet || flagValue == "none" {
		return progressNone
	}
	switch flagValue {
	case "bars":
		return progressBars
	case "lines":
		return progressLines
	}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return progressBars
	}
	return progressLines
}

// Progress display geometry.
const (
	progressTick = 200 * time.Millisecond
	// rateWindow is the span of the achieved rate: recent enough to follow
	// a ramp, long enough not to flicker.
	rateWindow = 3 * time.Second
	// fallbackWidth is the line width when the terminal does not report
	// one (and COLUMNS is unset).
	fallbackWidth = 120
	barWidth      = 24
)

// plainWriter hides the *os.File behind an io.Writer, so mpb does not ask
// the terminal for a size it does not have.
type plainWriter struct{ io.Writer }

// termWidth returns the width of out when it is a terminal that knows its
// size.
func termWidth(out io.Writer) (int, bool) {
	f, ok := out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0, false
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil || w <= 0 {
		return 0, false
	}
	return w, true
}

// sample is a scenario's started count at one tick.
type sample struct {
	t       time.Time
	started int64
}

// scenView is what a bar shows, computed once per tick.
type scenView struct {
	live     loadtest.LiveScenario
	achieved float64 // started per second over rateWindow
	target   float64
}

// progress shows a running engine.
type progress struct {
	kind  progressKind
	out   io.Writer
	eng   *loadtest.Engine
	opts  loadtest.Options
	work  []loadtest.Weighted
	names []string // scenarios in workload order, once each
	start time.Time
	stop  chan struct{}
	done  sync.WaitGroup
	p     *mpb.Progress
	bars  map[string]*mpb.Bar

	mu      sync.Mutex
	views   map[string]scenView
	history map[string][]sample
	eta     string
	// lines mode: the previous line's count and time.
	lastDone int64
	lastT    time.Time
}

// targetRate is the intended rate of the whole run at elapsed t.
func targetRate(o loadtest.Options, t time.Duration) float64 {
	switch {
	case o.VUs > 0:
		return 0
	case !o.RampStart.IsZero() || !o.RampEnd.IsZero():
		r0, r1 := o.RampStart.PerSecond(), o.RampEnd.PerSecond()
		if o.Duration <= 0 || t >= o.Duration {
			return r1
		}
		return r0 + (r1-r0)*t.Seconds()/o.Duration.Seconds()
	}
	return o.Rate.PerSecond()
}

// meanTargetRate is the intended rate averaged over the schedule.
func meanTargetRate(o loadtest.Options) float64 {
	if o.VUs <= 0 && (!o.RampStart.IsZero() || !o.RampEnd.IsZero()) && o.Duration > 0 {
		return (o.RampStart.PerSecond() + o.RampEnd.PerSecond()) / 2
	}
	return targetRate(o, 0)
}

func newProgress(kind progressKind, out io.Writer, eng *loadtest.Engine, o loadtest.Options, work []loadtest.Weighted) *progress {
	now := time.Now()
	pr := &progress{kind: kind, out: out, eng: eng, opts: o, work: work, start: now, lastT: now, stop: make(chan struct{}),
		bars: map[string]*mpb.Bar{}, views: map[string]scenView{}, history: map[string][]sample{}}
	seen := map[string]bool{}
	for _, w := range work {
		if !seen[w.Scenario.Name] {
			seen[w.Scenario.Name] = true
			pr.names = append(pr.names, w.Scenario.Name)
		}
	}
	switch kind {
	case progressBars:
		pr.startBars()
	case progressLines:
		pr.done.Add(1)
		go pr.lines()
	}
	return pr
}

func (pr *progress) share(name string) float64 {
	sum, w := 0, 0
	for _, x := range pr.work {
		sum += x.Weight
		if x.Scenario.Name == name {
			w += x.Weight
		}
	}
	if sum == 0 {
		return 0
	}
	return float64(w) / float64(sum)
}

// closedByTime: a closed model bounded by time only, whose bars run over
// the duration because the number of iterations is unknown.
func (pr *progress) closedByTime() bool { return pr.eng.Expected() == 0 }

// etaAt is the time left: for the open model the rest of its schedule,
// which does not depend on the target; for the closed model the rest of
// its duration, or the remaining iterations at the recent rate. "drain"
// once the schedule is over and iterations are still in flight.
func (pr *progress) etaAt(l loadtest.Live, el time.Duration, rate float64) string {
	left := time.Duration(-1) // unknown
	if end, ok := pr.scheduleEnd(); ok {
		left = end - el
	} else {
		if pr.opts.Duration > 0 {
			left = pr.opts.Duration - el
		}
		if n := int64(pr.eng.Expected()); n > 0 && rate > 0 {
			byCount := time.Duration(float64(n-l.Done-l.Dropped) / rate * float64(time.Second))
			if left < 0 || byCount < left {
				left = byCount
			}
		}
	}
	switch {
	case left < 0 && l.InFlight == 0 && pr.eng.Expected() > 0 && l.Done+l.Dropped >= int64(pr.eng.Expected()):
		return "0s"
	case left < 0 && pr.opts.Duration <= 0 && rate <= 0:
		return "?"
	case left <= 0 && l.InFlight > 0:
		return "drain"
	case left <= 0:
		return "0s"
	}
	return (left + time.Second/2).Truncate(time.Second).String()
}

// scheduleEnd is when the open model's schedule ends (ok false for the
// closed model): its duration, or its last iteration's offset when a count
// bounds it sooner.
func (pr *progress) scheduleEnd() (time.Duration, bool) {
	p := pr.eng.Pacer()
	if p == nil {
		return 0, false
	}
	end := pr.opts.Duration
	if n := pr.eng.Expected(); n > 0 {
		if off, ok := p.Offset(n - 1); ok && (end <= 0 || off < end) {
			end = off
		}
	}
	return end, end > 0
}

// refresh recomputes the views from the engine's counters. The achieved
// rate is over the last rateWindow while the run goes, and over the whole
// run in the final frame.
func (pr *progress) refresh(now time.Time, final bool) loadtest.Live {
	l := pr.eng.Live()
	el := now.Sub(pr.start)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	total := 0.0
	for _, name := range pr.names {
		ls := l.Scenarios[name]
		started := ls.Done + ls.InFlight
		h := append(pr.history[name], sample{t: now, started: started})
		for len(h) > 2 && now.Sub(h[1].t) >= rateWindow {
			h = h[1:]
		}
		pr.history[name] = h
		achieved := 0.0
		if span := now.Sub(h[0].t); span > 0 && !final {
			achieved = float64(started-h[0].started) / span.Seconds()
		} else if el > 0 {
			achieved = float64(started) / el.Seconds()
		}
		total += achieved
		target := targetRate(pr.opts, el)
		if final {
			// The whole run's achieved rate against its mean target.
			target = meanTargetRate(pr.opts)
		}
		pr.views[name] = scenView{live: ls, achieved: achieved, target: target * pr.share(name)}
	}
	pr.eta = pr.etaAt(l, el, total)
	return l
}

func (pr *progress) view(name string) (scenView, string) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.views[name], pr.eta
}

func (pr *progress) startBars() {
	out := pr.out
	opts := []mpb.ContainerOption{mpb.WithRefreshRate(progressTick)}
	if _, ok := termWidth(out); !ok {
		// Forced bars on a pipe, or a terminal that reports no size (a
		// pty opened without one, as `script` does without a controlling
		// terminal): mpb would draw zero columns, so it gets a plain
		// writer, a fixed width and its own refresh.
		w := fallbackWidth
		if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 20 {
			w = n
		}
		out = plainWriter{out}
		opts = append(opts, mpb.WithAutoRefresh(), mpb.WithWidth(w))
	}
	opts = append(opts, mpb.WithOutput(out))
	pr.p = mpb.New(opts...)
	l := pr.refresh(time.Now(), false)
	for _, name := range pr.names {
		// Each figure is its own decorator, width-synchronised across
		// the bars so the columns line up.
		field := func(f func(v scenView, eta string) string) decor.Decorator {
			return decor.Any(func(decor.Statistics) string { return f(pr.view(name)) }, decor.WCSyncWidth)
		}
		rate := field(func(v scenView, _ string) string {
			if pr.opts.VUs > 0 {
				return fmt.Sprintf(" %.1f/s", v.achieved)
			}
			return fmt.Sprintf(" %.1f/s of %.1f/s", v.achieved, v.target)
		})
		inflight := field(func(v scenView, _ string) string { return fmt.Sprintf("  inflight %d", v.live.InFlight) })
		errs := field(func(v scenView, _ string) string { return fmt.Sprintf("  err %d", v.live.Errors) })
		limited := field(func(v scenView, _ string) string { return fmt.Sprintf("  0429 %d", v.live.RateLimited) })
		balance := field(func(v scenView, _ string) string { return fmt.Sprintf("  0402 %d", v.live.Insufficient) })
		eta := field(func(_ scenView, e string) string { return "  ETA " + e })
		counts := decor.CountersNoUnit("%d/%d", decor.WCSyncWidth)
		if pr.closedByTime() {
			// The bar runs over the duration; the count is what is done.
			counts = field(func(v scenView, _ string) string { return fmt.Sprintf("%d done", v.live.Done) })
		}
		// Created without a total, so that mpb leaves completion to
		// finish: a scenario's count is its share of the schedule drawn at
		// random, and may end a little above or below the estimate.
		bar := pr.p.AddBar(0,
			mpb.BarWidth(barWidth),
			mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), counts),
			mpb.AppendDecorators(rate, inflight, errs, limited, balance, decor.Name("  "), decor.Elapsed(decor.ET_STYLE_GO), eta))
		bar.SetTotal(pr.barTotal(name, l, 0), false)
		pr.bars[name] = bar
	}
	pr.done.Add(1)
	go func() {
		defer pr.done.Done()
		tick := time.NewTicker(progressTick)
		defer tick.Stop()
		for {
			select {
			case <-pr.stop:
				return
			case now := <-tick.C:
				pr.refresh(now, false)
				pr.updateBars()
			}
		}
	}()
}

// barTotal is a bar's total: the scenario's expected iterations, or what
// it has already reached; milliseconds of the duration for a closed model
// bounded by time.
func (pr *progress) barTotal(name string, l loadtest.Live, current int64) int64 {
	total := l.Scenarios[name].Expected
	if pr.closedByTime() {
		total = pr.opts.Duration.Milliseconds()
	}
	if current > total {
		total = current
	}
	if total <= 0 {
		total = 1
	}
	return total
}

// current is a bar's position: done and dropped iterations, or elapsed
// milliseconds for a closed model bounded by time.
func (pr *progress) current(name string, l loadtest.Live) int64 {
	if pr.closedByTime() {
		return min(time.Since(pr.start).Milliseconds(), pr.opts.Duration.Milliseconds())
	}
	s := l.Scenarios[name]
	return s.Done + s.Dropped
}

func (pr *progress) updateBars() {
	l := pr.eng.Live()
	for _, name := range pr.names {
		bar := pr.bars[name]
		cur := pr.current(name, l)
		bar.SetTotal(pr.barTotal(name, l, cur), false)
		bar.SetCurrent(cur)
	}
}

func (pr *progress) lines() {
	defer pr.done.Done()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-pr.stop:
			return
		case <-tick.C:
			pr.line()
		}
	}
}

func (pr *progress) line() {
	now := time.Now()
	l := pr.eng.Live()
	el := now.Sub(pr.start)
	rate := 0.0
	if d := now.Sub(pr.lastT); d > 0 {
		rate = float64(l.Done-pr.lastDone) / d.Seconds()
	}
	pr.lastDone, pr.lastT = l.Done, now
	fmt.Fprintf(pr.out, "[%s] done %d/%d rate %.1f/s (target %.1f/s) inflight %d errors %d 0429 %d 0402 %d late %d dropped %d ETA %s\n",
		el.Round(time.Second), l.Done, pr.eng.Expected(), rate, targetRate(pr.opts, el), l.InFlight, l.Errors,
		l.ByOutcome[loadtest.OutcomeRateLimited], l.ByOutcome[loadtest.OutcomeInsufficient], l.Late, l.Dropped, pr.etaAt(l, el, rate))
}

// finish stops the display. Bars end at their final counts: complete when
// the run ended on its own, marked aborted when it was interrupted.
func (pr *progress) finish() {
	close(pr.stop)
	pr.done.Wait()
	switch pr.kind {
	case progressBars:
		pr.refresh(time.Now(), true)
		pr.updateBars()
		interrupted := false
		select {
		case <-pr.eng.Stopping():
			interrupted = true
			pr.mu.Lock()
			pr.eta = "stopped"
			pr.mu.Unlock()
		default:
		}
		for _, name := range pr.names {
			switch {
			case interrupted:
				pr.bars[name].Abort(false)
			case pr.closedByTime():
				// The duration is over: a full bar.
				pr.bars[name].SetCurrent(pr.opts.Duration.Milliseconds())
				pr.bars[name].SetTotal(-1, true)
			default:
				pr.bars[name].SetTotal(-1, true)
			}
		}
		pr.p.Wait()
	case progressLines:
		pr.line()
	}
}
