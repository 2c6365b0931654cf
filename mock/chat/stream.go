package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/memharness/memharness/internal/clock"
)

// Content types of the two stream families. The video-chat family is
// Spring's SseEmitter (text/event-stream with an upper-case charset); the
// personal stream is a Python StreamingResponse.
const (
	ContentTypeVideoChat = "text/event-stream;charset=UTF-8"
	ContentTypePersonal  = "text/event-stream; charset=utf-8"
)

// Terminal messages of the video-chat and marketer streams, as the docs list
// them under "Error End Conditions".
const (
	MsgDone            = "Done"
	MsgError           = "Error"
	MsgNoVideos        = "No videos found for the provided video numbers."
	MsgNotParsedPrefix = "Video is not parsed:"
	MsgNotLoggedIn     = "user don't login"
)

// Codes of the end event. The docs show only the success end,
// {"code":"SUCCESS","data":"Done"}, and say any end whose data is not "Done"
// is an error, so clients must judge by `data`; the mock marks its error ends
// with "ERROR" as the code.
const (
	CodeSuccess = "SUCCESS"
	CodeError   = "ERROR"
)

// ErrInjectedFailure is returned when Knobs.FailProbability made the stream
// fail on purpose (after writing the "Error" end, or after truncating a
// personal stream), so the caller can skip recording the answer.
var ErrInjectedFailure = errors.New("chat: injected mid-stream failure")

// NotParsedMessage is the end message for videos that are not PARSE yet:
// "Video is not parsed:" followed by the comma-separated video numbers.
func NotParsedMessage(videoNos ...string) string {
	b := []byte(MsgNotParsedPrefix)
	for i, v := range videoNos {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, v...)
	}
	return string(b)
}

// Knobs pace a stream and inject faults.
type Knobs struct {
	// FirstEvent is the wait before the first event (time to first byte).
	FirstEvent time.Duration
	// PerChunk is the wait before every later event (thinking, ref, content);
	// the end event follows the last content chunk at once.
	PerChunk time.Duration
	// ChunkSize is the number of runes per content chunk (default 12).
	ChunkSize int
	// FailProbability is the chance, drawn from the stream's rand, that the
	// stream breaks after some content.
	FailProbability float64
}

// DefaultChunkSize is the content chunk length when Knobs.ChunkSize is 0.
const DefaultChunkSize = 12

// Sink is where a stream is written: each event is written whole, then
// flushed so the client sees it at once.
type Sink interface {
	io.Writer
	Flush()
}

// httpSink adapts an http.ResponseWriter; http.ResponseController finds the
// Flusher through middleware wrappers that implement Unwrap.
type httpSink struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s httpSink) Write(p []byte) (int, error) { return s.w.Write(p) }
func (s httpSink) Flush()                      { _ = s.rc.Flush() }

// NewHTTPSink wraps an http.ResponseWriter as a Sink. Set the Content-Type
// (ContentTypeVideoChat or ContentTypePersonal) before the first write.
func NewHTTPSink(w http.ResponseWriter) Sink {
	return httpSink{w: w, rc: http.NewResponseController(w)}
}

// streamer writes one stream inline: no goroutine, one reusable buffer.
type streamer struct {
	ctx   context.Context
	sink  Sink
	clk   clock.Clock
	knobs Knobs
	buf   []byte
	sent  int // events written so far, to choose FirstEvent or PerChunk
}

// wait paces the next event; it returns ctx.Err() as soon as the client is
// gone. Zero waits do not touch the clock.
func (s *streamer) wait() error {
	d := s.knobs.PerChunk
	if s.sent == 0 {
		d = s.knobs.FirstEvent
	}
	if d <= 0 {
		return s.ctx.Err()
	}
	select {
	case <-s.ctx.Done():
		return s.ctx.Err()
	case <-s.clk.After(d):
		return s.ctx.Err()
	}
}

// emit writes s.buf as one event and flushes it.
func (s *streamer) emit() error {
	if _, err := s.sink.Write(s.buf); err != nil {
		return fmt.Errorf("chat: write event: %w", err)
	}
	s.sink.Flush()
	s.sent++
	return nil
}

// draw decides from rnd (Uint64 only, like rand.Float64 in math/rand/v2)
// whether to fail; a nil rnd or a zero probability never fails and never
// consumes randomness.
func draw(rnd *rand.Rand, p float64) bool {
	if rnd == nil || p <= 0 {
		return false
	}
	return float64(rnd.Uint64()>>11)/(1<<53) < p
}

