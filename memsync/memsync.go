// Package memsync emulates the MemSync REST API (api.memsync.ai / api.memchat.io): memories
// extracted from conversations, semantic search, generated profiles and bios, asynchronous
// integrations and API-key management, deterministic under a seed, in memory or, with
// Options.Persister, durable across restarts.
//
// Routing, parameter and body validation are driven by openapi/memsync.yaml: every path and
// operation of the spec is registered with Gin, each bound to the handler registered under its
// operationId (aliases resolve through their x-alias-of extension).
package memsync

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/openapi"
	"github.com/memharness/memharness/platform"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/toolkit/stubs"
)

// Options configure a Server. The zero value is usable: real clock, seed 0, any non-empty key
// accepted, standard envelope on, rate limits on.
type Options struct {
	// Clock is the time source for timestamps, rate-limit windows and integration progress
	// (default clock.Real{}).
	Clock clock.Clock
	// Seed makes ids and synthetic integration content reproducible.
	Seed int64
	// APIKeys restricts the accepted X-API-Key values. Empty means any non-empty key is
	// accepted. Each key is its own user; keys created through POST /v1/api-keys belong to the
	// user who created them.
	APIKeys []string
	// Envelope wraps success bodies as {data, status:"success", timestamp} (default true, as the
	// API reference overview documents). False answers the bare shapes shown on every endpoint
	// page and read by public clients. Use Bool to set it.
	Envelope *bool
	// RateLimits enforces the documented per-key limits (default true). Use Bool to set it.
	RateLimits *bool
	// Logger receives the start-up line (Info), one line per request (Debug) and handler
	// failures (Error). Default: discard.
	Logger *slog.Logger
	// Journal, when set, receives one entry per request, so the process's
	// /_mock/requests shows MemSync calls beside the Memories.ai ones (the
	// platform journal of package platform/journal).
	Journal Journal
	// Persister, when set, keeps users, their memories, API keys and hand-written bios across
	// restarts: each change of a user rewrites that user's record, and New restores what it
	// holds before serving (the mockserver passes its --data-dir store). Nil keeps everything
	// in memory only.
	Persister Persister
	// Spec overrides the embedded openapi/memsync.yaml (tests, experiments). It must have been
	// validated; New does not modify it.
	Spec *openapi3.T
}

// Journal records requests; *journal.Journal implements it.
type Journal interface{ Add(journal.Entry) }

// Bool returns a pointer to v, for the optional switches of Options.
func Bool(v bool) *bool { return &v }

// Server is an in-process MemSync emulator. Serve its Handler with net/http or httptest.
type Server struct {
	clk      clock.Clock
	log      *slog.Logger
	seed     int64
	envelope bool
	limits   bool
	journal  Journal
	persist  Persister

	spec    *openapi3.T
	engine  *gin.Engine
	ops     map[string]*operation
	limiter *limiter
	lex     *lexicon

	// mu guards st: every handler runs with it held.
	mu sync.Mutex
	st *state

	closed atomic.Bool
	// stubs are the user stubs the pipeline consults (UseStubs).
	stubs atomic.Pointer[stubs.Registry]
	// guardP is the platform whose guard the pipeline applies (UseGuard).
	guardP atomic.Pointer[platform.Platform]
	// seq numbers guarded requests (the faults' deterministic draws).
	seq atomic.Uint64
}

// New builds a Server from the embedded (or given) spec.
func New(opts Options) (*Server, error) {
	s := &Server{
		clk:      opts.Clock,
		log:      opts.Logger,
		seed:     opts.Seed,
		envelope: opts.Envelope == nil || *opts.Envelope,
		limits:   opts.RateLimits == nil || *opts.RateLimits,
		journal:  opts.Journal,
		persist:  opts.Persister,
		spec:     opts.Spec,
		ops:      map[string]*operation{},
		limiter:  newLimiter(),
		lex:      newLexicon(),
	}
	if s.clk == nil {
		s.clk = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.spec == nil {
		doc, err := openapi.MemSync()
		if err != nil {
			return nil, fmt.Errorf("memsync: load spec: %w", err)
		}
		s.spec = doc
	}
	s.st = newState(opts.Seed, opts.APIKeys)
	if s.persist != nil {
		if err := s.restore(); err != nil {
			return nil, err
		}
	}

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(s.recoverer())
	e.NoRoute(s.noRoute)
	e.NoMethod(s.noRoute)
	if err := s.routes(e); err != nil {
		return nil, err
	}
	s.engine = e
	s.log.Info("memsync ready", "paths", s.spec.Paths.Len(), "operations", len(s.ops),
		"envelope", s.envelope, "rate_limits", s.limits)
	return s, nil
}

// Handler returns the HTTP handler serving the emulated API: the Gin engine (release mode), behind
// a check that answers 503 once the Server is closed.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.closed.Load() {
			writeJSON(w, http.StatusServiceUnavailable, s.errorBody(&apiError{
				Status: http.StatusServiceUnavailable, Code: "SERVICE_UNAVAILABLE",
				Message: "Server is shutting down",
			}))
			return
		}
		s.engine.ServeHTTP(w, r)
	})
}

// Close stops serving: later requests answer 503 SERVICE_UNAVAILABLE in the error envelope. The
// Server runs no goroutines, so there is nothing else to stop. Close is idempotent.
func (s *Server) Close() error {
	s.closed.Store(true)
	return nil
}

// Operations returns the operationIds served, for start-up logs and tests.
func (s *Server) Operations() []string {
	ids := make([]string, 0, len(s.ops))
	for id := range s.ops {
		ids = append(ids, id)
	}
	return sortedStrings(ids)
}
