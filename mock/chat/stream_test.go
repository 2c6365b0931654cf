package chat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"go.uber.org/goleak"
)

const testSession = "606120397607260160"

// bufSink is an in-memory Sink; every Flush is announced on flushed.
type bufSink struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	flushed chan struct{}
}

func newBufSink() *bufSink { return &bufSink{flushed: make(chan struct{}, 4096)} }

func (s *bufSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *bufSink) Flush() {
	select {
	case s.flushed <- struct{}{}:
	default:
	}
}

func (s *bufSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// notifyClock is a fake clock that reports every After call, so a test
// knows the stream is waiting before it advances time.
type notifyClock struct {
	*clock.Fake
	waits chan time.Duration
}

func newNotifyClock(buffer int) notifyClock {
	return notifyClock{Fake: clock.NewFake(time.Time{}), waits: make(chan time.Duration, buffer)}
}

func (c notifyClock) After(d time.Duration) <-chan time.Time {
	ch := c.Fake.After(d)
	c.waits <- d
	return ch
}

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func raceAnswer() Answer {
	return Generate(Request{Seed: 7, Prompt: seedQuestions[Highlights], Videos: []Video{raceVideo(), silentVideo()}})
}

func streamToString(t *testing.T, knobs Knobs, ans Answer, rnd *rand.Rand) (string, error) {
	t.Helper()
	sink := newBufSink()
	err := StreamVideoChat(context.Background(), sink, clock.NewFake(time.Time{}), knobs, testSession, ans, rnd)
	return sink.String(), err
}

// events splits a video-chat stream into its data payloads and checks the
// framing: every event is exactly "data:<payload>\n\n" with no space.
func events(t *testing.T, stream string) []string {
	t.Helper()
	if !strings.HasSuffix(stream, "\n\n") {
		t.Fatalf("stream does not end with a blank line: %q", tail(stream))
	}
	var out []string
	for _, ev := range strings.Split(strings.TrimSuffix(stream, "\n\n"), "\n\n") {
		if !strings.HasPrefix(ev, "data:{") || strings.Contains(ev, "\n") {
			t.Fatalf("bad event framing %q", ev)
		}
		out = append(out, strings.TrimPrefix(ev, "data:"))
	}
	return out
}

func tail(s string) string {
	if len(s) > 200 {
		return s[len(s)-200:]
	}
	return s
}

func TestStreamVideoChatGolden(t *testing.T) {
	out, err := streamToString(t, Knobs{}, raceAnswer(), nil)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "videochat_stream.golden", []byte(out))
}

func TestStreamMarketerGolden(t *testing.T) {
	ans := Generate(Request{Seed: 5, Prompt: "What does @nike recently post?", Videos: publicVideos(), Kind: Marketer})
	out, err := streamToString(t, Knobs{ChunkSize: 40}, ans, nil)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "marketer_stream.golden", []byte(out))
}

func TestStreamEventOrder(t *testing.T) {
	ans := raceAnswer()
	out, err := streamToString(t, Knobs{}, ans, nil)
	if err != nil {
		t.Fatal(err)
	}
	evs := events(t, out)
	// thinking+ ref+ content+ end, as a string of phase letters.
	var phases strings.Builder
	var content strings.Builder
	for i, raw := range evs {
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("event %d is not JSON: %v\n%s", i, err, raw)
		}
		switch m["type"] {
		case "thinking":
			phases.WriteByte('T')
			assertKeys(t, raw, `{"type":"thinking","title":`, `,"content":`, `,"sessionId":"`+testSession+`"}`)
		case "ref":
			phases.WriteByte('R')
			assertKeys(t, raw, `{"type":"ref","sessionId":"`+testSession+`","ref":[{"video":{"duration":"`, `","video_no":"VI`, `","video_name":`, `},"refItems":[{"videoNo":"VI`, `,"startTime":`, `,"type":"keyframe"},{"videoNo":`, `,"type":"visual_ts","endTime":`, `,"text":`)
		case "content":
			phases.WriteByte('C')
			assertKeys(t, raw, `{"type":"content","role":"assistant","content":`, `,"sessionId":"`+testSession+`"}`)
			content.WriteString(m["content"].(string))
		default:
			if raw != `{"code":"SUCCESS","data":"Done"}` {
				t.Fatalf("unexpected event %s", raw)
			}
			phases.WriteByte('E')
		}
	}
	p := phases.String()
	if ok := strings.Trim(p, "T") != p && strings.HasPrefix(p, "TT"); !ok || !strings.HasSuffix(p, "CE") || strings.Count(p, "E") != 1 ||
		strings.Index(p, "R") < strings.LastIndex(p, "T") || strings.Index(p, "C") < strings.LastIndex(p, "R") {
		t.Errorf("phase order = %s, want T+R+C+E", p)
	}
	if content.String() != ans.Content {
		t.Errorf("reassembled content differs from Answer.Content")
	}
	// ChunkSize runes per content event, the last one shorter.
	for i, raw := range evs[strings.Index(p, "C") : len(evs)-1] {
		var m map[string]string
		_ = json.Unmarshal([]byte(raw), &m)
		if n := len([]rune(m["content"])); n != DefaultChunkSize && i != strings.Count(p, "C")-1 {
			t.Fatalf("content chunk %d has %d runes, want %d", i, n, DefaultChunkSize)
		}
	}
}

