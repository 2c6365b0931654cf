package webhook

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// TestHistory: every attempt is kept in order with its time on the
// injected clock, its status and its error; snapshots do not share it.
func TestHistory(t *testing.T) {
	var calls atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer rcv.Close()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	d := New(Options{Clock: clk, Backoff: time.Second})
	defer d.Close()
	d.Enqueue(rcv.URL, map[string]any{"videoNo": "VI1"})
	waitFor(t, "retry scheduled", func() bool { return clk.Waiters() == 1 })
	first := clk.Now()
	clk.Advance(time.Second)
	waitFor(t, "delivered", func() bool { return d.Snapshot()[0].Status == "delivered" })
	h := d.Snapshot()[0].History
	if len(h) != 2 || h[0].StatusCode != 502 || h[0].Error != "receiver answered HTTP 502" || !h[0].At.Equal(first) ||
		h[1].StatusCode != 200 || h[1].Error != "" || !h[1].At.Equal(first.Add(time.Second)) {
		t.Fatalf("history %+v", h)
	}
	h[0].StatusCode = 0
	if d.Snapshot()[0].History[0].StatusCode != 502 {
		t.Fatal("a snapshot's history aliases the log")
	}
}
