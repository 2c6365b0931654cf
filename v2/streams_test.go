package v2

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/memharness/memharness/platform/callbackhosts"
	"github.com/memharness/memharness/platform/limits"
)

var dashedUUIDRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// nextHook advances the mock clock a second at a time until the receiver
// gets a callback.
func (ts *testSurface) nextHook(r *receiver) map[string]any {
	ts.t.Helper()
	var got map[string]any
	ts.advanceUntil(func() bool {
		select {
		case got = <-r.got:
			return true
		default:
			return false
		}
	})
	return got
}

// quiet reports whether r receives nothing while the clock moves by d.
func (ts *testSurface) quiet(r *receiver, d time.Duration) bool {
	ts.t.Helper()
	for range int(d / time.Second) {
		ts.clk.Advance(time.Second)
		time.Sleep(time.Millisecond)
	}
	select {
	case m := <-r.got:
		ts.t.Logf("unexpected callback %v", m)
		return false
	case <-time.After(200 * time.Millisecond):
		return true
	}
}

// expectStreamAnswer checks the stream envelope and returns data.
func expectStreamAnswer(t *testing.T, a answer, message string) map[string]any {
	t.Helper()
	if a.Status != http.StatusOK || a.Body["code"] != float64(200) || a.Body["message"] != "success" {
		t.Fatalf("answer %d %s", a.Status, a.Raw)
	}
	if _, ok := a.Body["msg"]; ok {
		t.Fatalf("stream answers use message, not msg: %s", a.Raw)
	}
	if _, ok := a.Body["success"]; ok {
		t.Fatalf("stream answers have no success/failed: %s", a.Raw)
	}
	d := a.data()
	if !dashedUUIDRe.MatchString(d["task_id"].(string)) || d["message"] != message {
		t.Fatalf("data %v", d)
	}
	return d
}

