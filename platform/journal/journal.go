// Package journal keeps the last requests every emulated surface served, in
// a fixed-size ring, for the control plane's /_mock/requests. It is shared
// by the v1 and v2 surfaces and MemSync so one journal shows a client's
// whole conversation with the mock.
package journal

import (
	"encoding/json"
	"sync"
	"time"
)

// DefaultSize is the number of entries a journal keeps unless configured
// (--journal-size).
const DefaultSize = 10000

// Entry is one request as /_mock/requests reports it.
type Entry struct {
	Time        time.Time `json:"time"`
	Surface     string    `json:"surface,omitempty"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	OperationID string    `json:"operation_id"`
	APIKey      string    `json:"api_key"`
	Status      int       `json:"status"`
	Code        string    `json:"code"`
	DurationMS  float64   `json:"duration_ms"`

	// The fields below let tests verify what a client sent
	// (POST /_mock/requests/find); surfaces that do not fill them still
	// journal the fields above.

	// Seq numbers the entries of one journal in arrival order (set by Add).
	Seq uint64 `json:"seq"`
	// KeyID is a real fingerprint of the key (KeyID(key)): unlike the
	// shortened APIKey it tells apart keys that share a prefix.
	KeyID string `json:"key_id,omitempty"`
	// UniqueID is the request's unique_id (the caller's namespace).
	UniqueID string `json:"unique_id,omitempty"`
	// Query holds the query parameters as sent.
	Query map[string][]string `json:"query,omitempty"`
	// Body is the decoded request body as JSON (Capture); BodyDigest
	// replaces it for bodies over MaxBodyBytes.
	Body       json.RawMessage `json:"body,omitempty"`
	BodyDigest *Digest         `json:"body_digest,omitempty"`

	// The answer, as the client received it (a Writer records it): its
	// Content-Type, and its body within the same bound as request
	// bodies. Answer holds a JSON answer as JSON and other text (an SSE
	// stream) as a string; AnswerDigest replaces it over MaxBodyBytes
	// and for binary answers (media downloads).
	AnswerType   string  `json:"answer_content_type,omitempty"`
	Answer       Answer  `json:"answer,omitempty"`
	AnswerDigest *Digest `json:"answer_digest,omitempty"`
}

// Journal is a ring buffer of the last requests; safe for concurrent use.
type Journal struct {
	mu   sync.Mutex
	buf  []Entry
	next int
	full bool
	seq  uint64
}

// New returns a journal that keeps the last n entries (n < 1 keeps one).
func New(n int) *Journal {
	if n < 1 {
		n = 1
	}
	return &Journal{buf: make([]Entry, n)}
}

// Add appends e, overwriting the oldest entry when full.
func (j *Journal) Add(e Entry) {
	j.mu.Lock()
	j.seq++
	e.Seq = j.seq
	j.buf[j.next] = e
	j.next = (j.next + 1) % len(j.buf)
	if j.next == 0 {
		j.full = true
	}
	j.mu.Unlock()
}

// Last returns up to n entries, newest first (n <= 0: all).
func (j *Journal) Last(n int) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	size := j.next
	if j.full {
		size = len(j.buf)
	}
	if n <= 0 || n > size {
		n = size
	}
	out := make([]Entry, 0, n)
	for i := 0; i < n; i++ {
		idx := (j.next - 1 - i + len(j.buf)) % len(j.buf)
		out = append(out, j.buf[idx])
	}
	return out
}

// Get returns the entry numbered seq (Entry.Seq) while the journal still
// keeps it.
func (j *Journal) Get(seq uint64) (Entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	size := j.next
	if j.full {
		size = len(j.buf)
	}
	for i := 0; i < size; i++ { // newest first: the one asked for is usually recent
		e := &j.buf[(j.next-1-i+len(j.buf))%len(j.buf)]
		if e.Seq == seq {
			return *e, true
		}
		if e.Seq < seq {
			break // numbers only grow towards the newest
		}
	}
	return Entry{}, false
}

// Reset forgets every entry.
func (j *Journal) Reset() {
	j.mu.Lock()
	clear(j.buf) // let the kept bodies go
	j.next, j.full = 0, false
	j.mu.Unlock()
}

// Fingerprint shortens an API key for display: keys are secrets, the
// journal shows enough to tell them apart.
func Fingerprint(key string) string {
	if len(key) > 12 {
		return key[:8] + "…"
	}
	return key
}
