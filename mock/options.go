package mock

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/platform"
	"github.com/memharness/memharness/platform/callbackhosts"
	"github.com/memharness/memharness/platform/journal"
)

// Options configures a mock server. The zero value is a usable in-memory
// mock with the documented defaults.
type Options struct {
	// Seed makes every generated id, transcript, score and answer
	// reproducible. Zero means seed 1.
	Seed int64
	// APIKeys restricts the accepted Authorization keys; empty accepts any
	// non-empty key, each its own account created on first use.
	APIKeys []string
	// CaptionAPIKeys, when set, restricts the caption host operations
	// (/v1/understand/*) to these keys: the vendor issues separate keys.
	CaptionAPIKeys []string
	// ErrorStyle is "v1" (default: HTTP 200 and string codes) or "http"
	// (seed 000: the integer code equals the HTTP status).
	ErrorStyle string

	// RateLimits is the limit profile: "v1.2" (default), "platform" or "off".
	RateLimits string
	// RateLimitFile overrides limits per group or operation (YAML/JSON).
	RateLimitFile string
	// RateLimitHeaders adds RateLimit-* and Retry-After headers (the real
	// API documents none, so this is off by default).
	RateLimitHeaders bool
	// CreditsOff disables metering and balances.
	CreditsOff bool
	// FreeCredits is the starting balance of a new account (default 100).
	FreeCredits float64

	// DataDir makes the state persistent (bbolt + media files).
	DataDir string
	// MaxUploadBytes bounds one upload (default 3 GiB, the documented maximum).
	MaxUploadBytes int64

	// ProcessingTime is the fixed UNPARSE->PARSE time (default 2s) used
	// when ProcessingSpeed is zero.
	ProcessingTime time.Duration
	// ProcessingSpeed, when positive, makes processing take the media
	// duration divided by this factor (30 = thirty times real time).
	ProcessingSpeed float64
	// ScrapeTime is how long a scraper task "downloads" before its videos
	// appear (default 2s).
	ScrapeTime time.Duration
	// FetchURLs makes upload_url really GET the URL and probe the bytes;
	// otherwise metadata is synthesised deterministically from the URL.
	FetchURLs bool
	// HTTPClient is used for callbacks and fetches (default: 10s timeout).
	HTTPClient *http.Client
	// CallbackAttempts bounds deliveries per callback (default 5) and
	// CallbackBackoff is the first retry delay, doubled each time (default 1s).
	CallbackAttempts int
	CallbackBackoff  time.Duration
	// CallbackHosts restricts the hosts a request's callback URL may name
	// (--callback-hosts); a URL outside it is answered 0001. The zero
	// value admits every host.
	CallbackHosts callbackhosts.Policy

	// StreamFirstEvent, StreamChunkDelay, StreamChunkSize and
	// StreamFailProbability shape chat streams.
	StreamFirstEvent      time.Duration
	StreamChunkDelay      time.Duration
	StreamChunkSize       int
	StreamFailProbability float64

	// PublicLibrarySize is the number of seeded public (PI-) videos (default 240).
	PublicLibrarySize int
	// JournalSize is how many requests /_mock/requests keeps (default
	// 10,000).
	JournalSize int
	// Fixtures are manifests (files or folders, toolkit/fixtures) loaded
	// at start; a bad one makes New fail naming file, line and field.
	Fixtures []string
	// Stubs are JSON files of user stubs (toolkit/stubs) loaded at start.
	Stubs []string
	// ControlToken, when set, is required as "X-Mock-Token" on /_mock/ calls.
	ControlToken string
	// DisableControl removes the /_mock/ control plane.
	DisableControl bool

	// Platform, when set, is a shared platform layer (accounts, limits,
	// credits, journal, webhooks, clock) to use instead of building one from
	// the options above; the caller closes it. Clock, rate limits, credits,
	// journal and callback options are then the platform's.
	Platform *platform.Platform
	// DefaultWebhook is every account's webhook URL until the account sets
	// its own (PUT /_mock/accounts/{api_key}/webhook).
	DefaultWebhook string

	// DisableV2 removes the Visual Intelligence v2 surface (/serve/api/v2).
	DisableV2 bool
	// V2StringCodes renders v2 codes as the older pages' strings ("0000").
	V2StringCodes bool
	// V2LimitStatus is the HTTP status of a v2 rate-limit rejection: 429
	// (default) or 400 (the verified-live note).
	V2LimitStatus int
	// V2UploadTime is how long a v2 upload takes to reach SUCCESS (default
	// 2s) and V2TaskTime how long an async v2 task runs (default 3s).
	V2UploadTime time.Duration
	V2TaskTime   time.Duration
	// StreamsOff answers the v2 live streams, stream.memories.ai and the
	// audio WebSocket like an account without the stream feature (403).
	StreamsOff bool
	// MaxStreams caps concurrent v2 video + audio live streams per account
	// (0: v2's default, 5); the next start answers status 16.
	MaxStreams int

	// Clock is the time source (default: the wall clock, advanceable
	// through /_mock/clock/advance).
	Clock clock.Clock
	// Logger receives structured logs (default: discard).
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.ErrorStyle == "" {
		o.ErrorStyle = "v1"
	}
	if o.RateLimits == "" {
		o.RateLimits = "v1.2"
	}
	if o.FreeCredits == 0 {
		o.FreeCredits = 100
	}
	if o.MaxUploadBytes == 0 {
		o.MaxUploadBytes = 3 << 30
	}
	if o.ProcessingTime == 0 {
		o.ProcessingTime = 2 * time.Second
	}
	if o.ScrapeTime == 0 {
		o.ScrapeTime = 2 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.CallbackAttempts == 0 {
		o.CallbackAttempts = 5
	}
	if o.CallbackBackoff == 0 {
		o.CallbackBackoff = time.Second
	}
	if o.StreamChunkSize == 0 {
		o.StreamChunkSize = 12
	}
	if o.PublicLibrarySize == 0 {
		o.PublicLibrarySize = 240
	}
	if o.JournalSize == 0 {
		o.JournalSize = journal.DefaultSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}