// TestStreamLifecycle starts each kind of v2 stream, receives its 5-s
// segment callbacks over mock time, stops it and receives the final status
// 14 callback, then nothing more; the ledger shows the pre-charge and one
// charge per further segment.
func TestStreamLifecycle(t *testing.T) {
	tests := []struct {
		name, start, stop string
		body              map[string]any
		started, stopped  string
		chargeOp          string
		perSegment        float64 // credits
		check             func(t *testing.T, data map[string]any)
	}{
		{name: "moderation and logos at fps 2", start: "/stream/start", stop: "/stream/stop",
			body:    map[string]any{"url": "rtmp://example.com/live/a", "enable_content_moderation": true, "enable_logo_detection": true, "fps": 2, "max_logos": 2},
			started: "Stream processing started successfully", stopped: "Stream stopped successfully",
			chargeOp: "v2_stream_start", perSegment: 2.0 / 3600 * 7.5 / 0.01,
			check: func(t *testing.T, d map[string]any) {
				cm := d["content_moderation"].(map[string]any)
				if _, ok := cm["categories"].(map[string]any)["violence"]; !ok || cm["description"] == "" {
					t.Fatalf("content_moderation %v", cm)
				}
				ld := d["logo_detection"].(map[string]any)
				if n := len(ld["logos"].([]any)); n > 2 {
					t.Fatalf("%d logos, max_logos 2", n)
				}
				if d["frames_analyzed"] != float64(10) {
					t.Fatalf("frames_analyzed %v", d["frames_analyzed"])
				}
			}},
		{name: "moderation only", start: "/stream/start", stop: "/stream/stop",
			body:    map[string]any{"url": "rtsp://cam.example.com/1", "enable_content_moderation": true},
			started: "Stream processing started successfully", stopped: "Stream stopped successfully",
			chargeOp: limits.OpV2StreamSingle, perSegment: 1.5 / 3600 * 5 / 0.01,
			check: func(t *testing.T, d map[string]any) {
				if _, ok := d["logo_detection"]; ok {
					t.Fatal("logo_detection without enable_logo_detection")
				}
			}},
		{name: "audio elevenlabs", start: "/audio-stream/start", stop: "/audio-stream/stop",
			body:    map[string]any{"audio_url": "https://example.com/live.m3u8", "provider": "elevenlabs"},
			started: "Audio stream transcription started", stopped: "Audio stream stopped successfully",
			chargeOp: "v2_audio_stream_start", perSegment: 0.39 / 3600 * 5 / 0.01,
			check: func(t *testing.T, d map[string]any) {
				tr := d["transcript"].(map[string]any)
				if tr["message_type"] != "committed_transcript" || tr["text"] == "" {
					t.Fatalf("transcript %v", tr)
				}
			}},
		{name: "audio assemblyai by default", start: "/audio-stream/start", stop: "/audio-stream/stop",
			body:    map[string]any{"audio_url": "rtmp://example.com/live/b"},
			started: "Audio stream transcription started", stopped: "Audio stream stopped successfully",
			chargeOp: limits.OpV2AudioStreamAssemblyAI, perSegment: 0.15 / 3600 * 5 / 0.01,
			check: func(t *testing.T, d map[string]any) {
				tr := d["transcript"].(map[string]any)
				if tr["type"] != "Turn" || tr["end_of_turn"] != true || len(tr["words"].([]any)) == 0 || d["provider"] != "assemblyai" {
					t.Fatalf("transcript %v", d)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestSurface(t, testOpts{credits: true})
			hook := newReceiver(t, 0)
			ts.p.Accounts.SetWebhook("sk-live", hook.srv.URL)
			t0 := ts.clk.Now()
			d := expectStreamAnswer(t, ts.json(http.MethodPost, tc.start, "sk-live", tc.body), tc.started)
			id := d["task_id"].(string)
			// Deliveries may overtake each other (several webhook workers).
			cbs := []map[string]any{ts.nextHook(hook), ts.nextHook(hook)}
			sort.Slice(cbs, func(i, j int) bool {
				return cbs[i]["data"].(map[string]any)["segment_index"].(float64) < cbs[j]["data"].(map[string]any)["segment_index"].(float64)
			})
			for i, cb := range cbs {
				if cb["code"] != "200" || cb["message"] != "SUCCESS" || cb["task_id"] != id {
					t.Fatalf("segment callback %v", cb)
				}
				data := cb["data"].(map[string]any)
				wantStart := streamTime(t0.Add(time.Duration(i) * segmentLength))
				if data["segment_index"] != float64(i) || data["status"] != float64(0) || data["segment_start_time"] != wantStart ||
					data["segment_end_time"] != streamTime(t0.Add(time.Duration(i+1)*segmentLength)) {
					t.Fatalf("segment %d: %v", i, data)
				}
				tc.check(t, data)
			}
			expectStreamAnswer(t, ts.json(http.MethodPost, tc.stop, "sk-live", map[string]any{"task_id": id}), tc.stopped)
			// A segment the clock produced while the test waited may
			// still be on its way; the final callback ends the stream.
			final := hook.wait(t)
			segments := 2
			for final["data"].(map[string]any)["status"] != float64(statusStreamStopped) {
				segments++
				final = hook.wait(t)
			}
			fd := final["data"].(map[string]any)
			if final["task_id"] != id || fd["message"] != "Stream stopped by user" || fd["transcript"] != nil ||
				fd["segment_index"].(float64) < 2 {
				t.Fatalf("final callback %v", final)
			}
			if ts.s.Running() != 0 || !ts.quiet(hook, 12*time.Second) {
				t.Fatal("the stream goes on after stop")
			}
			// Pre-charge of segment 0, then segments 1 and 2 before they ran.
			var n int
			for _, e := range ts.p.Ledger.Entries("sk-live") {
				if e.Operation == tc.chargeOp {
					n++
					if diff := e.Credits - tc.perSegment; diff > 1e-6 || diff < -1e-6 {
						t.Fatalf("segment charged %.6f credits, want %.6f", e.Credits, tc.perSegment)
					}
				}
			}
			if want := int(fd["segment_index"].(float64)) + 1; n != want || segments < 2 {
				t.Fatalf("%d segment charges, want %d (one per segment begun)", n, want)
			}
		})
	}
}

// TestStreamErrors covers the refusals of the v2 stream operations.
func TestStreamErrors(t *testing.T) {
	ts := newTestSurface(t, testOpts{opts: Options{MaxStreams: 2}})
	hook := newReceiver(t, 0)
	ts.p.Accounts.SetWebhook("sk-a", hook.srv.URL)
	ts.p.Accounts.SetWebhook("sk-b", hook.srv.URL)
	video := map[string]any{"url": "rtmp://example.com/live/x", "enable_content_moderation": true}
	tests := []struct {
		name, path, key string
		body            map[string]any
		status          int
		msg             string
	}{
		{name: "no key", path: "/stream/start", body: video, status: 401, msg: "Unauthorized"},
		{name: "no webhook", path: "/stream/start", key: "sk-nohook", body: video, status: 400, msg: "An async request requires at least one webhook."},
		{name: "missing url", path: "/stream/start", key: "sk-a", body: map[string]any{"fps": 1}, status: 400, msg: "url cannot be null or empty"},
		{name: "http source for video", path: "/stream/start", key: "sk-a", body: map[string]any{"url": "https://example.com/v.mp4"}, status: 400, msg: "Request has exceeded the limit."},
		{name: "fps out of range", path: "/stream/start", key: "sk-a", body: map[string]any{"url": "rtmp://e.com/l", "fps": 0}, status: 400, msg: "Request has exceeded the limit."},
		{name: "missing audio_url", path: "/audio-stream/start", key: "sk-a", body: map[string]any{"provider": "elevenlabs"}, status: 400, msg: "audio_url cannot be null or empty"},
		{name: "unknown provider", path: "/audio-stream/start", key: "sk-a", body: map[string]any{"audio_url": "rtmp://e.com/l", "provider": "deepgram"}, status: 400, msg: "Request has exceeded the limit."},
		{name: "stop unknown", path: "/stream/stop", key: "sk-a", body: map[string]any{"task_id": "550e8400-e29b-41d4-a716-446655440000"}, status: 400, msg: "Invalid task_id or task not found"},
		{name: "stop without task_id", path: "/audio-stream/stop", key: "sk-a", body: map[string]any{}, status: 400, msg: "task_id cannot be null or empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, ts.json(http.MethodPost, tc.path, tc.key, tc.body), tc.status, tc.msg)
		})
	}
	t.Run("foreign and wrong-kind task ids", func(t *testing.T) {
		id := expectStreamAnswer(t, ts.json(http.MethodPost, "/stream/start", "sk-a", video), "Stream processing started successfully")["task_id"]
		expectError(t, ts.json(http.MethodPost, "/stream/stop", "sk-b", map[string]any{"task_id": id}), 400, "Invalid task_id or task not found")
		expectError(t, ts.json(http.MethodPost, "/audio-stream/stop", "sk-a", map[string]any{"task_id": id}), 400, "Invalid task_id or task not found")
		expectStreamAnswer(t, ts.json(http.MethodPost, "/stream/stop", "sk-a", map[string]any{"task_id": id}), "Stream stopped successfully")
		expectError(t, ts.json(http.MethodPost, "/stream/stop", "sk-a", map[string]any{"task_id": id}), 400, "Invalid task_id or task not found")
	})
	t.Run("capacity status 16 across video and audio", func(t *testing.T) {
		a := expectStreamAnswer(t, ts.json(http.MethodPost, "/stream/start", "sk-a", video), "Stream processing started successfully")
		expectStreamAnswer(t, ts.json(http.MethodPost, "/audio-stream/start", "sk-a", map[string]any{"audio_url": "rtmp://e.com/a"}), "Audio stream transcription started")
		full := ts.json(http.MethodPost, "/audio-stream/start", "sk-a", map[string]any{"audio_url": "rtmp://e.com/b"})
		if full.Status != http.StatusTooManyRequests || full.Body["code"] != float64(16) || full.Body["data"] != nil ||
			!strings.HasPrefix(full.Body["message"].(string), "Capacity Reached") {
			t.Fatalf("at capacity: %d %s", full.Status, full.Raw)
		}
		// Another account has its own slots; a stop frees one at once.
		expectStreamAnswer(t, ts.json(http.MethodPost, "/stream/start", "sk-b", video), "Stream processing started successfully")
		expectStreamAnswer(t, ts.json(http.MethodPost, "/stream/stop", "sk-a", map[string]any{"task_id": a["task_id"]}), "Stream stopped successfully")
		expectStreamAnswer(t, ts.json(http.MethodPost, "/stream/start", "sk-a", video), "Stream processing started successfully")
		ts.s.stopAllStreams()
	})
	t.Run("streams off", func(t *testing.T) {
		off := newTestSurface(t, testOpts{opts: Options{StreamsOff: true}})
		off.p.Accounts.SetWebhook("sk-a", hook.srv.URL)
		expectError(t, off.json(http.MethodPost, "/stream/start", "sk-a", video), 403, "User not authorized for stream processing")
		expectError(t, off.json(http.MethodPost, "/audio-stream/stop", "sk-a", map[string]any{"task_id": "x"}), 403, "User not authorized for stream processing")
	})
}

