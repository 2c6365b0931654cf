package v2

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/memharness/memharness/platform/limits"
)

// wsClient is a test client of the audio WebSocket: frames arrive on msgs
// (JSON decoded) and the close status on closed.
type wsClient struct {
	t      *testing.T
	c      *websocket.Conn
	msgs   chan map[string]any
	closed chan error
}

func wsURL(srv *httptest.Server, query string) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + AudioWSPath + "?" + query
}

func dialAudio(t *testing.T, srv *httptest.Server, query string, header http.Header) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, wsURL(srv, query), &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		return nil, resp, err
	}
	wc := &wsClient{t: t, c: c, msgs: make(chan map[string]any, 256), closed: make(chan error, 1)}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				wc.closed <- err
				close(wc.msgs)
				return
			}
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			wc.msgs <- m
		}
	}()
	return wc, resp, nil
}

// next returns the next frame (fails after 10 s).
func (wc *wsClient) next() map[string]any {
	wc.t.Helper()
	select {
	case m, ok := <-wc.msgs:
		if !ok {
			wc.t.Fatal("connection closed, want a frame")
		}
		return m
	case <-time.After(10 * time.Second):
		wc.t.Fatal("no frame")
		return nil
	}
}

// until collects frames until the connection closes and returns them with
// the close error.
func (wc *wsClient) until() ([]map[string]any, error) {
	wc.t.Helper()
	var out []map[string]any
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-wc.msgs:
			if !ok {
				return out, <-wc.closed
			}
			out = append(out, m)
		case <-deadline:
			wc.t.Fatal("connection never closed")
		}
	}
}

func (wc *wsClient) sendJSON(v any) {
	wc.t.Helper()
	b, _ := json.Marshal(v)
	if err := wc.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		wc.t.Fatal(err)
	}
}

func (wc *wsClient) sendBinary(b []byte) {
	wc.t.Helper()
	if err := wc.c.Write(context.Background(), websocket.MessageBinary, b); err != nil {
		wc.t.Fatal(err)
	}
}

// elChunk is an ElevenLabs input_audio_chunk of secs seconds of 16 kHz PCM.
func elChunk(secs float64, commit bool) map[string]any {
	return map[string]any{"message_type": "input_audio_chunk", "audio_base_64": base64.StdEncoding.EncodeToString(make([]byte, int(secs*32000))),
		"commit": commit, "sample_rate": 16000}
}

func newWSSurface(t *testing.T, to testOpts) (*testSurface, *httptest.Server) {
	ts := newTestSurface(t, to)
	srv := httptest.NewServer(ts.h)
	t.Cleanup(srv.Close)
	return ts, srv
}

// TestAudioWSHandshake covers the documented handshake refusals.
func TestAudioWSHandshake(t *testing.T) {
	_, srv := newWSSurface(t, testOpts{})
	off, offSrv := newWSSurface(t, testOpts{opts: Options{StreamsOff: true}})
	_ = off
	poor, poorSrv := newWSSurface(t, testOpts{credits: true})
	poor.p.Ledger.SetBalance("sk-poor", 0)
	tests := []struct {
		name   string
		srv    *httptest.Server
		query  string
		header http.Header
		status int
		msg    string
	}{
		{name: "no key", srv: srv, query: "provider=elevenlabs", status: 401, msg: "Unauthorized"},
		{name: "no provider", srv: srv, query: "api_key=sk-a", status: 400, msg: "provider cannot be null or empty"},
		{name: "unknown provider", srv: srv, query: "api_key=sk-a&provider=deepgram", status: 400, msg: "provider must be elevenlabs or assemblyai"},
		{name: "bad sample rate", srv: srv, query: "api_key=sk-a&provider=assemblyai&sample_rate=300", status: 400, msg: "sample_rate must be between 8000 and 48000"},
		{name: "stream feature off", srv: offSrv, query: "api_key=sk-a&provider=assemblyai", status: 403, msg: "User not authorized for stream processing"},
		{name: "empty balance", srv: poorSrv, query: "provider=elevenlabs", header: http.Header{"Authorization": {"sk-poor"}}, status: 402},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, resp, err := dialAudio(t, tc.srv, tc.query, tc.header)
			if err == nil || resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("err %v, resp %v, want HTTP %d", err, resp, tc.status)
			}
			b, _ := io.ReadAll(resp.Body)
			var m map[string]any
			if json.Unmarshal(b, &m) != nil || m["code"] != float64(tc.status) || (tc.msg != "" && m["msg"] != tc.msg) {
				t.Fatalf("body %s", b)
			}
		})
	}
}

