package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock"
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
	Record          string
	Redact          string
	RecordMaxBody   int64
	Replay          []string
	ReplayStrict    bool
	ReplayIgnore    string
	ReplaySpeed     float64
}

// enabled reports whether any proxy feature is on.
func (p ProxyConfig) enabled() bool {
	return p.Upstream != "" || p.MemSyncUpstream != "" || len(p.Replay) > 0
}

func (p ProxyConfig) validate() error {
	var errs []error
	for name, v := range map[string]string{"--upstream": p.Upstream, "--memsync-upstream": p.MemSyncUpstream} {
		if v == "" {
			continue
		}
		if _, err := parseUpstream(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if p.Record != "" && p.Upstream == "" && p.MemSyncUpstream == "" {
		errs = append(errs, errors.New("--record needs --upstream or --memsync-upstream (only proxied exchanges are recorded)"))
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
	if p.Upstream != "" || p.MemSyncUpstream != "" {
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
// caption host (every path but /_mock/).
func (s *proxySetup) memoriesRoutes() []surfaceRoute {
	return []surfaceRoute{{prefix: "/", surface: "memories", upstream: s.cfg.Upstream, errors: proxy.SpringErrors}}
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
