package mock

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/dashboard"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/v2"
)

// uiHandler serves the web dashboard (package dashboard) for the control
// plane's mock_ui, mock_ui_page and mock_ui_action. The dashboard is built
// on the first request, so start-up pays nothing for it. serveControl has
// already checked the control token and parsed an action's JSON body; the
// body is handed over again as JSON.
func (s *Server) uiHandler() handlerFunc {
	var (
		once sync.Once
		h    http.Handler
		err  error
	)
	return func(cl *call) (any, error) {
		once.Do(func() { h, err = s.newDashboard() })
		if err != nil {
			return nil, err
		}
		h.ServeHTTP(cl.c.Writer, cl.c.Request)
		return written, nil
	}
}

func (s *Server) newDashboard() (http.Handler, error) {
	libs := []dashboard.Library{&uiLibrary{s: s}}
	if s.v2 != nil {
		libs = append(libs, uiV2Library{s: s})
	}
	s.mu.Lock()
	drift := s.drift
	s.mu.Unlock()
	return dashboard.New(dashboard.Sources{
		Clock:     s.clk,
		Journal:   s.p.Journal,
		Webhooks:  s.p.Webhooks,
		Accounts:  uiAccounts{s: s},
		Libraries: libs,
		Knobs:     uiKnobs{s: s},
		Stubs:     uiStubs{s: s},
		Drift:     drift,
	}, dashboard.Options{Scoped: true, Toolkit: true})
}

// ShowDrift gives the dashboard a Drift view over d: the findings of the
// proxy's drift collector when the mock runs with an upstream (package
// proxy wraps the mock from outside, so it hands them in). Call it before
// the first request to /_mock/ui, which builds the dashboard once.
func (s *Server) ShowDrift(d dashboard.Drift) {
	s.mu.Lock()
	s.drift = d
	s.mu.Unlock()
}

// uiAccounts is the Accounts view of the platform layer: the keys the
// ledger or a library (v1 or v2) knows. A linked key shows as its
// account's id.
type uiAccounts struct{ s *Server }

func (a uiAccounts) Keys() []string {
	keys := map[string]bool{}
	for _, k := range a.s.p.Ledger.Accounts() {
		keys[k] = true
	}
	a.s.store.EachVideo(func(v *store.Video) bool {
		if v.Account != publicAccount {
			keys[v.Account] = true
		}
		return true
	})
	a.s.store.EachImage(func(im *store.Image) bool {
		keys[im.Account] = true
		return true
	})
	if a.s.v2 != nil {
		for _, k := range a.s.v2.AssetAccounts() {
			keys[k] = true
		}
	}
	return slices.Sorted(maps.Keys(keys))
}

func (a uiAccounts) Account(key string) dashboard.Account {
	l := a.s.p.Ledger
	faults, own := a.s.p.AccountFaults(key)
	return dashboard.Account{Key: key, Balance: l.Balance(key), FreeCredits: l.FreeCredits(),
		CreditsEnabled: l.Enabled(), Ledger: l.Entries(key), Usage: l.Usage(key),
		Buckets: a.s.p.Limiter.Peek(a.s.p.Accounts.Resolve(key)), Faults: faults, OwnFaults: own}
}

func (a uiAccounts) Faults() map[string]limits.FaultSpec { return a.s.p.Faults.Get() }

// uiKnobs reports the chat stream pacing as GET /_mock/stream does.
type uiKnobs struct{ s *Server }

func (k uiKnobs) StreamKnobs() any { v, _ := k.s.cStreamGet(nil); return v }

// uiStubs lists the user stubs (toolkit/stubs) for the Stubs view.
type uiStubs struct{ s *Server }

func (u uiStubs) Stubs() ([]dashboard.Stub, map[string]string) {
	list := u.s.stubs.List()
	out := make([]dashboard.Stub, 0, len(list))
	for _, st := range list {
		d := dashboard.Stub{ID: st.ID, Operation: st.Operation, Priority: st.Priority, Used: st.Used, Times: st.Times,
			Scenario: st.Scenario, RequiredState: st.RequiredState, NewState: st.NewState}
		if st.Match != nil {
			b, _ := json.Marshal(st.Match)
			d.Match = string(b)
		}
		b, _ := json.Marshal(st.Answer)
		d.Answer = string(b)
		out = append(out, d)
	}
	return out, u.s.stubs.States()
}

