package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestV2TasksSurviveKill9 runs the built mockserver on a data directory,
// starts async v2 tasks and kills the process with SIGKILL before any is
// due: after a restart on the same --data-dir each task's callback arrives
// once on a loopback receiver and the control plane lists the task as
// delivered. (The real clock runs: the tasks take the default task time,
// about 3 s.)
func TestV2TasksSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the mockserver binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("kill -9 semantics")
	}
	got := make(chan map[string]any, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		got <- m
	}))
	defer hook.Close()

	bin := buildMockserver(t)
	dir := t.TempDir()
	const key = "sk-task-kill9"
	p := startMockserver(t, bin, dir)
	req, _ := http.NewRequest(http.MethodPut, p.base+"/_mock/accounts/"+key+"/webhook",
		strings.NewReader(`{"url":"`+hook.URL+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("set webhook: %v %v", err, res)
	}
	video := p.upload(key, "talk.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 6, Audio: true}))
	p.waitSuccess(key, video)
	want := map[string]bool{}
	for _, c := range []struct{ path, body string }{
		{"/transcriptions/async-generate-audio", `{"asset_id":"` + video + `","speaker":true}`},
		{"/transcriptions/async-summary", `{"asset_id":"` + video + `"}`},
		{"/video/clip", `{"asset_id":"` + video + `"}`},
	} {
		st, raw, m := p.v2(http.MethodPost, c.path, key, "application/json", strings.NewReader(c.body))
		data, _ := m["data"].(map[string]any)
		id, _ := data["task_id"].(string)
		if st != http.StatusOK || id == "" {
			t.Fatalf("%s: HTTP %d %s", c.path, st, raw)
		}
		want[id] = true
	}
	p.kill9()

	q := startMockserver(t, bin, dir)
	deadline := time.After(60 * time.Second)
	for seen := map[string]bool{}; len(seen) < len(want); {
		select {
		case m := <-got:
			id, _ := m["task_id"].(string)
			if !want[id] || seen[id] {
				t.Fatalf("unexpected callback %v", m)
			}
			if m["message"] != "SUCCESS" || m["code"] != float64(200) {
				t.Fatalf("callback %v", m)
			}
			seen[id] = true
		case <-deadline:
			t.Fatalf("callbacks after kill -9: want %d tasks %v\n%s", len(want), want, q.out)
		}
	}
	// The control plane lists them, delivered (the status is written right
	// after the hand-off to the delivery engine).
	deadline2 := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(q.base + "/_mock/v2/tasks")
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Tasks []struct {
				ID     string `json:"task_id"`
				Status string `json:"status"`
			} `json:"tasks"`
		}
		_ = json.NewDecoder(res.Body).Decode(&list)
		res.Body.Close()
		delivered := 0
		for _, tk := range list.Tasks {
			if want[tk.ID] && tk.Status == "delivered" {
				delivered++
			}
		}
		if delivered == len(want) {
			return
		}
		if time.Now().After(deadline2) {
			t.Fatalf("tasks after kill -9: %+v", list.Tasks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
