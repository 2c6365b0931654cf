package v2

import (
	"net/http"
	"reflect"
	"testing"
	"time"
)

// hookLog files stream callbacks by task id and segment (-1: the final
// status-14 callback).
type hookLog map[string]map[int]map[string]any

// segmentOf is a stream callback's task id and segment index (-1 final).
func segmentOf(m map[string]any) (string, int) {
	id, _ := m["task_id"].(string)
	body := m
	if d, ok := m["data"].(map[string]any); ok {
		body = d
	}
	if st, _ := body["status"].(float64); st == statusStreamStopped {
		return id, -1
	}
	i, _ := body["segment_index"].(float64)
	return id, int(i)
}

// collectStreams advances ts's clock until every id has the callback of
// segment index (-1: the final one), filing everything that arrives.
func (ts *testSurface) collectStreams(r *receiver, log hookLog, index int, ids ...string) {
	ts.t.Helper()
	have := func() bool {
		for {
			select {
			case m := <-r.got:
				id, i := segmentOf(m)
				if log[id] == nil {
					log[id] = map[int]map[string]any{}
				}
				if _, dup := log[id][i]; dup {
					ts.t.Errorf("segment %d of %s delivered twice", i, id)
				}
				log[id][i] = m
				continue
			default:
			}
			break
		}
		for _, id := range ids {
			if _, ok := log[id][index]; !ok {
				return false
			}
		}
		return true
	}
	ts.advanceUntil(have)
}

// startThreeStreams starts a moderation stream, an audio stream and a
// stream-host task whose callbacks all go to r.
func startThreeStreams(t *testing.T, ts *testSurface, key string, r *receiver) []string {
	t.Helper()
	ts.p.Accounts.SetWebhook(key, r.srv.URL)
	video := expectStreamAnswer(t, ts.json(http.MethodPost, "/stream/start", key, map[string]any{"url": "rtmp://e.com/live",
		"enable_content_moderation": true, "enable_logo_detection": true, "fps": 2}), "Stream processing started successfully")
	audio := expectStreamAnswer(t, ts.json(http.MethodPost, "/audio-stream/start", key, map[string]any{"audio_url": "rtmp://e.com/a",
		"provider": "elevenlabs"}), "Audio stream transcription started")
	st, m := ts.hostPost(t, StreamConnectPath, key, "", map[string]any{"url": "rtmp://e.com/l", "user_prompt": "What is cooking?",
		"callback": r.srv.URL})
	if st != http.StatusOK {
		t.Fatalf("streamConnect: %d %v", st, m)
	}
	return []string{video["task_id"].(string), audio["task_id"].(string), m["task_id"].(string)}
}

// closeLikeKill stops a surface without stopping its streams and closes
// its store under it, as a killed process leaves the data directory.
func closeLikeKill(ts *testSurface) {
	ts.s.Close()
	_ = ts.p.Close()
	_ = ts.st.Close()
}