// assertKeys checks that raw contains the parts in order: the field order
// of the vendor's samples.
func assertKeys(t *testing.T, raw string, parts ...string) {
	t.Helper()
	rest := raw
	for _, p := range parts {
		i := strings.Index(rest, p)
		if i < 0 {
			t.Fatalf("event %s\nlacks %s (in order)", raw, p)
		}
		rest = rest[i+len(p):]
	}
}

func TestStreamRefsMatchAnswer(t *testing.T) {
	ans := raceAnswer()
	out, _ := streamToString(t, Knobs{}, ans, nil)
	req := Request{Videos: []Video{raceVideo(), silentVideo()}}
	for _, raw := range events(t, out) {
		if !strings.HasPrefix(raw, `{"type":"ref"`) {
			continue
		}
		var ev struct {
			Ref []Ref `json:"ref"`
		}
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			t.Fatal(err)
		}
		checkGrounded(t, req, Answer{Refs: ev.Ref})
		if len(ev.Ref) != len(ans.Refs) {
			t.Errorf("ref event has %d videos, want %d", len(ev.Ref), len(ans.Refs))
		}
	}
}

func TestStreamError(t *testing.T) {
	tests := []struct {
		name, msg, want string
	}{
		{name: "no videos", msg: MsgNoVideos, want: "data:{\"code\":\"ERROR\",\"data\":\"No videos found for the provided video numbers.\"}\n\n"},
		{name: "not parsed", msg: NotParsedMessage("VI606140356924534784", "VI606140356924534785"), want: "data:{\"code\":\"ERROR\",\"data\":\"Video is not parsed:VI606140356924534784,VI606140356924534785\"}\n\n"},
		{name: "not logged in", msg: MsgNotLoggedIn, want: "data:{\"code\":\"ERROR\",\"data\":\"user don't login\"}\n\n"},
	}
	var all strings.Builder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := newBufSink()
			if err := StreamError(sink, testSession, tt.msg); err != nil {
				t.Fatal(err)
			}
			if got := sink.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			all.WriteString(sink.String())
		})
	}
	golden(t, "error_streams.golden", []byte(all.String()))
}

func TestStreamFailProbabilityOne(t *testing.T) {
	ans := raceAnswer()
	out, err := streamToString(t, Knobs{FailProbability: 1}, ans, rand.New(rand.NewPCG(1, 2)))
	if !errors.Is(err, ErrInjectedFailure) {
		t.Fatalf("err = %v, want ErrInjectedFailure", err)
	}
	evs := events(t, out)
	if last := evs[len(evs)-1]; last != `{"code":"ERROR","data":"Error"}` {
		t.Fatalf("last event = %s, want the Error end", last)
	}
	var content strings.Builder
	for _, raw := range evs {
		var m map[string]string
		if json.Unmarshal([]byte(raw), &m) == nil && m["type"] == "content" {
			content.WriteString(m["content"])
		}
	}
	if content.Len() == 0 || content.String() == ans.Content || !strings.HasPrefix(ans.Content, content.String()) {
		t.Errorf("failure after %d bytes of %d; want some but not all content", content.Len(), len(ans.Content))
	}
	golden(t, "failure_stream.golden", []byte(out))

	// The same seed fails at the same place; probability 0 never fails and
	// consumes no randomness.
	again, _ := streamToString(t, Knobs{FailProbability: 1}, ans, rand.New(rand.NewPCG(1, 2)))
	if again != out {
		t.Error("failure point is not deterministic under a seed")
	}
	if _, err := streamToString(t, Knobs{}, ans, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Errorf("FailProbability 0: err = %v", err)
	}
}

