package v2

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

// TestTaskOutputsMadeOnce: a split, edit or extract-frames task that dies
// after making its assets but before it is marked finished runs again on
// resume (its record still says running); the second run reuses the ids
// planned in the record and the assets already made, so the callback
// names the same assets and the library gains nothing.
func TestTaskOutputsMadeOnce(t *testing.T) {
	const key = "sk-outputs"
	for _, c := range []struct {
		name, path string
		body       func(video string) map[string]any
		planned    bool // the record gains planned ids
	}{
		{name: "split", path: "/video/split", planned: true,
			body: func(v string) map[string]any { return map[string]any{"asset_id": v} }},
		{name: "edit", path: "/video/edit", planned: true,
			body: func(v string) map[string]any {
				return map[string]any{"asset_ids": []any{v}, "orientation": "portrait", "user_prompt": "highlights"}
			}},
		{name: "frames", path: "/video/extract-frames",
			body: func(v string) map[string]any { return map[string]any{"asset_id": v} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := newTestSurface(t, testOpts{dir: t.TempDir()})
			ts.p.Accounts.SetWebhook(key, "http://127.0.0.1:9/hook")
			video := ts.ready(key, "beach_day.mp4", gopMP4())
			a := ts.json(http.MethodPost, c.path, key, c.body(video))
			id, _ := a.data()["task_id"].(string)
			if a.Status != http.StatusOK || id == "" {
				t.Fatalf("start: %d %s", a.Status, a.Raw)
			}
			record := func() taskRecord {
				var rec taskRecord
				_ = ts.st.EachRecord(recTask, func(rid string, raw []byte) bool {
					if rid == id {
						_ = json.Unmarshal(raw, &rec)
						return false
					}
					return true
				})
				if rec.Job == nil {
					t.Fatalf("task %s has no job in its record", id)
				}
				return rec
			}
			plan := func(j taskJob) error { return ts.s.tasks.plan(context.Background(), id, j) }
			library := func() map[string]string {
				out := map[string]string{}
				for _, a := range ts.s.Assets(ts.p.Accounts.Resolve(key)) {
					out[a.ID] = a.MediaKey
				}
				return out
			}
			// The clock is not advanced: the armed task waits, and the
			// test runs its job as the due task would, twice.
			first, err := ts.s.runJob(*record().Job, plan)
			if err != nil {
				t.Fatal(err)
			}
			made := library()
			rec := record()
			if rec.Status != "running" || (len(rec.Job.Planned) > 0) != c.planned {
				t.Fatalf("record after the first run: %+v %+v", rec.Task, rec.Job)
			}
			again, err := ts.s.runJob(*rec.Job, plan)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(first, again) {
				a, _ := json.Marshal(first)
				b, _ := json.Marshal(again)
				t.Fatalf("resumed run's callback data\n%s\nfirst run\n%s", b, a)
			}
			if got := library(); !reflect.DeepEqual(got, made) {
				t.Fatalf("library after the resumed run: %d assets %v, after the first %d %v", len(got), got, len(made), made)
			}
		})
	}
}
