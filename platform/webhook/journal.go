package webhook

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Store is the durable journal of pending deliveries (Options.Store). A
// delivery is put when it is enqueued (or redelivered), put again after
// each failed attempt that will be retried, and deleted once it is
// delivered, given up, forgotten or reset; Open reads back what is left.
// Implementations must be safe for concurrent use.
type Store interface {
	// Put stores b under id, replacing any previous value.
	Put(id string, b []byte) error
	// Delete removes id; a missing id is not an error.
	Delete(id string) error
	// Each calls fn for every stored delivery until fn returns an error,
	// which Each returns.
	Each(fn func(id string, b []byte) error) error
}

// Recorder is a kind-keyed record area, as the mock's store offers one
// (store.Records); Records turns one kind of it into a Store.
type Recorder interface {
	PutRecord(kind, id string, raw []byte) error
	DeleteRecord(kind, id string) error
	EachRecord(kind string, fn func(id string, raw []byte) bool) error
}

// Records is the Store kept under kind in r.
func Records(r Recorder, kind string) Store { return recordStore{r: r, kind: kind} }

type recordStore struct {
	r    Recorder
	kind string
}

func (s recordStore) Put(id string, b []byte) error { return s.r.PutRecord(s.kind, id, b) }
func (s recordStore) Delete(id string) error        { return s.r.DeleteRecord(s.kind, id) }
func (s recordStore) Each(fn func(id string, b []byte) error) error {
	var stop error
	err := s.r.EachRecord(s.kind, func(id string, raw []byte) bool {
		stop = fn(id, raw)
		return stop == nil
	})
	if err != nil {
		return err
	}
	return stop
}

