package v2

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/memharness/memharness/mock/media/mediatest"
)

var screenplayID = regexp.MustCompile(`^ros-sd-20260313-[0-9a-f]{8}$`)

func (ts *testSurface) screenplayStatus(t *testing.T, id string) map[string]any {
	t.Helper()
	a := ts.do(http.MethodGet, "/screenplay/tasks/"+id, "sk-a", "", nil)
	if a.Status != 200 {
		t.Fatalf("get %s: %d %s", id, a.Status, a.Raw)
	}
	ts.schema(t, "ScreenplayTask", a.data())
	return a.data()
}

func TestScreenplayLifecycleAndZip(t *testing.T) {
	ts, hook := agentFixture(t)
	one := ts.ready("sk-a", "pilot_kitchen.mp4", gopMP4())
	two := ts.ready("sk-a", "finale_rooftop.mp4", gopMP4())
	created := ts.json(http.MethodPost, "/screenplay/tasks", "sk-a", map[string]any{"mode": "short_drama",
		"episodes": map[string]any{"2": two, "1": one},
		"config": map[string]any{"language": "en", "use_face_recognition": true, "require_xlsx": true,
			"require_merge_xlsx": true, "concurrency": 1}})
	if created.Status != 200 {
		t.Fatalf("create: %d %s", created.Status, created.Raw)
	}
	d := created.data()
	ts.schema(t, "ScreenplayCreated", d)
	id := d["task_id"].(string)
	if !screenplayID.MatchString(id) || d["status"] != "pending" || d["total_duration_seconds"] != 24.0 ||
		d["created_at"] != "2026-03-13T10:02:00Z" {
		t.Fatalf("created %v", d)
	}
	if st := ts.screenplayStatus(t, id); st["status"] != "pending" || st["progress"] != nil {
		t.Fatalf("at once: %v", st)
	}
	expectError(t, ts.do(http.MethodGet, "/screenplay/tasks/"+id+"/download", "sk-a", "", nil), 400, "Task is not completed")
	// Task time 3 s pending, then one episode at a time (3 s + 12/30 s each).
	ts.clk.Advance(3 * time.Second)
	st := ts.screenplayStatus(t, id)
	if st["status"] != "running" || st["progress"].(map[string]any)["completed_episodes"] != 0.0 ||
		st["progress"].(map[string]any)["total_episodes"] != 2.0 {
		t.Fatalf("running: %v", st)
	}
	ts.clk.Advance(3500 * time.Millisecond)
	if p := ts.screenplayStatus(t, id)["progress"].(map[string]any); p["completed_episodes"] != 1.0 {
		t.Fatalf("progress after one episode: %v", p)
	}
	var cb map[string]any
	ts.advanceUntil(func() bool {
		select {
		case cb = <-hook.got:
			return true
		default:
			return false
		}
	})
	ts.schema(t, "ScreenplayCallback", cb)
	if cb["task_id"] != id || cb["message"] != "SUCCESS" || cb["data"].(map[string]any)["status"] != "completed" {
		t.Fatalf("callback %v", cb)
	}
	if st := ts.screenplayStatus(t, id); st["status"] != "completed" {
		t.Fatalf("after callback: %v", st)
	}

	dl := ts.do(http.MethodGet, "/screenplay/tasks/"+id+"/download", "sk-a", "", nil)
	if dl.Status != 200 || dl.Header.Get("Content-Type") != "application/zip" ||
		dl.Header.Get("Content-Disposition") != `attachment; filename="`+id+`.zip"` {
		t.Fatalf("download: %d %v", dl.Status, dl.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(dl.Raw), int64(len(dl.Raw)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		r, _ := f.Open()
		var b bytes.Buffer
		_, _ = b.ReadFrom(r)
		_ = r.Close()
		files[f.Name] = b.Bytes()
		names = append(names, f.Name)
	}
	sort.Strings(names)
	want := []string{"episode_1/storyboard.json", "episode_1/storyboard.xlsx", "episode_1/transcript.json",
		"episode_2/storyboard.json", "episode_2/storyboard.xlsx", "episode_2/transcript.json", "namelist.json", "screenplay.xlsx"}
	if len(names) != len(want) {
		t.Fatalf("zip holds %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("zip holds %v, want %v", names, want)
		}
	}
	// The storyboard is the episode's content model, shot by shot.
	var sb struct {
		AssetID string   `json:"asset_id"`
		Shots   []spShot `json:"shots"`
	}
	if err := json.Unmarshal(files["episode_1/storyboard.json"], &sb); err != nil {
		t.Fatal(err)
	}
	asset, _ := ts.s.assets.get("sk-a", one)
	v := ts.s.understand(chatSource{kind: KindVideo, id: one, name: asset.Filename, duration: asset.Duration, hasAudio: asset.HasAudio})
	if sb.AssetID != one || len(sb.Shots) != len(v.Visual) || sb.Shots[0].Desc != v.Visual[0].Text {
		t.Fatalf("storyboard %+v vs %d visual segments", sb, len(v.Visual))
	}
	var tr struct {
		Lines []spLine `json:"lines"`
	}
	_ = json.Unmarshal(files["episode_1/transcript.json"], &tr)
	if len(tr.Lines) != len(v.Audio) || (len(tr.Lines) > 0 && tr.Lines[0].Text != v.Audio[0].Text) {
		t.Fatalf("transcript %d lines, content model %d", len(tr.Lines), len(v.Audio))
	}
	var nl struct {
		Characters []spCharacter `json:"characters"`
	}
	_ = json.Unmarshal(files["namelist.json"], &nl)
	if len(tr.Lines) > 0 && (len(nl.Characters) == 0 || nl.Characters[0].Lines == 0) {
		t.Fatalf("name list %+v", nl)
	}
	x, err := excelize.OpenReader(bytes.NewReader(files["screenplay.xlsx"]))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, _ := x.GetRows("Episode 1")
	if sheets := x.GetSheetList(); len(sheets) != 3 || len(rows) != len(sb.Shots)+1 || rows[1][3] != sb.Shots[0].Desc {
		t.Fatalf("merged workbook: sheets %v, %d rows", x.GetSheetList(), len(rows))
	}
}

func TestScreenplayCancelAndFailure(t *testing.T) {
	ts, hook := agentFixture(t)
	one := ts.ready("sk-a", "ep1.mp4", gopMP4())
	two := ts.ready("sk-a", "ep2.mp4", gopMP4())
	body := map[string]any{"mode": "short_drama", "episodes": map[string]any{"1": one, "2": two}, "config": map[string]any{}}

	id := ts.json(http.MethodPost, "/screenplay/tasks", "sk-a", body).data()["task_id"].(string)
	c := ts.do(http.MethodPost, "/screenplay/tasks/"+id+"/cancel", "sk-a", "", nil)
	if c.Status != 200 || c.data()["status"] != "cancelled" {
		t.Fatalf("cancel: %d %s", c.Status, c.Raw)
	}
	expectError(t, ts.do(http.MethodPost, "/screenplay/tasks/"+id+"/cancel", "sk-a", "", nil), 400,
		"Task cannot be cancelled in status cancelled")
	ts.clk.Advance(time.Hour)
	if st := ts.screenplayStatus(t, id); st["status"] != "cancelled" {
		t.Fatalf("after an hour: %v", st)
	}
	expectError(t, ts.do(http.MethodGet, "/screenplay/tasks/"+id+"/download", "sk-a", "", nil), 400, "Task is not completed")

	// An episode deleted before the task ends fails it.
	id = ts.json(http.MethodPost, "/screenplay/tasks", "sk-a", body).data()["task_id"].(string)
	if a := ts.do(http.MethodDelete, "/"+two, "sk-a", "", nil); a.Status != 200 {
		t.Fatalf("delete: %s", a.Raw)
	}
	var cb map[string]any
	ts.advanceUntil(func() bool {
		select {
		case cb = <-hook.got:
			return true
		default:
			return false
		}
	})
	ts.schema(t, "ScreenplayCallback", cb)
	st := ts.screenplayStatus(t, id)
	if cb["message"] != "FAILED" || st["status"] != "failed" || st["error_code"] != "ASSET_NOT_FOUND" || st["error_message"] == "" {
		t.Fatalf("failed task: %v / %v", cb, st)
	}
	expectError(t, ts.do(http.MethodPost, "/screenplay/tasks/"+id+"/cancel", "sk-a", "", nil), 400,
		"Task cannot be cancelled in status failed")
}

func TestScreenplayErrors(t *testing.T) {
	ts, _ := agentFixture(t)
	video := ts.ready("sk-a", "ep.mp4", gopMP4())
	audio := ts.ready("sk-a", "ep.wav", wavBytes(16000, 3))
	long := ts.ready("sk-a", "long.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 301}))
	cfg := map[string]any{}
	cases := []struct {
		name string
		body map[string]any
		msg  string
	}{
		{name: "korean drama", body: map[string]any{"mode": "korean_drama", "episodes": map[string]any{"1": video}, "config": cfg},
			msg: "Mode korean_drama is coming soon"},
		{name: "prompt script", body: map[string]any{"mode": "prompt_script", "episodes": map[string]any{"1": video}, "config": cfg},
			msg: "Mode prompt_script is coming soon"},
		{name: "unknown mode", body: map[string]any{"mode": "sitcom", "episodes": map[string]any{"1": video}, "config": cfg},
			msg: "Request has exceeded the limit."},
		{name: "no episodes", body: map[string]any{"mode": "short_drama", "config": cfg}, msg: "episodes cannot be null or empty"},
		{name: "no config", body: map[string]any{"mode": "short_drama", "episodes": map[string]any{"1": video}},
			msg: "config cannot be null or empty"},
		{name: "episode key", body: map[string]any{"mode": "short_drama", "episodes": map[string]any{"one": video}, "config": cfg},
			msg: `Episode "one" is not a positive integer`},
		{name: "nothing required", body: map[string]any{"mode": "short_drama", "episodes": map[string]any{"1": video},
			"config": map[string]any{"require_json": false}},
			msg: "At least one of require_json, require_xlsx, require_merge_xlsx must be true"},
		{name: "invalid episodes", body: map[string]any{"mode": "short_drama", "config": cfg,
			"episodes": map[string]any{"1": video, "2": audio, "3": long, "4": "re_600000000000000001"}},
			msg: "Invalid episodes: 2 (asset " + audio + " is not a video), 3 (asset " + long +
				" is 301.0 s long; episodes must be shorter than 5 minutes), 4 (asset re_600000000000000001 not found)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, ts.json(http.MethodPost, "/screenplay/tasks", "sk-a", tc.body), 400, tc.msg)
		})
	}
	t.Run("unknown and foreign tasks", func(t *testing.T) {
		expectError(t, ts.do(http.MethodGet, "/screenplay/tasks/ros-sd-20260313-00000000", "sk-a", "", nil), 400, "Task not found")
		id := ts.json(http.MethodPost, "/screenplay/tasks", "sk-a", map[string]any{"mode": "short_drama",
			"episodes": map[string]any{"1": video}, "config": cfg}).data()["task_id"].(string)
		expectError(t, ts.do(http.MethodGet, "/screenplay/tasks/"+id, "sk-b", "", nil), 400, "Task not found")
	})
	t.Run("no webhook", func(t *testing.T) {
		ts.p.Accounts.SetWebhook("sk-a", "")
		expectError(t, ts.json(http.MethodPost, "/screenplay/tasks", "sk-a", map[string]any{"mode": "short_drama",
			"episodes": map[string]any{"1": video}, "config": cfg}), 400, "An async request requires at least one webhook.")
	})
}

func TestScreenplayChargesPerStartedMinute(t *testing.T) {
	ts := newTestSurface(t, testOpts{credits: true})
	hook := newReceiver(t, 0)
	ts.p.Accounts.SetWebhook("sk-a", hook.srv.URL)
	short := ts.ready("sk-a", "a.mp4", gopMP4())                                           // 12 s: 1 minute
	longer := ts.ready("sk-a", "b.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 61})) // 2 minutes
	account := ts.p.Accounts.Resolve("sk-a")
	ts.p.Ledger.SetBalance(account, 1000)
	a := ts.json(http.MethodPost, "/screenplay/tasks", "sk-a", map[string]any{"mode": "short_drama",
		"episodes": map[string]any{"1": short, "2": longer}, "config": map[string]any{}})
	if a.Status != 200 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	// A credit is $0.01: $1 per started minute of each episode is $3.
	if spent := 1000 - ts.p.Ledger.Balance(account); math.Abs(spent-300) > 1e-6 {
		t.Fatalf("charged %v credits, want 300 ($3)", spent)
	}
}

func TestScreenplaySurvivesRestart(t *testing.T) {
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
	second.p.Accounts.SetWebhook("sk-a", r.srv.URL)
	if st := second.screenplayStatus(t, id); st["status"] != "pending" {
		t.Fatalf("after restart: %v", st)
	}
	second.advanceUntil(func() bool { return len(r.got) > 0 })
	if cb := r.wait(t); cb["task_id"] != id {
		t.Fatalf("callback after restart: %v", cb)
	}
}

func TestScreenplayForgetAccountAndReset(t *testing.T) {
	ts, _ := agentFixture(t)
	video := ts.ready("sk-a", "ep.mp4", gopMP4())
	body := map[string]any{"mode": "short_drama", "episodes": map[string]any{"1": video}, "config": map[string]any{}}
	id := ts.json(http.MethodPost, "/screenplay/tasks", "sk-a", body).data()["task_id"].(string)
	ts.s.ForgetAccount(ts.p.Accounts.Resolve("sk-a"))
	expectError(t, ts.do(http.MethodGet, "/screenplay/tasks/"+id, "sk-a", "", nil), 400, "Task not found")
	n := 0
	_ = ts.st.EachRecord(recScreenplay, func(string, []byte) bool { n++; return true })
	if n != 0 {
		t.Fatalf("%d screenplay records left", n)
	}
}
