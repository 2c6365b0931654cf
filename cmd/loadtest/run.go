package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/loadtest"
	"github.com/memharness/memharness/scenarios"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// defaultMix is the workload when none is given: read-heavy, as most
// production traffic of a video library is.
func defaultMix() []string {
	return []string{"search-library=7", "list-videos=2", "chat-about-video=1"}
}

// runConfig is the parsed run command line.
type runConfig struct {
	rate, ramp             string
	duration               time.Duration
	requests               uint64
	vus                    int
	think                  time.Duration
	scen                   listFlag
	ops                    listFlag
	targetURL, key         string
	memsyncURL, memsyncKey string
	v2URL, v2Key           string
	allowRemote, quiet     bool
	noPace                 bool
	retries                int
	thresholds             listFlag
	out                    string
	workers                int
	seed                   uint64
	namespace              string
	videoURL               string
	drain                  time.Duration
	label                  string
	progress               string
	cpuprofile             string
	gzip                   bool
}

func parseRun(args []string, stderr io.Writer) (*runConfig, *flag.FlagSet, error) {
	c := &runConfig{}
	fs := flag.NewFlagSet("loadtest run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.rate, "rate", "", "open-model arrival rate: N/s or N/m (default 10/s when no --ramp or --vus)")
	fs.StringVar(&c.ramp, "ramp", "", "linear ramp START:END over --duration, e.g. 10/s:100/s")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to start iterations (0 with --requests: until N are done)")
	fs.Uint64Var(&c.requests, "requests", 0, "stop after N iterations")
	fs.IntVar(&c.vus, "vus", 0, "closed model: N virtual users looping iterations")
	fs.DurationVar(&c.think, "think", 0, "closed model: pause between a VU's iterations")
	fs.Var(&c.scen, "scenario", "scenario NAME or NAME=WEIGHT (repeatable; default a read-heavy mix)")
	fs.Var(&c.ops, "op", "single operation with a minimal valid request, OP or OP=WEIGHT (repeatable)")
	fs.StringVar(&c.targetURL, "target", "", "API base URL (default $"+client.EnvBaseURL+", else an in-process mock)")
	fs.StringVar(&c.memsyncURL, "memsync-target", "", "MemSync base URL for the memsync-* scenarios (default $"+scenarios.EnvMemSyncBaseURL+", else an in-process MemSync mock)")
	fs.StringVar(&c.memsyncKey, "memsync-key", "", "MemSync API key (default $"+scenarios.EnvMemSyncAPIKey+")")
	fs.StringVar(&c.v2URL, "v2-target", "", "Visual Intelligence v2 base URL (…/serve/api/v2) for v2 scenarios and v2_* operations (default $"+scenarios.EnvV2BaseURL+", else the target's /serve/api/v2 when it is the in-process mock)")
	fs.StringVar(&c.v2Key, "v2-key", "", "v2 API key (default $"+scenarios.EnvV2APIKey+", else the --key)")
	fs.StringVar(&c.key, "key", "", "API key (default $"+client.EnvAPIKey+")")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a target that is not on loopback")
	fs.BoolVar(&c.noPace, "no-pace", true, "no client-side pacing (measure the server); --no-pace=false paces within the documented limits")
	fs.IntVar(&c.retries, "retries", 0, "retries of 0429 answers (0: none, so throttling shows)")
	fs.Var(&c.thresholds, "threshold", "pass/fail criterion, e.g. 'p99<50ms', 'search:p99<20ms', 'errors<1%' (repeatable; exit 1 on failure)")
	fs.StringVar(&c.out, "out", "", "directory for result.json and report.html")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress output and no table")
	fs.IntVar(&c.workers, "workers", 1000, "open model: cap on concurrent iterations (beyond it iterations are dropped)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of scenario choices")
	fs.StringVar(&c.namespace, "namespace", "", "unique_id for the run's data (default loadtest-<unix time>)")
	fs.StringVar(&c.videoURL, "video-url", "", "source URL of uploads (default a small public sample)")
	fs.DurationVar(&c.drain, "drain", time.Minute, "after the schedule, wait at most this long for in-flight iterations")
	fs.StringVar(&c.label, "label", "", "label stored in the result")
	fs.StringVar(&c.progress, "progress", "auto", "progress display: auto (bars on a terminal), bars, lines, none")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the run to this file (to measure the tool itself)")
	fs.BoolVar(&c.gzip, "gzip", false, "ask for gzip-compressed responses, as Go's default client does (off: the tool does not spend CPU inflating)")
	if err := fs.Parse(args); err != nil {
		return nil, fs, err
	}
	if fs.NArg() > 0 {
		return nil, fs, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, fs, nil
}

// workload resolves --scenario and --op into weighted scenarios.
func workload(c *runConfig) ([]loadtest.Weighted, error) {
	var out []loadtest.Weighted
	parse := func(spec string, lookup func(string) (scenarios.Scenario, bool), kind string, known func() []string) error {
		name, w, hasW := strings.Cut(spec, "=")
		weight := 1
		if hasW {
			n, err := strconv.Atoi(w)
			if err != nil || n < 0 {
				return fmt.Errorf("%s %q: weight must be a non-negative integer", kind, spec)
			}
			weight = n
		}
		s, ok := lookup(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("unknown %s %q (known: %s)", kind, name, strings.Join(known(), ", "))
		}
		out = append(out, loadtest.Weighted{Scenario: s, Weight: weight})
		return nil
	}
	scen := c.scen
	if len(scen) == 0 && len(c.ops) == 0 {
		scen = defaultMix()
	}
	names := func() []string {
		var n []string
		for _, s := range scenarios.All() {
			n = append(n, s.Name)
		}
		return n
	}
	for _, s := range scen {
		if err := parse(s, scenarios.Get, "scenario", names); err != nil {
			return nil, err
		}
	}
	for _, s := range c.ops {
		if err := parse(s, scenarios.Operation, "operation", scenarios.Operations); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// opsPerIteration estimates the API calls of one iteration, for the spend
// notice of remote runs.
func opsPerIteration(name string) map[string]float64 {
	switch name {
	case "search-library":
		return map[string]float64{"search": 1}
	case "list-videos":
		return map[string]float64{"list_videos": 1}
	case "chat-about-video":
		return map[string]float64{"chat_stream": 1}
	case "upload-url-and-wait":
		return map[string]float64{"upload_url": 1, "list_videos": 10}
	case "list-and-delete":
		return map[string]float64{"upload_url": 1, "list_videos": 2, "delete_videos": 2}
	case "v2-upload-transcribe-chat":
		return map[string]float64{"v2_upload": 1, "v2_asset_metadata": 3, "v2_audio_sync": 1, "v2_vu_chat": 1}
	}
	return map[string]float64{name: 1}
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	c, _, err := parseRun(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, "loadtest run:", err)
		return exitUsage
	}
	ths, err := loadtest.ParseThresholds(c.thresholds)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest run:", err)
		return exitUsage
	}
	work, err := workload(c)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest run:", err)
		return exitUsage
	}
	opts := loadtest.Options{Duration: c.duration, MaxRequests: c.requests, VUs: c.vus, ThinkTime: c.think,
		Workers: c.workers, Seed: c.seed, DrainTimeout: c.drain, Scenarios: work, Signals: sig,
		// Progress reads the engine's counters and the table the
		// collector: nobody needs the per-iteration results.
		DiscardResults: true}
	switch {
	case c.ramp != "":
		opts.RampStart, opts.RampEnd, err = loadtest.ParseRamp(c.ramp)
	case c.rate != "":
		opts.Rate, err = loadtest.ParseRate(c.rate)
	case c.vus == 0:
		opts.Rate = loadtest.Rate{Freq: 10, Per: time.Second}
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadtest run:", err)
		return exitUsage
	}
	if c.requests > 0 && c.duration == 10*time.Second && !flagSet(args, "duration") {
		// --requests alone bounds the run by count, not by the default time.
		opts.Duration = 0
	}
	tgt, err := resolveTarget(ctx, c.targetURL, c.key, c.allowRemote, c.seed)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest run:", err)
		return exitUsage
	}
	defer tgt.stop()

	col := loadtest.NewCollector(nil)
	opts.Collector = col
	conns := c.workers
	if c.vus > 0 {
		conns = c.vus
	}
	hc := httpClient(conns, c.gzip)
	defer hc.CloseIdleConnections()
	cl := client.New(tgt.base, tgt.key, client.WithPace(!c.noPace), client.WithRetry429(c.retries),
		client.WithRetryNetworkAbnormal(c.retries), client.WithResponseHook(col.Hook()), client.WithHTTPClient(hc))
	ns := c.namespace
	if ns == "" {
		ns = fmt.Sprintf("loadtest-%d", time.Now().Unix())
	}
	env := scenarios.NewEnv(cl, ns, c.seed)
	env.VideoURL = c.videoURL
	env.Recorder = col
	if usesMemSync(work) {
		ms, stop, err := resolveMemSync(c.memsyncURL, c.memsyncKey, c.allowRemote, c.seed)
		if err != nil {
			fmt.Fprintln(stderr, "loadtest run:", err)
			return exitUsage
		}
		defer stop()
		ms.HTTP = hc
		env.MemSync = ms
	}
	if usesV2(work) {
		v2, err := resolveV2(tgt, c.v2URL, c.v2Key, c.allowRemote)
		if err != nil {
			fmt.Fprintln(stderr, "loadtest run:", err)
			return exitUsage
		}
		v2.HTTP = hc
		env.V2 = v2
	}
	opts.Env = env
	eng, err := loadtest.New(opts)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest run:", err)
		return exitUsage
	}
	desc := describe(opts, eng, work)
	if tgt.remote {
		printSpend(stderr, eng, work)
	}
	if !c.quiet {
		fmt.Fprintf(stderr, "loadtest: %s against %s (namespace %s, pacing %v)\n", desc, tgt.base, ns, !c.noPace)
	}
	mode := progressMode(c.progress, c.quiet, stdout)
	prog := newProgress(mode, stdout, eng, opts, work)
	if os.Getenv("GOGC") == "" {
		// The run allocates per request (request, response, decoded
		// body) while its live heap (histograms, connections) stays
		// small, so the default GOGC=100 collects dozens of times a
		// second at high rates; a larger ratio gives that CPU to the
		// requests. GOGC in the environment wins.
		defer debug.SetGCPercent(debug.SetGCPercent(runGCPercent))
	}
	stopProfile, err := startCPUProfile(c.cpuprofile)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest run:", err)
		return exitUsage
	}
	for range eng.Run(ctx) {
		// The collector already observed it; results only feed progress.
	}
	stopProfile()
	prog.finish()
	res := col.Result()
	res.Label, res.Target, res.Workload = c.label, tgt.base, desc
	verdicts := loadtest.Evaluate(res, ths)
	if !c.quiet {
		fmt.Fprintln(stdout)
		if err := res.WriteTable(stdout); err != nil {
			fmt.Fprintln(stderr, "loadtest run:", err)
		}
	}
	for _, v := range verdicts {
		fmt.Fprintln(stdout, v.Message)
	}
	if c.out != "" {
		if err := writeOutputs(c.out, &res, verdicts); err != nil {
			fmt.Fprintln(stderr, "loadtest run:", err)
			return exitRun
		}
		if !c.quiet {
			fmt.Fprintf(stderr, "loadtest: wrote %s and %s\n", filepath.Join(c.out, "result.json"), filepath.Join(c.out, "report.html"))
		}
	}
	if !loadtest.Passed(verdicts) {
		return exitThreshold
	}
	return exitOK
}

