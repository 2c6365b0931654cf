// Package platform is what every emulated surface shares: the clock,
// accounts and keys (platform/accounts), rate limits and the credits
// ledger and faults (platform/limits), the request journal
// (platform/journal), webhook and callback delivery (platform/webhook) and
// the error vocabulary and styles (platform/apierr).
//
// A surface (v1 in package mock, v2 in package v2, MemSync) holds one
// *Platform and uses it through these narrow parts; it never reaches into
// another surface. One Platform per process means one account is one
// account everywhere: its keys share a library, limits and credits.
package platform

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/platform/accounts"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/platform/webhook"
	"github.com/memharness/memharness/toolkit/stubs"
)

// Options configures a Platform. The zero value is usable.
type Options struct {
	Clock            clock.Clock // default: an advanceable wall clock
	Seed             int64
	RateLimits       string // "v1.2" (default), "platform" or "off"
	RateLimitFile    string // overrides per group or operation (YAML/JSON)
	FreeCredits      float64
	CreditsOff       bool
	Persister        limits.Persister // balances across restarts (nil: memory)
	JournalSize      int
	DefaultWebhook   string // every account's webhook until it sets its own
	HTTPClient       *http.Client
	CallbackAttempts int
	CallbackBackoff  time.Duration
	// WebhookStore journals pending deliveries so they survive a restart
	// (nil: memory only). webhook.Records adapts the mock's store.
	WebhookStore webhook.Store
	Logger       *slog.Logger
}

// Platform is the shared layer. Its fields are safe for concurrent use.
type Platform struct {
	// Clock is the time source of every surface.
	Clock clock.Clock
	// Offset is non-nil when Clock is the default wall clock that the
	// control plane can advance.
	Offset *clock.Offset
	// Accounts maps keys to accounts and holds account webhooks.
	Accounts *accounts.Directory
	// Limiter is the per-account, per-group rate limiter.
	Limiter *limits.Limiter
	// Ledger is the credits ledger.
	Ledger *limits.Ledger
	// Faults is the configured fault injection.
	Faults *limits.Faults
	// Journal keeps the last requests of every surface.
	Journal *journal.Journal
	// Webhooks delivers callbacks and account webhooks.
	Webhooks *webhook.Deliverer
	// Profile is the rate-limit table in force (after overrides).
	Profile map[string]limits.Limit
	// Stubs are the user stubs (POST /_mock/stubs) every surface's
	// pipeline consults after the guard and the request's parsing, so a
	// stub loses to X-Mock-Force and wins over the handler.
	Stubs *stubs.Registry

	scoped    scopedFaults // per-account faults (scoped.go)
	stopFlush func() error
}

// New builds the shared layer.
func New(o Options) (*Platform, error) {
	p := &Platform{}
	if o.Clock != nil {
		p.Clock = o.Clock
	} else {
		p.Offset = clock.NewOffset(clock.Real{})
		p.Clock = p.Offset
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.FreeCredits == 0 {
		o.FreeCredits = 100
	}
	if o.JournalSize == 0 {
		o.JournalSize = journal.DefaultSize
	}
	profile, err := LimitProfile(o.RateLimits, o.RateLimitFile)
	if err != nil {
		return nil, err
	}
	p.Profile = profile
	ledger, err := limits.OpenLedger(o.FreeCredits, p.Clock, o.Persister)
	if err != nil {
		return nil, fmt.Errorf("load balances: %w", err)
	}
	ledger.SetEnabled(!o.CreditsOff)
	p.Ledger = ledger
	if o.Persister != nil {
		p.stopFlush = ledger.StartFlusher(time.Second)
	}
	p.Limiter = limits.NewLimiter(profile, p.Clock)
	p.Faults = limits.NewFaults(o.Seed)
	p.scoped.seed = o.Seed
	p.Journal = journal.New(o.JournalSize)
	p.Stubs = stubs.New(nil)
	p.Accounts = accounts.New(o.DefaultWebhook)
	p.Webhooks, err = webhook.Open(webhook.Options{Clock: p.Clock, Client: o.HTTPClient, Attempts: o.CallbackAttempts,
		Backoff: o.CallbackBackoff, Logger: o.Logger, Store: o.WebhookStore})
	if err != nil {
		// Deliveries that could be read are resumed; the rest are named.
		o.Logger.Error("webhook journal", "err", err)
	}
	return p, nil
}

// LimitProfile returns the named rate-limit table with the overrides of
// file (may be empty) applied.
func LimitProfile(name, file string) (map[string]limits.Limit, error) {
	profile, err := limits.Profile(name)
	if err != nil {
		return nil, err
	}
	if file == "" {
		return profile, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("rate limit file: %w", err)
	}
	defer f.Close()
	over, err := limits.LoadOverrides(f)
	if err != nil {
		return nil, fmt.Errorf("rate limit file %s: %w", file, err)
	}
	return limits.Merge(profile, over), nil
}

// Reset forgets balances, buckets, deliveries, journal entries and account
// links and webhooks.
func (p *Platform) Reset() {
	p.Ledger.Reset()
	p.Limiter.Reset()
	p.Webhooks.Reset()
	p.Journal.Reset()
	p.Accounts.Reset()
	p.scoped.reset()
}

// Close stops webhook delivery and flushes balances.
func (p *Platform) Close() error {
	p.Webhooks.Close()
	if p.stopFlush != nil {
		return p.stopFlush()
	}
	return nil
}