// TestStreamBalanceExhaustion: a stream whose account runs dry ends by
// itself with a final status 14 callback and frees its slot; an empty
// account cannot start one (402).
func TestStreamBalanceExhaustion(t *testing.T) {
	ts := newTestSurface(t, testOpts{credits: true})
	hook := newReceiver(t, 0)
	ts.p.Accounts.SetWebhook("sk-poor", hook.srv.URL)
	seg, _ := limits.CostOf("v2_stream_start", limits.Quantity{MediaSeconds: 5})
	// Enough for the pre-charge and two more segments.
	ts.p.Ledger.SetBalance("sk-poor", seg.Credits*3+seg.Credits/2)
	body := map[string]any{"url": "rtmp://example.com/live/p", "enable_content_moderation": true, "enable_logo_detection": true}
	id := expectStreamAnswer(t, ts.json(http.MethodPost, "/stream/start", "sk-poor", body), "Stream processing started successfully")["task_id"]
	// The webhook engine delivers with several workers, so the final
	// callback may overtake the last segment's.
	var final map[string]any
	segments := 0
	for final == nil || segments < 3 {
		cb := ts.nextHook(hook)
		if cb["data"].(map[string]any)["status"] == float64(statusStreamStopped) {
			final = cb
		} else {
			segments++
		}
	}
	fd := final["data"].(map[string]any)
	if segments != 3 || final["task_id"] != id || fd["message"] != "Stream stopped: insufficient balance" || fd["segment_index"] != float64(3) {
		t.Fatalf("%d segments, final %v", segments, final)
	}
	if ts.s.Running() != 0 {
		t.Fatal("stream still running")
	}
	ts.p.Ledger.SetBalance("sk-poor", 0)
	expectError(t, ts.json(http.MethodPost, "/stream/start", "sk-poor", body), 402, "")
}

