package contract

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/features"
)

// Environment variables the suite reads (ConfigFromEnv).
const (
	// EnvBaseURL and EnvAPIKey select a running server instead of the
	// in-process mock (both must be set).
	EnvBaseURL = client.EnvBaseURL
	EnvAPIKey  = client.EnvAPIKey
	// EnvCaptionBaseURL and EnvCaptionKey point at the caption host when it
	// differs from the API host (the real security.memories.ai).
	EnvCaptionBaseURL = client.EnvCaptionBaseURL
	EnvCaptionKey     = client.EnvCaptionKey
	// EnvMemSyncBaseURL and EnvMemSyncKey select a running MemSync server
	// instead of the in-process one.
	EnvMemSyncBaseURL = "MEMSYNC_API_BASE_URL"
	EnvMemSyncKey     = "MEMSYNC_API_KEY"
	// EnvV2BaseURL and EnvV2APIKey select a running Visual Intelligence v2
	// server (the base URL ends in /serve/api/v2, as the vendor's CLI has
	// it); the key defaults to EnvAPIKey. Without a URL, v2 scenarios run
	// against the mock target's /serve/api/v2, or skip when the target is
	// not a mock.
	EnvV2BaseURL = "MEMORIES_V2_BASE_URL"
	EnvV2APIKey  = "MEMORIES_V2_API_KEY"
	// EnvInclude lists tags to run even though the target is not a mock,
	// e.g. "@costly,@destructive".
	EnvInclude = "CONTRACT_INCLUDE"
	// EnvControlToken is sent as X-Mock-Token on /_mock/ calls to a mock
	// that protects its control plane.
	EnvControlToken = "CONTRACT_MOCK_TOKEN"
	// EnvWaitTimeout bounds waiting for a video to be processed on a
	// remote target (a Go duration, default 10m).
	EnvWaitTimeout = "CONTRACT_WAIT_TIMEOUT"
)

// Config says what to run against what.
type Config struct {
	// Options are godog's run options (tags, format, output, paths ...).
	// Format defaults to "progress", Paths/FS to the embedded features.
	Options godog.Options
	// TargetURL and APIKey select a running server; an empty TargetURL
	// starts an in-process mock.
	TargetURL, APIKey string
	// CaptionURL and CaptionKey configure the caption host of a remote
	// target (default: the target itself and APIKey).
	CaptionURL, CaptionKey string
	// MemSyncURL and MemSyncKey select a running MemSync server; an empty
	// MemSyncURL starts an in-process one.
	MemSyncURL, MemSyncKey string
	// V2URL and V2Key select a running v2 server (V2URL is the v2 base,
	// e.g. https://mavi-backend.memories.ai/serve/api/v2); V2Key defaults
	// to APIKey. An empty V2URL uses the mock target's /serve/api/v2.
	V2URL, V2Key string
	// ControlToken is sent as X-Mock-Token on control-plane calls.
	ControlToken string
	// Include names tags that run even on a target that is not a mock.
	Include []string
	// ProcessingTime is the in-process mock's UNPARSE -> PARSE time
	// (default 300ms).
	ProcessingTime time.Duration
	// WaitTimeout bounds polling for a status on a remote target (default
	// 10m); on a mock the control plane finishes processing at once.
	WaitTimeout time.Duration
	// Log receives the run plan and the skip report (default
	// Options.Output, else stdout).
	Log io.Writer
}

// ConfigFromEnv fills the target part of a Config from the environment.
func ConfigFromEnv() (Config, error) {
	c := Config{
		TargetURL:    os.Getenv(EnvBaseURL),
		APIKey:       os.Getenv(EnvAPIKey),
		CaptionURL:   os.Getenv(EnvCaptionBaseURL),
		CaptionKey:   os.Getenv(EnvCaptionKey),
		MemSyncURL:   os.Getenv(EnvMemSyncBaseURL),
		MemSyncKey:   os.Getenv(EnvMemSyncKey),
		V2URL:        os.Getenv(EnvV2BaseURL),
		V2Key:        os.Getenv(EnvV2APIKey),
		ControlToken: os.Getenv(EnvControlToken),
		Include:      SplitTags(os.Getenv(EnvInclude)),
	}
	if d := os.Getenv(EnvWaitTimeout); d != "" {
		v, err := time.ParseDuration(d)
		if err != nil {
			return c, fmt.Errorf("contract: %s=%q: %w", EnvWaitTimeout, d, err)
		}
		c.WaitTimeout = v
	}
	return c, nil
}

// SplitTags splits "@a, @b" into ["@a", "@b"], adding missing @.
func SplitTags(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '&' }) {
		if p = strings.TrimSpace(p); p != "" {
			if !strings.HasPrefix(p, "@") {
				p = "@" + p
			}
			out = append(out, p)
		}
	}
	return out
}

