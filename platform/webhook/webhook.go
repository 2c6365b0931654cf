// Package webhook delivers the mock's callbacks and account webhooks: every
// surface (v1 upload callbacks, v2 task webhooks, caption callbacks) hands
// a URL and a payload to one Deliverer, which POSTs it as JSON on a small
// worker pool, retries failures with exponential backoff on the injected
// clock, and keeps a delivery log for /_mock/callbacks.
//
// The vendor documents no retry policy, timeout or signature (V2_SURFACE
// §4); the mock retries (default five attempts, first retry after one
// second, doubling) so a client's receiver that is briefly down still gets
// its result, and records every attempt so tests can see them.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// Delivery is one callback: its target, payload and delivery history, as
// /_mock/callbacks reports it.
type Delivery struct {
	ID             string    `json:"id"`
	Surface        string    `json:"surface,omitempty"`
	Account        string    `json:"account,omitempty"`
	URL            string    `json:"url"`
	Payload        any       `json:"payload"`
	Attempts       int       `json:"attempts"`
	Status         string    `json:"status"` // pending, delivered, failed
	LastStatusCode int       `json:"last_status_code"`
	LastError      string    `json:"last_error"`
	LastLatencyMS  float64   `json:"last_latency_ms"`
	NextAttemptAt  time.Time `json:"next_attempt_at,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// History is every attempt, oldest first (the last MaxHistory), so a
	// timeline can show each failure before the success.
	History []Attempt `json:"history,omitempty"`

	// body is the payload as sent, kept when a journal is configured (the
	// journal stores it, and a reloaded delivery has nothing else).
	body []byte
	// dropped is set by Forget and Reset (under the Deliverer's mu): a
	// retry waiting on the clock or an attempt in flight ends there.
	dropped bool
	// epoch is the Deliverer's epoch when the delivery was made; Reset
	// moves the epoch on, which drops every older delivery.
	epoch int
	// key is Target.Key.
	key string
}

// Attempt is one POST of a delivery.
type Attempt struct {
	At         time.Time `json:"at"` // when it ended, on the injected clock
	StatusCode int       `json:"status_code"`
	Error      string    `json:"error,omitempty"`
	LatencyMS  float64   `json:"latency_ms"`
}

// MaxHistory bounds Delivery.History.
const MaxHistory = 20

// Options configures a Deliverer. Zero values take the defaults.
type Options struct {
	Clock      clock.Clock  // default clock.Real{}
	Client     *http.Client // default: 10 s timeout
	Attempts   int          // attempts per delivery (default 5)
	Backoff    time.Duration
	Logger     *slog.Logger
	Workers    int // concurrent deliveries (default 4)
	MaxLog     int // deliveries kept in the log (default 10,000)
	UserAgent  string
	AttemptTTL time.Duration // timeout of one attempt (default 10 s)
	// Store is the durable journal of pending deliveries (nil: memory
	// only, as without --data-dir). See Open.
	Store Store
}

// Deliverer POSTs payloads to URLs. An enqueue never blocks, each attempt
// has a timeout, and failures are retried on the clock, so a dead or slow
// receiver never delays uploads, ticks or other deliveries.
type Deliverer struct {
	o      Options
	mu     sync.Mutex
	log    []*Delivery
	queue  []*Delivery
	wake   chan struct{}
	ctx    context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup
	nextID int
	epoch  int // moved on by Reset (under mu)
	// pmu orders the journal's writes: each one writes a delivery's state
	// as it is when the write begins, so the last write is the latest.
	pmu sync.Mutex
}

// ErrUnknownDelivery is returned by Redeliver for an id not in the log.
var ErrUnknownDelivery = errors.New("webhook: unknown delivery")

// New starts a Deliverer; Close stops it. With a Store, it is Open with
// an error in reloading the journal logged (the deliveries read before it
// are resumed).
func New(o Options) *Deliverer {
	d, err := Open(o)
	if err != nil {
		d.o.Logger.Error("webhook journal", "err", err)
	}
	return d
}

// Open starts a Deliverer like New and, with a Store, first reloads the
// pending deliveries the journal holds (see journal.go): they keep their
// ids and history and are retried on the clock, the due ones at once. The
// Deliverer is returned (and running) even when the journal could not be
// read completely.
func Open(o Options) (*Deliverer, error) {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MaxLog <= 0 {
		o.MaxLog = 10000
	}
	if o.UserAgent == "" {
		o.UserAgent = "memories-mock-callback/1"
	}
	if o.AttemptTTL <= 0 {
		o.AttemptTTL = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Deliverer{o: o, wake: make(chan struct{}, 1), ctx: ctx, stop: cancel}
	var err error
	if o.Store != nil {
		err = d.reload()
	}
	for i := 0; i < o.Workers; i++ {
		d.wg.Add(1)
		go d.worker()
	}
	return d, err
}

// Target names who a delivery is for, for the log.
type Target struct {
	Surface string // "v1", "v2", "caption", ...
	Account string // account id (never the key)
	// Key names the work the delivery reports (a v2 task): while the log
	// holds a delivery with the same Key (made in this run or reloaded
	// from the journal), EnqueueFor returns its id instead of making a
	// second one, so work resumed after a kill between its hand-off and
	// its end does not call back twice.
	Key string
}

// Enqueue schedules a delivery of payload to url and returns its id ("" when
// url is empty). Bare hosts get "http://", as the vendor's own examples pass
// them ("test.beeceptor.com").
func (d *Deliverer) Enqueue(url string, payload any) string {
	return d.EnqueueFor(Target{}, url, payload)
}

// EnqueueFor is Enqueue with the surface and account recorded in the log.
func (d *Deliverer) EnqueueFor(t Target, url string, payload any) string {
	url = strings.TrimSpace(url)
	if url == "" {
		return ""
	}
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	var body []byte
	if d.o.Store != nil {
		body = marshalPayload(payload)
	}
	now := d.o.Clock.Now()
	d.mu.Lock()
	if t.Key != "" {
		for i := len(d.log) - 1; i >= 0; i-- {
			if x := d.log[i]; x.key == t.Key && !d.isDropped(x) {
				d.mu.Unlock()
				return x.ID
			}
		}
	}
	d.nextID++
	dl := &Delivery{ID: fmt.Sprintf("cb-%d", d.nextID), Surface: t.Surface, Account: t.Account, URL: url,
		Payload: payload, Status: "pending", CreatedAt: now, UpdatedAt: now, NextAttemptAt: now,
		body: body, epoch: d.epoch, key: t.Key}
	d.log = append(d.log, dl)
	if len(d.log) > d.o.MaxLog {
		d.log = d.log[len(d.log)-d.o.MaxLog:]
	}
	if d.o.Store == nil {
		d.queue = append(d.queue, dl)
		d.mu.Unlock()
		d.signal()
		return dl.ID
	}
	d.mu.Unlock()
	// Journalled before a worker can see it, so the enqueue is durable
	// when this returns (a caller may then mark its work as handed over)
	// and no attempt's write can be overtaken by this one.
	d.persist(dl)
	d.requeue(dl)
	return dl.ID
}

// requeue queues dl for a worker unless it was dropped meanwhile.
func (d *Deliverer) requeue(dl *Delivery) {
	d.mu.Lock()
	if d.isDropped(dl) {
		d.mu.Unlock()
		return
	}
	d.queue = append(d.queue, dl)
	d.mu.Unlock()
	d.signal()
}

// isDropped reports whether Forget or Reset dropped dl. Called under mu.
func (d *Deliverer) isDropped(dl *Delivery) bool { return dl.dropped || dl.epoch != d.epoch }

// Redeliver queues a logged delivery again with a fresh attempt budget.
func (d *Deliverer) Redeliver(id string) error {
	d.mu.Lock()
	var dl *Delivery
	for _, x := range d.log {
		if x.ID == id {
			dl = x
		}
	}
	if dl == nil {
		d.mu.Unlock()
		return ErrUnknownDelivery
	}
	dl.Attempts, dl.Status = 0, "pending"
	dl.NextAttemptAt = d.o.Clock.Now()
	if d.o.Store == nil {
		d.queue = append(d.queue, dl)
		d.mu.Unlock()
		d.signal()
		return nil
	}
	if dl.body == nil {
		dl.body = marshalPayload(dl.Payload)
	}
	d.mu.Unlock()
	d.persist(dl)
	d.requeue(dl)
	return nil
}

// Done is closed when the Deliverer stops; background work that is about to
// enqueue (delayed callbacks) selects on it.
func (d *Deliverer) Done() <-chan struct{} { return d.ctx.Done() }

func (d *Deliverer) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Deliverer) worker() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		var dl *Delivery
		if len(d.queue) > 0 {
			dl, d.queue = d.queue[0], d.queue[1:]
		}
		more := len(d.queue) > 0
		d.mu.Unlock()
		if more {
			d.signal()
		}
		if dl == nil {
			select {
			case <-d.ctx.Done():
				return
			case <-d.wake:
				continue
			}
		}
		d.attempt(dl)
	}
}

func (d *Deliverer) attempt(dl *Delivery) {
	body := dl.body
	if body == nil {
		body, _ = json.Marshal(dl.Payload)
	}
	ctx, cancel := context.WithTimeout(d.ctx, d.o.AttemptTTL)
	defer cancel()
	code, errText := 0, ""
	began := time.Now() // latency is real elapsed time, not mock time
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.URL, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", d.o.UserAgent)
		var resp *http.Response
		resp, err = d.o.Client.Do(req)
		if err == nil {
			code = resp.StatusCode
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
	}
	latency := float64(time.Since(began).Microseconds()) / 1000
	if err != nil {
		errText = err.Error()
	} else if code < 200 || code > 299 {
		errText = fmt.Sprintf("receiver answered HTTP %d", code)
	}
	now := d.o.Clock.Now()
	closing := d.ctx.Err() != nil
	d.mu.Lock()
	dl.Attempts++
	dl.LastStatusCode = code
	dl.LastError = errText
	dl.LastLatencyMS = latency
	dl.UpdatedAt = now
	dl.History = append(dl.History, Attempt{At: now, StatusCode: code, Error: errText, LatencyMS: latency})
	if len(dl.History) > MaxHistory {
		dl.History = slices.Delete(dl.History, 0, len(dl.History)-MaxHistory)
	}
	retry := false
	var wait time.Duration
	status := "pending"
	switch {
	case errText == "":
		status = "delivered"
		dl.NextAttemptAt = time.Time{}
	case dl.Attempts >= d.o.Attempts || closing || d.isDropped(dl):
		status = "failed"
		dl.NextAttemptAt = time.Time{}
	default:
		retry = true
		wait = d.o.Backoff << (dl.Attempts - 1)
		dl.NextAttemptAt = now.Add(wait)
	}
	// An attempt cut short by Close is not the receiver's failure: the
	// journal keeps the delivery as it was, for the next open to retry.
	journal := d.o.Store != nil && (status == "delivered" || !closing)
	// A finished delivery shows as such only once the journal no longer
	// holds it, so one the log calls delivered is never sent again.
	finishLater := journal && status != "pending"
	if !finishLater {
		dl.Status = status
	}
	attempts := dl.Attempts
	d.mu.Unlock()
	d.o.Logger.Info("callback", "url", dl.URL, "attempt", attempts, "status", code, "error", errText)
	switch {
	case finishLater:
		d.finish(dl, status)
	case journal:
		d.persist(dl)
	}
	if retry {
		d.retryAfter(dl, wait)
	}
}

// retryAfter queues dl again after wait on the clock, unless the Deliverer
// closes or dl is dropped first. The caller holds a reference on wg (a
// worker) or Close has not begun (Open).
func (d *Deliverer) retryAfter(dl *Delivery, wait time.Duration) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		select {
		case <-d.o.Clock.After(wait):
			d.requeue(dl)
		case <-d.ctx.Done():
		}
	}()
}

// Snapshot returns copies of the delivery log, oldest first.
func (d *Deliverer) Snapshot() []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Delivery, len(d.log))
	for i, x := range d.log {
		out[i] = *x
		out[i].History = slices.Clone(x.History)
	}
	return out
}

// Reset forgets the log and the queue, stops the retries waiting on the
// clock and empties the journal.
func (d *Deliverer) Reset() {
	d.mu.Lock()
	d.log, d.queue = nil, nil
	d.epoch++
	d.mu.Unlock()
	if d.o.Store != nil {
		d.unjournal(func(journalRecord) bool { return true })
	}
}

// Close stops the workers and pending retries; it waits for them.
func (d *Deliverer) Close() {
	d.stop()
	d.wg.Wait()
}