// uiLibrary is the v1 library (videos and images) as the dashboard shows it.
type uiLibrary struct{ s *Server }

func (l *uiLibrary) Surface() string { return "v1" }

func (l *uiLibrary) Namespaces(account string) []string {
	ns := map[string]bool{}
	l.s.store.EachVideo(func(v *store.Video) bool {
		if v.Account == account {
			ns[v.Namespace] = true
		}
		return true
	})
	l.s.store.EachImage(func(im *store.Image) bool {
		if im.Account == account {
			ns[im.Namespace] = true
		}
		return true
	})
	return slices.Sorted(maps.Keys(ns))
}

// Items lists the newest videos, then images, up to limit in all.
func (l *uiLibrary) Items(account, ns string, limit int) ([]dashboard.Item, int) {
	vs, nv, _ := l.s.store.ListVideos(account, ns, store.VideoFilter{}, 0, limit)
	out := make([]dashboard.Item, 0, len(vs))
	for _, v := range vs {
		out = append(out, l.videoItem(v))
	}
	ims, ni, _ := l.s.store.ListImages(account, ns, 0, max(limit-len(out), 1))
	for _, im := range ims {
		if len(out) < limit {
			out = append(out, imageItem(im))
		}
	}
	return out, nv + ni
}

func (l *uiLibrary) videoItem(v *store.Video) dashboard.Item {
	it := dashboard.Item{ID: v.No, Kind: "video", Name: v.Name, Account: v.Account, Namespace: v.Namespace,
		Status: v.Status, Cause: v.Cause, Created: v.CreatedAt, Tags: v.Tags}
	add := func(label, value string) { it.Facts = append(it.Facts, dashboard.Fact{Label: label, Value: value}) }
	if v.Duration > 0 {
		add("duration", fmt.Sprintf("%.1f s", v.Duration))
	}
	if v.Width > 0 {
		add("resolution", fmt.Sprintf("%dx%d", v.Width, v.Height))
	}
	if v.FPS > 0 {
		add("fps", fmt.Sprintf("%.2f", v.FPS))
	}
	if v.VideoCodec != "" {
		add("video", v.VideoCodec)
	}
	if v.HasAudio || v.AudioCodec != "" {
		add("audio", cmpOr(v.AudioCodec, "yes"))
	}
	if v.Size > 0 {
		add("size", humanBytes(v.Size))
	}
	if v.SourceURL != "" {
		add("source", v.SourceURL)
	}
	if v.Platform != "" {
		add("platform", v.Platform)
	}
	if v.FolderID != 0 {
		if f, err := l.s.store.GetFolder(v.Account, v.FolderID); err == nil {
			it.Folder = f.Name
		} else {
			it.Folder = fmt.Sprint(v.FolderID)
		}
	}
	return it
}

func imageItem(im *store.Image) dashboard.Item {
	it := dashboard.Item{ID: im.ID, Kind: "image", Name: im.Name, Account: im.Account, Namespace: im.Namespace,
		Status: "STORED", Created: im.CreatedAt, Tags: im.Tags}
	it.Facts = append(it.Facts, dashboard.Fact{Label: "format", Value: im.Format},
		dashboard.Fact{Label: "resolution", Value: fmt.Sprintf("%dx%d", im.Width, im.Height)},
		dashboard.Fact{Label: "size", Value: humanBytes(im.Size)})
	return it
}