// autoSkip is a tag the suite leaves out unless the target allows it or the
// user asked for it.
type autoSkip struct {
	tag string
	why string
}

// Suite is one contract run: targets, descriptions, and the godog wiring.
type Suite struct {
	cfg       Config
	opts      godog.Options
	userTags  string
	specs     *Specs
	validator *Validator
	runID     string
	runSeed   uint32
	log       io.Writer

	memories   *Target
	restricted lazyTarget
	memsync    *Target
	// v2 is the Visual Intelligence v2 target (nil: v2 scenarios skip).
	v2 *Target
	// skipped are the auto-skipped tags of this run, with reasons.
	skipped []autoSkip

	clients  *clientPool
	par      parallel // @serial scenarios and the target's configuration (parallel.go)
	counter  counter
	mu       sync.Mutex
	stepSkip []string // "scenario: reason" of step-level skips
	patterns []stepDef
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

// restrictedKey is the only key the restricted in-process mock accepts.
const restrictedKey = "sk-contract-allowed"

// NewSuite loads the descriptions, starts or probes the targets and works
// out which tags to leave out. Close it when done.
func NewSuite(ctx context.Context, cfg Config) (*Suite, error) {
	specs, err := LoadSpecs()
	if err != nil {
		return nil, err
	}
	s := &Suite{cfg: cfg, opts: cfg.Options, specs: specs, validator: NewValidator(specs), runID: newRunID()}
	if v, err := strconv.ParseUint(s.runID, 16, 32); err == nil {
		s.runSeed = uint32(v)
	}
	s.log = cfg.Log
	if s.log == nil {
		s.log = cfg.Options.Output
	}
	if s.log == nil {
		s.log = os.Stdout
	}
	if s.opts.Format == "" {
		s.opts.Format = "progress"
	}
	if s.opts.FS == nil && len(s.opts.Paths) == 0 && len(s.opts.FeatureContents) == 0 {
		s.opts.FS = features.FS
		s.opts.Paths = []string{"."}
	}
	if s.cfg.WaitTimeout <= 0 {
		s.cfg.WaitTimeout = 10 * time.Minute
	}
	switch {
	case cfg.TargetURL == "":
		t, err := StartMock("in-process mock", InProcessOptions(cfg.ProcessingTime))
		if err != nil {
			return nil, err
		}
		s.memories = t
	case cfg.APIKey == "":
		return nil, fmt.Errorf("contract: a target URL (%s) needs an API key (%s)", EnvBaseURL, EnvAPIKey)
	default:
		s.memories = Remote(ctx, cfg.TargetURL, cfg.APIKey, cfg.ControlToken)
	}
	s.restricted.start = func() (*Target, error) {
		o := InProcessOptions(cfg.ProcessingTime)
		o.APIKeys = []string{restrictedKey}
		return StartMock("in-process mock with restricted keys", o)
	}
	switch {
	case cfg.MemSyncURL == "":
		t, err := StartMemSync()
		if err != nil {
			s.Close()
			return nil, err
		}
		s.memsync = t
	case cfg.MemSyncKey == "":
		s.Close()
		return nil, fmt.Errorf("contract: a MemSync URL (%s) needs a key (%s)", EnvMemSyncBaseURL, EnvMemSyncKey)
	default:
		// A remote MemSync counts as a mock only beside a mock target on the
		// same host (the mockserver binary serves both).
		s.memsync = &Target{Name: cfg.MemSyncURL, BaseURL: strings.TrimRight(cfg.MemSyncURL, "/"), Key: cfg.MemSyncKey,
			Mock: s.memories.Mock && sameHost(cfg.MemSyncURL, s.memories.BaseURL)}
		s.memsync.FreshKeys = s.memsync.Mock && memsyncAcceptsNewKey(ctx, s.memsync.BaseURL)
	}
	if err := s.startV2(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.clients = newClientPool(s)
	s.userTags = strings.TrimSpace(s.opts.Tags)
	s.opts.Tags, s.skipped = s.tagFilter()
	return s, nil
}

func sameHost(a, b string) bool {
	ha, hb := hostOf(a), hostOf(b)
	return ha != "" && ha == hb
}

func newRunID() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%08x", time.Now().UnixNano()&0xffffffff)
	}
	return hex.EncodeToString(b[:])
}

