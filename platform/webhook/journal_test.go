package webhook

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// fakeRecords is an in-memory kind/id record area, like the mock's bbolt
// store; tests wrap it with Records so the adapter is exercised too.
type fakeRecords struct {
	mu   sync.Mutex
	recs map[string]map[string][]byte
}

func newFakeRecords() *fakeRecords { return &fakeRecords{recs: map[string]map[string][]byte{}} }

func (f *fakeRecords) PutRecord(kind, id string, raw []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.recs[kind] == nil {
		f.recs[kind] = map[string][]byte{}
	}
	f.recs[kind][id] = slices.Clone(raw)
	return nil
}

func (f *fakeRecords) DeleteRecord(kind, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.recs[kind], id)
	return nil
}

func (f *fakeRecords) EachRecord(kind string, fn func(id string, raw []byte) bool) error {
	f.mu.Lock()
	ids := make([]string, 0, len(f.recs[kind]))
	for id := range f.recs[kind] {
		ids = append(ids, id)
	}
	f.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		f.mu.Lock()
		raw, ok := f.recs[kind][id]
		f.mu.Unlock()
		if ok && !fn(id, slices.Clone(raw)) {
			return nil
		}
	}
	return nil
}

// get decodes the journalled delivery id ("ok" false when there is none).
func (f *fakeRecords) get(t *testing.T, id string) (journalRecord, bool) {
	t.Helper()
	f.mu.Lock()
	raw, ok := f.recs["webhook"][id]
	f.mu.Unlock()
	var r journalRecord
	if ok {
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("record %s: %v", id, err)
		}
	}
	return r, ok
}

func (f *fakeRecords) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.recs["webhook"] {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// receiver counts POSTs and answers 500 while failing is set.
type receiver struct {
	*httptest.Server
	failing atomic.Bool
	calls   atomic.Int32 // every POST
	ok      atomic.Int32 // POSTs answered 200
	bodies  chan map[string]any
}

func newReceiver(t *testing.T, failing bool) *receiver {
	r := &receiver{bodies: make(chan map[string]any, 16)}
	r.failing.Store(failing)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.calls.Add(1)
		if r.failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var m map[string]any
		_ = json.NewDecoder(req.Body).Decode(&m)
		r.ok.Add(1)
		r.bodies <- m
	}))
	t.Cleanup(r.Close)
	return r
}

func TestJournalFollowsADelivery(t *testing.T) {
	rcv := newReceiver(t, true)
	recs := newFakeRecords()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	d := New(Options{Clock: clk, Backoff: time.Second, Store: Records(recs, "webhook")})
	defer d.Close()
	id := d.EnqueueFor(Target{Surface: "v1", Account: "acct"}, rcv.URL, map[string]any{"videoNo": "VI1"})
	// Durable when EnqueueFor returns (possibly already past its first
	// attempt, so only the stable fields are checked here).
	if r, ok := recs.get(t, id); !ok || r.URL != rcv.URL || r.Account != "acct" || r.Surface != "v1" ||
		string(r.Payload) != `{"videoNo":"VI1"}` {
		t.Fatalf("journal after enqueue: %+v %v", r, ok)
	}
	waitFor(t, "retry scheduled", func() bool { return clk.Waiters() == 1 })
	r, ok := recs.get(t, id)
	if !ok || r.Attempts != 1 || r.LastStatusCode != 500 || !r.NextAttemptAt.Equal(clk.Now().Add(time.Second)) ||
		len(r.History) != 1 {
		t.Fatalf("journal after a failed attempt: %+v %v", r, ok)
	}
	rcv.failing.Store(false)
	clk.Advance(time.Second)
	waitFor(t, "delivered", func() bool { return d.Snapshot()[0].Status == "delivered" })
	if ids := recs.ids(); len(ids) != 0 {
		t.Fatalf("journal after delivery: %v", ids)
	}
	if s := d.Snapshot()[0]; len(s.History) != 2 {
		t.Fatalf("log keeps the history: %+v", s)
	}
}

