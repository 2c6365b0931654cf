package clock

import (
	"testing"
	"time"
)

// received reports whether ch has a value now, without waiting.
func received(ch <-chan time.Time) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestOffsetAdvanceEndsDueWaits: on the mock's production clock an Advance
// past a wait's deadline ends it at once (the control plane's
// /_mock/clock/advance makes due work run), a wait beyond the jump keeps
// waiting, and the wait's timer is stopped.
func TestOffsetAdvanceEndsDueWaits(t *testing.T) {
	o := NewOffset(Real{})
	soon, late := o.After(time.Hour), o.After(3*time.Hour)
	if received(soon) || received(late) {
		t.Fatal("a wait ended before its time")
	}
	o.Advance(2 * time.Hour)
	if !received(soon) {
		t.Fatal("Advance past the deadline did not end the wait")
	}
	if received(late) {
		t.Fatal("Advance ended a wait it did not reach")
	}
	if n := o.Pending(); n != 1 {
		t.Fatalf("%d waits pending, want 1", n)
	}
	o.Advance(time.Hour)
	if !received(late) || o.Pending() != 0 {
		t.Fatal("the second wait did not end at its deadline")
	}
}

// TestOffsetRunsAtBaseSpeed: without Advance a wait ends by the base
// clock (here a Fake under the Offset).
func TestOffsetRunsAtBaseSpeed(t *testing.T) {
	base := NewFake(time.Time{})
	o := NewOffset(base)
	o.Advance(time.Minute)
	ch := o.After(time.Second)
	if base.Waiters() == 0 { // After arms the base wait before it returns
		t.Fatal("no base wait armed")
	}
	base.Advance(time.Second)
	if got := <-ch; !got.Equal(base.Now().Add(time.Minute)) {
		t.Fatalf("fired at %v, want the offset time %v", got, base.Now().Add(time.Minute))
	}
}

// TestUntilDoesNotOvershoot: a deadline armed after the clock was advanced
// past it fires at once, on every clock; Until uses the clock's own
// AfterTime, where a relative After computed from an earlier Now would
// wait the full duration again.
func TestUntilDoesNotOvershoot(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	due := start.Add(5 * time.Second)
	f.Advance(time.Hour) // the jump lands between reading Now and arming the wait
	if !received(Until(f, due)) {
		t.Fatal("Fake: a passed deadline did not fire at once")
	}
	o := NewOffset(Real{})
	due = o.Now().Add(5 * time.Second)
	o.Advance(time.Hour)
	if !received(Until(o, due)) {
		t.Fatal("Offset: a passed deadline did not fire at once")
	}
	later := f.Now().Add(time.Minute)
	ch := Until(f, later)
	f.Advance(59 * time.Second)
	if received(ch) {
		t.Fatal("Fake: fired before its deadline")
	}
	f.Advance(time.Second)
	if !received(ch) {
		t.Fatal("Fake: did not fire at its deadline")
	}
	<-Until(Real{}, time.Now().Add(-time.Second)) // a passed wall deadline fires without waiting
}
