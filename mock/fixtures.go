package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/model"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform"
	fixture "github.com/memharness/memharness/toolkit/fixtures"
	"github.com/memharness/memharness/toolkit/stubs"
)

// defaultFixtureSeconds is the duration of a fixture video with neither a
// file, a duration nor segments to tell it.
const defaultFixtureSeconds = 30

// contentOverride is the part of a video's content a fixture fixes; nil
// or empty parts stay generated.
type contentOverride struct {
	visual, audio []model.Segment
	summary       string
	chapters      []model.Item
}

// apply replaces the generated parts of c that o gives.
func (o *contentOverride) apply(c *content.Video) *content.Video {
	cp := *c
	if len(o.visual) > 0 {
		cp.Visual = o.visual
	}
	if len(o.audio) > 0 {
		cp.Audio = o.audio
	}
	if o.summary != "" {
		cp.Summary = o.summary
	}
	if len(o.chapters) > 0 {
		cp.Chapters = o.chapters
	}
	return &cp
}

// preparedVideo is a fixture video ready to store: everything that can
// fail (reading and probing files, id clashes) happened already.
type preparedVideo struct {
	v        *store.Video
	media    []byte
	override *contentOverride
}

// MemSync is what the control plane needs of the MemSync mock served in
// the same process: its side of fixtures, export and resets. Package
// memsync's *Server implements it; the mock holds it behind this interface
// because a surface never imports another surface's package.
type MemSync interface {
	// CheckFixtureMemories reports what LoadFixtureMemories would refuse.
	CheckFixtureMemories(fixture.Manifest) error
	// LoadFixtureMemories stores the manifest's memories, all or none.
	LoadFixtureMemories(fixture.Manifest) error
	// ExportMemories returns a key's memories in the fixture format.
	ExportMemories(key string) []fixture.Memory
	// Reset forgets every MemSync user (POST /_mock/reset).
	Reset()
	// ForgetKey forgets the user of one key (POST /_mock/reset?api_key=K).
	ForgetKey(key string) bool
	// UseStubs makes its pipeline consult the platform's user stubs.
	UseStubs(*stubs.Registry)
	// UseGuard makes its pipeline apply the platform's guard
	// (X-Mock-Force, faults), answered in its own envelope.
	UseGuard(*platform.Platform)
	// HasOperation reports an operationId of memsync.yaml.
	HasOperation(id string) bool
	// CheckStub refuses a stub whose answer memsync.yaml does not allow.
	CheckStub(*stubs.Stub) error
}

// fixtureLinks ties fixtures to the MemSync mock of the same process.
type fixtureLinks struct {
	mu sync.Mutex
	ms MemSync
	// pending holds --fixtures manifests with memories, loaded once
	// AttachMemSync is called (New runs before MemSync exists).
	pending []fixture.Manifest
}

func (s *Server) memSync() MemSync {
	s.fx.mu.Lock()
	defer s.fx.mu.Unlock()
	return s.fx.ms
}

// AttachMemSync links the MemSync mock served beside this one (the
// mockserver binary's --memsync-addr listener), so fixture manifests load
// and GET /_mock/export returns its memories, POST /_mock/reset (global
// or per key) resets it too and POST /_mock/stubs stubs its operations,
// and loads the memories of the --fixtures manifests. With ms nil (no MemSync in this process) it
// fails when those manifests carry memories, naming the first.
func (s *Server) AttachMemSync(ms MemSync) error {
	s.fx.mu.Lock()
	s.fx.ms = ms
	pending := s.fx.pending
	s.fx.pending = nil
	s.fx.mu.Unlock()
	if ms != nil {
		ms.UseStubs(s.p.Stubs)
		ms.UseGuard(s.p)
	}
	for _, m := range pending {
		if ms == nil {
			return fmt.Errorf("fixtures: %w", errNoMemSync(m))
		}
		if err := ms.LoadFixtureMemories(m); err != nil {
			return fmt.Errorf("fixtures: %w", err)
		}
	}
	return nil
}

// errNoMemSync refuses a manifest with memories when no MemSync runs.
func errNoMemSync(m fixture.Manifest) error {
	for _, a := range m.Accounts {
		for _, mem := range a.Memories {
			return fmt.Errorf("%s: %s: MemSync memories, but no MemSync mock runs in this process (the MemSync listener is off: --memsync-addr is empty)", mem.Where, mem.Field)
		}
	}
	return errors.New("MemSync memories, but no MemSync mock runs in this process")
}

