package main

import (
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
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
	"github.com/memharness/memharness/proxy/replay"
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

// importReplayed puts the videos of the recorded answers into the mock's
// library under account, as UNPARSE videos due now whose final status is
// the recorded one, then ticks the lifecycle: the mock's own transition
// indexes them (search, chat), exactly as for an upload. Videos already
// in the store are left alone. It returns how many were imported.
func (s *proxySetup) importReplayed(srv *mock.Server, account string) int {
	if s == nil || s.replay == nil || account == "" {
		return 0
	}
	st := srv.Store()
	now := s.clk.Now()
	n := 0
	for _, v := range s.replay.Videos() {
		if _, err := st.LookupVideo(v.No); err == nil {
			continue
		}
		final, cause := store.StatusParse, ""
		switch v.Status {
		case "FAIL", "FAILED":
			final, cause = store.StatusFail, v.Cause
		case "UNPARSE":
			// Still processing when recorded: it finishes now.
		}
		created := v.Created
		if created.IsZero() {
			created = now
		}
		rec := &store.Video{
			No: v.No, Account: account, Namespace: v.Namespace, Name: v.Name, Status: store.StatusUnparse,
			Size: v.Size, Duration: v.Duration, Width: v.Width, Height: v.Height, FPS: v.FPS,
			CreatedAt: created, ReadyAt: now, FinalStatus: final, FinalCause: cause,
		}
		if err := st.PutVideo(rec); err != nil {
			s.log.Warn("replay: video not imported", "video", v.No, "err", err)
			continue
		}
		n++
	}
	srv.Tick()
	if n > 0 {
		s.log.Info("replay: imported recorded videos", "videos", n, "account", account)
	}
	return n
}

// replayCheck is `mockserver replay-check DIR...`: it lists the
// recordings, what replay would import, and what it cannot use.
func replayCheck(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("replay-check", flag.ContinueOnError)
	fs.SetOutput(stdout)
	ignore := fs.String("replay-ignore", defaultReplayIgnore(), "comma-separated fields ignored when matching")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: mockserver replay-check [--replay-ignore F,G] DIR|FILE...\n\nLists the recordings replay would serve, the videos it would import and the files or entries it cannot use.\n")
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
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%gs\tunique_id=%s\n", v.No, v.Name, v.Status, v.Duration, v.Namespace)
	}
	_ = tw.Flush()
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