// TestStreamDeterministic: the same seed gives the same task ids and
// segment contents.
func TestStreamDeterministic(t *testing.T) {
	run := func() []byte {
		ts := newTestSurface(t, testOpts{})
		hook := newReceiver(t, 0)
		ts.p.Accounts.SetWebhook("sk-d", hook.srv.URL)
		ts.json(http.MethodPost, "/stream/start", "sk-d", map[string]any{"url": "rtmp://e.com/l", "enable_content_moderation": true, "enable_logo_detection": true})
		cb := ts.nextHook(hook)
		ts.s.stopAllStreams()
		b, _ := json.Marshal(cb)
		return b
	}
	if a, b := run(), run(); !bytes.Equal(a, b) {
		t.Fatalf("segment differs between runs:\n%s\n%s", a, b)
	}
}

// TestStreamHost covers stream.memories.ai: its own answer format, the
// per-request callback, the 4-task cap per key, stop and its errors.
func TestStreamHost(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	cb := newReceiver(t, 0)
	post := func(path, key string, body any) (int, map[string]any) {
		t.Helper()
		var buf bytes.Buffer
		if body != nil {
			_ = json.NewEncoder(&buf).Encode(body)
		}
		req := httptest.NewRequest(http.MethodPost, path, &buf)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", key)
		}
		rec := httptest.NewRecorder()
		ts.h.ServeHTTP(rec, req)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s: %q", path, rec.Body.String())
		}
		return rec.Code, m
	}
	start := map[string]any{"url": "rtmp://your.server:1935/live/stream", "user_prompt": "What stage is the cooking at?",
		"system_prompt": "Track the cooking progress.", "callback": cb.srv.URL, "thinking": false}
	st, m := post(StreamConnectPath, "sk-h", start)
	id, _ := m["task_id"].(string)
	if st != 200 || m["status"] != float64(0) || m["text"] != "" || !dashedUUIDRe.MatchString(id) || len(m) != 3 {
		t.Fatalf("start: %d %v", st, m)
	}
	seen := map[float64]bool{}
	for range 2 {
		got := ts.nextHook(cb)
		if got["status"] != float64(0) || got["task_id"] != id || !strings.Contains(strings.ToLower(got["text"].(string)), "cooking") {
			t.Fatalf("callback: %v", got)
		}
		seen[got["segment_index"].(float64)] = true
	}
	if !seen[0] || !seen[1] {
		t.Fatalf("segments %v, want 0 and 1", seen)
	}
	// Three more fit under the per-key cap of 4; the fifth is refused.
	var ids []string
	for range 3 {
		_, m := post(StreamConnectPath, "sk-h", start)
		ids = append(ids, m["task_id"].(string))
	}
	if st, m := post(StreamConnectPath, "sk-h", start); st != 429 || m["status"] != float64(16) {
		t.Fatalf("fifth task: %d %v", st, m)
	}
	if st, _ := post(StreamConnectPath, "sk-other", start); st != 200 {
		t.Fatalf("another key: %d", st)
	}
	if st, m := post("/v1/understand/stop/"+id, "sk-other", nil); st != 400 || m["status"] != float64(-1) {
		t.Fatalf("stop by another key: %d %v", st, m)
	}
	st, m = post("/v1/understand/stop/"+id, "sk-h", nil)
	if st != 200 || m["status"] != float64(14) || m["task_id"] != id || len(m) != 2 {
		t.Fatalf("stop: %d %v", st, m)
	}
	// The final callback follows (other tasks' segments may interleave).
	deadline := time.Now().Add(10 * time.Second)
	for found := false; !found; {
		select {
		case got := <-cb.got:
			found = got["task_id"] == id && got["status"] == float64(14)
		case <-time.After(time.Until(deadline)):
			t.Fatal("no final callback")
		}
	}
	if st, m := post("/v1/understand/stop/"+id, "sk-h", nil); st != 400 || m["status"] != float64(-1) || m["text"] != "Invalid request or task_id not found" {
		t.Fatalf("second stop: %d %v", st, m)
	}
	errs := []struct {
		name   string
		key    string
		body   map[string]any
		status int
		text   string
	}{
		{name: "no key", body: start, status: 401, text: "Unauthorized"},
		{name: "no callback", key: "sk-x", body: map[string]any{"url": "rtmp://e.com/l", "user_prompt": "p"}, status: 400, text: "callback cannot be null or empty"},
		{name: "no prompt", key: "sk-x", body: map[string]any{"url": "rtmp://e.com/l", "callback": cb.srv.URL}, status: 400, text: "user_prompt cannot be null or empty"},
		{name: "not rtmp", key: "sk-x", body: map[string]any{"url": "http://e.com/l", "user_prompt": "p", "callback": cb.srv.URL}, status: 400, text: "Invalid request"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			if st, m := post(StreamConnectPath, tc.key, tc.body); st != tc.status || m["status"] != float64(-1) || m["text"] != tc.text {
				t.Fatalf("%d %v", st, m)
			}
		})
	}
	ts.s.stopAllStreams()
	_ = ids
	off := newTestSurface(t, testOpts{opts: Options{StreamsOff: true}})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, StreamConnectPath, strings.NewReader(`{}`))
	req.Header.Set("Authorization", "sk-x")
	off.h.ServeHTTP(rec, req)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "User not authorized for stream processing") {
		t.Fatalf("streams off: %d %s", rec.Code, rec.Body)
	}
}