func TestStreamFailureRate(t *testing.T) {
	ans := Answer{Content: "short answer, in a few chunks"}
	rnd := rand.New(rand.NewPCG(9, 9))
	failed := 0
	for i := 0; i < 2000; i++ {
		if err := StreamVideoChat(context.Background(), discardSink{}, clock.NewFake(time.Time{}), Knobs{FailProbability: 0.25}, testSession, ans, rnd); errors.Is(err, ErrInjectedFailure) {
			failed++
		}
	}
	if failed < 400 || failed > 600 {
		t.Errorf("%d of 2000 streams failed, want about 500", failed)
	}
}

func TestStreamPersonal(t *testing.T) {
	ans := Answer{Content: "You were at the beach — “café” 🌊\non 2024-07-01.\t\"ok\" \\ \x7f"}
	sink := newBufSink()
	if err := StreamPersonal(context.Background(), sink, clock.NewFake(time.Time{}), Knobs{ChunkSize: 8}, ans, nil); err != nil {
		t.Fatal(err)
	}
	out := sink.String()
	golden(t, "personal_stream.golden", []byte(out))
	if !strings.HasSuffix(out, "\n\ndata: [DONE]\n\n") {
		t.Fatalf("stream does not end with data: [DONE]: %q", tail(out))
	}
	var got strings.Builder
	for _, ev := range strings.Split(strings.TrimSuffix(out, "data: [DONE]\n\n"), "\n\n") {
		if ev == "" {
			continue
		}
		if !strings.HasPrefix(ev, `data: {"token": "`) {
			t.Fatalf("bad personal event %q", ev)
		}
		var m struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal([]byte(strings.TrimPrefix(ev, "data: ")), &m); err != nil {
			t.Fatal(err)
		}
		got.WriteString(m.Token)
	}
	if got.String() != ans.Content {
		t.Errorf("tokens reassemble to %q, want %q", got.String(), ans.Content)
	}
}

func TestStreamPersonalFailure(t *testing.T) {
	ans := Answer{Content: strings.Repeat("word ", 20)}
	sink := newBufSink()
	err := StreamPersonal(context.Background(), sink, clock.NewFake(time.Time{}), Knobs{FailProbability: 1}, ans, rand.New(rand.NewPCG(3, 3)))
	if !errors.Is(err, ErrInjectedFailure) {
		t.Fatalf("err = %v", err)
	}
	if out := sink.String(); strings.Contains(out, "[DONE]") || !strings.HasPrefix(out, `data: {"token": `) {
		t.Errorf("truncated stream = %q", out)
	}
}

// seedLoop is a line-for-line port of the vendor's Python sample client:
// iter_lines, skip empty lines, print each line, stop on 'data:"done"', and
// print the payload after "data:". It returns what the loop printed.
func seedLoop(body io.Reader) (printed []string, brokeOnDone bool) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		printed = append(printed, line)
		if strings.ToLower(strings.TrimSpace(line)) == `data:"done"` {
			return printed, true
		}
		if strings.HasPrefix(line, "data:") {
			printed = append(printed, strings.TrimSpace(strings.Replace(line, "data:", "", 1)))
		}
	}
	return printed, false
}

// parsingClient reads lines like the seed loop but decodes each payload,
// keeps the content events and stops at the end event (an object with a
// "code"), as the docs' "Response End" section describes.
func parsingClient(body io.Reader) (content, end string, err error) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var b strings.Builder
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "data:") {
			continue
		}
		var ev struct {
			Type    string `json:"type"`
			Content string `json:"content"`
			Code    string `json:"code"`
			Data    string `json:"data"`
		}
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data:")), &ev); err != nil {
			return "", "", err
		}
		if ev.Code != "" {
			return b.String(), ev.Data, nil
		}
		if ev.Type == "content" {
			b.WriteString(ev.Content)
		}
	}
	return b.String(), "", errors.New("stream ended without an end event")
}

