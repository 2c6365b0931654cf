package client

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"
	"time"
)

// Event is one `data:` line of a chat stream.
type Event struct {
	// Raw is the line exactly as received, without its line terminator.
	Raw string
	// Text is the payload: the line after "data:" and at most one space
	// (both `data:x` and `data: x` framings occur).
	Text string
	// Data is Text when it is valid JSON, else nil (e.g. `[DONE]`).
	Data json.RawMessage
	// Name is the value of a preceding `event:` line, if any.
	Name string
	// Type is the JSON "type" field (thinking, ref, content), if any.
	Type string
	// End marks the terminal event: {"code":...} or a done marker.
	End bool
	// At is the time since the request was sent.
	At time.Duration
}

// Errors of a stream.
var (
	// ErrStreamTruncated: the body ended before an end event.
	ErrStreamTruncated = errors.New("stream ended without an end event")
	// ErrStreamFailed: the end event was not a success ({"code":"SUCCESS",
	// "data":"Done"} or [DONE]).
	ErrStreamFailed = errors.New("stream ended with an error")
	// ErrStreamClosed: the caller closed the stream before its end event.
	ErrStreamClosed = errors.New("stream closed before its end event")
)

// StreamError is a failed end event, e.g. {"code":"SUCCESS","data":"Video
// is not parsed:"}; errors.Is(err, ErrStreamFailed) holds.
type StreamError struct {
	Op   string
	Code string
	Msg  string
}

// Error implements error.
func (e *StreamError) Error() string {
	return fmt.Sprintf("memories %s: %v: code %s: %s", e.Op, ErrStreamFailed, e.Code, e.Msg)
}

// Unwrap returns ErrStreamFailed.
func (e *StreamError) Unwrap() error { return ErrStreamFailed }

// SSEReader splits a body into data events. It reads line by line, as the
// vendor's own clients do (each `data:` line is one message), so it does not
// depend on blank-line separators; `event:`, `id:`, `retry:` and comment
// lines are skipped, an `event:` name is attached to the next data line.
type SSEReader struct {
	br   *bufio.Reader
	name string
}

// NewSSEReader returns a reader of r.
func NewSSEReader(r io.Reader) *SSEReader {
	return &SSEReader{br: bufio.NewReaderSize(r, 16<<10)}
}

// Next returns the next data event; io.EOF at the end of the body. It does
// not interpret end events beyond setting Event.End.
func (p *SSEReader) Next() (Event, error) {
	for {
		line, err := p.br.ReadString('\n')
		if len(line) == 0 && err != nil {
			return Event{}, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "data:"):
			ev := ParseDataLine(line)
			ev.Name, p.name = p.name, ""
			return ev, nil
		case strings.HasPrefix(line, "event:"):
			p.name = strings.TrimPrefix(strings.TrimPrefix(line, "event:"), " ")
		}
		if err != nil {
			return Event{}, err
		}
	}
}

// ParseDataLine parses one `data:` line (without its terminator).
func ParseDataLine(line string) Event {
	text := strings.TrimPrefix(line, "data:")
	text = strings.TrimPrefix(text, " ")
	ev := Event{Raw: line, Text: text}
	t := strings.TrimSpace(text)
	if json.Valid([]byte(t)) {
		ev.Data = json.RawMessage(t)
		if len(t) > 0 && t[0] == '{' {
			var head struct {
				Type *string         `json:"type"`
				Code json.RawMessage `json:"code"`
			}
			if json.Unmarshal(ev.Data, &head) == nil {
				if head.Type != nil {
					ev.Type = *head.Type
				} else if len(head.Code) > 0 {
					ev.End = true
				}
			}
		}
	}
	if isDoneMarker(t) {
		ev.End = true
	}
	return ev
}

// isDoneMarker: the marketer and personal-chat streams end with [DONE],
// "done" or done (the vendor sample accepts all of them).
func isDoneMarker(t string) bool {
	switch strings.ToLower(t) {
	case "[done]", `"done"`, "done", `"[done]"`:
		return true
	}
	return false
}