// failPoint is how many content chunks go out before an injected failure:
// at least one when there are two or more, never all of them.
func failPoint(rnd *rand.Rand, chunks int) int {
	if chunks < 2 {
		return chunks
	}
	return 1 + int(rnd.Uint64()%uint64(chunks-1))
}

// nextChunk splits off the first n runes of s.
func nextChunk(s string, n int) (chunk, rest string) {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return s[:i], s[i:]
}

func chunkCount(s string, n int) int {
	r := utf8.RuneCountInString(s)
	return (r + n - 1) / n
}

func (k Knobs) normalized() Knobs {
	if k.ChunkSize <= 0 {
		k.ChunkSize = DefaultChunkSize
	}
	return k
}

// Video-chat framing. Every event is one line "data:<compact json>" followed
// by a blank line, with no space after "data:": that is what Spring's
// SseEmitter writes and what the vendor samples print. The success end is
// the documented end JSON, data:{"code":"SUCCESS","data":"Done"}.
//
// The seed's Python loop compares line.strip().lower() == 'data:"done"', which
// that line never equals: the loop prints it like any other line and then
// ends because the server closes the response right after the end event
// (iter_lines stops at EOF). The marketer sample's looser loop also checks
// 'data:[done]' and 'data:done', which it does not equal either; it ends the
// same way, after appending the end event's JSON text to its output. A
// client that parses each data line as JSON and stops on an object with a
// "code" field (or on data == "Done") ends exactly at the end event.
const (
	prefixVideo = "data:"
	suffixEvent = "\n\n"
)

func (s *streamer) begin() { s.buf = append(s.buf[:0], prefixVideo...) }
func (s *streamer) end()   { s.buf = append(s.buf, suffixEvent...) }

