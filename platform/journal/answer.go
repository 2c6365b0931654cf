package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// Answer is an answer body as the journal keeps it: a JSON answer as that
// JSON, any other text (an SSE stream, plain text) as a JSON string. It
// encodes as valid JSON whatever it holds: bytes sent as JSON that do not
// parse are reported as a string.
type Answer []byte

// MarshalJSON implements json.Marshaler.
func (a Answer) MarshalJSON() ([]byte, error) {
	if len(a) == 0 {
		return []byte("null"), nil
	}
	if json.Valid(a) {
		return a, nil
	}
	return json.Marshal(string(a))
}

// UnmarshalJSON implements json.Unmarshaler (a copy of the JSON, as
// json.RawMessage keeps it).
func (a *Answer) UnmarshalJSON(b []byte) error {
	*a = append((*a)[:0], b...)
	return nil
}

// answer kinds, from the Content-Type.
const (
	kindNone   = iota // nothing written yet
	kindJSON          // kept as JSON
	kindText          // kept as a JSON string
	kindBinary        // digest only
)

// Recorder keeps an answer body while it is written, within the journal's
// bound: up to MaxBodyBytes the bytes themselves (JSON or text), beyond
// that, and for binary answers (media downloads) whatever their size, only
// the size and SHA-256, hashed as the bytes pass. It never holds more
// than MaxBodyBytes, so a streamed download is not buffered. The zero
// value is ready; a Recorder is not safe for concurrent use.
type Recorder struct {
	kind  int8
	ctype string
	buf   []byte
	h     hash.Hash
	n     int
}

// Begin records the answer's Content-Type; Write calls it on the first
// bytes when the caller did not.
func (r *Recorder) Begin(contentType string) {
	r.ctype = contentType
	r.kind = kindOf(contentType)
}

// Write records p (it never fails).
func (r *Recorder) Write(p []byte) {
	if len(p) == 0 {
		return
	}
	r.n += len(p)
	switch {
	case r.h != nil:
		r.h.Write(p)
	case r.kind == kindBinary || len(r.buf)+len(p) > MaxBodyBytes:
		// Over the bound (or not text): from here on only the digest.
		r.h = sha256.New()
		r.h.Write(r.buf)
		r.h.Write(p)
		r.buf = nil
	case r.buf == nil:
		// Most answers are written at once: one allocation of their size.
		r.buf = bytes.Clone(p)
	default:
		r.buf = append(r.buf, p...)
	}
}

// WriteString records s.
func (r *Recorder) WriteString(s string) {
	if len(s) == 0 {
		return
	}
	if r.h == nil && r.kind != kindBinary && len(r.buf)+len(s) <= MaxBodyBytes {
		r.n += len(s)
		r.buf = append(r.buf, s...)
		return
	}
	r.Write([]byte(s))
}

// Fill sets e's answer fields (AnswerType, Answer, AnswerDigest) and
// hands the kept bytes over to e: the Recorder starts again empty.
func (r *Recorder) Fill(e *Entry) {
	if r == nil {
		return
	}
	e.AnswerType = r.ctype
	switch {
	case r.n == 0:
	case r.h != nil:
		e.AnswerDigest = &Digest{Size: r.n, SHA256: hex.EncodeToString(r.h.Sum(nil))}
	case r.kind == kindJSON:
		e.Answer = Answer(bytes.TrimRight(r.buf, "\n"))
	case !utf8.Valid(r.buf):
		// Sent as text but not text: a digest says more than mojibake.
		sum := sha256.Sum256(r.buf)
		e.AnswerDigest = &Digest{Size: r.n, SHA256: hex.EncodeToString(sum[:])}
	default:
		s, _ := json.Marshal(string(r.buf))
		e.Answer = s
	}
	*r = Recorder{}
}

// kindOf classifies a Content-Type without allocating: JSON
// (application/json, any +json), text (text/*, XML, NDJSON, forms) or
// binary (the rest). An empty one is taken as text (checked for UTF-8
// when kept).
func kindOf(ct string) int8 {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	switch {
	case ct == "" || hasPrefixFold(ct, "text/"):
		return kindText
	case strings.EqualFold(ct, "application/json") || hasSuffixFold(ct, "+json"):
		return kindJSON
	case strings.EqualFold(ct, "application/x-ndjson"), strings.EqualFold(ct, "application/xml"),
		hasSuffixFold(ct, "+xml"), strings.EqualFold(ct, "application/x-www-form-urlencoded"),
		strings.EqualFold(ct, "application/javascript"):
		return kindText
	}
	return kindBinary
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }
func hasSuffixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[len(s)-len(p):], p)
}

// Writer is a gin.ResponseWriter that records the answer body it passes
// on (Recorder). A surface puts one in front of the context's writer for
// the requests it journals and fills the entry from it (Fill).
type Writer struct {
	gin.ResponseWriter
	// Rec holds what was written so far.
	Rec Recorder
}

// Reset points w at next with an empty Recorder (a Writer can be kept
// inside a per-request struct or a pool).
func (w *Writer) Reset(next gin.ResponseWriter) {
	w.ResponseWriter = next
	w.Rec = Recorder{}
}

func (w *Writer) begin() {
	if w.Rec.kind == kindNone {
		w.Rec.Begin(w.ResponseWriter.Header().Get("Content-Type"))
	}
}

// Write passes p on and records what was written.
func (w *Writer) Write(p []byte) (int, error) {
	w.begin()
	n, err := w.ResponseWriter.Write(p)
	w.Rec.Write(p[:n])
	return n, err
}

// WriteString passes s on and records what was written.
func (w *Writer) WriteString(s string) (int, error) {
	w.begin()
	n, err := w.ResponseWriter.WriteString(s)
	w.Rec.WriteString(s[:n])
	return n, err
}

// Unwrap returns the wrapped writer (http.ResponseController).
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Fill sets e's answer fields from what went through w (nil-safe).
func (w *Writer) Fill(e *Entry) {
	if w != nil {
		w.Rec.Fill(e)
	}
}

// WriterOf finds the Writer in front of w, looking through writers that
// wrap another (Unwrap), or returns nil.
func WriterOf(w http.ResponseWriter) *Writer {
	for range 8 {
		switch x := w.(type) {
		case *Writer:
			return x
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return nil
		}
	}
	return nil
}
