// Command contract runs the contract suite (features/*.feature) against the
// in-process mock, a mock at a URL or the real Memories.ai API, without
// knowing godog's flags:
//
//	go run ./cmd/contract                                   # in-process mock
//	go run ./cmd/contract --target http://127.0.0.1:8080 --key sk-test
//	go run ./cmd/contract --target https://api.memories.ai --key $KEY \
//	    --tags '@smoke && ~@costly' --junit out.xml --cucumber out.json
//
// Scenarios tagged @mock-only, @costly or @destructive are left out when the
// target is not a mock (and @callback when it cannot reach 127.0.0.1),
// unless --include or --tags names them. The exit status is 0 when every
// scenario passed, 1 when one failed, 2 on a usage or setup error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
	"golang.org/x/term"

	"github.com/memharness/memharness/contract"
)

// config is the command line, parsed.
type config struct {
	target, key           string
	captionURL, captionKy string
	memsyncURL, memsyncKy string
	v2URL, v2Key          string
	tags, format          string
	junit, cucumber       string
	include               string
	features              string
	concurrency           int
	random                int64
	stopOnFailure         bool
	noColors              bool
	waitTimeout           time.Duration
	planOnly              bool
	// record, redact and driftReport run the suite through a recording,
	// drift-checking proxy (proxy.go).
	record, redact, driftReport string
}