// LoadFixtures preloads accounts and libraries from a manifest (the
// --fixtures flag, POST /_mock/fixtures), its v2 assets into the v2
// surface, and the MemSync memories it carries into the attached MemSync
// mock (AttachMemSync). Every file is
// read and probed and every id checked before anything is stored, so a
// bad manifest loads nothing.
func (s *Server) LoadFixtures(m fixture.Manifest) error { return s.loadFixtures(m, false) }

// loadFixtures is LoadFixtures; with deferMemSync the manifest's memories
// are left for AttachMemSync (start-up, before MemSync exists).
func (s *Server) loadFixtures(m fixture.Manifest, deferMemSync bool) error {
	var ms MemSync
	if m.HasMemories() && !deferMemSync {
		if ms = s.memSync(); ms == nil {
			return errNoMemSync(m)
		}
	}
	var prepared []preparedVideo
	var images []preparedImage
	for _, a := range m.Accounts {
		account := s.p.Accounts.Resolve(a.APIKey)
		for _, fv := range a.Videos {
			pv, err := s.prepareFixture(account, fv)
			if err != nil {
				return fmt.Errorf("%s: %w", fv.Where, err)
			}
			prepared = append(prepared, pv)
		}
		for _, fi := range a.Images {
			pi, err := s.prepareImage(account, fi)
			if err != nil {
				return fmt.Errorf("%s: %w", fi.Where, err)
			}
			images = append(images, pi)
		}
	}
	// v2 assets are read and probed into pending media now; stored after
	// the images, or dropped when anything fails.
	assets, err := s.prepareAssets(m)
	if err != nil {
		return err
	}
	keepAssets := false
	defer func() {
		if !keepAssets {
			assets.Undo()
		}
	}()
	if ms != nil {
		if err := ms.CheckFixtureMemories(m); err != nil {
			return err
		}
	}
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	var stored []preparedVideo
	undo := func() {
		for _, pv := range stored {
			s.world.removeVideo(pv.v)
			s.dropOverride(pv.v.No)
			_ = s.store.DeleteVideo(pv.v.Account, pv.v.Namespace, pv.v.No)
			if pv.v.MediaKey != "" {
				_ = s.store.Media().Remove(pv.v.MediaKey)
			}
		}
	}
	for _, pv := range prepared {
		if err := s.storeFixture(pv); err != nil {
			undo()
			return err
		}
		stored = append(stored, pv)
	}
	for _, pi := range images {
		if err := s.storeImage(pi); err != nil {
			// Images are stored last: what failed here leaves the videos
			// to undo, and the images already stored stay (a disk error).
			undo()
			return err
		}
	}
	if err := assets.Store(); err != nil {
		undo()
		return err
	}
	if ms != nil {
		// Checked above; this fails only when a MemSync request took an
		// id in between. The images stay, as after a disk error.
		if err := ms.LoadFixtureMemories(m); err != nil {
			undo()
			return err
		}
	}
	keepAssets = true
	for _, a := range m.Accounts {
		if a.Credits != nil {
			s.meter.ledger.SetBalance(s.p.Accounts.Resolve(a.APIKey), *a.Credits)
		}
	}
	return nil
}

