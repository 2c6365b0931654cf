package v2

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// taskCase is one async operation started for the restart tests.
type taskCase struct {
	name, path string
	body       func(video, audio string) map[string]any
	// stable: the callback data is the same whether or not the surface
	// restarted (operations that mint new assets when due are not: their
	// new ids follow the restarted id sequence).
	stable bool
}

var restartCases = []taskCase{
	{name: "whisper", path: "/transcriptions/async-generate-audio", stable: true,
		body: func(_, audio string) map[string]any { return map[string]any{"asset_id": audio, "speaker": true} }},
	{name: "speaker", path: "/transcriptions/async-generate-speaker", stable: true,
		body: func(_, audio string) map[string]any { return map[string]any{"asset_id": audio} }},
	{name: "multi-speaker", path: "/transcriptions/async-generate-multi-speaker", stable: true,
		body: func(video, _ string) map[string]any { return map[string]any{"asset_id": video} }},
	{name: "description", path: "/transcriptions/async-generate-video", stable: true,
		body: func(video, _ string) map[string]any {
			return map[string]any{"asset_id": video, "model": "gemini-2.5-flash"}
		}},
	{name: "summary", path: "/transcriptions/async-summary", stable: true,
		body: func(video, _ string) map[string]any { return map[string]any{"asset_id": video} }},
	{name: "mai", path: "/tiktok/video/mai/transcript", stable: true,
		body: func(string, string) map[string]any {
			return map[string]any{"video_url": "https://www.tiktok.com/@memories/video/7350000000000000001"}
		}},
	{name: "clip", path: "/video/clip", stable: true,
		body: func(video, _ string) map[string]any { return map[string]any{"asset_id": video} }},
	{name: "frames", path: "/video/extract-frames", stable: true,
		body: func(video, _ string) map[string]any { return map[string]any{"asset_id": video} }},
	{name: "split", path: "/video/split",
		body: func(video, _ string) map[string]any { return map[string]any{"asset_id": video} }},
	{name: "edit", path: "/video/edit",
		body: func(video, _ string) map[string]any {
			return map[string]any{"asset_ids": []any{video}, "orientation": "portrait", "user_prompt": "highlights"}
		}},
}

// startRestartCases uploads a video and an audio file and starts every
// case, returning the task ids by case name.
func startRestartCases(t *testing.T, ts *testSurface, key string) map[string]string {
	t.Helper()
	video := ts.ready(key, "beach_day.mp4", gopMP4())
	audio := ts.ready(key, "interview.mp3", mp3Seconds(20))
	ids := map[string]string{}
	for _, c := range restartCases {
		a := ts.json(http.MethodPost, c.path, key, c.body(video, audio))
		id, _ := a.data()["task_id"].(string)
		if a.Status != http.StatusOK || id == "" {
			t.Fatalf("%s: %d %s", c.name, a.Status, a.Raw)
		}
		ids[c.name] = id
	}
	return ids
}

// collect waits for n callbacks and returns them by task id.
func collect(t *testing.T, r *receiver, n int, advance func()) map[string]map[string]any {
	t.Helper()
	got := map[string]map[string]any{}
	deadline := time.After(20 * time.Second)
	for len(got) < n {
		advance()
		select {
		case m := <-r.got:
			id, _ := m["task_id"].(string)
			if _, dup := got[id]; dup {
				t.Fatalf("task %s called back twice", id)
			}
			got[id] = m
		case <-deadline:
			t.Fatalf("%d of %d callbacks arrived", len(got), n)
		case <-time.After(5 * time.Millisecond):
		}
	}
	return got
}

// TestTasksSurviveKill: async tasks accepted before the surface is closed
// without finishing them (as a kill leaves the data directory) are resumed
// when it is reopened on the same directory: each callback arrives once on
// a loopback receiver, with the data an uninterrupted run sends, and the
// task list answers for them before and after.
func TestTasksSurviveKill(t *testing.T) {
	const key = "sk-tasks"
	// The reference run: same seed, same requests, no restart.
	ref := newTestSurface(t, testOpts{})
	refHook := newReceiver(t, 0)
	ref.p.Accounts.SetWebhook(key, refHook.srv.URL)
	refIDs := startRestartCases(t, ref, key)
	want := collect(t, refHook, len(restartCases), func() { ref.clk.Advance(time.Second) })

	dir := t.TempDir()
	first := newTestSurface(t, testOpts{dir: dir})
	hook := newReceiver(t, 0)
	first.p.Accounts.SetWebhook(key, hook.srv.URL)
	ids := startRestartCases(t, first, key)
	for name, id := range ids {
		if id != refIDs[name] {
			t.Fatalf("%s: task id %s, reference %s", name, id, refIDs[name])
		}
	}
	// Kill-style: nothing is due yet; the surface stops with every task
	// running and the store is closed under it.
	first.s.Close()
	_ = first.p.Close()
	_ = first.st.Close()

	second := newTestSurface(t, testOpts{dir: dir, clk: first.clk})
	// The account webhook is not needed any more: each task kept its URL.
	listed := map[string]Task{}
	for _, tk := range second.s.Tasks() {
		listed[tk.ID] = tk
	}
	for name, id := range ids {
		if tk, ok := listed[id]; !ok || tk.Status != "running" || tk.Webhook != hook.srv.URL {
			t.Fatalf("%s: task %s after reopening: %+v (listed %v)", name, id, tk, ok)
		}
	}
	got := collect(t, hook, len(restartCases), func() { second.clk.Advance(time.Second) })
	for _, c := range restartCases {
		id := ids[c.name]
		cb, ok := got[id]
		if !ok {
			t.Fatalf("%s: no callback for %s", c.name, id)
		}
		if cb["code"] != float64(200) || cb["message"] != "SUCCESS" {
			t.Fatalf("%s: callback %v", c.name, cb)
		}
		if c.stable && !reflect.DeepEqual(cb, want[id]) {
			a, _ := json.Marshal(cb)
			b, _ := json.Marshal(want[id])
			t.Fatalf("%s: callback after restart\n%s\nreference\n%s", c.name, a, b)
		}
	}
	// The task list follows (finish is recorded right after the hand-off).
	second.advanceUntil(func() bool {
		for _, tk := range second.s.Tasks() {
			if tk.Status == "running" {
				return false
			}
		}
		return true
	})
	for _, tk := range second.s.Tasks() {
		if tk.Status != "delivered" || tk.Delivery == "" {
			t.Fatalf("task %s: %+v", tk.ID, tk)
		}
	}
	// Assets the split made after the restart are there.
	parts, _ := got[ids["split"]]["data"].(map[string]any)["splits"].([]any)
	if len(parts) == 0 {
		t.Fatalf("split callback: %v", got[ids["split"]])
	}
	part := parts[0].(map[string]any)["asset_id"].(string)
	if st := second.status(key, part); st != StatusSuccess {
		t.Fatalf("split part %s is %s", part, st)
	}
}

