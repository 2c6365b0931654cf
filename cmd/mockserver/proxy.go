package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
	"github.com/memharness/memharness/proxy/replay"
	"github.com/memharness/memharness/toolkit/fixtures"
)

// ProxyConfig is the record, replay and drift part of the configuration.
// Everything it drives lives in package proxy, wrapped around the mock's
// handlers: the mock itself has no proxy branch.
type ProxyConfig struct {
	Upstream        string
	MemSyncUpstream string
	V2Upstream      string
	Record          string
	Redact          string
	RecordMaxBody   int64
	Replay          []string
	ReplayStrict    bool
	ReplayIgnore    string
	ReplaySpeed     float64
	// ReplayAccount receives the videos of the recordings.
	ReplayAccount string
}

// enabled reports whether any proxy feature is on.
func (p ProxyConfig) enabled() bool {
	return p.proxying() || len(p.Replay) > 0
}

// proxying reports whether any surface has an upstream.
func (p ProxyConfig) proxying() bool {
	return p.Upstream != "" || p.MemSyncUpstream != "" || p.V2Upstream != ""
}

func (p ProxyConfig) validate() error {
	var errs []error
	for name, v := range map[string]string{"--upstream": p.Upstream, "--memsync-upstream": p.MemSyncUpstream, "--v2-upstream": p.V2Upstream} {
		if v == "" {
			continue
		}
		if _, err := parseUpstream(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if p.Record != "" && !p.proxying() {
		errs = append(errs, errors.New("--record needs --upstream, --v2-upstream or --memsync-upstream (only proxied exchanges are recorded)"))
	}
	if p.RecordMaxBody <= 0 {
		errs = append(errs, errors.New("--record-max-body must be positive"))
	}
	if p.ReplaySpeed <= 0 {
		errs = append(errs, errors.New("--replay-speed must be positive"))
	}
	if p.ReplayStrict && len(p.Replay) == 0 {
		errs = append(errs, errors.New("--replay-strict needs --replay"))
	}
	return errors.Join(errs...)
}

func parseUpstream(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: want http(s)://host[:port][/base]", s)
	}
	return u, nil
}

func defaultReplayIgnore() string { return strings.Join(replay.DefaultIgnore(), ",") }

// listFlag is a repeatable flag whose values accumulate; the first one
// given on the command line replaces the env default.
type listFlag struct {
	vals *[]string
	set  bool
}

func (l *listFlag) String() string {
	if l.vals == nil {
		return ""
	}
	return strings.Join(*l.vals, ",")
}

func (l *listFlag) Set(v string) error {
	if !l.set {
		*l.vals, l.set = nil, true
	}
	*l.vals = append(*l.vals, v)
	return nil
}

// proxySetup is what the proxy flags built: the shared recorder, drift
// collector and replay index, and the gateways in front of each listener.
type proxySetup struct {
	cfg      ProxyConfig
	log      *slog.Logger
	clk      clock.Clock
	token    string
	recorder *proxy.Recorder
	drift    *drift.Collector
	replay   *replay.Index
	gateways []*proxy.Gateway
}

// newProxySetup loads recordings and opens the recorder; it returns nil
// when no proxy flag is set, so the plain mock runs without a wrapper.
func newProxySetup(cfg Config, clk clock.Clock, log *slog.Logger) (*proxySetup, error) {
	p := cfg.Proxy
	if !p.enabled() {
		return nil, nil
	}
	s := &proxySetup{cfg: p, log: log, clk: clk, token: cfg.Mock.ControlToken}
	if len(p.Replay) > 0 {
		ix, err := replay.Load(p.Replay, replay.Options{Ignore: splitList(p.ReplayIgnore)})
		if err != nil {
			return nil, err
		}
		for _, pr := range ix.Problems() {
			log.Warn("replay: unusable recording", "file", pr.File, "entry", pr.Entry, "reason", pr.Reason)
		}
		log.Info("replay loaded", "recordings", ix.Len(), "strict", p.ReplayStrict, "speed", p.ReplaySpeed)
		s.replay = ix
	}
	if p.proxying() {
		col, err := drift.New(drift.Options{Redact: splitList(p.Redact)})
		if err != nil {
			return nil, err
		}
		s.drift = col
		if p.Record != "" {
			rec, err := proxy.NewRecorder(proxy.RecorderOptions{
				Dir: p.Record, Redact: splitList(p.Redact), MaxBody: p.RecordMaxBody,
				Version: mock.Version(), Logger: log.With("part", "recorder"),
			})
			if err != nil {
				return nil, err
			}
			s.recorder = rec
			log.Info("recording", "dir", p.Record, "redacted", strings.Join(splitList(p.Redact), ","), "max_body", p.RecordMaxBody)
		}
	}
	return s, nil
}

// surfaceRoute is one surface of a listener: the prefix it owns, its
// upstream flag value and its error style. A new surface (v2 behind
// --v2-upstream) is one more entry in the Memories.ai listener's list.
type surfaceRoute struct {
	prefix, surface, upstream string
	errors                    proxy.ErrorWriter
}

// wrap puts a gateway in front of a listener's handler. The Memories.ai
// listener also serves GET /_mock/drift from the gateway.
func (s *proxySetup) wrap(local http.Handler, routes []surfaceRoute, serveDrift bool) (http.Handler, error) {
	if s == nil {
		return local, nil
	}
	opts := proxy.Options{
		Local: local, Replay: s.replay, Strict: s.cfg.ReplayStrict, Speed: s.cfg.ReplaySpeed,
		MaxRequestCapture: s.cfg.RecordMaxBody, Clock: s.clk, Logger: s.log.With("part", "proxy"),
		ControlToken: s.token,
	}
	for _, r := range routes {
		rt := proxy.Route{Prefix: r.prefix, Surface: r.surface, Errors: r.errors}
		if r.upstream != "" {
			u, err := parseUpstream(r.upstream)
			if err != nil {
				return nil, err
			}
			rt.Upstream = u
			s.log.Info("proxying", "surface", r.surface, "prefix", r.prefix, "upstream", u.Redacted())
		}
		opts.Routes = append(opts.Routes, rt)
	}
	if s.drift != nil {
		opts.Observers = append(opts.Observers, s.drift)
		if serveDrift {
			opts.Handlers = map[string]http.Handler{"/_mock/drift": s.drift.Handler(drainer{s})}
		}
	}
	if s.recorder != nil {
		opts.Observers = append(opts.Observers, s.recorder)
	}
	g, err := proxy.New(opts)
	if err != nil {
		return nil, err
	}
	s.gateways = append(s.gateways, g)
	return g, nil
}

// drainer drains every gateway of the setup before a drift report.
type drainer struct{ s *proxySetup }

func (d drainer) Drain() {
	for _, g := range d.s.gateways {
		g.Drain()
	}
}

// memoriesRoutes are the Memories.ai listener's surfaces: v1 and the
// caption host (every path but /_mock/ and v2's), and v2.
func (s *proxySetup) memoriesRoutes() []surfaceRoute {
	return []surfaceRoute{
		{prefix: "/", surface: "memories", upstream: s.cfg.Upstream, errors: proxy.SpringErrors},
		{prefix: "/serve/api/v2/", surface: "v2", upstream: s.cfg.V2Upstream, errors: proxy.SpringErrors},
	}
}

// memsyncRoutes are the MemSync listener's.
func (s *proxySetup) memsyncRoutes() []surfaceRoute {
	return []surfaceRoute{{prefix: "/", surface: "memsync", upstream: s.cfg.MemSyncUpstream, errors: proxy.MemSyncErrors}}
}

// close delivers queued exchanges and writes the last recordings.
func (s *proxySetup) close() {
	if s == nil {
		return
	}
	for _, g := range s.gateways {
		_ = g.Close()
	}
	if s.recorder != nil {
		if err := s.recorder.Close(); err != nil {
			s.log.Error("recording", "err", err)
		}
	}
}

// wrapMemories wraps the Memories.ai listener's handler (nil-safe).
func (s *proxySetup) wrapMemories(h http.Handler) (http.Handler, error) {
	if s == nil {
		return h, nil
	}
	return s.wrap(h, s.memoriesRoutes(), true)
}

// wrapMemSync wraps the MemSync listener's handler (nil-safe).
func (s *proxySetup) wrapMemSync(h http.Handler) (http.Handler, error) {
	if s == nil {
		return h, nil
	}
	return s.wrap(h, s.memsyncRoutes(), false)
}

// importReplayed puts the videos of the recorded answers into the library
// of the API key account, through the mock's fixture loader: the recorded
// record (number, name, namespace, duration, status, creation time) and the
// recorded content (visual and audio transcripts, summary, chapters), so
// search and chat offline work on what the real service said. Content not
// recorded is generated as for an upload. Videos already in the store are
// left alone; a video the loader refuses is logged and skipped. It returns
// how many were imported.
func (s *proxySetup) importReplayed(srv *mock.Server, apiKey string) int {
	if s == nil || s.replay == nil || apiKey == "" {
		return 0
	}
	st := srv.Store()
	var vids []replay.Video
	for _, v := range s.replay.Videos() {
		if _, err := st.LookupVideo(v.No); err == nil {
			continue
		}
		for _, note := range v.Notes {
			s.log.Warn("replay: imported in part", "video", v.No, "note", note)
		}
		vids = append(vids, v)
	}
	if len(vids) == 0 {
		return 0
	}
	manifest := func(vs []replay.Video) fixtures.Manifest {
		a := fixtures.Account{APIKey: apiKey}
		for _, v := range vs {
			fv := v.Fixture()
			fv.Where = "recorded video " + v.No
			a.Videos = append(a.Videos, fv)
		}
		return fixtures.Manifest{Accounts: []fixtures.Account{a}}
	}
	// The loader refuses a whole manifest for one bad video: on failure,
	// each video is loaded alone so one bad recording costs only itself.
	n := 0
	if err := loadChecked(srv, manifest(vids)); err == nil {
		n = len(vids)
	} else {
		for _, v := range vids {
			if err := loadChecked(srv, manifest([]replay.Video{v})); err != nil {
				s.log.Warn("replay: video not imported", "video", v.No, "err", err)
				continue
			}
			n++
		}
	}
	// The fixture format has no place for what get_metadata reports about
	// the media: it goes on the stored record.
	for _, v := range vids {
		if v.Size == 0 && v.Width == 0 && v.Height == 0 && v.FPS == 0 {
			continue
		}
		rec, err := st.LookupVideo(v.No)
		if err != nil {
			continue
		}
		rec.Size, rec.Width, rec.Height, rec.FPS = cmp.Or(v.Size, rec.Size), cmp.Or(v.Width, rec.Width), cmp.Or(v.Height, rec.Height), cmp.Or(v.FPS, rec.FPS)
		if err := st.PutVideo(rec); err != nil {
			s.log.Warn("replay: media details not kept", "video", v.No, "err", err)
		}
	}
	srv.Tick()
	s.log.Info("replay: imported recorded videos", "videos", n, "with_content", countContent(vids))
	return n
}

// loadChecked validates a manifest as the fixture parser would (the loader
// itself trusts its input) and loads it.
func loadChecked(srv *mock.Server, m fixtures.Manifest) error {
	raw, err := fixtures.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := fixtures.Parse("recordings", raw); err != nil {
		return err
	}
	return srv.LoadFixtures(m)
}

func countContent(vs []replay.Video) int {
	n := 0
	for _, v := range vs {
		if v.HasContent() {
			n++
		}
	}
	return n
}

// importHelp says what replay imports into the library and what not.
const importHelp = `What --replay imports into the library of --replay-account (v1 surface only):
  from successful answers of list_videos, get_private_video_details, get_metadata:
    video_no, video_name, unique_id, status (UNPARSE imported as PARSE), cause,
    duration, create_time, and size/width/height/fps
  from get_video_transcription or get_video_caption: the visual transcript
  from get_audio_transcription: the audio transcript (segments with empty
    text or end <= start are dropped)
  from generate_summary: the summary; its items as chapters when type=CHAPTER
    (a chapter ends where the next starts, the last at the video's end)
Not imported: public-library videos (PI-), images, tasks, chat sessions,
memories, v2 and MemSync state. Content not recorded is generated as for an
upload; a video seen only in content answers is named by its number.
`

// replayCheck is `mockserver replay-check DIR...`: it lists the
// recordings, what replay would import, and what it cannot use.
func replayCheck(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("replay-check", flag.ContinueOnError)
	fs.SetOutput(stdout)
	ignore := fs.String("replay-ignore", defaultReplayIgnore(), "comma-separated fields ignored when matching")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: mockserver replay-check [--replay-ignore F,G] DIR|FILE...\n\nLists the recordings replay would serve, the videos it would import and the files or entries it cannot use.\n\n%s\n", importHelp)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("replay-check: name a directory or HAR file")
	}
	ix, err := replay.Load(fs.Args(), replay.Options{Ignore: splitList(*ignore)})
	if err != nil {
		return err
	}
	type row struct {
		surface, op string
		n, sse      int
	}
	counts := map[string]*row{}
	var keys []string
	files := map[string]int{}
	for _, r := range ix.Recordings() {
		files[r.File]++
		k := r.Surface + " " + r.Method + " " + r.Path
		if counts[k] == nil {
			counts[k] = &row{surface: r.Surface, op: r.Method + " " + r.Path}
			keys = append(keys, k)
		}
		counts[k].n++
		if len(r.Events) > 0 {
			counts[k].sse++
		}
	}
	sort.Strings(keys)
	fmt.Fprintf(stdout, "%d recordings in %d files\n", ix.Len(), len(files))
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  surface\trequest\trecordings\tevent streams")
	for _, k := range keys {
		c := counts[k]
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\n", c.surface, c.op, c.n, c.sse)
	}
	_ = tw.Flush()
	vids := ix.Videos()
	fmt.Fprintf(stdout, "\n%d videos would be imported into the library (--replay-account):\n", len(vids))
	tw = tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	for _, v := range vids {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%gs\tunique_id=%s\t%s\n", v.No, v.Name, v.Status, v.Duration, v.Namespace, v.ContentSummary())
	}
	_ = tw.Flush()
	for _, v := range vids {
		for _, note := range v.Notes {
			fmt.Fprintf(stdout, "  note: %s: %s\n", v.No, note)
		}
	}
	fmt.Fprintf(stdout, "\nmatching ignores: %s\n", strings.Join(ix.Ignored(), ", "))
	if p := ix.Problems(); len(p) > 0 {
		fmt.Fprintf(stdout, "\n%d unusable:\n", len(p))
		for _, pr := range p {
			where := pr.File
			if pr.Entry >= 0 {
				where += fmt.Sprintf(" entry %d", pr.Entry)
			}
			fmt.Fprintf(stdout, "  %s: %s\n", where, pr.Reason)
		}
		return fmt.Errorf("replay-check: %d unusable file(s) or entries", len(p))
	}
	return nil
}
