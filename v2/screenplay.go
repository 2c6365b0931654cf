package v2

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/webhook"
)

// Screenplay task statuses (V2_SURFACE §3).
const (
	spPending   = "pending"
	spRunning   = "running"
	spCompleted = "completed"
	spFailed    = "failed"
	spCancelled = "cancelled"
)

// maxEpisodeSeconds: every episode must be shorter than 5 minutes.
const maxEpisodeSeconds = 300

const recScreenplay = "v2-screenplay"

var (
	errTaskNotFound = &apierr.Error{Code: apierr.CodeBadParam, Msg: "Task not found"}
	errNotCompleted = &apierr.Error{Code: apierr.CodeBadParam, Msg: "Task is not completed"}
)

// screenplayTask is one screenplay task. Its status is a function of the
// clock (pending until RunAt, running until the last episode's Finish),
// settled once into Final when it ends.
type screenplayTask struct {
	ID        string      `json:"task_id"`
	Account   string      `json:"account"`
	Mode      string      `json:"mode"`
	Created   time.Time   `json:"created"`
	RunAt     time.Time   `json:"run_at"`
	Episodes  []spEpisode `json:"episodes"`
	Config    spConfig    `json:"config"`
	Total     float64     `json:"total_duration_seconds"`
	Webhook   string      `json:"webhook"`
	Cancelled time.Time   `json:"cancelled,omitzero"`
	Final     string      `json:"final,omitempty"` // completed or failed once settled
	ErrCode   string      `json:"error_code,omitempty"`
	ErrMsg    string      `json:"error_message,omitempty"`
	Delivered bool        `json:"delivered,omitempty"`

	once   sync.Once
	stopCh chan struct{}
}

// spEpisode is one episode and when its processing ends.
type spEpisode struct {
	No       int       `json:"no"`
	AssetID  string    `json:"asset_id"`
	Name     string    `json:"name"`
	Duration float64   `json:"duration"`
	HasAudio bool      `json:"has_audio"`
	Finish   time.Time `json:"finish"`
}

// spConfig is the task's config object.
type spConfig struct {
	Language        string `json:"language"`
	FaceRecognition bool   `json:"use_face_recognition"`
	Subtitle        bool   `json:"use_subtitle"`
	JSON            bool   `json:"require_json"`
	XLSX            bool   `json:"require_xlsx"`
	MergeXLSX       bool   `json:"require_merge_xlsx"`
	Concurrency     int    `json:"concurrency"`
}

func (t *screenplayTask) stop() {
	t.once.Do(func() {
		if t.stopCh != nil {
			close(t.stopCh)
		}
	})
}

// end is when the last episode is done.
func (t *screenplayTask) end() time.Time {
	e := t.RunAt
	for _, ep := range t.Episodes {
		if ep.Finish.After(e) {
			e = ep.Finish
		}
	}
	return e
}

// status is the task's status at now before settling: a task past its end
// is completed or failed once settle has run.
func (t *screenplayTask) status(now time.Time) string {
	switch {
	case !t.Cancelled.IsZero():
		return spCancelled
	case t.Final != "":
		return t.Final
	case now.Before(t.RunAt):
		return spPending
	case now.Before(t.end()):
		return spRunning
	}
	return "" // due: settle decides
}

// view is the GET answer, in the doc's member order.
func (t *screenplayTask) view(now time.Time) obj {
	st := t.status(now)
	m := obj{{"task_id", t.ID}, {"status", st}, {"mode", t.Mode}, {"created_at", t.Created.UTC().Format(time.RFC3339)}}
	switch st {
	case spRunning:
		done := 0
		for _, ep := range t.Episodes {
			if !now.Before(ep.Finish) {
				done++
			}
		}
		m = append(m, kv{"progress", obj{{"total_episodes", len(t.Episodes)}, {"completed_episodes", done}}})
	case spFailed:
		m = append(m, kv{"error_code", t.ErrCode}, kv{"error_message", t.ErrMsg})
	}
	return m
}

