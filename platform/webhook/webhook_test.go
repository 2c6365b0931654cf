package webhook

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// waitFor polls cond on the real clock with a generous bound; deliveries
// run on worker goroutines, so the test waits for their effect.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestRetriesUntilDelivered(t *testing.T) {
	var calls atomic.Int32
	got := make(chan map[string]any, 4)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		got <- m
	}))
	defer rcv.Close()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	d := New(Options{Clock: clk, Backoff: time.Second})
	defer d.Close()
	id := d.EnqueueFor(Target{Surface: "v2", Account: "acct"}, rcv.URL, map[string]any{"task_id": "t1"})
	if id == "" {
		t.Fatal("no delivery id")
	}
	// First attempt fails at once; the retry waits one second, then two.
	waitFor(t, "first retry scheduled", func() bool { return clk.Waiters() == 1 })
	snap := d.Snapshot()[0]
	if snap.Attempts != 1 || snap.Status != "pending" || snap.LastStatusCode != 503 ||
		!snap.NextAttemptAt.Equal(clk.Now().Add(time.Second)) {
		t.Fatalf("after first attempt: %+v", snap)
	}
	clk.Advance(time.Second)
	waitFor(t, "second retry scheduled", func() bool { return d.Snapshot()[0].Attempts == 2 && clk.Waiters() == 1 })
	clk.Advance(2 * time.Second)
	select {
	case m := <-got:
		if m["task_id"] != "t1" {
			t.Fatalf("payload %v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("never delivered")
	}
	waitFor(t, "delivered", func() bool { return d.Snapshot()[0].Status == "delivered" })
	if s := d.Snapshot()[0]; s.Attempts != 3 || s.Surface != "v2" || s.Account != "acct" {
		t.Fatalf("final %+v", s)
	}
}

func TestGivesUpAfterAttemptsAndRedelivers(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	var calls atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if fail.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer rcv.Close()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	d := New(Options{Clock: clk, Attempts: 2, Backoff: time.Second})
	defer d.Close()
	id := d.Enqueue(rcv.URL, map[string]any{"n": 1})
	waitFor(t, "retry scheduled", func() bool { return clk.Waiters() == 1 })
	clk.Advance(time.Second)
	waitFor(t, "failed", func() bool { return d.Snapshot()[0].Status == "failed" })
	if calls.Load() != 2 {
		t.Fatalf("calls %d, want 2", calls.Load())
	}
	fail.Store(false)
	if err := d.Redeliver(id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "redelivered", func() bool { return d.Snapshot()[0].Status == "delivered" })
	if err := d.Redeliver("cb-999"); err != ErrUnknownDelivery {
		t.Fatalf("unknown id: %v", err)
	}
}

func TestEmptyURLAndBareHost(t *testing.T) {
	d := New(Options{Clock: clock.NewFake(time.Unix(0, 0)), Attempts: 1})
	defer d.Close()
	if id := d.Enqueue("  ", nil); id != "" {
		t.Fatalf("empty url got id %q", id)
	}
	d.Enqueue("127.0.0.1:1/cb", nil)
	if u := d.Snapshot()[0].URL; u != "http://127.0.0.1:1/cb" {
		t.Fatalf("url %q", u)
	}
	d.Reset()
	if n := len(d.Snapshot()); n != 0 {
		t.Fatalf("after reset %d", n)
	}
}