// endResult interprets an end event: nil for success.
func endResult(op string, ev Event) (code, msg string, err error) {
	if ev.Data == nil || isDoneMarker(strings.TrimSpace(ev.Text)) {
		return "", "Done", nil
	}
	var end struct {
		Code Code            `json:"code"`
		Msg  string          `json:"msg"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(ev.Data, &end); err != nil {
		return "", "", &StreamError{Op: op, Msg: ev.Text}
	}
	var data string
	if len(end.Data) > 0 && end.Data[0] == '"' {
		_ = json.Unmarshal(end.Data, &data)
	}
	code = string(end.Code)
	msg = end.Msg
	if msg == "" {
		msg = data
	}
	switch {
	case strings.EqualFold(code, "SUCCESS"):
		if strings.EqualFold(data, "done") {
			return code, data, nil
		}
		return code, msg, &StreamError{Op: op, Code: code, Msg: msg}
	case codeSuccess(end.Code, nil):
		return code, msg, nil
	}
	// A business error inside the stream (e.g. 0429 after the headers).
	return code, msg, &APIError{Op: op, Code: code, Msg: msg, HTTPStatus: 200}
}

// maxCapture bounds the stream bytes kept for the response hook.
const maxCapture = 1 << 20

type capWriter struct {
	buf bytes.Buffer
}

func (w *capWriter) Write(p []byte) (int, error) {
	if room := maxCapture - w.buf.Len(); room > 0 {
		if len(p) > room {
			w.buf.Write(p[:room])
		} else {
			w.buf.Write(p)
		}
	}
	return len(p), nil
}

// Stream is an open chat stream. Read it with Next or Events until the end;
// always Close it. It is not safe for concurrent use.
type Stream struct {
	p    *pending
	op   string
	rd   *SSEReader
	capt *capWriter

	ttfe     time.Duration
	events   int
	end      *Event
	err      error
	finished bool
	once     sync.Once
}

func newStream(p *pending, op string) *Stream {
	cw := &capWriter{}
	return &Stream{p: p, op: op, capt: cw, rd: NewSSEReader(io.TeeReader(p.res.Body, cw))}
}

// Next returns the next event. After the end event (which is returned) it
// returns io.EOF; a failed end returns the event and then the error. A body
// that ends early gives ErrStreamTruncated.
func (s *Stream) Next() (Event, error) {
	if s.finished {
		if s.err != nil {
			return Event{}, s.err
		}
		return Event{}, io.EOF
	}
	ev, err := s.rd.Next()
	now := s.p.c.clk.Now().Sub(s.p.ex.Start)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("memories %s: %w", s.op, ErrStreamTruncated)
		} else {
			err = fmt.Errorf("memories %s: read stream: %w", s.op, err)
		}
		s.finish("", "", err)
		return Event{}, err
	}
	ev.At = now
	if s.events == 0 {
		s.ttfe = now
		s.p.ex.TTFE = now
	}
	s.events++
	if ev.End {
		e := ev
		s.end = &e
		code, msg, eerr := endResult(s.op, ev)
		s.finish(code, msg, eerr)
	}
	return ev, nil
}

// Events iterates over the events; the iteration stops after the end event
// or yields one final error.
func (s *Stream) Events() iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			ev, err := s.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(Event{}, err)
				return
			}
			if !yield(ev, nil) {
				return
			}
			if ev.End {
				if s.err != nil {
					yield(Event{}, s.err)
				}
				return
			}
		}
	}
}

// Collect reads the whole stream and closes it.
func (s *Stream) Collect() ([]Event, error) {
	defer s.Close()
	var evs []Event
	for ev, err := range s.Events() {
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	return evs, s.err
}

func (s *Stream) finish(code, msg string, err error) {
	s.once.Do(func() {
		s.finished = true
		s.err = err
		s.p.res.Body.Close()
		s.p.finish(code, msg, s.capt.buf.Bytes(), 0, err)
	})
}

// Close releases the stream. Closing before the end event reports the
// exchange with ErrStreamClosed.
func (s *Stream) Close() error {
	s.finish("", "", fmt.Errorf("memories %s: %w", s.op, ErrStreamClosed))
	return nil
}

// Done reports whether the stream ended with a success end event.
func (s *Stream) Done() bool { return s.finished && s.end != nil && s.err == nil }

// Err returns the stream's final error, if finished.
func (s *Stream) Err() error { return s.err }

// EndEvent returns the end event, nil before it.
func (s *Stream) EndEvent() *Event { return s.end }

// TTFE is the time from sending the request to the first event.
func (s *Stream) TTFE() time.Duration { return s.ttfe }

// Duration is the time from sending the request to the end (or now).
func (s *Stream) Duration() time.Duration {
	if s.finished {
		return s.p.ex.Duration
	}
	return s.p.c.clk.Now().Sub(s.p.ex.Start)
}

// Events counts the events read so far.
func (s *Stream) EventCount() int { return s.events }

// Response returns the HTTP response (headers; the body belongs to the
// stream).
func (s *Stream) Response() *StreamResponse {
	return &StreamResponse{StatusCode: s.p.res.StatusCode, ContentType: s.p.res.Header.Get("Content-Type")}
}

// StreamResponse is what a caller may check of a stream's HTTP response.
type StreamResponse struct {
	StatusCode  int
	ContentType string
}