func (s *Server) prepareFixture(account string, fv fixture.Video) (preparedVideo, error) {
	now := s.clk.Now()
	v := &store.Video{
		No: fv.VideoNo, Account: account, Namespace: fv.Namespace(), Name: fv.Name, Status: fv.Status,
		Cause: fv.Cause, Tags: append([]string(nil), fv.Tags...), SourceURL: fv.URL, CreatedAt: fv.CreatedTime(),
		Duration: fv.Duration, HasAudio: len(fv.Audio) > 0,
	}
	if v.No == "" {
		v.No = s.ids.video()
	} else if _, err := s.store.LookupVideo(v.No); err == nil {
		return preparedVideo{}, fmt.Errorf("video_no %s already exists", v.No)
	}
	if v.CreatedAt.IsZero() {
		v.CreatedAt = now
	}
	if v.Status == "" {
		v.Status = store.StatusParse
	}
	if v.Name == "" {
		v.Name = baseName(firstNonEmpty(fv.File, fv.URL))
	}
	pv := preparedVideo{v: v}
	if fv.File != "" {
		raw, err := os.ReadFile(fv.Path())
		if err != nil {
			return preparedVideo{}, fmt.Errorf("file: %w", err)
		}
		info, perr := media.ProbeVideo(bytes.NewReader(raw), int64(len(raw)))
		final, cause := verdict(info, perr)
		applyInfo(v, info)
		if fv.Duration > 0 {
			v.Duration = fv.Duration
		}
		v.Size, pv.media = int64(len(raw)), raw
		if fv.Status == "" && final == store.StatusFail {
			// Probed like an upload: media the API would refuse fails.
			v.Status, v.Cause = store.StatusFail, cause
		}
	}
	if v.Duration <= 0 {
		v.Duration = lastEnd(fv)
	}
	if v.Duration <= 0 {
		v.Duration = defaultFixtureSeconds
	}
	if v.Status == store.StatusFail && v.Cause == "" {
		v.Cause = "failed by the fixture"
	}
	v.FinalStatus, v.FinalCause = store.StatusParse, ""
	if v.Status == store.StatusUnparse {
		// Still processing: the lifecycle finishes it as for an upload.
		v.ReadyAt = now.Add(s.processingTime(v.Duration))
	} else {
		v.ReadyAt = v.CreatedAt
		v.FinalStatus, v.FinalCause = v.Status, v.Cause
	}
	if o := overrideOf(fv); o != nil {
		pv.override = o
	}
	return pv, nil
}

// storeFixture writes one prepared video: media, record, content, index.
func (s *Server) storeFixture(pv preparedVideo) error {
	v := pv.v
	if pv.media != nil {
		p, err := s.store.Media().Create()
		if err != nil {
			return err
		}
		if _, err := p.Write(pv.media); err != nil {
			_ = p.Abort()
			return err
		}
		key, err := p.Commit()
		if err != nil {
			return err
		}
		v.MediaKey = key
	}
	if err := s.store.PutVideo(v); err != nil {
		if v.MediaKey != "" {
			_ = s.store.Media().Remove(v.MediaKey)
		}
		return err
	}
	if err := s.saveOverride(v.No, pv.override); err != nil {
		_ = s.store.DeleteVideo(v.Account, v.Namespace, v.No)
		if v.MediaKey != "" {
			_ = s.store.Media().Remove(v.MediaKey)
		}
		return err
	}
	if v.Status == store.StatusParse {
		s.world.indexVideo(v)
	}
	return nil
}

// recFixtureContent is the store.Records kind that keeps fixture content
// by video number, so a mock reopened on the same --data-dir serves the
// transcripts, summary and chapters a fixture fixed rather than generated
// ones.
const recFixtureContent = "v1-fixture-content"

// overrideRecord is a contentOverride as persisted.
type overrideRecord struct {
	Visual   []model.Segment `json:"visual,omitempty"`
	Audio    []model.Segment `json:"audio,omitempty"`
	Summary  string          `json:"summary,omitempty"`
	Chapters []model.Item    `json:"chapters,omitempty"`
}

// records is the store's records area (nil for a store without one).
func (s *Server) records() store.Records {
	r, _ := s.store.(store.Records)
	return r
}

// saveOverride fixes a video's content (nil releases it), in memory and,
// on a persistent store, on disk.
func (s *Server) saveOverride(no string, o *contentOverride) error {
	if rec := s.records(); rec != nil {
		var err error
		if o == nil {
			err = rec.DeleteRecord(recFixtureContent, no)
		} else {
			var raw []byte
			raw, err = json.Marshal(overrideRecord{Visual: o.visual, Audio: o.audio, Summary: o.summary, Chapters: o.chapters})
			if err == nil {
				err = rec.PutRecord(recFixtureContent, no, raw)
			}
		}
		if err != nil {
			return fmt.Errorf("save fixture content of %s: %w", no, err)
		}
	}
	s.world.setOverride(no, o)
	return nil
}

// dropOverride forgets a deleted video's fixture content.
func (s *Server) dropOverride(no string) {
	if err := s.saveOverride(no, nil); err != nil {
		s.opts.Logger.Error("fixtures: drop content", "video", no, "err", err)
	}
}

