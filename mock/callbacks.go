package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// delivery is one callback: its target, payload and delivery history, as
// /_mock/callbacks reports it.
type delivery struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Payload        any       `json:"payload"`
	Attempts       int       `json:"attempts"`
	Status         string    `json:"status"` // pending, delivered, failed
	LastStatusCode int       `json:"last_status_code"`
	LastError      string    `json:"last_error"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// callbacks delivers POSTs to callers' URLs on a small worker pool. An
// enqueue never blocks, each attempt has a timeout, and failures are
// retried with exponential backoff on the server's clock, so a dead or slow
// receiver never delays uploads, ticks or other deliveries.
type callbacks struct {
	s       *Server
	mu      sync.Mutex
	log     []*delivery
	queue   []*delivery
	wake    chan struct{}
	ctx     context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
	nextID  int
	maxLog  int
	workers int
}

func newCallbacks(s *Server) *callbacks {
	ctx, cancel := context.WithCancel(context.Background())
	cb := &callbacks{s: s, wake: make(chan struct{}, 1), ctx: ctx, stop: cancel, maxLog: 10000, workers: 4}
	for i := 0; i < cb.workers; i++ {
		cb.wg.Add(1)
		go cb.worker()
	}
	return cb
}

// enqueue schedules a delivery of payload to url.
func (cb *callbacks) enqueue(url string, payload any) {
	url = strings.TrimSpace(url)
	if url == "" {
		return
	}
	// The vendor's own examples pass bare hosts ("test.beeceptor.com").
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	now := cb.s.clk.Now()
	cb.mu.Lock()
	cb.nextID++
	d := &delivery{ID: fmt.Sprintf("cb-%d", cb.nextID), URL: url, Payload: payload, Status: "pending", CreatedAt: now, UpdatedAt: now}
	cb.log = append(cb.log, d)
	if len(cb.log) > cb.maxLog {
		cb.log = cb.log[len(cb.log)-cb.maxLog:]
	}
	cb.queue = append(cb.queue, d)
	cb.mu.Unlock()
	cb.signal()
}

func (cb *callbacks) signal() {
	select {
	case cb.wake <- struct{}{}:
	default:
	}
}

func (cb *callbacks) worker() {
	defer cb.wg.Done()
	for {
		cb.mu.Lock()
		var d *delivery
		if len(cb.queue) > 0 {
			d, cb.queue = cb.queue[0], cb.queue[1:]
		}
		more := len(cb.queue) > 0
		cb.mu.Unlock()
		if more {
			cb.signal()
		}
		if d == nil {
			select {
			case <-cb.ctx.Done():
				return
			case <-cb.wake:
				continue
			}
		}
		cb.attempt(d)
	}
}

func (cb *callbacks) attempt(d *delivery) {
	body, _ := json.Marshal(d.Payload)
	ctx, cancel := context.WithTimeout(cb.ctx, 10*time.Second)
	defer cancel()
	code, errText := 0, ""
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "memories-mock-callback/1")
		var resp *http.Response
		resp, err = cb.s.opts.HTTPClient.Do(req)
		if err == nil {
			code = resp.StatusCode
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
	}
	if err != nil {
		errText = err.Error()
	} else if code < 200 || code > 299 {
		errText = fmt.Sprintf("receiver answered HTTP %d", code)
	}
	now := cb.s.clk.Now()
	cb.mu.Lock()
	d.Attempts++
	d.LastStatusCode = code
	d.LastError = errText
	d.UpdatedAt = now
	retry := false
	switch {
	case errText == "":
		d.Status = "delivered"
	case d.Attempts >= cb.s.opts.CallbackAttempts || cb.ctx.Err() != nil:
		d.Status = "failed"
	default:
		retry = true
	}
	attempts := d.Attempts
	cb.mu.Unlock()
	cb.s.opts.Logger.Info("callback", "url", d.URL, "attempt", attempts, "status", code, "error", errText)
	if retry {
		wait := cb.s.opts.CallbackBackoff << (attempts - 1)
		cb.wg.Add(1)
		go func() {
			defer cb.wg.Done()
			select {
			case <-cb.s.clk.After(wait):
				cb.mu.Lock()
				cb.queue = append(cb.queue, d)
				cb.mu.Unlock()
				cb.signal()
			case <-cb.ctx.Done():
			}
		}()
	}
}

// snapshot returns copies of the delivery log, oldest first.
func (cb *callbacks) snapshot() []delivery {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	out := make([]delivery, len(cb.log))
	for i, d := range cb.log {
		out[i] = *d
	}
	return out
}

func (cb *callbacks) reset() {
	cb.mu.Lock()
	cb.log, cb.queue = nil, nil
	cb.mu.Unlock()
}

func (cb *callbacks) close() {
	cb.stop()
	cb.wg.Wait()
}