func TestSeedClientsOverHTTP(t *testing.T) {
	ans := raceAnswer()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ContentTypeVideoChat)
		_ = StreamVideoChat(r.Context(), NewHTTPSink(w), clock.Real{}, Knobs{}, testSession, ans, nil)
	}))
	defer srv.Close()
	get := func() io.ReadCloser {
		resp, err := srv.Client().Post(srv.URL, "application/json", strings.NewReader(`{"video_nos":["VI606140356924534784"],"prompt":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != ContentTypeVideoChat {
			t.Errorf("Content-Type = %q", ct)
		}
		return resp.Body
	}

	body := get()
	printed, broke := seedLoop(body)
	body.Close()
	// The seed loop never sees a line equal to data:"done"; it ends at EOF,
	// right after printing the end event.
	if broke {
		t.Error("seed loop matched data:\"done\"; the end event is the documented JSON")
	}
	if n := len(printed); n < 2 || printed[n-2] != `data:{"code":"SUCCESS","data":"Done"}` {
		t.Errorf("seed loop's last lines = %q", printed[max(0, n-2):])
	}

	body = get()
	content, end, err := parsingClient(body)
	body.Close()
	if err != nil || end != MsgDone || content != ans.Content {
		t.Errorf("parsing client: err %v, end %q, content equal %v", err, end, content == ans.Content)
	}
}

func TestStreamPacing(t *testing.T) {
	ans := raceAnswer()
	knobs := Knobs{FirstEvent: 2 * time.Second, PerChunk: 100 * time.Millisecond, ChunkSize: 200}
	clk := newNotifyClock(1024)
	sink := newBufSink()
	done := make(chan error, 1)
	go func() { done <- StreamVideoChat(context.Background(), sink, clk, knobs, testSession, ans, nil) }()

	if d := receive(t, clk.waits, "the first wait"); d != knobs.FirstEvent {
		t.Fatalf("first wait = %v, want FirstEvent", d)
	}
	clk.Advance(knobs.FirstEvent - time.Nanosecond)
	if out := sink.String(); out != "" {
		t.Fatalf("wrote %q before FirstEvent elapsed", out)
	}
	clk.Advance(time.Nanosecond)
	receive(t, sink.flushed, "the first event")
	if out := sink.String(); !strings.HasPrefix(out, `data:{"type":"thinking"`) || strings.Count(out, "\n\n") != 1 {
		t.Fatalf("after FirstEvent the stream is %q, want one thinking event", out)
	}
	for {
		select {
		case d := <-clk.waits:
			if d != knobs.PerChunk {
				t.Fatalf("later wait = %v, want PerChunk", d)
			}
			before := sink.String()
			clk.Advance(d)
			receive(t, sink.flushed, "the next event")
			if sink.String() == before {
				t.Fatal("advancing PerChunk wrote nothing")
			}
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			want, _ := streamToString(t, Knobs{ChunkSize: 200}, ans, nil)
			if sink.String() != want {
				t.Error("a paced stream differs from an unpaced one")
			}
			return
		case <-time.After(10 * time.Second):
			t.Fatal("stream stalled")
		}
	}
}

func TestStreamCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tt := range []struct {
		name     string
		personal bool
	}{{name: "video chat"}, {name: "personal", personal: true}} {
		t.Run(tt.name, func(t *testing.T) {
			ans := raceAnswer()
			clk := newNotifyClock(1024)
			sink := newBufSink()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			knobs := Knobs{PerChunk: time.Second}
			done := make(chan error, 1)
			go func() {
				if tt.personal {
					done <- StreamPersonal(ctx, sink, clk, knobs, ans, nil)
				} else {
					done <- StreamVideoChat(ctx, sink, clk, knobs, testSession, ans, nil)
				}
			}()
			for i := 0; i < 5; i++ { // let a few events out
				receive(t, clk.waits, "a wait")
				clk.Advance(time.Second)
			}
			receive(t, clk.waits, "a wait") // blocked mid-stream
			cancel()
			if err := receive(t, done, "the stream to return"); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			out := sink.String()
			if strings.Contains(out, `"code"`) || strings.Contains(out, "[DONE]") || out == "" {
				t.Errorf("cancelled stream wrote an end or nothing: %q", tail(out))
			}
		})
	}
}

type errSink struct{ n int }

func (s *errSink) Write(p []byte) (int, error) {
	if s.n--; s.n < 0 {
		return 0, io.ErrClosedPipe
	}
	return len(p), nil
}
func (s *errSink) Flush() {}

func TestStreamWriteError(t *testing.T) {
	err := StreamVideoChat(context.Background(), &errSink{n: 3}, clock.NewFake(time.Time{}), Knobs{}, testSession, raceAnswer(), nil)
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("err = %v, want the sink's error", err)
	}
	err = StreamPersonal(context.Background(), &errSink{n: 1}, clock.NewFake(time.Time{}), Knobs{}, raceAnswer(), nil)
	if !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("personal err = %v, want the sink's error", err)
	}
}

func TestStreamEmptyAnswer(t *testing.T) {
	out, err := streamToString(t, Knobs{}, Answer{}, nil)
	if err != nil || out != "data:{\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n" {
		t.Errorf("empty answer stream = %q, %v", out, err)
	}
	sink := newBufSink()
	if err := StreamPersonal(context.Background(), sink, clock.NewFake(time.Time{}), Knobs{}, Answer{}, nil); err != nil || sink.String() != "data: [DONE]\n\n" {
		t.Errorf("empty personal stream = %q, %v", sink.String(), err)
	}
}
