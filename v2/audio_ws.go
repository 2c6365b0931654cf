package v2

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"
	json "github.com/goccy/go-json"

	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
)

// The real-time audio WebSocket (V2_SURFACE §6.7) is documented as a
// transparent proxy to the provider's realtime API, so the mock speaks
// each provider's native protocol: ElevenLabs Scribe realtime (JSON frames
// keyed by message_type, base64 PCM in) and AssemblyAI Universal Streaming
// v3 (binary PCM in, Begin / Turn / Termination out). Transcripts are paced
// by the audio received, not by the clock: bytes become seconds at the
// declared sample rate, a partial follows every second of audio, a final
// (ElevenLabs commit, AssemblyAI end of turn) every 5 s of audio (the
// vendor's segment) or when the client asks for it.

// defaultAudioIdle closes a session that received nothing for this long
// (mock clock) unless the client passes inactivity_timeout.
const defaultAudioIdle = 20 * time.Second

// writeTimeout bounds one frame write to a slow or vanished client (wall
// time: it is network I/O, not emulated time).
const writeTimeout = 5 * time.Second

// maxFrameBytes bounds one client frame.
const maxFrameBytes = 1 << 20

// maxPending bounds the words kept for a transcript not yet committed (a
// client that never commits on ElevenLabs' manual strategy).
const maxPending = 4096

// audioWS upgrades GET /serve/ws/v2/audio-stream after the documented
// handshake checks: 401 without a valid api_key (query or Authorization
// header), 400 without a valid provider, 403 without the stream feature.
func (s *Surface) audioWS(c *gin.Context) {
	r := c.Request
	q := r.URL.Query()
	key := strings.TrimSpace(q.Get("api_key"))
	if key == "" {
		key, _ = s.hostKey(r)
	}
	fail := func(e *apierr.Error) {
		st, body := s.style.Failure(e)
		writeJSON(c, st, body)
		s.journalWS(r, key, st, e.Code)
	}
	if key == "" || !s.keyAllowed(key) {
		fail(errUnauthorized)
		return
	}
	provider := strings.ToLower(strings.TrimSpace(q.Get("provider")))
	if provider == "" {
		fail(missing("provider"))
		return
	}
	if provider != providerElevenLabs && provider != providerAssemblyAI {
		fail(apierr.New(apierr.CodeBadParam, "provider must be elevenlabs or assemblyai"))
		return
	}
	if s.o.StreamsOff {
		fail(errStreamsOff)
		return
	}
	account := s.p.Accounts.Resolve(key)
	op := limits.OpV2AudioWSElevenLabs
	if provider == providerAssemblyAI {
		op = limits.OpV2AudioWSAssemblyAI
	}
	zero, _ := limits.CostOf(op, limits.Quantity{})
	if err := s.p.Ledger.Check(account, zero); err != nil {
		fail(errNoBalance)
		return
	}
	sess, err := newAudioSession(s, q, provider, account, op)
	if err != nil {
		fail(apierr.New(apierr.CodeBadParam, "%v", err))
		return
	}
	conn, err := websocket.Accept(c.Writer, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.journalWS(r, key, http.StatusBadRequest, apierr.CodeBadParam)
		return
	}
	s.journalWS(r, key, http.StatusSwitchingProtocols, apierr.CodeOK)
	// A second of 48 kHz PCM is 96 KB (128 KB in base64); the library's
	// default limit (32 KB) would refuse chunks the providers accept.
	conn.SetReadLimit(maxFrameBytes)
	sess.conn = conn
	sess.serve(r.Context())
}

func (s *Surface) journalWS(r *http.Request, key string, status int, code string) {
	s.p.Journal.Add(journal.Entry{Time: s.p.Clock.Now(), Surface: "v2", Method: r.Method, Path: r.URL.Path,
		OperationID: "v2_audio_ws", APIKey: journal.Fingerprint(key), Status: status, Code: code})
}

// heardWord is one recognised word with its audio times (seconds).
type heardWord struct {
	text       string
	start, end float64
	conf       float64
}