// TestStreamStopLeavesNoGoroutine: a stopped stream's goroutine is gone.
func TestStreamStopLeavesNoGoroutine(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	hook := newReceiver(t, 0)
	ts.p.Accounts.SetWebhook("sk-g", hook.srv.URL)
	base := goleak.IgnoreCurrent()
	for _, path := range []string{"/stream/start", "/audio-stream/start"} {
		body := map[string]any{"url": "rtmp://e.com/l", "audio_url": "rtmp://e.com/l"}
		id := ts.json(http.MethodPost, path, "sk-g", body).data()["task_id"]
		ts.nextHook(hook)
		stop := strings.Replace(path, "start", "stop", 1)
		if a := ts.json(http.MethodPost, stop, "sk-g", map[string]any{"task_id": id}); a.Status != 200 {
			t.Fatalf("stop: %s", a.Raw)
		}
		hook.wait(t)
	}
	// Keep-alive connections of the webhook engine to the receiver are
	// not the stream's.
	goleak.VerifyNone(t, base, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"), goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

// TestForgetAccountStopsStreams: forgetting an account stops its streams
// (and only its).
func TestForgetAccountStopsStreams(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	hook := newReceiver(t, 0)
	for _, key := range []string{"sk-gone", "sk-kept"} {
		ts.p.Accounts.SetWebhook(key, hook.srv.URL)
		expectStreamAnswer(t, ts.json(http.MethodPost, "/stream/start", key, map[string]any{"url": "rtmp://e.com/l"}), "Stream processing started successfully")
	}
	ts.s.ForgetAccount(ts.p.Accounts.Resolve("sk-gone"))
	if n := ts.s.Running(); n != 1 {
		t.Fatalf("%d streams running, want the other account's 1", n)
	}
	ts.s.stopAllStreams()
}

// TestStreamHostCallbackHosts: the understanding task's callback follows
// --callback-hosts (status -1, HTTP 400 outside it).
func TestStreamHostCallbackHosts(t *testing.T) {
	ts := newTestSurface(t, testOpts{opts: Options{CallbackHosts: callbackhosts.Loopback()}})
	rcv := newReceiver(t, 0)
	for _, tc := range []struct {
		name, callback string
		status         int
	}{
		{name: "outside the policy", callback: "https://hooks.example.com/x", status: http.StatusBadRequest},
		{name: "loopback", callback: rcv.srv.URL, status: http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"url":"rtmp://e.com/l","user_prompt":"p","callback":"` + tc.callback + `"}`
			req := httptest.NewRequest(http.MethodPost, StreamConnectPath, strings.NewReader(body))
			req.Header.Set("Authorization", "sk-cb")
			rec := httptest.NewRecorder()
			ts.h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
	}
	ts.s.stopAllStreams()
}
