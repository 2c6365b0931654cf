package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/platform/callbackhosts"
)

// Config is the binary's configuration: every flag has an env twin
// (MOCK_<FLAG>, dashes as underscores) that sets its default.
type Config struct {
	Addr        string
	MemSyncAddr string
	LogLevel    string
	LogFormat   string
	Mock        mock.Options
	APIKeys     string
	CaptionKeys string
	Credits     string

	MemSyncEnvelope bool
	MemSyncLimits   bool

	// Proxy holds the record, replay and drift flags (proxy.go).
	Proxy ProxyConfig
}

// flagDoc is one row of the flag table, kept for the README.
type flagDoc struct{ Name, Env, Default, Usage string }

// Load parses args (without the program name) over env defaults and
// validates the result. It never exits: errors are returned, -h returns
// flag.ErrHelp after printing usage to out.
func Load(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var c Config
	fs := flag.NewFlagSet("mockserver", flag.ContinueOnError)
	fs.SetOutput(out)
	env := func(name, def string) string {
		if v := getenv("MOCK_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
			return v
		}
		return def
	}
	str := func(p *string, name, def, usage string) { fs.StringVar(p, name, env(name, def), usage) }
	var errs []error
	dur := func(p *time.Duration, name string, def time.Duration, usage string) {
		d := def
		if v := env(name, ""); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("env for --%s: %w", name, err))
			}
			d = x
		}
		fs.DurationVar(p, name, d, usage)
	}
	num := func(p *float64, name string, def float64, usage string) {
		d := def
		if v := env(name, ""); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("env for --%s: %w", name, err))
			}
			d = x
		}
		fs.Float64Var(p, name, d, usage)
	}
	integer := func(p *int64, name string, def int64, usage string) {
		d := def
		if v := env(name, ""); v != "" {
			x, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("env for --%s: %w", name, err))
			}
			d = x
		}
		fs.Int64Var(p, name, d, usage)
	}
	boolean := func(p *bool, name string, def bool, usage string) {
		d := def
		if v := env(name, ""); v != "" {
			x, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("env for --%s: %w", name, err))
			}
			d = x
		}
		fs.BoolVar(p, name, d, usage)
	}
	m := &c.Mock
	var chunk int64
	var callbackHosts string
	str(&c.Addr, "addr", "127.0.0.1:8080", "listen address of the Memories.ai API and the /_mock/ control plane")
	str(&c.MemSyncAddr, "memsync-addr", "127.0.0.1:8081", "listen address of the MemSync API (empty disables it)")
	str(&m.DataDir, "data-dir", "", "directory for persistent state (bbolt + media files); empty keeps everything in memory")
	integer(&m.Seed, "seed", 1, "seed of every generated id, transcript, score and answer")
	str(&c.APIKeys, "api-keys", "", "comma-separated accepted API keys; empty accepts any non-empty key")
	str(&c.CaptionKeys, "caption-api-keys", "", "comma-separated keys accepted by the caption host operations (/v1/understand/*); empty = same as --api-keys")
	str(&m.ErrorStyle, "error-style", "v1", "v1 (HTTP 200 + string codes) or http (integer code = HTTP status, seed 000)")
	str(&m.RateLimits, "rate-limits", "v1.2", "rate-limit profile: v1.2, platform or off")
	str(&m.RateLimitFile, "rate-limit-file", "", "YAML/JSON file overriding limits per group or operation (\"search: 20/s\")")
	boolean(&m.RateLimitHeaders, "rate-limit-headers", false, "add RateLimit-* and Retry-After headers (the real API sends none)")
	str(&c.Credits, "credits", "on", "on: meter calls against balances (0402 when empty); off: free")
	num(&m.FreeCredits, "free-credits", 100, "starting balance of a new account, in credits")
	dur(&m.ProcessingTime, "processing-time", 2*time.Second, "fixed UNPARSE->PARSE time")
	num(&m.ProcessingSpeed, "processing-speed", 0, "if > 0, processing takes media duration / speed (overrides --processing-time)")
	dur(&m.ScrapeTime, "scrape-time", 2*time.Second, "time a scraper task spends downloading before its videos appear")
	boolean(&m.FetchURLs, "fetch-urls", false, "upload_url really GETs the URL and probes the bytes")
	str(&callbackHosts, "callback-hosts", "", "hosts a callback URL may name: comma-separated host names (*.example.com), IPs, CIDRs or loopback (127.0.0.0/8, ::1, localhost); others answer 0001. Empty: any")
	integer(&m.MaxUploadBytes, "max-upload-bytes", 3<<30, "largest accepted upload in bytes")
	var v2On, v2Codes string
	var streamsOn string
	var v2Limit int64
	str(&v2On, "v2", "on", "on: serve Visual Intelligence v2 under /serve/api/v2; off: do not")
	str(&v2Codes, "v2-codes", "int", "v2 envelope codes: int (seed 000: 200, 400, ...) or string (\"0000\", for clients written against the older pages)")
	integer(&v2Limit, "v2-limit-status", 429, "HTTP status of a v2 rate-limit rejection: 429 (error table) or 400 (verified-live note)")
	str(&m.DefaultWebhook, "v2-webhook", "", "default account webhook for v2 async tasks (per account: PUT /_mock/accounts/{api_key}/webhook)")
	dur(&m.V2UploadTime, "v2-upload-time", 2*time.Second, "time a v2 upload takes from WAITING to SUCCESS")
	dur(&m.V2TaskTime, "v2-task-time", 3*time.Second, "time a v2 async task runs before its webhook is sent")
	str(&streamsOn, "streams", "on", "on: live streams and the real-time audio WebSocket; off: answer like an account without the stream feature (403)")
	var maxStreams int64
	integer(&maxStreams, "max-streams", 5, "concurrent v2 live streams (video + audio) per account; the next /stream/start or /audio-stream/start answers status 16 (Capacity Reached)")
	dur(&m.StreamFirstEvent, "stream-first-event", 0, "delay before the first chat stream event")
	dur(&m.StreamChunkDelay, "stream-chunk-delay", 0, "delay between chat stream content chunks")
	integer(&chunk, "stream-chunk-size", 12, "characters per streamed content chunk")
	num(&m.StreamFailProbability, "stream-fail-probability", 0, "probability that a chat stream fails mid-way (deterministic under --seed)")
	m.Fixtures = splitList(env("fixtures", ""))
	fs.Var(&listFlag{vals: &m.Fixtures}, "fixtures", "preload accounts and libraries from this fixture manifest: a YAML/JSON file or a folder of them (repeatable; env: comma-separated)")
	m.Stubs = splitList(env("stubs", ""))
	fs.Var(&listFlag{vals: &m.Stubs}, "stubs", "load user stubs from this JSON file (one stub, an array or {\"stubs\": [...]}; repeatable; env: comma-separated)")
	var journalSize int64
	integer(&journalSize, "journal-size", 10000, "requests kept for /_mock/requests and /_mock/requests/find (bodies over 64 KiB as size + SHA-256)")
	str(&m.ControlToken, "control-token", "", "require this X-Mock-Token on /_mock/ (needed when --addr is not loopback)")
	str(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	str(&c.LogFormat, "log-format", "text", "text or json")
	boolean(&c.MemSyncEnvelope, "memsync-envelope", true, "wrap MemSync success bodies in {data,status,timestamp}")
	boolean(&c.MemSyncLimits, "memsync-rate-limits", true, "enforce MemSync's per-minute limits")
	px := &c.Proxy
	str(&px.Upstream, "upstream", "", "proxy the Memories.ai API (v1 and caption host) to this URL, e.g. https://api.memories.ai; /_mock/ stays local")
	str(&px.MemSyncUpstream, "memsync-upstream", "", "proxy the MemSync listener to this URL")
	str(&px.V2Upstream, "v2-upstream", "", "proxy /serve/api/v2/ (Visual Intelligence v2) to this URL, e.g. https://mavi-backend.memories.ai")
	str(&px.Record, "record", "", "record every proxied exchange as HAR 1.2 files in this directory (keys redacted)")
	str(&px.Redact, "redact", "", "comma-separated extra headers, query/form parameters and JSON fields to redact in recordings")
	integer(&px.RecordMaxBody, "record-max-body", 1<<20, "request bodies (and binary answers) larger than this are recorded as size + SHA-256")
	px.Replay = splitList(env("replay", ""))
	fs.Var(&listFlag{vals: &px.Replay}, "replay", "serve recorded answers from this HAR file or directory before the mock (repeatable; env: comma-separated)")
	boolean(&px.ReplayStrict, "replay-strict", false, "answer requests with no recording 404 naming the closest recorded request")
	str(&px.ReplayIgnore, "replay-ignore", defaultReplayIgnore(), "comma-separated request fields and query parameters ignored when matching recordings")
	num(&px.ReplaySpeed, "replay-speed", 1, "speed factor of replayed event streams (2 = twice as fast)")
	str(&px.ReplayAccount, "replay-account", "sk-test", "API key whose library receives the videos of the recordings with their recorded transcripts and summaries (empty: import nothing; see replay-check -h)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "mockserver: a stateful mock of the Memories.ai API (and MemSync).\n\nUsage: mockserver [flags]\n\nEvery flag can also be set with MOCK_<FLAG> (e.g. MOCK_ADDR, MOCK_DATA_DIR).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	m.StreamChunkSize = int(chunk)
	if journalSize < 1 {
		errs = append(errs, fmt.Errorf("--journal-size %d: want at least 1", journalSize))
	}
	m.JournalSize = int(journalSize)
	if p, err := callbackhosts.Parse(callbackHosts); err != nil {
		errs = append(errs, fmt.Errorf("--callback-hosts: %w", err))
	} else {
		m.CallbackHosts = p
	}
	m.APIKeys = splitList(c.APIKeys)
	m.CaptionAPIKeys = splitList(c.CaptionKeys)
	switch v2On {
	case "on":
	case "off":
		m.DisableV2 = true
	default:
		errs = append(errs, fmt.Errorf("--v2 %q: want on or off", v2On))
	}
	switch streamsOn {
	case "on":
	case "off":
		m.StreamsOff = true
	default:
		errs = append(errs, fmt.Errorf("--streams %q: want on or off", streamsOn))
	}
	if maxStreams < 1 {
		errs = append(errs, fmt.Errorf("--max-streams %d: want at least 1", maxStreams))
	}
	m.MaxStreams = int(maxStreams)
	switch v2Codes {
	case "int":
	case "string":
		m.V2StringCodes = true
	default:
		errs = append(errs, fmt.Errorf("--v2-codes %q: want int or string", v2Codes))
	}
	if v2Limit != 429 && v2Limit != 400 {
		errs = append(errs, fmt.Errorf("--v2-limit-status %d: want 429 or 400", v2Limit))
	}
	m.V2LimitStatus = int(v2Limit)
	switch c.Credits {
	case "on":
	case "off":
		m.CreditsOff = true
	default:
		errs = append(errs, fmt.Errorf("--credits %q: want on or off", c.Credits))
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// Validate checks values that flag parsing alone cannot.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("--addr must not be empty"))
	}
	if c.Mock.ErrorStyle != "v1" && c.Mock.ErrorStyle != "http" {
		errs = append(errs, fmt.Errorf("--error-style %q: want v1 or http", c.Mock.ErrorStyle))
	}
	switch c.Mock.RateLimits {
	case "v1.2", "platform", "off":
	default:
		errs = append(errs, fmt.Errorf("--rate-limits %q: want v1.2, platform or off", c.Mock.RateLimits))
	}
	if c.Mock.ProcessingTime < 0 || c.Mock.ProcessingSpeed < 0 || c.Mock.ScrapeTime < 0 {
		errs = append(errs, errors.New("processing and scrape times must not be negative"))
	}
	if c.Mock.StreamFailProbability < 0 || c.Mock.StreamFailProbability > 1 {
		errs = append(errs, errors.New("--stream-fail-probability must be within [0,1]"))
	}
	if c.Mock.MaxUploadBytes <= 0 {
		errs = append(errs, errors.New("--max-upload-bytes must be positive"))
	}
	if c.Mock.FreeCredits < 0 {
		errs = append(errs, errors.New("--free-credits must not be negative"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	if err := c.Proxy.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