// StreamVideoChat writes ans as a /chat_stream (or /marketer_chat_stream)
// event stream: the thinking events, one ref event per thinking step that
// fetched evidence (or one with ans.Refs when no step carries refs), the
// content in ChunkSize-rune chunks, then the end event. Each event is written
// and flushed inline, paced by clk. It returns ctx.Err() promptly when ctx is
// cancelled (nothing more is written), a write error from sink, or
// ErrInjectedFailure after ending with the "Error" end event.
func StreamVideoChat(ctx context.Context, sink Sink, clk clock.Clock, knobs Knobs, sessionID string, ans Answer, rnd *rand.Rand) error {
	s := &streamer{ctx: ctx, sink: sink, clk: clk, knobs: knobs.normalized(), buf: make([]byte, 0, 512)}
	chunks := chunkCount(ans.Content, s.knobs.ChunkSize)
	failAt := -1
	if draw(rnd, s.knobs.FailProbability) {
		failAt = failPoint(rnd, chunks)
	}

	for _, t := range ans.Thinkings {
		if err := s.wait(); err != nil {
			return err
		}
		s.begin()
		s.buf = append(s.buf, `{"type":"thinking","title":`...)
		s.buf = appendJavaString(s.buf, t.Title)
		s.buf = append(s.buf, `,"content":`...)
		s.buf = appendJavaString(s.buf, t.Content)
		s.buf = append(s.buf, `,"sessionId":`...)
		s.buf = appendJavaString(s.buf, sessionID)
		s.buf = append(s.buf, '}')
		s.end()
		if err := s.emit(); err != nil {
			return err
		}
	}

	sentRefs := false
	for _, t := range ans.Thinkings {
		if len(t.Refs) > 0 {
			if err := s.refEvent(sessionID, t.Refs); err != nil {
				return err
			}
			sentRefs = true
		}
	}
	if !sentRefs && len(ans.Refs) > 0 {
		if err := s.refEvent(sessionID, ans.Refs); err != nil {
			return err
		}
	}

	rest := ans.Content
	for i := 0; rest != ""; i++ {
		if i == failAt {
			break
		}
		var chunk string
		chunk, rest = nextChunk(rest, s.knobs.ChunkSize)
		if err := s.wait(); err != nil {
			return err
		}
		s.begin()
		s.buf = append(s.buf, `{"type":"content","role":"assistant","content":`...)
		s.buf = appendJavaString(s.buf, chunk)
		s.buf = append(s.buf, `,"sessionId":`...)
		s.buf = appendJavaString(s.buf, sessionID)
		s.buf = append(s.buf, '}')
		s.end()
		if err := s.emit(); err != nil {
			return err
		}
	}
	if s.sent == 0 {
		// An empty answer still honours the time to first byte.
		if err := s.wait(); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if failAt >= 0 {
		if err := s.terminal(CodeError, MsgError); err != nil {
			return err
		}
		return ErrInjectedFailure
	}
	return s.terminal(CodeSuccess, MsgDone)
}

// refEvent writes data:{"type":"ref","sessionId":...,"ref":[...]}. It is by
// far the largest event (every cited transcript text), so it is encoded into
// its own buffer sized up front and dropped afterwards: an open stream keeps
// only the small buffer its content chunks need.
func (s *streamer) refEvent(sessionID string, refs []Ref) error {
	if err := s.wait(); err != nil {
		return err
	}
	small := s.buf
	s.buf = make([]byte, 0, refEventSize(sessionID, refs))
	s.begin()
	s.buf = append(s.buf, `{"type":"ref","sessionId":`...)
	s.buf = appendJavaString(s.buf, sessionID)
	s.buf = append(s.buf, `,"ref":[`...)
	for i, r := range refs {
		if i > 0 {
			s.buf = append(s.buf, ',')
		}
		s.buf = appendRef(s.buf, r)
	}
	s.buf = append(s.buf, "]}"...)
	s.end()
	err := s.emit()
	s.buf = small
	return err
}

// refEventSize estimates a ref event's length (exact unless strings need
// escaping), so encoding it takes one allocation.
func refEventSize(sessionID string, refs []Ref) int {
	n := 48 + len(sessionID)
	for _, r := range refs {
		n += 80 + len(r.Video.VideoNo) + len(r.Video.Name)
		for _, it := range r.Items {
			n += 96 + len(it.VideoNo) + len(it.Type) + len(it.Text)
		}
	}
	return n
}

// terminal writes the end event data:{"code":...,"data":...}.
func (s *streamer) terminal(code, msg string) error {
	s.begin()
	s.buf = append(s.buf, `{"code":`...)
	s.buf = appendJavaString(s.buf, code)
	s.buf = append(s.buf, `,"data":`...)
	s.buf = appendJavaString(s.buf, msg)
	s.buf = append(s.buf, '}')
	s.end()
	return s.emit()
}

// StreamError writes a stream that consists only of an error end event,
// data:{"code":"ERROR","data":message} — how the vendor reports requests it
// refuses after opening the stream (MsgNoVideos, NotParsedMessage(...),
// MsgNotLoggedIn). sessionID is accepted for symmetry with StreamVideoChat;
// the end event carries no session id.
func StreamError(sink Sink, sessionID, message string) error {
	_ = sessionID
	s := &streamer{ctx: context.Background(), sink: sink, buf: make([]byte, 0, 64+len(message))}
	return s.terminal(CodeError, message)
}

// Personal-stream framing, as documented: `data: {"token": "..."}` lines
// (a space after "data:" and json.dumps' ": " separator) each followed by a
// blank line, ending with `data: [DONE]`.
const (
	prefixToken = `data: {"token": `
	doneLine    = "data: [DONE]\n\n"
)

// StreamPersonal writes ans.Content as a /chat_personal_stream token stream,
// ChunkSize runes per token event, paced like StreamVideoChat. An injected
// failure truncates the stream after some tokens without "data: [DONE]" (the
// documented protocol has no error event) and returns ErrInjectedFailure so
// the caller can abort the connection.
func StreamPersonal(ctx context.Context, sink Sink, clk clock.Clock, knobs Knobs, ans Answer, rnd *rand.Rand) error {
	s := &streamer{ctx: ctx, sink: sink, clk: clk, knobs: knobs.normalized(), buf: make([]byte, 0, 128)}
	failAt := -1
	if draw(rnd, s.knobs.FailProbability) {
		failAt = failPoint(rnd, chunkCount(ans.Content, s.knobs.ChunkSize))
	}
	rest := ans.Content
	for i := 0; rest != ""; i++ {
		if i == failAt {
			return ErrInjectedFailure
		}
		var chunk string
		chunk, rest = nextChunk(rest, s.knobs.ChunkSize)
		if err := s.wait(); err != nil {
			return err
		}
		s.buf = append(s.buf[:0], prefixToken...)
		s.buf = appendPyString(s.buf, chunk)
		s.buf = append(s.buf, '}')
		s.buf = append(s.buf, suffixEvent...)
		if err := s.emit(); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if failAt >= 0 {
		return ErrInjectedFailure
	}
	if s.sent == 0 {
		// An empty answer still honours the time to first byte.
		if err := s.wait(); err != nil {
			return err
		}
	}
	s.buf = append(s.buf[:0], doneLine...)
	return s.emit()
}