func (l *uiLibrary) Item(id string) (dashboard.ItemDetail, bool) {
	v, err := l.s.store.LookupVideo(id)
	if err != nil || v.Account == publicAccount {
		if im := l.s.world.image(id); im != nil {
			return dashboard.ItemDetail{Item: imageItem(im), HasMedia: im.MediaKey != "",
				Events: []dashboard.Event{{At: im.CreatedAt, What: "uploaded"}}}, true
		}
		return dashboard.ItemDetail{}, false
	}
	d := dashboard.ItemDetail{Item: l.videoItem(v), HasMedia: v.MediaKey != ""}
	d.Events = append(d.Events, dashboard.Event{At: v.CreatedAt, What: "uploaded", Detail: "UNPARSE"})
	// The store keeps the current status and the time processing was due,
	// not a history: a status forced through the control plane shows at
	// the time processing was scheduled to end.
	switch {
	case v.Status == store.StatusUnparse && v.ReadyAt.Equal(farFuture):
		d.Events = append(d.Events, dashboard.Event{At: v.CreatedAt, What: "fetching media", Pending: true})
	case v.Status == store.StatusUnparse:
		d.Events = append(d.Events, dashboard.Event{At: v.ReadyAt, What: "processing ends",
			Detail: cmpOr(v.FinalStatus, store.StatusParse) + " " + v.FinalCause, Pending: true})
	default:
		d.Events = append(d.Events, dashboard.Event{At: v.ReadyAt, What: "status " + v.Status, Detail: v.Cause})
	}
	if v.TaskID != "" {
		d.CallbackKeys = []string{v.No, v.TaskID}
	}
	if v.Status == store.StatusParse {
		c := l.s.world.contentOf(v)
		d.Summary = c.Summary
		for _, sg := range c.Visual {
			d.Visual = append(d.Visual, dashboard.Segment{Start: sg.Start, End: sg.End, Text: sg.Text})
		}
		for _, sg := range c.Audio {
			d.Audio = append(d.Audio, dashboard.Segment{Start: sg.Start, End: sg.End, Text: sg.Text, Speaker: sg.Speaker})
		}
		for _, ch := range c.Chapters {
			d.Chapters = append(d.Chapters, dashboard.Chapter{Start: ch.Start, End: ch.End, Title: ch.Title, Description: ch.Description})
		}
	}
	return d, true
}

func (l *uiLibrary) Media(id string) (io.ReadCloser, dashboard.MediaInfo, error) {
	key, info := "", dashboard.MediaInfo{}
	if v, err := l.s.store.LookupVideo(id); err == nil && v.Account != publicAccount {
		key, info = v.MediaKey, dashboard.MediaInfo{Name: v.Name + ".mp4", Size: v.Size, ContentType: "application/octet-stream"}
	} else if im := l.s.world.image(id); im != nil {
		key, info = im.MediaKey, dashboard.MediaInfo{Name: im.Name, Size: im.Size, ContentType: "image/" + strings.ToLower(im.Format)}
	}
	if key == "" {
		return nil, info, dashboard.ErrNoMedia
	}
	f, err := l.s.store.Media().Open(key)
	if err != nil {
		return nil, info, dashboard.ErrNoMedia
	}
	return f, info, nil
}

// uiV2Library is the v2 asset library: assets have no namespace and move
// WAITING -> UPLOADING -> SUCCESS or FAILED on the clock.
type uiV2Library struct{ s *Server }

func (l uiV2Library) Surface() string { return "v2" }

func (l uiV2Library) Namespaces(account string) []string {
	if len(l.s.v2.Assets(l.s.p.Accounts.Resolve(account))) == 0 {
		return nil
	}
	return []string{""}
}

func (l uiV2Library) Items(account, ns string, limit int) ([]dashboard.Item, int) {
	now := l.s.clk.Now()
	list := l.s.v2.Assets(l.s.p.Accounts.Resolve(account))
	out := make([]dashboard.Item, 0, min(len(list), limit))
	for i := len(list) - 1; i >= 0 && len(out) < limit; i-- { // newest first
		out = append(out, v2Item(&list[i], now))
	}
	return out, len(list)
}

