package main

import (
	"fmt"
	"io"
	"os"
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

// progress shows a running engine.
type progress struct {
	kind  progressKind
	out   io.Writer
	eng   *loadtest.Engine
	opts  loadtest.Options
	work  []loadtest.Weighted
	start time.Time
	stop  chan struct{}
	done  sync.WaitGroup
	p     *mpb.Progress
	bars  map[string]*mpb.Bar
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

func newProgress(kind progressKind, out io.Writer, eng *loadtest.Engine, o loadtest.Options, work []loadtest.Weighted) *progress {
	pr := &progress{kind: kind, out: out, eng: eng, opts: o, work: work, start: time.Now(), stop: make(chan struct{}), bars: map[string]*mpb.Bar{}}
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

func (pr *progress) startBars() {
	pr.p = mpb.New(mpb.WithOutput(pr.out), mpb.WithWidth(30), mpb.WithRefreshRate(200*time.Millisecond))
	seen := map[string]bool{}
	for _, w := range pr.work {
		name := w.Scenario.Name
		if seen[name] {
			continue
		}
		seen[name] = true
		total := pr.eng.Live().Scenarios[name].Expected
		if total <= 0 {
			total = int64(pr.opts.Duration / time.Second) // closed model: seconds
		}
		info := decor.Any(func(decor.Statistics) string {
			l := pr.eng.Live().Scenarios[name]
			el := time.Since(pr.start).Seconds()
			achieved := 0.0
			if el > 0 {
				achieved = float64(l.Done) / el
			}
			tr := targetRate(pr.opts, time.Since(pr.start)) * pr.share(name)
			return fmt.Sprintf(" %.1f/%.1f/s inflight %d err %d 0429 %d 0402 %d", achieved, tr, l.InFlight, l.Errors, l.RateLimited, l.Insufficient)
		})
		bar := pr.p.AddBar(total,
			mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), decor.CountersNoUnit("%d/%d", decor.WCSyncWidth)),
			mpb.AppendDecorators(info, decor.Name(" "), decor.Elapsed(decor.ET_STYLE_GO), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
		pr.bars[name] = bar
	}
	pr.done.Add(1)
	go func() {
		defer pr.done.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-pr.stop:
				return
			case <-tick.C:
				pr.updateBars()
			}
		}
	}()
}

func (pr *progress) updateBars() {
	live := pr.eng.Live()
	for name, bar := range pr.bars {
		if pr.opts.VUs > 0 && live.Scenarios[name].Expected <= 0 {
			bar.SetCurrent(int64(time.Since(pr.start) / time.Second))
			continue
		}
		bar.SetCurrent(live.Scenarios[name].Done + droppedShare(live, pr.share(name)))
	}
}

// droppedShare attributes dropped iterations to bars by weight, so bars
// still complete when iterations are dropped.
func droppedShare(l loadtest.Live, share float64) int64 { return int64(float64(l.Dropped) * share) }

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
	l := pr.eng.Live()
	el := time.Since(pr.start)
	rate := 0.0
	if el > 0 {
		rate = float64(l.Done) / el.Seconds()
	}
	fmt.Fprintf(pr.out, "[%s] done %d/%d rate %.1f/s (target %.1f/s) inflight %d errors %d 0429 %d 0402 %d late %d dropped %d\n",
		el.Round(time.Second), l.Done, pr.eng.Expected(), rate, targetRate(pr.opts, el), l.InFlight, l.Errors,
		l.ByOutcome[loadtest.OutcomeRateLimited], l.ByOutcome[loadtest.OutcomeInsufficient], l.Late, l.Dropped)
}

// finish stops the display; bars are completed at their final counts.
func (pr *progress) finish(elapsed time.Duration) {
	close(pr.stop)
	pr.done.Wait()
	switch pr.kind {
	case progressBars:
		pr.updateBars()
		for _, bar := range pr.bars {
			bar.SetTotal(-1, true)
		}
		pr.p.Wait()
	case progressLines:
		pr.line()
	}
	_ = elapsed
}
