package v2

import (
	"net/http"
	"testing"
	"time"
)

// TestResetAndForgetStopTasks: a generic async task of an account that is
// forgotten, or of any account on a reset, stops: when its time comes it
// sends no callback and writes no record back, and the task list no
// longer shows it; another account's task is untouched by a forget.
func TestResetAndForgetStopTasks(t *testing.T) {
	for _, c := range []struct {
		name string
		drop func(ts *testSurface)
		// kept: whether account b's task still runs and calls back.
		kept bool
	}{
		{name: "forget", drop: func(ts *testSurface) { ts.s.ForgetAccount(ts.p.Accounts.Resolve("sk-a")) }, kept: true},
		// The store is reset by its owner first, as mock.Server.Reset does.
		{name: "reset", drop: func(ts *testSurface) { _ = ts.st.Reset(); ts.s.Reset() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestSurface(t, testOpts{dir: t.TempDir()})
			hookA, hookB := newReceiver(t, 0), newReceiver(t, 0)
			ts.p.Accounts.SetWebhook("sk-a", hookA.srv.URL)
			ts.p.Accounts.SetWebhook("sk-b", hookB.srv.URL)
			// Both uploads are ready before either task starts (ready
			// advances the clock).
			audio := map[string]string{}
			for _, key := range []string{"sk-a", "sk-b"} {
				audio[key] = ts.ready(key, "interview.mp3", mp3Seconds(20))
			}
			start := func(key string) string {
				a := ts.json(http.MethodPost, "/transcriptions/async-generate-speaker", key, map[string]any{"asset_id": audio[key]})
				id, _ := a.data()["task_id"].(string)
				if a.Status != http.StatusOK || id == "" {
					t.Fatalf("start: %d %s", a.Status, a.Raw)
				}
				return id
			}
			idA, idB := start("sk-a"), start("sk-b")
			for _, tk := range ts.s.Tasks() {
				if tk.Status != "running" {
					t.Fatalf("setup: task %+v already ended", tk)
				}
			}
			c.drop(ts)
			if c.kept {
				if cb := collect(t, hookB, 1, func() { ts.clk.Advance(time.Second) }); cb[idB] == nil {
					t.Fatalf("b's callback: %v", cb)
				}
			} else {
				ts.clk.Advance(time.Hour)
			}
			// Close waits for every task goroutine: what they did is done.
			ts.s.Close()
			for _, tk := range ts.s.Tasks() {
				if tk.ID == idA || (!c.kept && tk.ID == idB) {
					t.Fatalf("task %s still listed: %+v", tk.ID, tk)
				}
			}
			for _, d := range ts.p.Webhooks.Snapshot() {
				if d.Account == ts.p.Accounts.Resolve("sk-a") || !c.kept {
					t.Fatalf("a dropped task handed over a callback: %+v", d)
				}
			}
			_ = ts.st.EachRecord(recTask, func(id string, _ []byte) bool {
				if id == idA || (!c.kept && id == idB) {
					t.Errorf("record of dropped task %s written back", id)
				}
				return true
			})
		})
	}
}