// audioSession is one WebSocket session. mu serialises the message flow
// of the read loop and the idle watcher.
type audioSession struct {
	s                *Surface
	conn             *websocket.Conn
	provider, id     string
	account, chargeO string
	started          time.Time
	idle             time.Duration
	lastActive       atomic.Int64 // mock-clock UnixNano of the last frame received

	// declared audio format: bytes per second of audio.
	rate, sampleBytes int
	// ElevenLabs options
	model, language string
	vad, timestamps bool
	// AssemblyAI options
	formatTurns bool

	mu     sync.Mutex
	closed bool
	// closing is set (with the code and reason) when the flow decided to
	// close; the close handshake runs after mu is released.
	closing     bool
	closeCode   websocket.StatusCode
	closeReason string
	audio       float64 // seconds of audio received
	billed      int     // 5-s blocks charged
	lastSec     int     // whole seconds of audio when the last partial was sent
	turn        int     // AssemblyAI turn_order
	pending     []heardWord
	win         int      // current 5-s window of the content model
	words       []string // its words
	taken       int      // words of win already heard
}

// elevenLabsFormats maps ElevenLabs' audio_format to sample rate and bytes
// per sample.
var elevenLabsFormats = map[string][2]int{"pcm_8000": {8000, 2}, "pcm_16000": {16000, 2}, "pcm_22050": {22050, 2},
	"pcm_24000": {24000, 2}, "pcm_44100": {44100, 2}, "pcm_48000": {48000, 2}, "ulaw_8000": {8000, 1}}

func newAudioSession(s *Surface, q map[string][]string, provider, account, op string) (*audioSession, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	a := &audioSession{s: s, provider: provider, account: account, chargeO: op, started: s.p.Clock.Now(),
		idle: s.o.AudioIdleTimeout, rate: 16000, sampleBytes: 2, win: -1}
	a.lastActive.Store(a.started.UnixNano())
	if v := get("inactivity_timeout"); v != "" {
		sec, err := strconv.ParseFloat(v, 64)
		if err != nil || sec <= 0 || sec > 3600 {
			return nil, errors.New("inactivity_timeout must be a number of seconds between 1 and 3600")
		}
		a.idle = time.Duration(sec * float64(time.Second))
	}
	id := s.ids.task()
	switch provider {
	case providerElevenLabs:
		a.id = id
		a.model, a.language = queryOr(get("model_id"), "scribe_v2_realtime"), queryOr(get("language_code"), "en")
		if f := get("audio_format"); f != "" {
			rb, ok := elevenLabsFormats[f]
			if !ok {
				return nil, errors.New("audio_format is not supported")
			}
			a.rate, a.sampleBytes = rb[0], rb[1]
		}
		a.vad = strings.EqualFold(get("commit_strategy"), "vad")
		a.timestamps = get("include_timestamps") == "true"
	case providerAssemblyAI:
		a.id = dashedUUID(id)
		if v := get("sample_rate"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 8000 || n > 48000 {
				return nil, errors.New("sample_rate must be between 8000 and 48000")
			}
			a.rate = n
		}
		switch get("encoding") {
		case "", "pcm_s16le":
		case "pcm_mulaw":
			a.sampleBytes = 1
		default:
			return nil, errors.New("encoding must be pcm_s16le or pcm_mulaw")
		}
		a.formatTurns = get("format_turns") == "true"
	}
	return a, nil
}

// queryOr is v, or def when v is empty.
func queryOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// serve runs the session until the client leaves, terminates, idles out
// or runs out of balance.
func (a *audioSession) serve(ctx context.Context) {
	defer a.conn.CloseNow()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.s.wg.Add(1)
	go a.watch(ctx)
	a.mu.Lock()
	a.begin()
	a.mu.Unlock()
	for {
		// No context per read: the read ends when the client or the
		// watcher closes the connection (a hijacked request's context does
		// not fire while it is served), and a cancellable context costs a
		// registration and its removal on every audio frame.
		typ, r, err := a.conn.Reader(context.Background())
		if err != nil {
			return // client gone, closed, or the watcher closed the socket
		}
		// Binary audio is only counted; text frames borrow a pooled
		// buffer, so an open session holds no frame memory between frames.
		var n int64
		var buf *bytes.Buffer
		if typ == websocket.MessageBinary {
			n, err = io.Copy(io.Discard, r)
		} else {
			buf = a.s.streams.buffer()
			n, err = buf.ReadFrom(r)
		}
		if err != nil {
			a.s.streams.recycle(buf)
			return
		}
		a.lastActive.Store(a.s.p.Clock.Now().UnixNano())
		var msg []byte
		if buf != nil {
			msg = buf.Bytes()
		}
		a.mu.Lock()
		done := a.closed || a.handle(typ, msg, n)
		a.mu.Unlock()
		a.s.streams.recycle(buf)
		a.finish()
		if done {
			return
		}
	}
}

// watch closes an idle session on the mock clock, and every session when
// the surface closes.
func (a *audioSession) watch(ctx context.Context) {
	defer a.s.wg.Done()
	clk := a.s.p.Clock
	for {
		wait := time.Unix(0, a.lastActive.Load()).Add(a.idle).Sub(clk.Now())
		if wait <= 0 {
			a.mu.Lock()
			if !a.closed {
				// AssemblyAI ends an inactive session with its Termination
				// message; ElevenLabs just closes [UNCERTAIN].
				if a.provider == providerAssemblyAI {
					a.terminate()
				}
				a.close(websocket.StatusNormalClosure, "Session closed due to inactivity")
			}
			a.mu.Unlock()
			a.finish()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-a.s.ctx.Done():
			_ = a.conn.Close(websocket.StatusGoingAway, "server shutting down")
			return
		case <-clk.After(wait):
		}
	}
}