// screenplays returns the task table, loading persisted tasks on first use
// (and re-arming their pending webhooks).
func (s *Surface) screenplays() map[string]*screenplayTask {
	a := &s.agents
	a.spMu.Lock()
	defer a.spMu.Unlock()
	if a.spLoaded {
		return a.screenplays
	}
	a.spLoaded = true
	a.screenplays = map[string]*screenplayTask{}
	_ = s.o.Store.EachRecord(recScreenplay, func(id string, raw []byte) bool {
		var t screenplayTask
		if json.Unmarshal(raw, &t) == nil {
			a.screenplays[id] = &t
		}
		return true
	})
	for _, t := range a.screenplays {
		if !t.Delivered && t.Cancelled.IsZero() {
			s.armScreenplay(t)
		}
	}
	return a.screenplays
}

// forgetScreenplays removes an account's screenplay tasks and their
// records, stopping their pending webhooks.
func (s *Surface) forgetScreenplays(account string) {
	tasks := s.screenplays()
	s.agents.spMu.Lock()
	defer s.agents.spMu.Unlock()
	for id, t := range tasks {
		if t.Account == account {
			t.stop()
			_ = s.o.Store.DeleteRecord(recScreenplay, id)
			delete(tasks, id)
		}
	}
}

// screenplayTaskOf returns the caller's task or the 400.
func (s *Surface) screenplayTaskOf(cl *call) (*screenplayTask, error) {
	tasks := s.screenplays()
	s.agents.spMu.Lock()
	defer s.agents.spMu.Unlock()
	t, ok := tasks[cl.params["task_id"]]
	if !ok || t.Account != cl.account {
		return nil, errTaskNotFound
	}
	return t, nil
}

// persist writes t (under spMu).
func (s *Surface) persistScreenplay(t *screenplayTask) error {
	raw, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.o.Store.PutRecord(recScreenplay, t.ID, raw)
}

// settle decides a due task once: completed, or failed when an episode's
// asset was deleted before the task finished (under spMu).
func (s *Surface) settleScreenplay(t *screenplayTask, now time.Time) {
	if t.status(now) != "" {
		return
	}
	t.Final = spCompleted
	for _, ep := range t.Episodes {
		if _, err := s.assets.get(t.Account, ep.AssetID); err != nil {
			t.Final, t.ErrCode = spFailed, "ASSET_NOT_FOUND"
			t.ErrMsg = fmt.Sprintf("episode %d: asset %s no longer exists", ep.No, ep.AssetID)
			break
		}
	}
	_ = s.persistScreenplay(t)
}

// armScreenplay waits for t's end on the clock, settles it and sends the
// webhook (not after a cancel or reset).
func (s *Surface) armScreenplay(t *screenplayTask) {
	t.stopCh = make(chan struct{})
	stop := t.stopCh
	end := t.end()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if end.After(s.p.Clock.Now()) {
			select {
			case <-clock.Until(s.p.Clock, end):
			case <-stop:
				return
			case <-s.ctx.Done():
				return
			}
		}
		a := &s.agents
		a.spMu.Lock()
		select {
		case <-stop:
			a.spMu.Unlock()
			return
		default:
		}
		now := s.p.Clock.Now()
		s.settleScreenplay(t, now)
		if t.status(now) == spCancelled || t.Delivered {
			a.spMu.Unlock()
			return
		}
		data := t.view(now)
		failed := t.Final == spFailed
		t.Delivered = true
		_ = s.persistScreenplay(t)
		a.spMu.Unlock()
		msg, code := "SUCCESS", http.StatusOK
		if failed {
			msg, code = "FAILED", http.StatusInternalServerError
		}
		s.p.Webhooks.EnqueueFor(webhook.Target{Surface: "v2", Account: t.Account}, t.Webhook,
			map[string]any{"code": s.hookCode(code), "message": msg, "data": data, "task_id": t.ID})
	}()
}

// spModes are the documented modes; only short_drama runs.
var spModes = map[string]bool{"short_drama": true, "korean_drama": false, "prompt_script": false}

