package proxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/proxy/har"
)

// Exchange is one proxied request and its answer, as observers (the
// recorder, the drift collector) receive it once the answer is complete.
// Observers must treat it as read-only: several see the same value.
type Exchange struct {
	// Surface names the route's surface ("memories", "memsync", ...).
	Surface string
	// Started is when the request arrived; Wait is the time to the
	// upstream's response headers; Duration the time to its last byte.
	Started        time.Time
	Wait, Duration time.Duration
	// Request is the caller's request (its Body already consumed: use
	// RequestBody). URL.Path and URL.RawQuery are the caller's.
	Request     *http.Request
	RequestBody Body
	// URL is the upstream URL the request went to: Base (the upstream's
	// base path, "" for none) followed by the caller's path.
	URL  *url.URL
	Base string
	// Status, Header and ResponseBody are the upstream's answer. A gzip,
	// br or deflate answer is decoded in ResponseBody and Header loses its
	// Content-Encoding (the caller got it encoded, as sent); WireSize is
	// the encoded size.
	Status       int
	Header       http.Header
	ResponseBody Body
	WireSize     int64
	// Events are the server-sent events of a text/event-stream answer,
	// with their arrival offsets (their text is ResponseBody.Bytes).
	Events []har.Event
	// Err is set when the exchange did not complete (upstream failure,
	// client gone); observers usually skip such exchanges.
	Err error
}

// Body is a captured body: its first bytes (up to the capture limit), its
// total size and, when hashing was on, the SHA-256 of all of it.
type Body struct {
	Bytes     []byte
	Size      int64
	Truncated bool
	SHA256    string
}

// capture is an io.Writer that keeps the first max bytes of what passes
// and optionally hashes all of it; it holds no more than max bytes however
// large the body (a 1 GiB upload costs max bytes, not 1 GiB).
type capture struct {
	max       int64
	buf       bytes.Buffer
	n         int64
	h         hash.Hash
	truncated bool
}

func newCapture(max int64, hashing bool) *capture {
	c := &capture{max: max}
	if hashing {
		c.h = sha256.New()
	}
	return c
}

func (c *capture) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if c.h != nil {
		c.h.Write(p)
	}
	if room := c.max - int64(c.buf.Len()); room > 0 {
		if int64(len(p)) > room {
			c.buf.Write(p[:room])
			c.truncated = true
		} else {
			c.buf.Write(p)
		}
	} else if len(p) > 0 {
		c.truncated = true
	}
	return len(p), nil
}

func (c *capture) body() Body {
	b := Body{Bytes: c.buf.Bytes(), Size: c.n, Truncated: c.truncated}
	if c.h != nil {
		b.SHA256 = hex.EncodeToString(c.h.Sum(nil))
	}
	return b
}

// teeBody copies what is read from rc into a capture and notes EOF. The
// mutex matters for request bodies: the transport may still be reading
// one on its own goroutine when the answer is complete.
type teeBody struct {
	mu  sync.Mutex
	rc  io.ReadCloser
	c   *capture
	eof bool
	err error // the first read error other than EOF
	// sse, when set, splits the stream into events as bytes arrive.
	sse *sseSplitter
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	t.mu.Lock()
	defer t.mu.Unlock()
	if n > 0 {
		t.c.Write(p[:n])
		if t.sse != nil {
			t.sse.feed(p[:n])
		}
	}
	switch {
	case err == io.EOF:
		t.eof = true
		if t.sse != nil {
			t.sse.end()
		}
	case err != nil && t.err == nil:
		t.err = err
	}
	return n, err
}

// snapshot returns the capture so far and whether the body was read to
// its end.
func (t *teeBody) snapshot() (Body, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.c.body()
	b.Bytes = append([]byte(nil), b.Bytes...)
	return b, t.eof
}

func (t *teeBody) Close() error { return t.rc.Close() }

// sseSplitter notes when each server-sent event is complete (a blank line
// ends it) and how long it is, so a recording can replay the pacing.
type sseSplitter struct {
	clk     clock.Clock
	start   time.Time
	pending int  // bytes of the event in progress
	last    byte // last byte seen (CR skipped), to find "\n\n" across reads
	events  []har.Event
}

func (s *sseSplitter) feed(p []byte) {
	for _, b := range p {
		s.pending++
		if b == '\r' {
			continue
		}
		if b == '\n' && s.last == '\n' {
			s.emit()
			s.last = 0
			continue
		}
		s.last = b
	}
}

func (s *sseSplitter) emit() {
	if s.pending == 0 {
		return
	}
	s.events = append(s.events, har.Event{OffsetMS: ms(s.clk.Now().Sub(s.start)), Bytes: s.pending})
	s.pending = 0
}

// end closes a last event without a trailing blank line.
func (s *sseSplitter) end() { s.emit() }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// bufferPool lends the reverse proxy its copy buffers.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }
