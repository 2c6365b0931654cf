package v2

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	json "github.com/goccy/go-json"

	"github.com/memharness/memharness/platform"
	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
)

// streamHandlers are the live-stream operations of memories-v2.yaml.
func (s *Surface) streamHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"v2_stream_start":       s.hStreamStart,
		"v2_stream_stop":        s.hStreamStop,
		"v2_audio_stream_start": s.hAudioStreamStart,
		"v2_audio_stream_stop":  s.hAudioStreamStop,
	}
}

// Paths of the other stream hosts, mounted on the same engine.
const (
	// AudioWSPath is the real-time audio WebSocket (wss://mavi-backend…).
	AudioWSPath = "/serve/ws/v2/audio-stream"
	// StreamConnectPath and StreamStopPath are stream.memories.ai's
	// understanding stream; they do not collide with the v1 caption host's
	// /v1/understand/upload… paths.
	StreamConnectPath = "/v1/understand/streamConnect"
	StreamStopPath    = "/v1/understand/stop/:task_id"
)

// registerStreams mounts the stream host and the audio WebSocket.
func (s *Surface) registerStreams(e *gin.Engine) {
	e.POST(StreamConnectPath, s.streamConnect)
	e.POST(StreamStopPath, s.streamStop)
	e.GET(AudioWSPath, s.audioWS)
}

// errStreamsOff is the answer of an account without the stream feature
// ("Access Required: … contact us … to enable stream processing").
var errStreamsOff = &apierr.Error{Code: apierr.CodeForbidden, Msg: "User not authorized for stream processing"}

// errStreamTask is the answer for an unknown, foreign or finished task id.
var errStreamTask = &apierr.Error{Code: apierr.CodeBadParam, Msg: "Invalid task_id or task not found"}

// streamData is the stream answers' data, in the documented order.
type streamData struct {
	TaskID  string `json:"task_id"`
	Message string `json:"message"`
}

// streamEnvelope is the stream endpoints' own envelope: "message" instead
// of "msg" and no success/failed (V2_SURFACE §2).
type streamEnvelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// streamAnswer writes a stream endpoint's answer and tells the adapter so.
func streamAnswer(cl *call, status, code int, message string, data any) (any, error) {
	if code != http.StatusOK {
		cl.code = itoa(code)
	}
	writeJSON(cl.c, status, streamEnvelope{Code: code, Message: message, Data: data})
	return written, nil
}

// capacityAnswer is the documented "status code 16 (Capacity Reached)";
// how it is delivered is not documented [GAP]: HTTP 429 with code 16.
func (s *Surface) capacityAnswer(cl *call) (any, error) {
	return streamAnswer(cl, http.StatusTooManyRequests, statusStreamCapacity,
		"Capacity Reached: at most "+itoa(s.o.MaxStreams)+" concurrent streams per account", nil)
}

// dashedUUID renders a 32-hex task id as the stream pages' dashed UUID.
func dashedUUID(h string) string {
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// schemeIn reports whether raw is an absolute URL with one of schemes.
func schemeIn(raw string, schemes ...string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	for _, sc := range schemes {
		if strings.EqualFold(u.Scheme, sc) {
			return true
		}
	}
	return false
}

// intField returns a whole-number body field or def when absent.
func (cl *call) intField(name string, def int) int {
	if f, ok := cl.num(name); ok {
		return int(f)
	}
	return def
}

func (s *Surface) hStreamStart(cl *call) (any, error) {
	if s.o.StreamsOff {
		return nil, errStreamsOff
	}
	// "RTMP (Recommended), RTSP": other sources cannot be pulled.
	if !schemeIn(cl.str("url"), "rtmp", "rtmps", "rtsp", "rtsps") {
		return nil, errInvalid
	}
	hook := s.p.Accounts.Webhook(cl.account)
	if hook == "" {
		return nil, errNoWebhook
	}
	ls := &liveStream{id: dashedUUID(s.ids.task()), account: cl.account, key: cl.key, kind: streamVideo, hook: hook,
		started: s.p.Clock.Now(), moderation: cl.boolField("enable_content_moderation"),
		logos: cl.boolField("enable_logo_detection"), fps: cl.intField("fps", 1), maxLogos: cl.intField("max_logos", 5)}
	// duration × rate × (1 + (fps−1) × 0.5) / 3600: the fps factor is
	// folded into the seconds charged per segment.
	ls.chargeOp, ls.segQty = limits.OpV2StreamSingle, segmentLength.Seconds()*(1+float64(ls.fps-1)*0.5)
	if ls.moderation && ls.logos {
		ls.chargeOp = "v2_stream_start"
	}
	cl.charged = true
	if err := s.launch(ls); err != nil {
		if errors.Is(err, errStreamCapacity) {
			return s.capacityAnswer(cl)
		}
		return nil, err
	}
	return streamAnswer(cl, http.StatusOK, http.StatusOK, "success",
		streamData{TaskID: ls.id, Message: "Stream processing started successfully"})
}

func (s *Surface) hStreamStop(cl *call) (any, error) {
	return s.stopStream(cl, streamVideo, "Stream stopped successfully")
}

func (s *Surface) hAudioStreamStop(cl *call) (any, error) {
	return s.stopStream(cl, streamAudio, "Audio stream stopped successfully")
}

func (s *Surface) stopStream(cl *call, kind, msg string) (any, error) {
	if s.o.StreamsOff {
		return nil, errStreamsOff
	}
	ls, err := s.streams.find(cl.str("task_id"), kind, cl.account)
	if err != nil {
		return nil, errStreamTask
	}
	ls.stop()
	return streamAnswer(cl, http.StatusOK, http.StatusOK, "success", streamData{TaskID: ls.id, Message: msg})
}

// Audio providers of the stream endpoints and the WebSocket.
const (
	providerElevenLabs = "elevenlabs"
	providerAssemblyAI = "assemblyai"
)

func (s *Surface) hAudioStreamStart(cl *call) (any, error) {
	if s.o.StreamsOff {
		return nil, errStreamsOff
	}
	// RTMP/RTSP/HLS/HTTP sources (the vendor decodes them with FFmpeg).
	if !schemeIn(cl.str("audio_url"), "rtmp", "rtmps", "rtsp", "rtsps", "http", "https") {
		return nil, errInvalid
	}
	// The older page was AssemblyAI-only, so a request without provider
	// is AssemblyAI [GAP].
	provider := strings.ToLower(cl.str("provider"))
	if provider == "" {
		provider = providerAssemblyAI
	}
	op := "v2_audio_stream_start"
	switch provider {
	case providerElevenLabs:
	case providerAssemblyAI:
		op = limits.OpV2AudioStreamAssemblyAI
	default:
		return nil, errInvalid
	}
	hook := s.p.Accounts.Webhook(cl.account)
	if hook == "" {
		return nil, errNoWebhook
	}
	ls := &liveStream{id: dashedUUID(s.ids.task()), account: cl.account, key: cl.key, kind: streamAudio, hook: hook,
		started: s.p.Clock.Now(), provider: provider, chargeOp: op, segQty: segmentLength.Seconds()}
	cl.charged = true
	if err := s.launch(ls); err != nil {
		if errors.Is(err, errStreamCapacity) {
			return s.capacityAnswer(cl)
		}
		return nil, err
	}
	return streamAnswer(cl, http.StatusOK, http.StatusOK, "success",
		streamData{TaskID: ls.id, Message: "Audio stream transcription started"})
}

// --- stream.memories.ai (openapi/stream.yaml) ---

// hostAnswer is the stream host's answer: no envelope, an integer status
// (0 started, 14 stopped, 16 capacity, -1 invalid request, 5000 internal).
type hostAnswer struct {
	Status int    `json:"status"`
	TaskID string `json:"task_id"`
	Text   string `json:"text,omitempty"`
}

// streamHostCall is one request to the stream host, for the journal.
type streamHostCall struct {
	s    *Surface
	c    *gin.Context
	op   string
	key  string
	code string
}

func (s *Surface) hostCall(c *gin.Context, op string) *streamHostCall {
	return &streamHostCall{s: s, c: c, op: op}
}

// answer writes the host's answer and journals the request. Errors keep
// the HTTP status of their kind (400, 401, 402, 403, 429) [GAP: the page
// lists only the status values].
func (hc *streamHostCall) answer(httpStatus int, a hostAnswer) {
	hc.code = itoa(a.Status)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(a)
	hc.c.Data(httpStatus, "application/json", buf.Bytes())
	s := hc.s
	start := s.p.Clock.Now()
	s.p.Journal.Add(journal.Entry{Time: start, Surface: "stream", Method: hc.c.Request.Method,
		Path: hc.c.Request.URL.Path, OperationID: hc.op, APIKey: journal.Fingerprint(hc.key),
		Status: httpStatus, Code: hc.code,
		AnswerType: "application/json", Answer: bytes.TrimSpace(buf.Bytes())}) // buf is this call's own
}

// errHostInternal is the host's internal error (status 5000).
const errHostInternal = "Internal server error"

// guard applies X-Mock-Force, the configured faults and the rate limit
// (platform.Guard, as on every other surface) to a request of account
// naming task id (or ""), and answers in the host's format when they
// refuse it: false means the request is answered. A forced code keeps the
// HTTP status of its kind with status -1 (the host's refusal), a forced
// 500 or network failure is HTTP 500 with status 5000, reset drops the
// connection, and an injected latency waits on the mock clock first.
func (hc *streamHostCall) guard(account, id string) bool {
	s := hc.s
	v, err := s.p.Guard(hc.c.Request, account, hc.op, s.seq.Add(1))
	if err == nil {
		hc.c.Writer = platform.SlowBody(hc.c.Writer, v.SlowBodyBPS, s.p.Clock)
	}
	switch {
	case err != nil:
		hc.fail(http.StatusBadRequest, id, "Invalid request: "+err.Error())
	case v.Reset:
		hc.code = "reset"
		status := http.StatusBadGateway
		if hj, ok := hc.c.Writer.(http.Hijacker); ok {
			if conn, _, herr := hj.Hijack(); herr == nil {
				_ = conn.Close()
				status = 0
			}
		}
		if status != 0 {
			hc.c.Header("Connection", "close")
			hc.c.Status(status)
		}
		s.p.Journal.Add(journal.Entry{Time: s.p.Clock.Now(), Surface: "stream", Method: hc.c.Request.Method,
			Path: hc.c.Request.URL.Path, OperationID: hc.op, APIKey: journal.Fingerprint(hc.key),
			Status: status, Code: hc.code})
	case v.HTTP500, v.Network:
		hc.answer(http.StatusInternalServerError, hostAnswer{Status: 5000, TaskID: id, Text: errHostInternal})
	case v.Forced != "":
		st, msg := hostForced(v.Forced)
		if st == http.StatusInternalServerError {
			hc.answer(st, hostAnswer{Status: 5000, TaskID: id, Text: msg})
			break
		}
		hc.fail(st, id, msg)
	case v.Limited:
		hc.fail(http.StatusTooManyRequests, id, errLimit.Msg)
	default:
		return true
	}
	return false
}

// hostForced is the HTTP status and text of a forced code on the stream
// host: the same words as its own refusals.
func hostForced(code string) (int, string) {
	switch code {
	case apierr.CodeBadParam:
		return http.StatusBadRequest, "Invalid request"
	case apierr.CodeUnauthorized:
		return http.StatusUnauthorized, "Unauthorized"
	case apierr.CodeNoBalance:
		return http.StatusPaymentRequired, "Insufficient balance"
	case apierr.CodeForbidden:
		return http.StatusForbidden, errStreamsOff.Msg
	case apierr.CodeRateLimited:
		return http.StatusTooManyRequests, errLimit.Msg
	}
	st := apierr.Status(code)
	if st == http.StatusInternalServerError {
		return st, errHostInternal
	}
	return st, apierr.Seed000Message(code)
}

// fail answers an error with status -1 and its message in `text`.
func (hc *streamHostCall) fail(httpStatus int, id, msg string) {
	hc.answer(httpStatus, hostAnswer{Status: -1, TaskID: id, Text: msg})
}

// hostKey authenticates a stream-host request (raw key; Bearer tolerated).
func (s *Surface) hostKey(r *http.Request) (string, bool) {
	key := strings.TrimSpace(r.Header.Get("Authorization"))
	if len(key) > 7 && strings.EqualFold(key[:7], "bearer ") {
		key = strings.TrimSpace(key[7:])
	}
	return key, key != "" && s.keyAllowed(key)
}

// keyAllowed applies --api-keys (any non-empty key when none are set).
func (s *Surface) keyAllowed(key string) bool {
	if len(s.o.APIKeys) == 0 {
		return true
	}
	for _, k := range s.o.APIKeys {
		if k == key {
			return true
		}
	}
	return false
}

// connectRequest is streamConnect's body.
type connectRequest struct {
	URL          string `json:"url"`
	UserPrompt   string `json:"user_prompt"`
	SystemPrompt string `json:"system_prompt"`
	Callback     string `json:"callback"`
	Thinking     bool   `json:"thinking"`
}

func (s *Surface) streamConnect(c *gin.Context) {
	hc := s.hostCall(c, "stream_connect")
	key, ok := s.hostKey(c.Request)
	hc.key = key
	if !ok {
		hc.fail(http.StatusUnauthorized, "", "Unauthorized")
		return
	}
	account := s.p.Accounts.Resolve(key)
	if !hc.guard(account, "") {
		return
	}
	if s.o.StreamsOff {
		hc.fail(http.StatusForbidden, "", errStreamsOff.Msg)
		return
	}
	raw, err := io.ReadAll(io.LimitReader(c.Request.Body, maxJSONBytes+1))
	var req connectRequest
	if err != nil || len(raw) > maxJSONBytes || json.Unmarshal(raw, &req) != nil {
		hc.fail(http.StatusBadRequest, "", "Invalid request")
		return
	}
	for _, f := range []struct{ name, v string }{{"url", req.URL}, {"user_prompt", req.UserPrompt}, {"callback", req.Callback}} {
		if strings.TrimSpace(f.v) == "" {
			hc.fail(http.StatusBadRequest, "", f.name+" cannot be null or empty")
			return
		}
	}
	if !schemeIn(req.URL, "rtmp", "rtmps") || !schemeIn(req.Callback, "http", "https") {
		hc.fail(http.StatusBadRequest, "", "Invalid request")
		return
	}
	// The per-request callback follows --callback-hosts like v2's other
	// callback URLs.
	if err := s.checkHook(req.Callback); err != nil {
		hc.fail(http.StatusBadRequest, "", apierr.As(err).Msg)
		return
	}
	ls := &liveStream{id: dashedUUID(s.ids.task()), account: account, key: key, kind: streamUnderstand,
		hook: req.Callback, started: s.p.Clock.Now(), prompt: req.UserPrompt, system: req.SystemPrompt,
		chargeOp: limits.OpStreamUnderstand, segQty: segmentLength.Seconds()}
	switch err := s.launch(ls); {
	case errors.Is(err, errStreamCapacity):
		hc.answer(http.StatusTooManyRequests, hostAnswer{Status: statusStreamCapacity,
			Text: "Capacity reached: at most 4 concurrent streaming tasks per API key"})
	case err != nil:
		hc.fail(http.StatusPaymentRequired, "", "Insufficient balance")
	default:
		// `text` is always present (empty) in the start answer.
		hc.answerStarted(ls.id)
	}
}

// answerStarted writes the documented start answer, `text` included.
func (hc *streamHostCall) answerStarted(id string) {
	hc.code = "0"
	body := []byte(`{"status":0,"task_id":"` + id + `","text":""}` + "\n")
	hc.c.Data(http.StatusOK, "application/json", body)
	s := hc.s
	s.p.Journal.Add(journal.Entry{Time: s.p.Clock.Now(), Surface: "stream", Method: hc.c.Request.Method,
		Path: hc.c.Request.URL.Path, OperationID: hc.op, APIKey: journal.Fingerprint(hc.key),
		Status: http.StatusOK, Code: hc.code, AnswerType: "application/json", Answer: bytes.TrimSpace(body)})
}

func (s *Surface) streamStop(c *gin.Context) {
	hc := s.hostCall(c, "stream_stop")
	key, ok := s.hostKey(c.Request)
	hc.key = key
	id := c.Param("task_id")
	if !ok {
		hc.fail(http.StatusUnauthorized, id, "Unauthorized")
		return
	}
	if !hc.guard(s.p.Accounts.Resolve(key), id) {
		return
	}
	if s.o.StreamsOff {
		hc.fail(http.StatusForbidden, id, errStreamsOff.Msg)
		return
	}
	ls, err := s.streams.find(id, streamUnderstand, key)
	if err != nil {
		hc.fail(http.StatusBadRequest, id, "Invalid request or task_id not found")
		return
	}
	ls.stop()
	hc.answer(http.StatusOK, hostAnswer{Status: statusStreamStopped, TaskID: id})
}