// send writes one JSON frame (with mu held).
func (a *audioSession) send(v any) {
	if a.closed {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := a.conn.Write(ctx, websocket.MessageText, b); err != nil {
		a.closed = true
	}
}

// close decides to close the session (with mu held); finish runs the
// close handshake once mu is released.
func (a *audioSession) close(code websocket.StatusCode, reason string) {
	if a.closed {
		return
	}
	a.closed, a.closing, a.closeCode, a.closeReason = true, true, code, reason
}

// finish runs a decided close handshake (without mu held: it waits for
// the client's close frame).
func (a *audioSession) finish() {
	a.mu.Lock()
	closing := a.closing
	a.closing = false
	a.mu.Unlock()
	if closing {
		_ = a.conn.Close(a.closeCode, a.closeReason)
	}
}

// begin sends the provider's session-start message.
func (a *audioSession) begin() {
	if a.provider == providerAssemblyAI {
		// Sessions expire after 3 hours (AssemblyAI's documented maximum).
		a.send(aaiBegin{Type: "Begin", ID: a.id, ExpiresAt: a.started.Add(3 * time.Hour).Unix()})
		return
	}
	format := "pcm_" + strconv.Itoa(a.rate)
	if a.sampleBytes == 1 {
		format = "ulaw_8000"
	}
	strategy := "manual"
	if a.vad {
		strategy = "vad"
	}
	a.send(elSessionStarted{MessageType: "session_started", SessionID: a.id, Config: elConfig{SampleRate: a.rate,
		AudioFormat: format, LanguageCode: a.language, ModelID: a.model, CommitStrategy: strategy,
		IncludeTimestamps: a.timestamps}})
}

// handle processes one client frame of n bytes (msg holds a text frame);
// true ends the session.
func (a *audioSession) handle(typ websocket.MessageType, msg []byte, n int64) bool {
	if a.provider == providerAssemblyAI {
		if typ == websocket.MessageBinary {
			return a.receive(float64(n) / float64(a.rate*a.sampleBytes))
		}
		var m struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(msg, &m)
		switch m.Type {
		case "Terminate":
			a.endTurn()
			a.terminate()
			a.close(websocket.StatusNormalClosure, "")
			return true
		case "ForceEndpoint":
			a.endTurn()
		}
		// KeepAlive only resets the idle timer; UpdateConfiguration is
		// accepted and has no effect in the mock.
		return false
	}
	if typ == websocket.MessageBinary {
		a.send(elError{MessageType: "input_error", Error: "Expected a JSON text message"})
		return false
	}
	var m struct {
		MessageType string `json:"message_type"`
		Audio       string `json:"audio_base_64"`
		Commit      bool   `json:"commit"`
		SampleRate  int    `json:"sample_rate"`
	}
	if err := json.Unmarshal(msg, &m); err != nil {
		a.send(elError{MessageType: "input_error", Error: "Invalid JSON message"})
		return false
	}
	switch m.MessageType {
	case "input_audio_chunk":
		// Only the decoded length matters: count it without keeping it.
		size, err := io.Copy(io.Discard, base64.NewDecoder(base64.StdEncoding, strings.NewReader(m.Audio)))
		if err != nil {
			a.send(elError{MessageType: "input_error", Error: "audio_base_64 is not valid base64"})
			return false
		}
		rate := a.rate
		if m.SampleRate >= 8000 && m.SampleRate <= 48000 {
			rate = m.SampleRate
		}
		if a.receive(float64(size) / float64(rate*a.sampleBytes)) {
			return true
		}
		if m.Commit {
			a.commit()
		}
	case "commit":
		a.commit()
	default:
		a.send(elError{MessageType: "input_error", Error: "Unknown message_type"})
	}
	return false
}

// receive accounts dt seconds of audio: it bills every started 5-s block,
// hears the content model's words up to the new position, ends a turn at
// each 5-s boundary (AssemblyAI's endpointing, ElevenLabs' VAD) and sends
// a partial for every whole second. True ends the session (no balance).
func (a *audioSession) receive(dt float64) bool {
	if dt <= 0 {
		return false
	}
	target := a.audio + dt
	// Billed every 5 s of audio, each block paid when it starts.
	for blocks := int(math.Ceil(target / segmentLength.Seconds())); a.billed < blocks; a.billed++ {
		c, _ := limits.CostOf(a.chargeO, limits.Quantity{MediaSeconds: segmentLength.Seconds()})
		if err := a.s.p.Ledger.Charge(a.account, c); err != nil {
			if a.provider == providerElevenLabs {
				a.send(elError{MessageType: "quota_exceeded", Error: "Insufficient balance"})
			}
			a.close(websocket.StatusPolicyViolation, "Insufficient balance")
			return true
		}
	}
	seg := segmentLength.Seconds()
	for {
		boundary := (math.Floor(a.audio/seg+1e-9) + 1) * seg
		if target+1e-9 < boundary {
			break
		}
		a.hear(boundary)
		a.audio = boundary
		if a.provider == providerAssemblyAI || a.vad {
			a.endTurn()
		}
		a.lastSec = int(boundary)
	}
	a.hear(target)
	a.audio = target
	if sec := int(target + 1e-9); sec > a.lastSec {
		a.lastSec = sec
		a.partial()
	}
	return false
}

// hear moves the recognised words up to audio time t.
func (a *audioSession) hear(t float64) {
	seg := segmentLength.Seconds()
	for {
		w := int(math.Floor(t/seg + 1e-9))
		if a.win < 0 || a.win < w {
			if a.win >= 0 {
				a.take(len(a.words)) // the whole previous window
			}
			if a.win < 0 {
				a.win = 0
			} else {
				a.win++
			}
			a.words = strings.Fields(windowText(a.s.o.Seed, a.id, a.win, "").audio)
			a.taken = 0
			continue
		}
		frac := (t - float64(a.win)*seg) / seg
		a.take(int(frac * float64(len(a.words))))
		return
	}
}

// take hears the current window's words up to index n.
func (a *audioSession) take(n int) {
	n = min(n, len(a.words))
	if n <= a.taken {
		return
	}
	seg := segmentLength.Seconds()
	per := seg / float64(max(len(a.words), 1))
	base := float64(a.win) * seg
	for i := a.taken; i < n && len(a.pending) < maxPending; i++ {
		st := base + float64(i)*per
		a.pending = append(a.pending, heardWord{text: a.words[i], start: st, end: st + per*0.85,
			conf: round3(0.8 + unitf(a.s.o.Seed, a.id, a.win*1000+i, "conf")*0.2)})
	}
	a.taken = n
}

func (a *audioSession) text() string {
	var b strings.Builder
	for i, w := range a.pending {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.text)
	}
	return b.String()
}