// journalRecord is a pending delivery as the journal keeps it: enough to
// send it again and to show it in /_mock/callbacks with its earlier
// attempts. The id is the key.
type journalRecord struct {
	Surface        string          `json:"surface,omitempty"`
	Account        string          `json:"account,omitempty"`
	Key            string          `json:"key,omitempty"`
	URL            string          `json:"url"`
	Payload        json.RawMessage `json:"payload"`
	Attempts       int             `json:"attempts"`
	LastStatusCode int             `json:"last_status_code,omitempty"`
	LastError      string          `json:"last_error,omitempty"`
	LastLatencyMS  float64         `json:"last_latency_ms,omitempty"`
	NextAttemptAt  time.Time       `json:"next_attempt_at"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	History        []Attempt       `json:"history,omitempty"`
}

// marshalPayload is the payload's JSON as POSTed ("null" when it has none
// or cannot be encoded, as an attempt would send no body then).
func marshalPayload(payload any) []byte {
	b, err := json.Marshal(payload)
	if err != nil {
		return []byte("null")
	}
	return b
}

// persist writes dl's current state to the journal: put while it is
// pending, deleted once it is finished or dropped. Writes are serialised
// and each reads the state when it begins, so the journal ends with the
// latest state whatever order attempts finish in.
func (d *Deliverer) persist(dl *Delivery) {
	d.pmu.Lock()
	defer d.pmu.Unlock()
	d.mu.Lock()
	keep := dl.Status == "pending" && !d.isDropped(dl)
	var raw []byte
	var err error
	if keep {
		raw, err = json.Marshal(journalRecord{Surface: dl.Surface, Account: dl.Account, Key: dl.key, URL: dl.URL,
			Payload: dl.body, Attempts: dl.Attempts, LastStatusCode: dl.LastStatusCode, LastError: dl.LastError,
			LastLatencyMS: dl.LastLatencyMS, NextAttemptAt: dl.NextAttemptAt, CreatedAt: dl.CreatedAt,
			UpdatedAt: dl.UpdatedAt, History: dl.History})
	}
	d.mu.Unlock()
	switch {
	case err != nil:
	case keep:
		err = d.o.Store.Put(dl.ID, raw)
	default:
		err = d.o.Store.Delete(dl.ID)
	}
	if err != nil {
		d.o.Logger.Error("webhook journal", "delivery", dl.ID, "err", err)
	}
}

// finish deletes dl from the journal, then gives it its final status
// (delivered or failed). A receiver that accepted the callback just before
// a kill may get it again from the next open (delivery is at least once);
// once the log reports it delivered it is not sent again.
func (d *Deliverer) finish(dl *Delivery, status string) {
	d.pmu.Lock()
	defer d.pmu.Unlock()
	if err := d.o.Store.Delete(dl.ID); err != nil {
		d.o.Logger.Error("webhook journal", "delivery", dl.ID, "err", err)
	}
	d.mu.Lock()
	dl.Status = status
	d.mu.Unlock()
}

// unjournal deletes the journalled deliveries drop selects (Forget,
// Reset). The ids are collected first: a store may not allow writes while
// it is being read.
func (d *Deliverer) unjournal(drop func(journalRecord) bool) {
	d.pmu.Lock()
	defer d.pmu.Unlock()
	var ids []string
	err := d.o.Store.Each(func(id string, b []byte) error {
		var r journalRecord
		// An unreadable record is dropped too: nothing could resume it.
		if json.Unmarshal(b, &r) != nil || drop(r) {
			ids = append(ids, id)
		}
		return nil
	})
	for _, id := range ids {
		if e := d.o.Store.Delete(id); e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		d.o.Logger.Error("webhook journal", "err", err)
	}
}

// reload reads the journal back (Open, before the workers start): every
// pending delivery rejoins the log, oldest first, with its id and history,
// and is queued at once when its next attempt is due, else after the wait
// left. Ids minted afterwards continue past the highest reloaded one.
func (d *Deliverer) reload() error {
	type loaded struct {
		id  string
		n   int
		rec journalRecord
	}
	var list []loaded
	var bad []string
	err := d.o.Store.Each(func(id string, b []byte) error {
		var r journalRecord
		if err := json.Unmarshal(b, &r); err != nil || r.URL == "" {
			bad = append(bad, id)
			return nil
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(id, "cb-"))
		list = append(list, loaded{id: id, n: n, rec: r})
		return nil
	})
	slices.SortFunc(list, func(a, b loaded) int {
		if c := a.rec.CreatedAt.Compare(b.rec.CreatedAt); c != 0 {
			return c
		}
		return a.n - b.n
	})
	now := d.o.Clock.Now()
	for _, l := range list {
		r := l.rec
		dl := &Delivery{ID: l.id, Surface: r.Surface, Account: r.Account, URL: r.URL,
			Payload: json.RawMessage(r.Payload), Attempts: r.Attempts, Status: "pending",
			LastStatusCode: r.LastStatusCode, LastError: r.LastError, LastLatencyMS: r.LastLatencyMS,
			NextAttemptAt: r.NextAttemptAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
			History: r.History, body: r.Payload, epoch: d.epoch, key: r.Key}
		d.log = append(d.log, dl)
		d.nextID = max(d.nextID, l.n)
		wait := r.NextAttemptAt.Sub(now)
		// The mock clock may have been advanced before the restart (its
		// offset is not kept): never wait longer than the schedule would.
		wait = min(wait, d.backoffAfter(r.Attempts))
		if wait <= 0 {
			d.queue = append(d.queue, dl)
			continue
		}
		d.retryAfter(dl, wait)
	}
	if len(d.log) > d.o.MaxLog {
		d.log = d.log[len(d.log)-d.o.MaxLog:]
	}
	if len(d.queue) > 0 {
		d.signal()
	}
	if err == nil && len(bad) > 0 {
		err = fmt.Errorf("webhook journal: %d unreadable deliveries skipped (%s)", len(bad), strings.Join(bad, ", "))
	}
	return err
}

// backoffAfter is the wait after the attempts-th failed attempt (none
// before the first).
func (d *Deliverer) backoffAfter(attempts int) time.Duration {
	if attempts <= 0 {
		return 0
	}
	return d.o.Backoff << min(attempts-1, 20)
}
