// Package mock is a stateful, spec-driven mock of the Memories.ai v1 API.
//
// mock.New builds a Gin engine whose routes come from the embedded OpenAPI
// description (openapi/memories.yaml): one route table, a handler registry
// keyed by operationId, request validation against the spec mapped to the
// API's own error envelope, and one response adapter that writes every
// envelope. State lives behind store.Store; uploads go through the
// UNPARSE -> PARSE/FAIL lifecycle with callbacks; the /_mock/ control plane
// (openapi/control.yaml) lets tests drive time and inspect state.
package mock

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/dashboard"
	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/openapi"
	"github.com/memharness/memharness/platform"
	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/webhook"
	"github.com/memharness/memharness/toolkit/stubs"
	"github.com/memharness/memharness/v2"
)

// Server is one mock instance. Create it with New; it is safe for
// concurrent use.
type Server struct {
	opts   Options
	clk    clock.Clock
	offset *clock.Offset // non-nil when the clock can be advanced by the control plane
	engine *gin.Engine
	spec   *openapi3.T
	ops    map[string]*operation
	store  store.Store
	seq    atomic.Uint64

	// p is the shared platform layer (accounts, limits, credits, journal,
	// webhooks, clock); ownP says this server built it and closes it.
	p         *platform.Platform
	ownP      bool
	style     apierr.Style // the configured error style of v1 paths
	httpStyle bool
	started   time.Time

	ids   *ids
	meter *meter
	life  *lifecycle
	hooks *webhook.Deliverer
	world *world
	v2    *v2.Surface

	mu     sync.Mutex
	closed bool
	stream *chat.Knobs     // set by PUT /_mock/stream
	stubs  *stubs.Registry // user stubs (stubs.go)
	fx     fixtureLinks    // the MemSync side of fixtures (fixtures.go)
	drift  dashboard.Drift // the dashboard's Drift view (ShowDrift)
	ctx    context.Context // cancelled by Close: background work stops
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds a mock from the embedded specification.
func New(opts Options) (*Server, error) {
	opts.setDefaults()
	if opts.ErrorStyle != "v1" && opts.ErrorStyle != "http" {
		return nil, fmt.Errorf("error style %q: want v1 or http", opts.ErrorStyle)
	}
	spec, err := openapi.Memories()
	if err != nil {
		return nil, fmt.Errorf("load memories.yaml: %w", err)
	}
	s := &Server{opts: opts, spec: spec, ops: map[string]*operation{}, style: apierr.V1{}}
	if opts.ErrorStyle == "http" {
		s.style, s.httpStyle = apierr.HTTP{NotFound: isVideoMissing}, true
	}
	st, err := store.Open(store.Options{Dir: opts.DataDir, MaxUploadBytes: opts.MaxUploadBytes})
	if err != nil {
		return nil, err
	}
	s.store = st
	if opts.Platform != nil {
		s.p = opts.Platform
	} else {
		po := platform.Options{Clock: opts.Clock, Seed: opts.Seed, RateLimits: opts.RateLimits,
			RateLimitFile: opts.RateLimitFile, FreeCredits: opts.FreeCredits, CreditsOff: opts.CreditsOff,
			JournalSize: opts.JournalSize, HTTPClient: opts.HTTPClient, CallbackAttempts: opts.CallbackAttempts,
			CallbackBackoff: opts.CallbackBackoff, Logger: opts.Logger, DefaultWebhook: opts.DefaultWebhook}
		if st.Persistent() {
			po.Persister = ledgerStore{st}
			po.WebhookStore = webhook.Records(st, "webhook")
		}
		if s.p, err = platform.New(po); err != nil {
			_ = st.Close()
			return nil, err
		}
		s.ownP = true
	}
	s.clk, s.offset = s.p.Clock, s.p.Offset
	s.started = s.clk.Now()
	if err := s.init(); err != nil {
		s.closePlatform()
		_ = st.Close()
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.NoRoute(s.notFound)
	e.NoMethod(s.methodNotAllowed)
	if s.v2 != nil {
		s.v2.Register(e)
	}
	if err := s.routes(e); err != nil {
		s.closePlatform()
		_ = st.Close()
		return nil, err
	}
	s.engine = e
	if err := s.startToolkit(); err != nil {
		s.closePlatform()
		_ = st.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.ctx, s.cancel = ctx, cancel
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.run(ctx) }()
	return s, nil
}

// Handler returns the HTTP handler serving the emulated API and the
// control plane.
func (s *Server) Handler() http.Handler { return s.engine }

// Operations reports how many operations of the emulated API (and of the
// control plane) the route table serves, and the emulated API's paths.
func (s *Server) Operations() (api, control, paths int) {
	for _, op := range s.ops {
		if op.control {
			control++
		} else {
			api++
		}
	}
	return api, control, s.spec.Paths.Len()
}

// Clock is the server's time source; a process that serves other mocks
// (MemSync) shares it so /_mock/clock/advance moves them too.
func (s *Server) Clock() clock.Clock { return s.clk }

// Store exposes the state, for tests and embedding programs.
func (s *Server) Store() store.Store { return s.store }

// Close stops background work (lifecycle ticks, callback deliveries) and
// releases the store. It is safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	if s.v2 != nil {
		s.v2.Close()
	}
	s.closePlatform()
	return s.store.Close()
}

// closePlatform stops webhook delivery and flushes balances when this
// server owns the platform layer.
func (s *Server) closePlatform() {
	if !s.ownP {
		return
	}
	if err := s.p.Close(); err != nil {
		s.opts.Logger.Error("save balances", "err", err)
	}
}

// Platform is the shared layer this server uses; other surfaces (v2,
// MemSync) served by the same process take it so an account is one
// account everywhere.
func (s *Server) Platform() *platform.Platform { return s.p }

// run drives the lifecycle in real time; tests with a fake clock call
// Tick through the control plane or directly instead.
func (s *Server) run(ctx context.Context) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Tick()
		}
	}
}

// Tick applies every lifecycle transition that is due at the current time
// of the server's clock. Reads call it too, so a client never sees a video
// that should already be parsed still UNPARSE.
func (s *Server) Tick() { s.life.tick(s.clk.Now()) }

func ginPath(p string) string {
	p = strings.ReplaceAll(p, "{", ":")
	return strings.ReplaceAll(p, "}", "")
}

func (s *Server) notFound(c *gin.Context) {
	// Infrastructure errors use real HTTP statuses with a Spring-style body
	// (API_FACTS A3.2), unlike business errors.
	c.JSON(http.StatusNotFound, gin.H{
		"timestamp": s.clk.Now().UTC().Format("2006-01-02T15:04:05.000+00:00"),
		"status":    http.StatusNotFound,
		"error":     "Not Found",
		"path":      c.Request.URL.Path,
	})
}

func (s *Server) methodNotAllowed(c *gin.Context) {
	c.JSON(http.StatusMethodNotAllowed, gin.H{
		"timestamp": s.clk.Now().UTC().Format("2006-01-02T15:04:05.000+00:00"),
		"status":    http.StatusMethodNotAllowed,
		"error":     "Method Not Allowed",
		"path":      c.Request.URL.Path,
	})
}