// partial sends the interim transcript of the turn in progress: the words
// heard so far plus the word being spoken, which is not final yet (as in
// AssemblyAI's documented sequence, where a Turn's last word has
// word_is_final false and the transcript holds the final words only).
func (a *audioSession) partial() {
	next, ok := a.peek()
	if len(a.pending) == 0 && !ok {
		return
	}
	if a.provider == providerAssemblyAI {
		t := a.turnMessage(false, false)
		if ok {
			t.Words = append(t.Words, aaiWord{Start: int(next.start * 1000), End: int(next.end * 1000), Text: unformatted(next.text, false),
				Confidence: next.conf})
		}
		a.send(t)
		return
	}
	txt := a.text()
	if ok {
		txt = strings.TrimSpace(txt + " " + next.text)
	}
	a.send(elTranscript{MessageType: "partial_transcript", Text: txt})
}

// peek is the word of the current window being spoken, if any.
func (a *audioSession) peek() (heardWord, bool) {
	if a.win < 0 || a.taken >= len(a.words) {
		return heardWord{}, false
	}
	per := segmentLength.Seconds() / float64(len(a.words))
	st := float64(a.win)*segmentLength.Seconds() + float64(a.taken)*per
	return heardWord{text: a.words[a.taken], start: st, end: st + per*0.85,
		conf: round3(0.5 + unitf(a.s.o.Seed, a.id, a.win*1000+a.taken, "conf")*0.3)}, true
}

// commit answers an explicit ElevenLabs commit: a committed transcript
// even when nothing new was heard (empty text), so a client can wait for
// the answer to its commit [UNCERTAIN].
func (a *audioSession) commit() {
	if len(a.pending) == 0 {
		a.send(elTranscript{MessageType: "committed_transcript", Text: ""})
		return
	}
	a.endTurn()
}

// endTurn finalises the pending words: ElevenLabs committed_transcript
// (and committed_transcript_with_timestamps with include_timestamps),
// AssemblyAI Turn with end_of_turn (and a formatted one with
// format_turns).
func (a *audioSession) endTurn() {
	if len(a.pending) == 0 {
		return
	}
	if a.provider == providerAssemblyAI {
		a.send(a.turnMessage(true, false))
		if a.formatTurns {
			a.send(a.turnMessage(true, true))
		}
		a.turn++
	} else {
		txt := a.text()
		a.send(elTranscript{MessageType: "committed_transcript", Text: txt})
		if a.timestamps {
			words := make([]elWord, len(a.pending))
			for i, w := range a.pending {
				words[i] = elWord{Text: w.text, Start: round3(w.start), End: round3(w.end), Type: "word",
					Logprob: round3(math.Log(w.conf))}
			}
			a.send(elTranscript{MessageType: "committed_transcript_with_timestamps", Text: txt,
				LanguageCode: a.language, Words: words})
		}
	}
	a.pending = a.pending[:0]
}

// turnMessage is an AssemblyAI Turn over the pending (final) words;
// partial adds the word in progress.
func (a *audioSession) turnMessage(end, formatted bool) aaiTurn {
	words := make([]aaiWord, len(a.pending))
	for i, w := range a.pending {
		words[i] = aaiWord{Start: int(w.start * 1000), End: int(w.end * 1000), Text: unformatted(w.text, formatted),
			Confidence: w.conf, WordIsFinal: true}
	}
	txt := unformatted(a.text(), formatted)
	t := aaiTurn{TurnOrder: a.turn, TurnIsFormatted: formatted, EndOfTurn: end, Transcript: txt,
		EndOfTurnConfidence: 0.02, Words: words, Type: "Turn"}
	if end {
		t.EndOfTurnConfidence = round3(0.7 + unitf(a.s.o.Seed, a.id, a.turn, "eot")*0.3)
		t.Utterance = txt
	}
	return t
}