func TestJournalGivesUp(t *testing.T) {
	rcv := newReceiver(t, true)
	recs := newFakeRecords()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	d := New(Options{Clock: clk, Attempts: 2, Backoff: time.Second, Store: Records(recs, "webhook")})
	defer d.Close()
	d.Enqueue(rcv.URL, 1)
	waitFor(t, "retry scheduled", func() bool { return clk.Waiters() == 1 })
	clk.Advance(time.Second)
	waitFor(t, "failed", func() bool { return d.Snapshot()[0].Status == "failed" })
	if ids := recs.ids(); len(ids) != 0 {
		t.Fatalf("journal keeps an abandoned delivery: %v", ids)
	}
}

// TestReopenResumes: a delivery waiting between retries when its
// Deliverer stops is reloaded by the next one on the same journal with its
// id and history, waits out the rest of its backoff and is sent once; new
// ids do not collide with it; a later open finds nothing to send.
func TestReopenResumes(t *testing.T) {
	rcv := newReceiver(t, true)
	recs := newFakeRecords()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	o := Options{Clock: clk, Backoff: 4 * time.Second, Store: Records(recs, "webhook")}
	d1 := New(o)
	id := d1.EnqueueFor(Target{Surface: "v2", Account: "a"}, rcv.URL, map[string]any{"task_id": "t1"})
	waitFor(t, "retry scheduled", func() bool { return clk.Waiters() == 1 })
	d1.Close() // the retry waiting on the clock stops, the journal keeps it
	clk.Advance(time.Second)
	rcv.failing.Store(false)

	d2, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	snap := d2.Snapshot()
	if len(snap) != 1 || snap[0].ID != id || snap[0].Status != "pending" || snap[0].Attempts != 1 ||
		len(snap[0].History) != 1 || snap[0].History[0].StatusCode != 500 || snap[0].Account != "a" {
		t.Fatalf("reloaded log: %+v", snap)
	}
	// Three of the four seconds of backoff are left (the fake clock still
	// holds d1's abandoned waiter too).
	waitFor(t, "reloaded retry waits", func() bool { return clk.Waiters() == 2 })
	if n := rcv.calls.Load(); n != 1 {
		t.Fatalf("sent before due: %d calls", n)
	}
	if next := d2.EnqueueFor(Target{Account: "b"}, "127.0.0.1:1/x", 2); next == id {
		t.Fatalf("new id %q reuses a reloaded one", next)
	}
	d2.Forget("b")
	clk.Advance(3 * time.Second)
	select {
	case m := <-rcv.bodies:
		if m["task_id"] != "t1" {
			t.Fatalf("payload %v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reloaded delivery never sent")
	}
	waitFor(t, "delivered", func() bool { return d2.Snapshot()[0].Status == "delivered" })
	if s := d2.Snapshot()[0]; s.Attempts != 2 || len(s.History) != 2 || s.ID != id {
		t.Fatalf("after resume: %+v", s)
	}
	if ids := recs.ids(); len(ids) != 0 {
		t.Fatalf("journal after delivery: %v", ids)
	}
	d2.Close()

	d3, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer d3.Close()
	if n := len(d3.Snapshot()); n != 0 {
		t.Fatalf("a delivered callback came back: %d", n)
	}
	if n := rcv.ok.Load(); n != 1 {
		t.Fatalf("delivered %d times", n)
	}
}

// TestReopenSendsDueOnesOnce: a delivery handed over just before a kill
// (never attempted) and one whose retry fell due while the process was
// down both go at once on open, each exactly once; one whose journalled
// retry lies beyond its backoff (the old clock was advanced) waits no
// longer than the backoff.
func TestReopenSendsDueOnesOnce(t *testing.T) {
	rcv := newReceiver(t, false)
	recs := newFakeRecords()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	now := clk.Now()
	put := func(id string, r journalRecord) {
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		_ = recs.PutRecord("webhook", id, raw)
	}
	put("cb-7", journalRecord{URL: rcv.URL, Payload: json.RawMessage(`{"n":7}`), NextAttemptAt: now.Add(-time.Minute),
		CreatedAt: now.Add(-time.Minute), UpdatedAt: now.Add(-time.Minute)})
	put("cb-3", journalRecord{URL: rcv.URL, Payload: json.RawMessage(`{"n":3}`), Attempts: 2,
		NextAttemptAt: now.Add(-time.Second), CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-3 * time.Second),
		History: []Attempt{{StatusCode: 502}, {StatusCode: 502}}})
	put("cb-9", journalRecord{URL: rcv.URL, Payload: json.RawMessage(`{"n":9}`), Attempts: 1,
		NextAttemptAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now})

	d, err := Open(Options{Clock: clk, Backoff: time.Second, Store: Records(recs, "webhook")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got := map[float64]int{}
	for range 2 {
		select {
		case m := <-rcv.bodies:
			n, _ := m["n"].(float64)
			got[n]++
		case <-time.After(10 * time.Second):
			t.Fatalf("due deliveries not sent at once: %v", got)
		}
	}
	if got[3] != 1 || got[7] != 1 {
		t.Fatalf("due deliveries: %v", got)
	}
	waitFor(t, "due ones delivered", func() bool {
		s := d.Snapshot()
		return len(s) == 3 && s[0].Status == "delivered" && s[1].Status == "delivered"
	})
	if s := d.Snapshot(); s[0].ID != "cb-3" || s[1].ID != "cb-7" || s[2].ID != "cb-9" || len(s[0].History) != 3 {
		t.Fatalf("log order and history: %+v", s)
	}
	waitFor(t, "cb-9 waits", func() bool { return clk.Waiters() == 1 })
	clk.Advance(time.Second) // its backoff after one attempt, not the hour
	waitFor(t, "cb-9 delivered", func() bool { return d.Snapshot()[2].Status == "delivered" })
	if n := rcv.ok.Load(); n != 3 {
		t.Fatalf("%d deliveries, want 3", n)
	}
	if ids := recs.ids(); len(ids) != 0 {
		t.Fatalf("journal: %v", ids)
	}
	if id := d.Enqueue(rcv.URL, nil); id != "cb-10" {
		t.Fatalf("next id %q, want cb-10", id)
	}
}

// TestForgetAndResetDropJournalled: Forget deletes one account's journalled
// deliveries and stops their retries; Reset deletes the rest.
func TestForgetAndResetDropJournalled(t *testing.T) {
	rcv := newReceiver(t, true)
	recs := newFakeRecords()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	d := New(Options{Clock: clk, Backoff: time.Second, Store: Records(recs, "webhook")})
	defer d.Close()
	a := d.EnqueueFor(Target{Account: "a"}, rcv.URL, 1)
	b := d.EnqueueFor(Target{Account: "b"}, rcv.URL, 2)
	waitFor(t, "both waiting", func() bool { return clk.Waiters() == 2 })
	d.Forget("a")
	if ids := recs.ids(); !slices.Equal(ids, []string{b}) {
		t.Fatalf("journal after Forget(a): %v (a is %s)", ids, a)
	}
	clk.Advance(time.Second)
	waitFor(t, "b retried", func() bool { return rcv.calls.Load() == 3 && clk.Waiters() == 1 })
	if s := d.Snapshot(); len(s) != 1 || s[0].ID != b || s[0].Attempts != 2 {
		t.Fatalf("log after Forget(a): %+v", s)
	}
	d.Reset()
	if ids := recs.ids(); len(ids) != 0 {
		t.Fatalf("journal after Reset: %v", ids)
	}
	rcv.failing.Store(false)
	clk.Advance(time.Minute)
	// A new delivery goes through the same workers: once it is in, an
	// older retry would have been queued before it.
	d.Enqueue(rcv.URL, map[string]any{"n": "after"})
	select {
	case m := <-rcv.bodies:
		if m["n"] != "after" {
			t.Fatalf("a reset delivery was sent: %v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery after reset")
	}
	waitFor(t, "settled", func() bool { return clk.Waiters() == 0 && len(recs.ids()) == 0 })
	if n := rcv.calls.Load(); n != 4 {
		t.Fatalf("%d calls, want 4 (a once, b twice, after once)", n)
	}
}

// TestForgetStopsARetry: without a journal too, a delivery forgotten or
// reset while it waits for its retry is not queued again when the wait
// ends.
func TestForgetStopsARetry(t *testing.T) {
	for _, c := range []struct {
		name string
		drop func(d *Deliverer)
	}{
		{name: "forget", drop: func(d *Deliverer) { d.Forget("a") }},
		{name: "reset", drop: func(d *Deliverer) { d.Reset() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			rcv := newReceiver(t, true)
			clk := clock.NewFake(time.Unix(1_700_000_000, 0))
			d := New(Options{Clock: clk, Backoff: time.Second})
			defer d.Close()
			d.EnqueueFor(Target{Account: "a"}, rcv.URL, 1)
			waitFor(t, "retry scheduled", func() bool { return clk.Waiters() == 1 })
			d.mu.Lock()
			dl := d.log[0]
			d.mu.Unlock()
			c.drop(d)
			d.requeue(dl) // what the retry's wait does when it ends
			d.mu.Lock()
			queued := len(d.queue)
			d.mu.Unlock()
			if queued != 0 {
				t.Fatalf("a dropped delivery was queued again")
			}
		})
	}
}

// TestCloseMidAttemptKeepsJournal: an attempt cut short by Close is not
// counted against the delivery in the journal, so the next open sends it.
func TestCloseMidAttemptKeepsJournal(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		entered <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer rcv.Close()
	defer close(release)
	recs := newFakeRecords()
	d := New(Options{Clock: clock.NewFake(time.Time{}), Store: Records(recs, "webhook")})
	id := d.Enqueue(rcv.URL, 1)
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("attempt never began")
	}
	d.Close()
	if r, ok := recs.get(t, id); !ok || r.Attempts != 0 {
		t.Fatalf("journal after Close mid-attempt: %+v %v", r, ok)
	}
}

// TestKeyedEnqueueOnce: a second hand-off of the same work (same
// Target.Key), in the same run or after a restart that reloaded the
// first, returns the first delivery's id instead of sending twice.
func TestKeyedEnqueueOnce(t *testing.T) {
	rcv := newReceiver(t, true)
	recs := newFakeRecords()
	clk := clock.NewFake(time.Unix(1_700_000_000, 0))
	o := Options{Clock: clk, Backoff: time.Second, Store: Records(recs, "webhook")}
	d1 := New(o)
	tg := Target{Surface: "v2", Account: "a", Key: "v2-task:t1"}
	id := d1.EnqueueFor(tg, rcv.URL, map[string]any{"task_id": "t1"})
	if again := d1.EnqueueFor(tg, rcv.URL, map[string]any{"task_id": "t1"}); again != id || len(d1.Snapshot()) != 1 {
		t.Fatalf("second hand-off in the same run: %q (first %q), log %d", again, id, len(d1.Snapshot()))
	}
	waitFor(t, "retry scheduled", func() bool { return clk.Waiters() == 1 })
	d1.Close()
	rcv.failing.Store(false)

	d2, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if again := d2.EnqueueFor(tg, rcv.URL, map[string]any{"task_id": "t1"}); again != id {
		t.Fatalf("hand-off after the restart: %q, reloaded %q", again, id)
	}
	other := d2.EnqueueFor(Target{Account: "a", Key: "v2-task:t2"}, rcv.URL, map[string]any{"task_id": "t2"})
	if other == id || len(d2.Snapshot()) != 2 {
		t.Fatalf("another key: %q, log %+v", other, d2.Snapshot())
	}
	// d1's abandoned waiter and d2's reloaded retry.
	waitFor(t, "reloaded retry waits", func() bool { return clk.Waiters() == 2 })
	clk.Advance(time.Second)
	waitFor(t, "both delivered", func() bool { return rcv.ok.Load() == 2 })
	waitFor(t, "journal empty", func() bool { return len(recs.ids()) == 0 })
	if n := rcv.calls.Load(); n != 3 {
		t.Fatalf("%d POSTs, want 3 (t1 failed once, then t1 and t2)", n)
	}
}