// hScreenplayCreate is POST /screenplay/tasks.
func (s *Surface) hScreenplayCreate(cl *call) (any, error) {
	mode := cl.str("mode")
	if run, ok := spModes[mode]; !ok {
		return nil, errInvalid
	} else if !run {
		return nil, apierr.New(apierr.CodeBadParam, "Mode %s is coming soon", mode)
	}
	rawEp, _ := cl.body["episodes"].(map[string]any)
	if len(rawEp) == 0 {
		return nil, missing("episodes")
	}
	cfg := spConfig{JSON: true, Concurrency: 100}
	c, _ := cl.body["config"].(map[string]any)
	if v, ok := c["language"].(string); ok {
		cfg.Language = v
	}
	flag := func(name string, dst *bool) {
		if v, ok := c[name].(bool); ok {
			*dst = v
		}
	}
	flag("use_face_recognition", &cfg.FaceRecognition)
	flag("use_subtitle", &cfg.Subtitle)
	flag("require_json", &cfg.JSON)
	flag("require_xlsx", &cfg.XLSX)
	flag("require_merge_xlsx", &cfg.MergeXLSX)
	if v, ok := c["concurrency"].(float64); ok && v > 0 && v == math.Trunc(v) {
		cfg.Concurrency = int(v)
	}
	if !cfg.JSON && !cfg.XLSX && !cfg.MergeXLSX {
		return nil, apierr.New(apierr.CodeBadParam, "At least one of require_json, require_xlsx, require_merge_xlsx must be true")
	}
	hook := s.p.Accounts.Webhook(cl.account)
	if hook == "" {
		return nil, errNoWebhook
	}
	now := s.p.Clock.Now()
	var eps []spEpisode
	var bad []string
	for k, v := range rawEp {
		no, err := strconv.Atoi(k)
		if err != nil || no <= 0 {
			return nil, apierr.New(apierr.CodeBadParam, "Episode %q is not a positive integer", k)
		}
		id, _ := v.(string)
		a, err := s.assets.get(cl.account, strings.TrimSpace(id))
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("%d (asset %s not found)", no, id))
		case a.Status(now) != StatusSuccess:
			bad = append(bad, fmt.Sprintf("%d (asset %s is %s)", no, id, a.Status(now)))
		case a.Kind != KindVideo:
			bad = append(bad, fmt.Sprintf("%d (asset %s is not a video)", no, id))
		case a.Duration >= maxEpisodeSeconds:
			bad = append(bad, fmt.Sprintf("%d (asset %s is %.1f s long; episodes must be shorter than 5 minutes)", no, id, a.Duration))
		default:
			eps = append(eps, spEpisode{No: no, AssetID: a.ID, Name: a.Filename, Duration: a.Duration, HasAudio: a.HasAudio})
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return nil, apierr.New(apierr.CodeBadParam, "Invalid episodes: %s", strings.Join(bad, ", "))
	}
	sort.Slice(eps, func(i, j int) bool { return eps[i].No < eps[j].No })
	t := &screenplayTask{ID: "ros-sd-" + now.UTC().Format("20060102") + "-" + s.ids.token()[:8], Account: cl.account,
		Mode: mode, Created: now, RunAt: now.Add(s.o.TaskTime), Episodes: eps, Config: cfg, Webhook: hook}
	// Episodes are processed up to `concurrency` at a time, in order: each
	// takes the task time plus a thirtieth of its duration.
	workers := make([]time.Time, min(cfg.Concurrency, len(eps)))
	for i := range workers {
		workers[i] = t.RunAt
	}
	minutes := 0.0
	for i := range t.Episodes {
		ep := &t.Episodes[i]
		w := 0
		for k := range workers {
			if workers[k].Before(workers[w]) {
				w = k
			}
		}
		ep.Finish = workers[w].Add(s.taskAfter(ep.Duration))
		workers[w] = ep.Finish
		t.Total += ep.Duration
		// $1.00 per minute, rounded up per episode.
		minutes += math.Max(1, math.Ceil(ep.Duration/60))
	}
	t.Total = math.Round(t.Total*10) / 10
	tasks := s.screenplays()
	s.agents.spMu.Lock()
	if err := s.persistScreenplay(t); err != nil {
		s.agents.spMu.Unlock()
		return nil, err
	}
	tasks[t.ID] = t
	s.armScreenplay(t)
	s.agents.spMu.Unlock()
	cl.usage.MediaSeconds = minutes * 60
	return obj{{"task_id", t.ID}, {"status", spPending}, {"mode", t.Mode},
		{"created_at", t.Created.UTC().Format(time.RFC3339)}, {"total_duration_seconds", t.Total}}, nil
}