// load parses args with defaults from the environment; it never exits.
func load(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("contract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.target, "target", getenv(contract.EnvBaseURL), "base URL of the API under test; empty starts an in-process mock (env "+contract.EnvBaseURL+")")
	fs.StringVar(&c.key, "key", getenv(contract.EnvAPIKey), "API key for --target (env "+contract.EnvAPIKey+")")
	fs.StringVar(&c.captionURL, "caption-target", getenv(contract.EnvCaptionBaseURL), "base URL of the caption host when it differs from --target (env "+contract.EnvCaptionBaseURL+")")
	fs.StringVar(&c.captionKy, "caption-key", getenv(contract.EnvCaptionKey), "key of the caption host (env "+contract.EnvCaptionKey+")")
	fs.StringVar(&c.memsyncURL, "memsync-target", getenv(contract.EnvMemSyncBaseURL), "base URL of a MemSync server; empty starts an in-process one (env "+contract.EnvMemSyncBaseURL+")")
	fs.StringVar(&c.memsyncKy, "memsync-key", getenv(contract.EnvMemSyncKey), "X-API-Key for --memsync-target (env "+contract.EnvMemSyncKey+")")
	fs.StringVar(&c.v2URL, "v2-target", getenv(contract.EnvV2BaseURL), "Visual Intelligence v2 base URL (…/serve/api/v2); empty: the mock target's /serve/api/v2, and @v2 scenarios skip on a target that is not a mock (env "+contract.EnvV2BaseURL+")")
	fs.StringVar(&c.v2Key, "v2-key", getenv(contract.EnvV2APIKey), "API key for --v2-target (default --key; env "+contract.EnvV2APIKey+")")
	fs.StringVar(&c.tags, "tags", "", "godog tag expression, e.g. '@smoke && ~@costly' (commas are OR inside an && part)")
	fs.StringVar(&c.format, "format", "", "pretty or progress (default: pretty on a terminal, progress otherwise); any godog formatter")
	fs.StringVar(&c.junit, "junit", "", "also write a JUnit XML report to this file")
	fs.StringVar(&c.cucumber, "cucumber", "", "also write a Cucumber JSON report to this file")
	fs.StringVar(&c.include, "include", getenv(contract.EnvInclude), "tags to run even on a target that is not a mock, e.g. @costly,@destructive (env "+contract.EnvInclude+")")
	fs.StringVar(&c.features, "features", "", "directory of .feature files (default: the suite's own features)")
	fs.IntVar(&c.concurrency, "concurrency", 1, "scenarios run at once")
	fs.Int64Var(&c.random, "random", 0, "shuffle scenarios with this seed (-1 picks one)")
	fs.BoolVar(&c.stopOnFailure, "stop-on-failure", false, "stop at the first failed scenario")
	fs.BoolVar(&c.noColors, "no-colors", false, "disable colors")
	fs.DurationVar(&c.waitTimeout, "wait-timeout", 0, "how long to wait for processing on a remote target (default 10m; env "+contract.EnvWaitTimeout+")")
	fs.BoolVar(&c.planOnly, "plan", false, "print the target and what would be skipped, run nothing")
	fs.StringVar(&c.record, "record", "", "record every exchange of the run as HAR 1.2 files in this directory (keys redacted)")
	fs.StringVar(&c.redact, "redact", "", "extra headers and JSON fields to redact in recordings and the drift report (comma-separated)")
	fs.StringVar(&c.driftReport, "drift-report", "", "write where the answers depart from openapi/ to this file (.html for a page, else JSON)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if c.target != "" && c.key == "" {
		return c, errors.New("--target needs --key (or " + contract.EnvAPIKey + ")")
	}
	if c.concurrency < 1 {
		return c, errors.New("--concurrency must be at least 1")
	}
	if c.waitTimeout == 0 {
		if d := getenv(contract.EnvWaitTimeout); d != "" {
			v, err := time.ParseDuration(d)
			if err != nil {
				return c, fmt.Errorf("%s=%q: %w", contract.EnvWaitTimeout, d, err)
			}
			c.waitTimeout = v
		}
	}
	return c, nil
}

// formats composes godog's multi-formatter string: "pretty,junit:out.xml,...".
func (c config) formats(terminal bool) string {
	f := c.format
	if f == "" {
		f = "progress"
		if terminal {
			f = "pretty"
		}
	}
	if c.junit != "" {
		f += ",junit:" + c.junit
	}
	if c.cucumber != "" {
		f += ",cucumber:" + c.cucumber
	}
	return f
}

func (c config) suiteConfig(ctx context.Context, terminal bool, stdout io.Writer) contract.Config {
	out := stdout
	noColors := c.noColors || !terminal
	if !noColors {
		out = colors.Colored(stdout)
	}
	opts := godog.Options{
		Format:        c.formats(terminal),
		Tags:          c.tags,
		Strict:        true,
		Concurrency:   c.concurrency,
		Randomize:     c.random,
		StopOnFailure: c.stopOnFailure,
		NoColors:      noColors,
		Output:        out,
		// Steps see Ctrl-C through their contexts.
		DefaultContext: ctx,
	}
	if c.features != "" {
		opts.FS = os.DirFS(c.features)
		opts.Paths = []string{"."}
	}
	return contract.Config{
		Options:     opts,
		TargetURL:   c.target,
		APIKey:      c.key,
		CaptionURL:  c.captionURL,
		CaptionKey:  c.captionKy,
		MemSyncURL:  c.memsyncURL,
		MemSyncKey:  c.memsyncKy,
		V2URL:       c.v2URL,
		V2Key:       c.v2Key,
		Include:     contract.SplitTags(c.include),
		WaitTimeout: c.waitTimeout,
		Log:         stdout,
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, terminal bool) int {
	c, err := load(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "contract:", err)
		return 2
	}
	cfg := c.suiteConfig(ctx, terminal, stdout)
	cfg.ControlToken = getenv(contract.EnvControlToken)
	finish, err := c.proxied(&cfg, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "contract:", err)
		return 2
	}
	defer func() {
		if err := finish(); err != nil {
			fmt.Fprintln(stderr, "contract:", err)
		}
	}()
	s, err := contract.NewSuite(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "contract:", err)
		return 2
	}
	defer s.Close()
	if c.planOnly {
		if err := s.Plan(stdout); err != nil {
			fmt.Fprintln(stderr, "contract:", err)
			return 2
		}
		return 0
	}
	if status := s.Run(); status != 0 {
		return 1
	}
	return 0
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	terminal := term.IsTerminal(int(os.Stdout.Fd()))
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, terminal))
}