// TestAudioWSElevenLabs runs an ElevenLabs session with VAD commits and
// timestamps: session_started, a partial per second of audio, committed
// transcripts at 5 s and on a manual commit, billing per 5 s.
func TestAudioWSElevenLabs(t *testing.T) {
	ts, srv := newWSSurface(t, testOpts{credits: true})
	wc, _, err := dialAudio(t, srv, "api_key=sk-el&provider=elevenlabs&commit_strategy=vad&include_timestamps=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	start := wc.next()
	cfg, _ := start["config"].(map[string]any)
	if start["message_type"] != "session_started" || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(start["session_id"].(string)) ||
		cfg["sample_rate"] != float64(16000) || cfg["model_id"] != "scribe_v2_realtime" || cfg["commit_strategy"] != "vad" {
		t.Fatalf("session_started %v", start)
	}
	var partials []string
	for range 4 {
		wc.sendJSON(elChunk(1, false))
		m := wc.next()
		if m["message_type"] != "partial_transcript" || m["text"] == "" {
			t.Fatalf("want a partial, got %v", m)
		}
		partials = append(partials, m["text"].(string))
	}
	for i := 1; i < len(partials); i++ {
		if !strings.HasPrefix(partials[i], partials[i-1]) {
			t.Fatalf("partials do not grow: %q then %q", partials[i-1], partials[i])
		}
	}
	// The fifth second ends the VAD segment.
	wc.sendJSON(elChunk(1, false))
	committed := wc.next()
	stamped := wc.next()
	if committed["message_type"] != "committed_transcript" || !strings.HasPrefix(committed["text"].(string), partials[3]) {
		t.Fatalf("committed %v after %q", committed, partials[3])
	}
	words := stamped["words"].([]any)
	last := words[len(words)-1].(map[string]any)
	if stamped["message_type"] != "committed_transcript_with_timestamps" || stamped["text"] != committed["text"] ||
		last["end"].(float64) > 5 || last["type"] != "word" || stamped["language_code"] != "en" {
		t.Fatalf("with timestamps %v", stamped)
	}
	// A manual commit with the sixth second: a partial, then the commit.
	wc.sendJSON(elChunk(1, true))
	if m := wc.next(); m["message_type"] != "partial_transcript" {
		t.Fatalf("want a partial, got %v", m)
	}
	if m := wc.next(); m["message_type"] != "committed_transcript" || m["text"] == committed["text"] {
		t.Fatalf("second commit %v", m)
	}
	wc.next() // its timestamps
	wc.sendJSON(map[string]any{"message_type": "nonsense"})
	if m := wc.next(); m["message_type"] != "input_error" {
		t.Fatalf("want input_error, got %v", m)
	}
	if err := wc.c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	if n := countEntries(ts, "sk-el", limits.OpV2AudioWSElevenLabs); n != 2 {
		t.Fatalf("%d 5-s blocks billed for 6 s of audio, want 2", n)
	}
}

func countEntries(ts *testSurface, account, op string) int {
	n := 0
	for _, e := range ts.p.Ledger.Entries(account) {
		if e.Operation == op {
			n++
		}
	}
	return n
}

// TestAudioWSAssemblyAI runs an AssemblyAI v3 session: Begin, binary PCM,
// partial Turns, end of turn at 5 s (with a formatted copy), Terminate
// flushing the turn in progress, Termination and a normal close.
func TestAudioWSAssemblyAI(t *testing.T) {
	ts, srv := newWSSurface(t, testOpts{credits: true})
	t0 := ts.clk.Now()
	wc, _, err := dialAudio(t, srv, "provider=assemblyai&sample_rate=16000&format_turns=true", http.Header{"Authorization": {"sk-aai"}})
	if err != nil {
		t.Fatal(err)
	}
	begin := wc.next()
	if begin["type"] != "Begin" || !dashedUUIDRe.MatchString(begin["id"].(string)) || begin["expires_at"] != float64(t0.Add(3*time.Hour).Unix()) {
		t.Fatalf("Begin %v", begin)
	}
	for range 11 { // 5.5 s in 0.5-s chunks
		wc.sendBinary(make([]byte, 16000))
	}
	wc.sendJSON(map[string]any{"type": "Terminate"})
	frames, err := wc.until()
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("close %v", err)
	}
	var partials, ends, formatted int
	for i, f := range frames[:len(frames)-1] {
		if f["type"] != "Turn" {
			t.Fatalf("frame %d: %v", i, f)
		}
		switch {
		case f["turn_is_formatted"] == true:
			formatted++
		case f["end_of_turn"] == true:
			ends++
			if f["transcript"] != f["utterance"] || f["turn_order"] != float64(ends-1) {
				t.Fatalf("end of turn %v", f)
			}
		default:
			partials++
			if f["turn_order"] != float64(0) || f["utterance"] != "" {
				t.Fatalf("partial %v", f)
			}
		}
	}
	// Partials at 1-4 s; turn 0 ends at 5 s; Terminate ends turn 1 when a
	// word of it was heard in the last half second (content-dependent).
	if partials != 4 || ends < 1 || ends > 2 || formatted != ends {
		t.Fatalf("%d partials, %d ends, %d formatted: %v", partials, ends, formatted, frames)
	}
	term := frames[len(frames)-1]
	if term["type"] != "Termination" || term["audio_duration_seconds"] != float64(6) || term["session_duration_seconds"] != float64(0) {
		t.Fatalf("Termination %v", term)
	}
	if n := countEntries(ts, "sk-aai", limits.OpV2AudioWSAssemblyAI); n != 2 {
		t.Fatalf("%d blocks billed, want 2", n)
	}
}