// hScreenplayGet is GET /screenplay/tasks/{task_id}.
func (s *Surface) hScreenplayGet(cl *call) (any, error) {
	t, err := s.screenplayTaskOf(cl)
	if err != nil {
		return nil, err
	}
	s.agents.spMu.Lock()
	defer s.agents.spMu.Unlock()
	now := s.p.Clock.Now()
	s.settleScreenplay(t, now)
	return t.view(now), nil
}

// hScreenplayCancel is POST /screenplay/tasks/{task_id}/cancel.
func (s *Surface) hScreenplayCancel(cl *call) (any, error) {
	t, err := s.screenplayTaskOf(cl)
	if err != nil {
		return nil, err
	}
	s.agents.spMu.Lock()
	defer s.agents.spMu.Unlock()
	now := s.p.Clock.Now()
	s.settleScreenplay(t, now)
	if st := t.status(now); st != spPending && st != spRunning {
		return nil, apierr.New(apierr.CodeBadParam, "Task cannot be cancelled in status %s", st)
	}
	t.Cancelled = now
	t.stop()
	if err := s.persistScreenplay(t); err != nil {
		return nil, err
	}
	return t.view(now), nil
}

// hScreenplayDownload is GET /screenplay/tasks/{task_id}/download.
func (s *Surface) hScreenplayDownload(cl *call) (any, error) {
	t, err := s.screenplayTaskOf(cl)
	if err != nil {
		return nil, err
	}
	s.agents.spMu.Lock()
	now := s.p.Clock.Now()
	s.settleScreenplay(t, now)
	st := t.status(now)
	s.agents.spMu.Unlock()
	if st != spCompleted {
		return nil, errNotCompleted
	}
	body, raw, err := s.screenplayZip(t)
	if err != nil {
		return nil, err
	}
	cl.chargeOp, cl.usage.Bytes = "v2_download", raw
	w := cl.c.Writer
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.zip"`, t.ID))
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return written, nil
}

// Storyboard and transcript rows of one episode.
type spShot struct {
	Shot       int      `json:"shot"`
	Start      float64  `json:"start_time"`
	End        float64  `json:"end_time"`
	Desc       string   `json:"description"`
	Characters []string `json:"characters"`
	Dialogue   []string `json:"dialogue"`
}

type spLine struct {
	Index   int     `json:"index"`
	Start   float64 `json:"start_time"`
	End     float64 `json:"end_time"`
	Speaker string  `json:"speaker"`
	Text    string  `json:"text"`
}

type spCharacter struct {
	Name      string `json:"name"`
	SpeakerID string `json:"speaker_id"`
	Episodes  []int  `json:"episodes"`
	Lines     int    `json:"lines"`
}

// characterName names a speaker of the drama: the same speaker label is
// the same character in every episode. With face recognition the mock
// gives people's names, otherwise "Character N".
func (s *Surface) characterName(t *screenplayTask, speaker string) string {
	n, _ := strconv.Atoi(strings.TrimPrefix(speaker, "SPEAKER_"))
	if !t.Config.FaceRecognition {
		return fmt.Sprintf("Character %d", n+1)
	}
	off := int(hash64(s.o.Seed, "screenplay-cast") % uint64(len(personNames)))
	return personNames[(off+n)%len(personNames)]
}

