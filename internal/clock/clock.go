// Package clock is the time source of the mock and the load tester. Everything
// that depends on time (the upload lifecycle, callbacks, rate limits, stream
// pacing) reads it through Clock so tests can drive time by hand instead of
// sleeping.
package clock

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has elapsed on
	// this clock.
	After(d time.Duration) <-chan time.Time
}

// Deadliner is a clock that can wait for an absolute time in one step, so
// that a wait armed while the clock is being advanced cannot overshoot its
// deadline. Real, Offset and Fake are Deadliners.
type Deadliner interface {
	AfterTime(t time.Time) <-chan time.Time
}

// Until returns a channel that fires once c reaches t: c's own AfterTime
// when it has one, else c.After(t - c.Now()). Work due at a fixed time
// (a task, a segment, a retry) waits with Until rather than After, so a
// concurrent Advance cannot push it later.
func Until(c Clock, t time.Time) <-chan time.Time {
	if d, ok := c.(Deadliner); ok {
		return d.AfterTime(t)
	}
	return c.After(t.Sub(c.Now()))
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// After wraps time.After.
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// AfterTime fires at wall time t (at once when t has passed).
func (Real) AfterTime(t time.Time) <-chan time.Time { return time.After(time.Until(t)) }

// Offset is a clock running at real speed that can be moved forward, as the
// control plane's /_mock/clock/advance does. A wait on it ends when its
// deadline passes, by the base clock running or by an Advance jumping over
// it, so advancing the mock clock makes due work run at once. The zero
// value is not usable; use NewOffset.
type Offset struct {
	base Clock
	off  atomic.Int64

	mu      sync.Mutex
	waiters map[*offsetWaiter]struct{}
}

// offsetWaiter is one pending wait of an Offset clock.
type offsetWaiter struct {
	at    time.Time
	ch    chan time.Time
	timer *time.Timer // the base wait when the base is Real (stopped when Advance fires first)
}

// NewOffset returns an Offset clock on top of base (Real when nil).
func NewOffset(base Clock) *Offset {
	if base == nil {
		base = Real{}
	}
	return &Offset{base: base, waiters: map[*offsetWaiter]struct{}{}}
}

// Now returns the base time plus the accumulated offset.
func (o *Offset) Now() time.Time { return o.base.Now().Add(time.Duration(o.off.Load())) }

// After returns a channel that fires once d has elapsed on this clock:
// after d of base time, or sooner when Advance moves the clock past it.
func (o *Offset) After(d time.Duration) <-chan time.Time { return o.AfterTime(o.Now().Add(d)) }

// AfterTime returns a channel that fires once the clock reaches t (at once
// when it already has), atomically with respect to Advance: a wait armed
// while another goroutine advances the clock never overshoots t.
func (o *Offset) AfterTime(t time.Time) <-chan time.Time {
	ch := make(chan time.Time, 1)
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.Now()
	if !t.After(now) {
		ch <- now
		return ch
	}
	w := &offsetWaiter{at: t, ch: ch}
	o.waiters[w] = struct{}{}
	d := t.Sub(now)
	if _, isReal := o.base.(Real); isReal {
		w.timer = time.AfterFunc(d, func() { o.fire(w) })
	} else {
		base := o.base.After(d)
		go func() { <-base; o.fire(w) }()
	}
	return ch
}

// fire delivers w once, if it is still pending.
func (o *Offset) fire(w *offsetWaiter) {
	o.mu.Lock()
	_, pending := o.waiters[w]
	delete(o.waiters, w)
	o.mu.Unlock()
	if pending {
		w.ch <- o.Now()
	}
}

// Advance moves the clock forward by d (negative values are ignored) and
// ends every wait whose deadline it passes.
func (o *Offset) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	o.mu.Lock()
	o.off.Add(int64(d))
	now := o.Now()
	var due []*offsetWaiter
	for w := range o.waiters {
		if !w.at.After(now) {
			due = append(due, w)
			delete(o.waiters, w)
		}
	}
	o.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, w := range due {
		if w.timer != nil {
			w.timer.Stop()
		}
		w.ch <- now
	}
}

// Pending reports how many waits are armed (for tests and the dashboard).
func (o *Offset) Pending() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.waiters)
}

// Fake is a manual clock for tests: time moves only when Advance or Set is
// called, and After channels fire when the clock passes their deadline.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewFake returns a fake clock set to t (a fixed 2025-01-01 UTC when zero).
func NewFake(t time.Time) *Fake {
	if t.IsZero() {
		t = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &Fake{now: t}
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// After returns a channel that fires once the fake time reaches Now()+d.
// A non-positive d fires at once.
func (f *Fake) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- f.now
		return ch
	}
	f.waiters = append(f.waiters, waiter{at: f.now.Add(d), ch: ch})
	return ch
}

// AfterTime returns a channel that fires once the fake time reaches t (at
// once when it already has), atomically with respect to Advance and Set.
func (f *Fake) AfterTime(t time.Time) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan time.Time, 1)
	if !t.After(f.now) {
		ch <- f.now
		return ch
	}
	f.waiters = append(f.waiters, waiter{at: t, ch: ch})
	return ch
}

// Waiters reports how many After calls are still pending; tests use it to
// know that a goroutine has reached its wait before advancing.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}

// Advance moves the fake time forward by d and fires every due waiter.
func (f *Fake) Advance(d time.Duration) { f.Set(f.Now().Add(d)) }

// Set moves the fake time to t (never backwards) and fires every due waiter
// in deadline order.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	if t.After(f.now) {
		f.now = t
	}
	now := f.now
	sort.Slice(f.waiters, func(i, j int) bool { return f.waiters[i].at.Before(f.waiters[j].at) })
	kept := f.waiters[:0]
	var due []waiter
	for _, w := range f.waiters {
		if !w.at.After(now) {
			due = append(due, w)
		} else {
			kept = append(kept, w)
		}
	}
	f.waiters = kept
	f.mu.Unlock()
	for _, w := range due {
		w.ch <- now
	}
}