// tagFilter returns the godog tag expression of the run: the user's, and
// the exclusions the target needs.
func (s *Suite) tagFilter() (string, []autoSkip) {
	var skips []autoSkip
	if !s.memories.Mock {
		skips = append(skips,
			autoSkip{"@mock-only", "it uses the /_mock/ control plane and the target is not a mock"},
			autoSkip{"@costly", "it spends credits and the target is not a mock"},
			autoSkip{"@destructive", "it deletes data and the target is not a mock"},
		)
	}
	if !s.memories.Loopback() {
		skips = append(skips, autoSkip{"@callback", "its callback receiver listens on 127.0.0.1, which the target cannot reach"})
	}
	var kept []autoSkip
	for _, sk := range skips {
		if s.explicitlyIncluded(sk.tag) {
			continue
		}
		kept = append(kept, sk)
	}
	expr := s.userTags
	for _, sk := range kept {
		if expr == "" {
			expr = "~" + sk.tag
		} else {
			expr += " && ~" + sk.tag
		}
	}
	return expr, kept
}

// explicitlyIncluded reports whether the user named tag positively in the
// tag expression or in CONTRACT_INCLUDE.
func (s *Suite) explicitlyIncluded(tag string) bool {
	for _, t := range s.cfg.Include {
		if t == tag {
			return true
		}
	}
	for _, part := range strings.FieldsFunc(s.userTags, func(r rune) bool { return r == ',' || r == '&' || r == ' ' }) {
		if strings.TrimSpace(part) == tag {
			return true
		}
	}
	return false
}

// Plan writes what the run targets and what it leaves out, and why.
func (s *Suite) Plan(w io.Writer) error {
	kind := "not a mock"
	if s.memories.Mock {
		kind = "a mock"
	}
	fmt.Fprintf(w, "contract: Memories.ai target %s (%s); MemSync target %s\n", s.memories.Name, kind, s.memsync.Name)
	if s.v2 != nil {
		fmt.Fprintf(w, "contract: v2 target %s\n", s.v2.Name)
	} else {
		fmt.Fprintf(w, "contract: no v2 target (set %s): @v2 scenarios skip\n", EnvV2BaseURL)
	}
	if len(s.skipped) == 0 {
		return nil
	}
	pickles, err := ScanFeatures(s.opts.FS, s.opts.Paths)
	if err != nil {
		return err
	}
	for _, sk := range s.skipped {
		var names []string
		for _, p := range pickles {
			if p.HasTag(sk.tag) && MatchTags(s.userTags, p.Tags) {
				names = append(names, p.Location())
			}
		}
		if len(names) == 0 {
			continue
		}
		fmt.Fprintf(w, "contract: skipping %d scenario(s) tagged %s because %s (include them with -godog.tags or %s=%s):\n", len(names), sk.tag, sk.why, EnvInclude, sk.tag)
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	return nil
}

// noteSkip records a scenario skipped by one of its steps.
func (s *Suite) noteSkip(scenario, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stepSkip = append(s.stepSkip, scenario+": "+reason)
}

// SkipReport writes the scenarios that skipped themselves at run time.
func (s *Suite) SkipReport(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.stepSkip) == 0 {
		return
	}
	fmt.Fprintf(w, "contract: %d scenario(s) skipped themselves:\n", len(s.stepSkip))
	for _, r := range s.stepSkip {
		fmt.Fprintf(w, "  - %s\n", r)
	}
}

// Options returns the godog options of the run (tags with the exclusions).
func (s *Suite) Options() godog.Options { return s.opts }

// TestSuite returns the godog suite with the run's options.
func (s *Suite) TestSuite() godog.TestSuite {
	opts := s.opts
	return godog.TestSuite{
		Name:                 "contract",
		TestSuiteInitializer: s.initSuite,
		ScenarioInitializer:  s.initScenario,
		Options:              &opts,
	}
}

// Run prints the plan, runs the suite and the skip report, and returns
// godog's exit status (0 = all passed).
func (s *Suite) Run() int {
	if err := s.Plan(s.log); err != nil {
		fmt.Fprintf(s.log, "contract: %v\n", err)
		return 2
	}
	status := s.TestSuite().Run()
	s.SkipReport(s.log)
	return status
}

// initSuite has nothing to prepare: targets are started by NewSuite.
func (s *Suite) initSuite(*godog.TestSuiteContext) {}

// Close stops in-process targets.
func (s *Suite) Close() {
	s.memories.Close()
	if s.restricted.start != nil {
		s.restricted.close()
	}
	s.memsync.Close()
	s.v2.Close()
}

// Run is the one-call entry point of cmd/contract: build, run, close.
func Run(ctx context.Context, cfg Config) (int, error) {
	s, err := NewSuite(ctx, cfg)
	if err != nil {
		return 2, err
	}
	defer s.Close()
	return s.Run(), nil
}

// featuresFS is the default feature set.
func featuresFS() fs.FS { return features.FS }