// screenplayZip builds the results zip and returns it with the files'
// uncompressed size.
func (s *Surface) screenplayZip(t *screenplayTask) ([]byte, int64, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var raw int64
	add := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: t.end().UTC()})
		if err != nil {
			return err
		}
		raw += int64(len(data))
		_, err = w.Write(data)
		return err
	}
	chars := map[string]*spCharacter{}
	merged := excelize.NewFile()
	defer func() { _ = merged.Close() }()
	source := "asr"
	if t.Config.Subtitle {
		source = "subtitle"
	}
	for _, ep := range t.Episodes {
		v := s.understand(chatSource{kind: KindVideo, id: ep.AssetID, name: ep.Name, duration: ep.Duration, hasAudio: ep.HasAudio})
		var lines []spLine
		for i, g := range v.Audio {
			name := s.characterName(t, g.Speaker)
			lines = append(lines, spLine{Index: i, Start: centis(g.Start, ep.Duration), End: centis(g.End, ep.Duration), Speaker: name, Text: g.Text})
			c := chars[g.Speaker]
			if c == nil {
				c = &spCharacter{Name: name, SpeakerID: g.Speaker}
				chars[g.Speaker] = c
			}
			c.Lines++
			if len(c.Episodes) == 0 || c.Episodes[len(c.Episodes)-1] != ep.No {
				c.Episodes = append(c.Episodes, ep.No)
			}
		}
		shots := make([]spShot, 0, len(v.Visual))
		for i, g := range v.Visual {
			sh := spShot{Shot: i + 1, Start: centis(g.Start, ep.Duration), End: centis(g.End, ep.Duration), Desc: g.Text,
				Characters: []string{}, Dialogue: []string{}}
			for _, l := range lines {
				if l.End > g.Start && l.Start < g.End {
					if !contains(sh.Characters, l.Speaker) {
						sh.Characters = append(sh.Characters, l.Speaker)
					}
					sh.Dialogue = append(sh.Dialogue, l.Speaker+": "+l.Text)
				}
			}
			shots = append(shots, sh)
		}
		if lines == nil {
			lines = []spLine{}
		}
		dir := fmt.Sprintf("episode_%d/", ep.No)
		if t.Config.JSON {
			sb, _ := json.MarshalIndent(map[string]any{"episode": ep.No, "asset_id": ep.AssetID,
				"duration": ep.Duration, "shots": shots}, "", "  ")
			tr, _ := json.MarshalIndent(map[string]any{"episode": ep.No, "asset_id": ep.AssetID, "language": orDefault(t.Config.Language, "en"),
				"source": source, "lines": lines}, "", "  ")
			if err := add(dir+"storyboard.json", sb); err != nil {
				return nil, 0, err
			}
			if err := add(dir+"transcript.json", tr); err != nil {
				return nil, 0, err
			}
		}
		if t.Config.XLSX {
			f := excelize.NewFile()
			_ = f.SetSheetName("Sheet1", "Storyboard")
			fillStoryboard(f, "Storyboard", shots)
			var xb bytes.Buffer
			err := f.Write(&xb)
			_ = f.Close()
			if err != nil {
				return nil, 0, err
			}
			if err := add(dir+"storyboard.xlsx", xb.Bytes()); err != nil {
				return nil, 0, err
			}
		}
		if t.Config.MergeXLSX {
			sheet := fmt.Sprintf("Episode %d", ep.No)
			if _, err := merged.NewSheet(sheet); err != nil {
				return nil, 0, err
			}
			fillStoryboard(merged, sheet, shots)
		}
	}
	list := make([]*spCharacter, 0, len(chars))
	for _, c := range chars {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].SpeakerID < list[j].SpeakerID })
	if t.Config.JSON {
		nl, _ := json.MarshalIndent(map[string]any{"task_id": t.ID, "characters": list}, "", "  ")
		if err := add("namelist.json", nl); err != nil {
			return nil, 0, err
		}
	}
	if t.Config.MergeXLSX {
		_ = merged.SetSheetName("Sheet1", "Names")
		_ = merged.SetSheetRow("Names", "A1", &[]any{"Name", "Speaker", "Episodes", "Lines"})
		for i, c := range list {
			eps := make([]string, len(c.Episodes))
			for k, e := range c.Episodes {
				eps[k] = strconv.Itoa(e)
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			_ = merged.SetSheetRow("Names", cell, &[]any{c.Name, c.SpeakerID, strings.Join(eps, ","), c.Lines})
		}
		var xb bytes.Buffer
		if err := merged.Write(&xb); err != nil {
			return nil, 0, err
		}
		if err := add("screenplay.xlsx", xb.Bytes()); err != nil {
			return nil, 0, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), raw, nil
}

// fillStoryboard writes shots as rows of sheet.
func fillStoryboard(f *excelize.File, sheet string, shots []spShot) {
	_ = f.SetSheetRow(sheet, "A1", &[]any{"Shot", "Start", "End", "Description", "Characters", "Dialogue"})
	for i, sh := range shots {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = f.SetSheetRow(sheet, cell, &[]any{sh.Shot, sh.Start, sh.End, sh.Desc,
			strings.Join(sh.Characters, ", "), strings.Join(sh.Dialogue, "\n")})
	}
}

func contains(xs []string, x string) bool {
	for _, e := range xs {
		if e == x {
			return true
		}
	}
	return false
}