// runGCPercent is the GC target of a run (see runCmd).
const runGCPercent = 400

// httpClient is the run's HTTP client: an idle pool as large as the run's
// concurrency (VUs, or the open model's worker cap), so no iteration
// reopens a connection because the pool was too small, and no
// compression unless asked (the answers are read and dropped, inflating
// them is the tool's own cost).
func httpClient(conns int, gzip bool) *http.Client {
	var tr *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	if conns < 2 {
		conns = 2
	}
	tr.MaxIdleConns = conns
	tr.MaxIdleConnsPerHost = conns
	tr.DisableCompression = !gzip
	return &http.Client{Transport: tr}
}

// startCPUProfile starts a CPU profile into path ("" does nothing) and
// returns the function that ends it.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

func flagSet(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func describe(o loadtest.Options, e *loadtest.Engine, work []loadtest.Weighted) string {
	var parts []string
	for _, w := range work {
		parts = append(parts, fmt.Sprintf("%s=%d", w.Scenario.Name, w.Weight))
	}
	model := ""
	if o.VUs > 0 {
		model = fmt.Sprintf("%d VUs (think %s)", o.VUs, o.ThinkTime)
	} else {
		model = e.Pacer().String()
	}
	bound := ""
	if o.Duration > 0 {
		bound = " for " + o.Duration.String()
	}
	if o.MaxRequests > 0 {
		bound += fmt.Sprintf(" (at most %d iterations)", o.MaxRequests)
	}
	return fmt.Sprintf("%s%s of %s", model, bound, strings.Join(parts, " "))
}

// printSpend tells what a remote run will send, per operation.
func printSpend(w io.Writer, e *loadtest.Engine, work []loadtest.Weighted) {
	total := e.Expected()
	if total == 0 {
		fmt.Fprintln(w, "loadtest: remote target; the request count depends on the target's speed (closed model)")
		return
	}
	sum := 0
	for _, x := range work {
		sum += x.Weight
	}
	per := map[string]float64{}
	for _, x := range work {
		share := float64(total) * float64(x.Weight) / float64(sum)
		for op, n := range opsPerIteration(x.Scenario.Name) {
			per[op] += share * n
		}
	}
	ops := make([]string, 0, len(per))
	for op := range per {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	fmt.Fprintf(w, "loadtest: remote target: about %d iterations; estimated requests per operation:\n", total)
	for _, op := range ops {
		note := ""
		switch op {
		case "upload_url", "scraper_url":
			note = "  (indexes video: spends credits)"
		case "chat_stream", "chat", "marketer_chat":
			note = "  (token-metered)"
		}
		fmt.Fprintf(w, "  %-22s ~%.0f%s\n", op, per[op], note)
	}
}

func writeOutputs(dir string, res *loadtest.Result, verdicts []loadtest.Verdict) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, fn func(io.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		return f.Close()
	}
	if err := write("result.json", res.WriteJSON); err != nil {
		return err
	}
	return write("report.html", func(w io.Writer) error { return res.WriteHTML(w, verdicts) })
}
