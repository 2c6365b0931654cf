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

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// After wraps time.After.
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Offset is a clock running at real speed that can be moved forward, as the
// control plane's /_mock/clock/advance does. The zero value is not usable;
// use NewOffset.
type Offset struct {
	base Clock
	off  atomic.Int64
}

// NewOffset returns an Offset clock on top of base (Real when nil).
func NewOffset(base Clock) *Offset {
	if base == nil {
		base = Real{}
	}
	return &Offset{base: base}
}

// Now returns the base time plus the accumulated offset.
func (o *Offset) Now() time.Time { return o.base.Now().Add(time.Duration(o.off.Load())) }

// After waits on the base clock; an Advance does not shorten a running wait.
func (o *Offset) After(d time.Duration) <-chan time.Time { return o.base.After(d) }

// Advance moves the clock forward by d (negative values are ignored).
func (o *Offset) Advance(d time.Duration) {
	if d > 0 {
		o.off.Add(int64(d))
	}
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