// TestStreamsSurviveRestart: live streams running when the surface closes
// (each kind) are resumed when it reopens on the same data directory:
// their segments go on from the one in progress with the callbacks an
// uninterrupted run sends, they still count against the caps, stop still
// works and sends the final callback, and a stopped stream is not resumed
// by the next open.
func TestStreamsSurviveRestart(t *testing.T) {
	const key = "sk-live"
	// The reference: the same requests, no restart.
	ref := newTestSurface(t, testOpts{opts: Options{MaxStreams: 2}})
	refHook := newReceiver(t, 0)
	refIDs := startThreeStreams(t, ref, key, refHook)
	want := hookLog{}
	ref.collectStreams(refHook, want, 2, refIDs...)
	ref.s.stopAllStreams()

	dir := t.TempDir()
	first := newTestSurface(t, testOpts{dir: dir, opts: Options{MaxStreams: 2}})
	hook := newReceiver(t, 0)
	ids := startThreeStreams(t, first, key, hook)
	if !reflect.DeepEqual(ids, refIDs) {
		t.Fatalf("ids %v, reference %v", ids, refIDs)
	}
	got := hookLog{}
	first.collectStreams(hook, got, 0, ids...)
	closeLikeKill(first)

	second := newTestSurface(t, testOpts{dir: dir, clk: first.clk, opts: Options{MaxStreams: 2}})
	if n := second.s.Running(); n != 3 {
		t.Fatalf("%d streams running after reopening, want 3", n)
	}
	// The resumed v2 streams still hold the account's 2 slots.
	second.p.Accounts.SetWebhook(key, hook.srv.URL)
	if a := second.json(http.MethodPost, "/stream/start", key, map[string]any{"url": "rtmp://e.com/x"}); a.Status != http.StatusTooManyRequests || a.Body["code"] != float64(16) {
		t.Fatalf("start over the cap after reopening: %d %s", a.Status, a.Raw)
	}
	second.collectStreams(hook, got, 2, ids...)
	for _, id := range ids {
		for i := 0; i <= 2; i++ {
			if !reflect.DeepEqual(got[id][i], want[id][i]) {
				t.Fatalf("segment %d of %s:\n got %v\nwant %v", i, id, got[id][i], want[id][i])
			}
		}
	}
	// Stop each after the restart: the final callback, then nothing.
	for i, path := range []string{"/stream/stop", "/audio-stream/stop"} {
		if a := second.json(http.MethodPost, path, key, map[string]any{"task_id": ids[i]}); a.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, a.Status, a.Raw)
		}
	}
	if st, m := second.hostPost(t, "/v1/understand/stop/"+ids[2], key, "", nil); st != http.StatusOK || m["status"] != float64(14) {
		t.Fatalf("host stop after reopening: %d %v", st, m)
	}
	second.collectStreams(hook, got, -1, ids...)
	records := 0
	_ = second.st.EachRecord(recStream, func(string, []byte) bool { records++; return true })
	if n := second.s.Running(); n != 0 || records != 0 {
		t.Fatalf("after stopping: %d running, %d records", n, records)
	}
	closeLikeKill(second)
	third := newTestSurface(t, testOpts{dir: dir, clk: first.clk})
	if n := third.s.Running(); n != 0 {
		t.Fatalf("%d stopped streams resumed", n)
	}
}

// TestStreamResumeCatchesUpBounded: segments due while the mock was down
// arrive at once on reopening, at most maxCatchUp of them; older ones are
// skipped and not billed, and the indices keep counting time.
func TestStreamResumeCatchesUpBounded(t *testing.T) {
	const key = "sk-down"
	tests := []struct {
		name      string
		down      time.Duration
		wantFirst int // first segment index delivered after reopening
		wantLast  int // last one due at reopening
	}{
		{name: "short outage delivers every missed segment", down: 30 * time.Second, wantFirst: 0, wantLast: 5},
		{name: "long outage delivers the last maxCatchUp", down: time.Hour, wantFirst: 720 - maxCatchUp, wantLast: 719},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			first := newTestSurface(t, testOpts{dir: dir, credits: true})
			hook := newReceiver(t, 0)
			first.p.Accounts.SetWebhook(key, hook.srv.URL)
			id := expectStreamAnswer(t, first.json(http.MethodPost, "/audio-stream/start", key,
				map[string]any{"audio_url": "rtmp://e.com/a"}), "Audio stream transcription started")["task_id"].(string)
			closeLikeKill(first)
			first.clk.Advance(tc.down)
			second := newTestSurface(t, testOpts{dir: dir, clk: first.clk, credits: true})
			// Deliveries may overtake each other: compare as a set.
			seen := map[int]bool{}
			deadline := time.After(10 * time.Second)
			for len(seen) < tc.wantLast-tc.wantFirst+1 {
				select {
				case m := <-hook.got:
					gid, i := segmentOf(m)
					if gid != id || i < tc.wantFirst || i > tc.wantLast || seen[i] {
						t.Fatalf("callback of %s segment %d, want %s segments %d..%d once (seen %v)", gid, i, id, tc.wantFirst, tc.wantLast, seen)
					}
					seen[i] = true
				case <-deadline:
					t.Fatalf("segments %v, want %d..%d", seen, tc.wantFirst, tc.wantLast)
				}
			}
			select {
			case m := <-hook.got:
				t.Fatalf("a segment not due yet: %v", m)
			case <-time.After(50 * time.Millisecond):
			}
			// Billed after reopening: each delivered segment pays for the
			// next one (the one in progress was paid before the close);
			// skipped segments cost nothing.
			if n := len(second.p.Ledger.Entries(second.p.Accounts.Resolve(key))); n != len(seen) {
				t.Fatalf("%d charges after reopening, want %d", n, len(seen))
			}
			second.s.stopAllStreams()
		})
	}
}