func v2Item(a *v2.Asset, now time.Time) dashboard.Item {
	it := dashboard.Item{ID: a.ID, Kind: cmpOr(a.Kind, "asset"), Name: a.Filename, Account: a.Account,
		Status: a.Status(now), Cause: a.Cause, Created: a.Created}
	add := func(label, value string) { it.Facts = append(it.Facts, dashboard.Fact{Label: label, Value: value}) }
	if a.Duration > 0 {
		add("duration", fmt.Sprintf("%.1f s", a.Duration))
	}
	if a.Width > 0 {
		add("resolution", fmt.Sprintf("%dx%d", a.Width, a.Height))
	}
	if a.FPS > 0 {
		add("fps", fmt.Sprintf("%.2f", a.FPS))
	}
	if a.VideoCodec != "" {
		add("video", a.VideoCodec)
	}
	if a.HasAudio || a.AudioCodec != "" {
		add("audio", cmpOr(a.AudioCodec, "yes"))
	}
	if a.Size > 0 {
		add("size", humanBytes(a.Size))
	}
	if a.Parent != "" {
		add("frame of", a.Parent)
	}
	return it
}

// find looks an asset up by id, in any account.
func (l uiV2Library) find(id string) (*v2.Asset, bool) {
	a, ok := l.s.v2.Asset(id)
	return &a, ok
}

func (l uiV2Library) Item(id string) (dashboard.ItemDetail, bool) {
	a, ok := l.find(id)
	if !ok {
		return dashboard.ItemDetail{}, false
	}
	now := l.s.clk.Now()
	d := dashboard.ItemDetail{Item: v2Item(a, now), HasMedia: a.MediaKey != "", CallbackKeys: []string{a.ID}}
	d.Events = append(d.Events, dashboard.Event{At: a.Created, What: "created", Detail: v2.StatusWaiting})
	if a.Final == "" {
		d.Events = append(d.Events, dashboard.Event{At: a.Created, What: "waiting for the bytes (signed URL)", Pending: true})
		return d, true
	}
	d.Events = append(d.Events,
		dashboard.Event{At: a.Uploading, What: "status " + v2.StatusUploading, Pending: now.Before(a.Uploading)},
		dashboard.Event{At: a.Ready, What: "status " + a.Final, Detail: a.Cause, Pending: now.Before(a.Ready)})
	return d, true
}

func (l uiV2Library) Media(id string) (io.ReadCloser, dashboard.MediaInfo, error) {
	a, ok := l.find(id)
	if !ok || a.MediaKey == "" {
		return nil, dashboard.MediaInfo{}, dashboard.ErrNoMedia
	}
	f, err := l.s.store.Media().Open(a.MediaKey)
	if err != nil {
		return nil, dashboard.MediaInfo{}, dashboard.ErrNoMedia
	}
	return f, dashboard.MediaInfo{Name: a.Filename, ContentType: a.ContentType, Size: a.Size}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// cCallbackRedeliver is POST /_mock/callbacks/{id}/redeliver: the delivery
// is queued again with a fresh attempt budget.
func (s *Server) cCallbackRedeliver(cl *call) (any, error) {
	id := cl.c.Param("id")
	if err := s.p.Webhooks.Redeliver(id); err != nil {
		cl.c.JSON(http.StatusNotFound, map[string]any{"error": "no callback delivery " + id})
		return written, nil
	}
	for _, d := range s.p.Webhooks.Snapshot() {
		if d.ID == id {
			return d, nil
		}
	}
	return map[string]any{"id": id, "status": "pending"}, nil
}

// controlDenied enforces the control token (serveControl): X-Mock-Token,
// or in a browser the dashboard's cookie. A browser opening the dashboard
// without it gets a page asking for it; everything else a JSON 401.
func (s *Server) controlDenied(cl *call) bool {
	tok := s.opts.ControlToken
	if tok == "" || dashboard.TokenOK(cl.c.Request, tok) {
		return false
	}
	if (cl.op.id == "mock_ui" || cl.op.id == "mock_ui_page") && dashboard.WantsHTML(cl.c.Request) {
		dashboard.Login(cl.c.Writer, cl.c.Request)
		return true
	}
	cl.c.JSON(http.StatusUnauthorized, map[string]any{"error": "missing or wrong X-Mock-Token"})
	return true
}