// loadOverrides reads the persisted fixture content of the videos still
// stored; records of videos gone (a process killed between the two
// writes) are deleted.
func loadOverrides(s *Server) map[string]*contentOverride {
	rec := s.records()
	if rec == nil {
		return nil
	}
	out := map[string]*contentOverride{}
	var stale []string
	err := rec.EachRecord(recFixtureContent, func(no string, raw []byte) bool {
		var r overrideRecord
		if _, err := s.store.LookupVideo(no); err != nil || json.Unmarshal(raw, &r) != nil {
			stale = append(stale, no)
			return true
		}
		out[no] = &contentOverride{visual: r.Visual, audio: r.Audio, summary: r.Summary, chapters: r.Chapters}
		return true
	})
	if err != nil {
		s.opts.Logger.Error("fixtures: load content", "err", err)
	}
	for _, no := range stale {
		_ = rec.DeleteRecord(recFixtureContent, no)
	}
	return out
}

func overrideOf(fv fixture.Video) *contentOverride {
	if len(fv.Visual) == 0 && len(fv.Audio) == 0 && fv.Summary == "" && len(fv.Chapters) == 0 {
		return nil
	}
	o := &contentOverride{summary: fv.Summary}
	for i, sg := range fv.Visual {
		o.visual = append(o.visual, model.Segment{Index: i, Start: sg.Start, End: sg.End, Text: sg.Text})
	}
	for i, sg := range fv.Audio {
		sp := sg.Speaker
		if sp == "" {
			sp = "SPEAKER_00"
		}
		o.audio = append(o.audio, model.Segment{Index: i, Start: sg.Start, End: sg.End, Text: sg.Text, Speaker: sp})
	}
	for _, c := range fv.Chapters {
		o.chapters = append(o.chapters, model.Item{Title: c.Title, Description: c.Description, Start: c.Start, End: c.End})
	}
	// A fixture that gives what is seen but not the chapters or summary
	// gets them from its own segments: generated ones would describe
	// another video.
	if len(o.chapters) == 0 && len(o.visual) > 0 {
		for _, sg := range o.visual {
			o.chapters = append(o.chapters, model.Item{Title: chapterTitle(sg.Text), Description: sg.Text, Start: sg.Start, End: sg.End})
		}
	}
	if o.summary == "" && len(o.visual) > 0 {
		texts := make([]string, 0, len(o.visual))
		for _, sg := range o.visual {
			texts = append(texts, sentence(sg.Text))
		}
		o.summary = strings.Join(texts, " ")
	}
	return o
}

