package mock

import (
	"sync"
	"time"
)

// journalEntry is one request as /_mock/requests reports it.
type journalEntry struct {
	Time        time.Time `json:"time"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	OperationID string    `json:"operation_id"`
	APIKey      string    `json:"api_key"`
	Status      int       `json:"status"`
	Code        string    `json:"code"`
	DurationMS  float64   `json:"duration_ms"`
}

// journal is a ring buffer of the last requests.
type journal struct {
	mu   sync.Mutex
	buf  []journalEntry
	next int
	full bool
}

func newJournal(n int) *journal { return &journal{buf: make([]journalEntry, n)} }

func (j *journal) add(e journalEntry) {
	j.mu.Lock()
	j.buf[j.next] = e
	j.next = (j.next + 1) % len(j.buf)
	if j.next == 0 {
		j.full = true
	}
	j.mu.Unlock()
}

// last returns up to n entries, newest first.
func (j *journal) last(n int) []journalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	size := j.next
	if j.full {
		size = len(j.buf)
	}
	if n <= 0 || n > size {
		n = size
	}
	out := make([]journalEntry, 0, n)
	for i := 0; i < n; i++ {
		idx := (j.next - 1 - i + len(j.buf)) % len(j.buf)
		out = append(out, j.buf[idx])
	}
	return out
}

func (j *journal) reset() {
	j.mu.Lock()
	j.next, j.full = 0, false
	j.mu.Unlock()
}

// record adds the finished request to the journal.
func (s *Server) record(cl *call) {
	key := cl.account
	if len(key) > 12 {
		// Keys are secrets: the journal shows enough to tell them apart.
		key = key[:8] + "…"
	}
	s.journal.add(journalEntry{
		Time:        cl.start,
		Method:      cl.c.Request.Method,
		Path:        cl.c.Request.URL.Path,
		OperationID: cl.op.id,
		APIKey:      key,
		Status:      cl.c.Writer.Status(),
		Code:        cl.code,
		DurationMS:  float64(s.clk.Now().Sub(cl.start).Microseconds()) / 1000,
	})
}