// TestAudioWSIdleTimeout: a silent session closes after inactivity_timeout
// of mock time (AssemblyAI with its Termination first).
func TestAudioWSIdleTimeout(t *testing.T) {
	tests := []struct {
		name, query string
		termination bool
	}{
		{name: "assemblyai", query: "api_key=sk-i&provider=assemblyai&inactivity_timeout=10", termination: true},
		{name: "elevenlabs default timeout", query: "api_key=sk-i&provider=elevenlabs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, srv := newWSSurface(t, testOpts{})
			wc, _, err := dialAudio(t, srv, tc.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			wc.next() // Begin / session_started
			var frames []map[string]any
			done := make(chan error, 1)
			go func() {
				var err error
				frames, err = wc.until()
				done <- err
			}()
			var closeErr error
			ts.advanceUntil(func() bool {
				select {
				case closeErr = <-done:
					return true
				default:
					return false
				}
			})
			if websocket.CloseStatus(closeErr) != websocket.StatusNormalClosure {
				t.Fatalf("close %v", closeErr)
			}
			var ce websocket.CloseError
			if !errors.As(closeErr, &ce) || ce.Reason != "Session closed due to inactivity" {
				t.Fatalf("close %v", closeErr)
			}
			if got := len(frames) == 1 && frames[0]["type"] == "Termination"; got != tc.termination {
				t.Fatalf("frames %v", frames)
			}
		})
	}
}

// TestAudioWSBalanceRunsOut: ElevenLabs says quota_exceeded and the session
// closes with a policy violation when a 5-s block cannot be paid.
func TestAudioWSBalanceRunsOut(t *testing.T) {
	ts, srv := newWSSurface(t, testOpts{credits: true})
	block, _ := limits.CostOf(limits.OpV2AudioWSElevenLabs, limits.Quantity{MediaSeconds: 5})
	ts.p.Ledger.SetBalance("sk-p", block.Credits*1.5)
	wc, _, err := dialAudio(t, srv, "api_key=sk-p&provider=elevenlabs", nil)
	if err != nil {
		t.Fatal(err)
	}
	wc.next()
	for range 6 {
		b, _ := json.Marshal(elChunk(1, false))
		_ = wc.c.Write(context.Background(), websocket.MessageText, b)
	}
	frames, err := wc.until()
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation || frames[len(frames)-1]["message_type"] != "quota_exceeded" {
		t.Fatalf("close %v after %v", err, frames)
	}
}

// TestAudioWSDroppedClient: a client that vanishes without a close frame
// leaves no goroutine behind and is billed no further.
func TestAudioWSDroppedClient(t *testing.T) {
	for _, provider := range []string{providerElevenLabs, providerAssemblyAI} {
		t.Run(provider, func(t *testing.T) {
			ts, srv := newWSSurface(t, testOpts{credits: true})
			base := goleak.IgnoreCurrent()
			wc, _, err := dialAudio(t, srv, "api_key=sk-drop&provider="+provider, nil)
			if err != nil {
				t.Fatal(err)
			}
			wc.next()
			if provider == providerElevenLabs {
				wc.sendJSON(elChunk(1, false))
			} else {
				wc.sendBinary(make([]byte, 32000))
			}
			wc.next() // the first partial
			_ = wc.c.CloseNow()
			<-wc.closed
			goleak.VerifyNone(t, base)
			if e := ts.p.Journal.Last(1); len(e) != 1 || e[0].Status != http.StatusSwitchingProtocols || e[0].OperationID != "v2_audio_ws" {
				t.Fatalf("journal %v", e)
			}
		})
	}
}