// chapterTitle is the first words of a segment, capitalised.
func chapterTitle(text string) string {
	words := strings.Fields(text)
	if len(words) > 5 {
		words = words[:5]
	}
	t := strings.TrimRight(strings.Join(words, " "), ".,;:!?")
	if t == "" {
		return t
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// sentence capitalises text and ends it with a full stop.
func sentence(text string) string {
	t := strings.TrimSpace(text)
	if t == "" {
		return t
	}
	t = strings.ToUpper(t[:1]) + t[1:]
	if !strings.HasSuffix(t, ".") && !strings.HasSuffix(t, "!") && !strings.HasSuffix(t, "?") {
		t += "."
	}
	return t
}

func lastEnd(fv fixture.Video) float64 {
	end := 0.0
	for _, list := range [][]fixture.Segment{fv.Visual, fv.Audio} {
		for _, sg := range list {
			end = max(end, sg.End)
		}
	}
	for _, c := range fv.Chapters {
		end = max(end, c.End)
	}
	return end
}

// Export returns the library of the account key belongs to (only the
// namespace uniqueID when not empty) as a fixture manifest: the format
// LoadFixtures reads, with the content the API serves, so loading it into
// a fresh mock gives the same library.
func (s *Server) Export(key, uniqueID string) fixture.Manifest {
	account := s.p.Accounts.Resolve(key)
	s.Tick()
	var vs []*store.Video
	s.store.EachVideo(func(v *store.Video) bool {
		if v.Account == account && (uniqueID == "" || v.Namespace == uniqueID) {
			vs = append(vs, v)
		}
		return true
	})
	sort.Slice(vs, func(i, j int) bool {
		if !vs[i].CreatedAt.Equal(vs[j].CreatedAt) {
			return vs[i].CreatedAt.Before(vs[j].CreatedAt)
		}
		return vs[i].No < vs[j].No
	})
	credits := s.meter.ledger.Balance(account)
	a := fixture.Account{APIKey: key, Credits: &credits}
	for _, v := range vs {
		fv := fixture.Video{
			UniqueID: v.Namespace, VideoNo: v.No, Name: v.Name, URL: v.SourceURL,
			Tags: append([]string(nil), v.Tags...), Status: v.Status, Created: v.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
			Duration: v.Duration,
		}
		if v.Status == store.StatusFail {
			fv.Cause = v.Cause
		}
		if v.Status == store.StatusParse {
			c := s.world.contentOf(v)
			for _, sg := range c.Visual {
				fv.Visual = append(fv.Visual, fixture.Segment{Start: sg.Start, End: sg.End, Text: sg.Text})
			}
			for _, sg := range c.Audio {
				fv.Audio = append(fv.Audio, fixture.Segment{Start: sg.Start, End: sg.End, Text: sg.Text, Speaker: sg.Speaker})
			}
			fv.Summary = c.Summary
			for _, ch := range c.Chapters {
				fv.Chapters = append(fv.Chapters, fixture.Chapter{Title: ch.Title, Description: ch.Description, Start: ch.Start, End: ch.End})
			}
		}
		a.Videos = append(a.Videos, fv)
	}
	a.Images = s.exportImages(account, uniqueID)
	if ms := s.memSync(); ms != nil && uniqueID == "" {
		// MemSync memories have no namespace: a namespace's export leaves
		// them out.
		a.Memories = ms.ExportMemories(key)
	}
	if uniqueID == "" {
		// v2 assets have no namespace either.
		a.Assets = s.exportAssets(account)
	}
	return fixture.Manifest{Accounts: []fixture.Account{a}}
}

// loadFixtureFiles loads the manifests named by Options.Fixtures.
func (s *Server) loadFixtureFiles() error {
	if len(s.opts.Fixtures) == 0 {
		return nil
	}
	m, err := fixture.Load(s.opts.Fixtures...)
	if err != nil {
		return fmt.Errorf("fixtures: %w", err)
	}
	if err := s.loadFixtures(m, true); err != nil {
		return fmt.Errorf("fixtures: %w", err)
	}
	n, mems, assets := 0, 0, 0
	for _, a := range m.Accounts {
		n += len(a.Videos)
		mems += len(a.Memories)
		assets += len(a.Assets)
	}
	if mems > 0 {
		s.fx.mu.Lock()
		s.fx.pending = append(s.fx.pending, m)
		s.fx.mu.Unlock()
	}
	s.opts.Logger.Info("fixtures loaded", "accounts", len(m.Accounts), "videos", n, "memsync_memories", mems, "v2_assets", assets,
		"from", strings.Join(cleanPaths(s.opts.Fixtures), ","))
	return nil
}

func cleanPaths(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = filepath.Clean(p)
	}
	return out
}

// cFixtures is POST /_mock/fixtures: load a manifest (JSON) at run time.
func (s *Server) cFixtures(cl *call) (any, error) {
	// The body as sent, so errors name its lines.
	raw, err := cl.jsonBody()
	if err != nil {
		return nil, err
	}
	m, err := fixture.Parse("request body", raw)
	if err != nil {
		return nil, apiErr(CodeBadParam, "%v", err)
	}
	if err := s.LoadFixtures(m); err != nil {
		return nil, apiErr(CodeBadParam, "%v", err)
	}
	out := s.fixtureSummary(m)
	return out, nil
}

// fixtureSummary lists what a load created: per account its videos' ids.
func (s *Server) fixtureSummary(m fixture.Manifest) map[string]any {
	accounts := []any{}
	for _, a := range m.Accounts {
		accounts = append(accounts, map[string]any{"api_key": a.APIKey, "videos": len(a.Videos),
			"memories": len(a.Memories), "assets": len(a.Assets), "balance": s.meter.ledger.Balance(s.p.Accounts.Resolve(a.APIKey))})
	}
	return map[string]any{"status": "ok", "accounts": accounts}
}

// cExport is GET /_mock/export?api_key=K[&unique_id=N].
func (s *Server) cExport(cl *call) (any, error) {
	key := cl.c.Query("api_key")
	if key == "" {
		return nil, apiErr(CodeBadParam, "api_key is required")
	}
	return s.Export(key, cl.c.Query("unique_id")), nil
}