// unformatted is AssemblyAI's raw text (lower case, no punctuation) unless
// the turn is the formatted one.
func unformatted(txt string, formatted bool) string {
	if formatted {
		return txt
	}
	return strings.ToLower(strings.Map(func(r rune) rune {
		if strings.ContainsRune(".,!?;:", r) {
			return -1
		}
		return r
	}, txt))
}

// terminate sends AssemblyAI's Termination.
func (a *audioSession) terminate() {
	a.send(aaiTermination{Type: "Termination", AudioDurationSeconds: int(math.Round(a.audio)),
		SessionDurationSeconds: int(math.Round(a.s.p.Clock.Now().Sub(a.started).Seconds()))})
}

// providerFinal is a provider's final transcript message for one 5-s
// segment of an audio stream (/audio-stream/start), as the vendor forwards
// the provider's messages to the webhook.
func providerFinal(provider, id string, index int, text string, offset float64) any {
	if provider == providerElevenLabs {
		return elTranscript{MessageType: "committed_transcript", Text: text}
	}
	fields := strings.Fields(text)
	words := make([]aaiWord, len(fields))
	per := segmentLength.Seconds() / float64(max(len(fields), 1))
	for i, w := range fields {
		st := offset + float64(i)*per
		words[i] = aaiWord{Start: int(st * 1000), End: int((st + per*0.85) * 1000), Text: w, Confidence: 0.9, WordIsFinal: true}
	}
	return aaiTurn{TurnOrder: index, EndOfTurn: true, Transcript: text, EndOfTurnConfidence: 0.9, Words: words,
		Utterance: text, Type: "Turn"}
}

// ElevenLabs Scribe realtime messages.
type elSessionStarted struct {
	MessageType string   `json:"message_type"`
	SessionID   string   `json:"session_id"`
	Config      elConfig `json:"config"`
}

type elConfig struct {
	SampleRate        int    `json:"sample_rate"`
	AudioFormat       string `json:"audio_format"`
	LanguageCode      string `json:"language_code"`
	ModelID           string `json:"model_id"`
	CommitStrategy    string `json:"commit_strategy"`
	EnableLogging     bool   `json:"enable_logging"`
	IncludeTimestamps bool   `json:"include_timestamps"`
}

type elTranscript struct {
	MessageType  string   `json:"message_type"`
	Text         string   `json:"text"`
	LanguageCode string   `json:"language_code,omitempty"`
	Words        []elWord `json:"words,omitempty"`
}

type elWord struct {
	Text    string  `json:"text"`
	Start   float64 `json:"start"`
	End     float64 `json:"end"`
	Type    string  `json:"type"`
	Logprob float64 `json:"logprob"`
}

type elError struct {
	MessageType string `json:"message_type"`
	Error       string `json:"error"`
}

// AssemblyAI Universal Streaming v3 messages.
type aaiBegin struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	ExpiresAt int64  `json:"expires_at"`
}

type aaiTurn struct {
	TurnOrder           int       `json:"turn_order"`
	TurnIsFormatted     bool      `json:"turn_is_formatted"`
	EndOfTurn           bool      `json:"end_of_turn"`
	Transcript          string    `json:"transcript"`
	EndOfTurnConfidence float64   `json:"end_of_turn_confidence"`
	Words               []aaiWord `json:"words"`
	Utterance           string    `json:"utterance"`
	Type                string    `json:"type"`
}

type aaiWord struct {
	Start       int     `json:"start"`
	End         int     `json:"end"`
	Text        string  `json:"text"`
	Confidence  float64 `json:"confidence"`
	WordIsFinal bool    `json:"word_is_final"`
}

type aaiTermination struct {
	Type                   string `json:"type"`
	AudioDurationSeconds   int    `json:"audio_duration_seconds"`
	SessionDurationSeconds int    `json:"session_duration_seconds"`
}