// TestTaskDueWhileDownRunsOnOpen: a task whose time passed while the
// surface was down runs as soon as it is reopened, with no clock advance.
func TestTaskDueWhileDownRunsOnOpen(t *testing.T) {
	const key = "sk-late"
	dir := t.TempDir()
	first := newTestSurface(t, testOpts{dir: dir})
	hook := newReceiver(t, 0)
	first.p.Accounts.SetWebhook(key, hook.srv.URL)
	audio := first.ready(key, "interview.mp3", mp3Seconds(20))
	id := first.json(http.MethodPost, "/transcriptions/async-generate-audio", key,
		map[string]any{"asset_id": audio}).data()["task_id"].(string)
	first.s.Close()
	_ = first.p.Close()
	_ = first.st.Close()
	first.clk.Advance(time.Hour)

	second := newTestSurface(t, testOpts{dir: dir, clk: first.clk})
	if cb := hook.wait(t); cb["task_id"] != id || cb["message"] != "SUCCESS" {
		t.Fatalf("callback %v", cb)
	}
	// A finished task is kept (listed after the next restart) without its
	// job, so it is never run again.
	second.advanceUntil(func() bool { return second.s.Tasks()[0].Status == "delivered" })
	var rec taskRecord
	_ = second.st.EachRecord(recTask, func(_ string, raw []byte) bool {
		_ = json.Unmarshal(raw, &rec)
		return false
	})
	if rec.Status != "delivered" || rec.Job != nil {
		t.Fatalf("record after delivery: %+v", rec)
	}
}

// TestTaskIDsNotReusedAfterRestart: the seeded id mint starts again after
// a restart; a new task never takes a persisted task's id.
func TestTaskIDsNotReusedAfterRestart(t *testing.T) {
	const key = "sk-ids"
	dir := t.TempDir()
	first := newTestSurface(t, testOpts{dir: dir})
	first.p.Accounts.SetWebhook(key, "http://127.0.0.1:9/hook")
	audio := first.ready(key, "interview.mp3", mp3Seconds(20))
	body := map[string]any{"asset_id": audio}
	id := first.json(http.MethodPost, "/transcriptions/async-generate-speaker", key, body).data()["task_id"].(string)
	first.s.Close()
	_ = first.p.Close()
	_ = first.st.Close()

	second := newTestSurface(t, testOpts{dir: dir, clk: first.clk})
	second.p.Accounts.SetWebhook(key, "http://127.0.0.1:9/hook")
	for range 3 {
		a := second.json(http.MethodPost, "/transcriptions/async-generate-speaker", key, body)
		if got := a.data()["task_id"]; got == id || a.Status != http.StatusOK {
			t.Fatalf("new task %v (%d), persisted %s", got, a.Status, id)
		}
	}
	if n := len(second.s.Tasks()); n != 4 {
		t.Fatalf("%d tasks listed, want 4", n)
	}
}

// TestScreenplayResumesWithoutAsking: a screenplay task accepted before a
// restart sends its callback after reopening even when no client asks
// about it first.
func TestScreenplayResumesWithoutAsking(t *testing.T) {
	dir := t.TempDir()
	first := newTestSurface(t, testOpts{dir: dir})
	r := newReceiver(t, 0)
	first.p.Accounts.SetWebhook("sk-a", r.srv.URL)
	video := first.ready("sk-a", "ep.mp4", gopMP4())
	id := first.json(http.MethodPost, "/screenplay/tasks", "sk-a", map[string]any{"mode": "short_drama",
		"episodes": map[string]any{"1": video}, "config": map[string]any{}}).data()["task_id"].(string)
	first.s.Close()
	_ = first.p.Close()
	_ = first.st.Close()

	second := newTestSurface(t, testOpts{dir: dir, clk: first.clk})
	second.advanceUntil(func() bool { return len(r.got) > 0 })
	if cb := r.wait(t); cb["task_id"] != id || cb["message"] != "SUCCESS" {
		t.Fatalf("callback after restart: %v", cb)
	}
	st := second.screenplayStatus(t, id)
	if st["status"] != "completed" {
		t.Fatalf("after restart: %v", st)
	}
	if dl := second.do(http.MethodGet, "/screenplay/tasks/"+id+"/download", "sk-a", "", nil); dl.Status != 200 ||
		dl.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download after restart: %d %s", dl.Status, dl.Header)
	}
}
