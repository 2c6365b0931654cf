package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/loadtest"
	"github.com/memharness/memharness/scenarios"
)

// groupOp is the operation that probes a group: a cheap call with a
// minimal valid request. The caption groups need the caption host's
// special key and are probed only when named.
func groupOp(g client.Group) (string, bool) {
	switch g {
	case client.GroupUpload:
		return "upload_url", true
	case client.GroupScraper:
		return "scraper_url", true
	case client.GroupSearch:
		return "search", true
	case client.GroupChat:
		return "chat", true
	case client.GroupMarketer:
		return "marketer_chat", true
	case client.GroupTranscription:
		return "get_video_transcription", true
	case client.GroupSummary:
		return "generate_summary", true
	case client.GroupList:
		return "list_videos", true
	case client.GroupDelete:
		return "delete_videos", true
	case client.GroupDownload:
		return "download", true
	case client.GroupOther:
		return "get_metadata", true
	}
	return "", false
}

// needsVideo: the probe's operation needs a parsed video, found or
// uploaded before the window so the setup does not eat the budget.
func needsVideo(op string) bool {
	switch op {
	case "chat", "generate_summary", "get_video_transcription", "download", "get_metadata":
		return true
	}
	return false
}

// probeResult is one group's finding.
type probeResult struct {
	group      client.Group
	op         string
	limit      client.Limit
	driven     float64
	window     time.Duration
	sent       int
	accepted   int
	limited    int
	other      int
	measured   float64 // accepted per second in the measured part
	verdict    string
	over       bool
	recovered  string
	recoveryOK bool
}

func ratelimitCmd(ctx context.Context, args []string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	fs := flag.NewFlagSet("loadtest ratelimit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var groups listFlag
	fs.Var(&groups, "group", "interface group to probe (repeatable or comma-separated; default all but the caption groups): "+groupNames())
	window := fs.Duration("window", 10*time.Second, "how long to drive each group above its limit (per-minute groups use at least one minute)")
	factor := fs.Float64("factor", 3, "drive at this multiple of the documented limit")
	tol := fs.Float64("tolerance", 0.05, "accepted rate may exceed the documented limit by this fraction")
	targetURL := fs.String("target", "", "API base URL (default $"+client.EnvBaseURL+", else an in-process mock)")
	key := fs.String("key", "", "API key (default $"+client.EnvAPIKey+")")
	allowRemote := fs.Bool("allow-remote", false, "allow a target that is not on loopback")
	ns := fs.String("namespace", "", "unique_id for the probe's data (default ratelimit-<unix time>)")
	seed := fs.Uint64("seed", 1, "seed")
	noRecovery := fs.Bool("no-recovery", false, "skip the recovery check")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *factor <= 1 || *window <= 0 || *tol < 0 {
		fmt.Fprintln(stderr, "loadtest ratelimit: need --factor > 1, --window > 0, --tolerance >= 0")
		return exitUsage
	}
	var todo []client.Group
	if len(groups) == 0 {
		for _, g := range client.Groups() {
			if _, ok := groupOp(g); ok {
				todo = append(todo, g)
			}
		}
	} else {
		for _, spec := range groups {
			for _, name := range strings.Split(spec, ",") {
				g := client.Group(strings.TrimSpace(name))
				if _, ok := groupOp(g); !ok {
					fmt.Fprintf(stderr, "loadtest ratelimit: no probe for group %q (known: %s)\n", g, groupNames())
					return exitUsage
				}
				todo = append(todo, g)
			}
		}
	}
	tgt, err := resolveTarget(ctx, *targetURL, *key, *allowRemote, *seed)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest ratelimit:", err)
		return exitUsage
	}
	defer tgt.stop()
	namespace := *ns
	if namespace == "" {
		namespace = fmt.Sprintf("ratelimit-%d", time.Now().Unix())
	}
	limits := client.DocumentedLimits()
	if tgt.remote {
		fmt.Fprintln(stderr, "loadtest ratelimit: remote target; estimated requests per group:")
		for _, g := range todo {
			l := limits[g]
			w := probeWindow(*window, l)
			op, _ := groupOp(g)
			fmt.Fprintf(stderr, "  %-14s %-24s ~%.0f\n", g, op, l.PerSecond()**factor*w.Seconds()+3)
		}
	}
	// Interrupts: one stops the probes after the current group.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopAll := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case <-sig:
				n++
				if n == 1 {
					close(stopAll)
				} else {
					cancel()
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	paced := client.New(tgt.base, tgt.key)
	setup := scenarios.NewEnv(paced, namespace, *seed)
	var results []probeResult
	for _, g := range todo {
		select {
		case <-stopAll:
		default:
			fmt.Fprintf(stderr, "loadtest ratelimit: probing %s ...\n", g)
			r, err := probe(ctx, tgt, g, limits[g], *window, *factor, *tol, setup, *seed, !*noRecovery)
			if err != nil {
				fmt.Fprintf(stderr, "loadtest ratelimit: %s: %v\n", g, err)
				if ctx.Err() != nil {
					return exitRun
				}
				continue
			}
			results = append(results, r)
			continue
		}
		break
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "group\top\tdocumented\tdriven/s\tsent\taccepted\t0429\tother\taccepted/s\tverdict\trecovery")
	over := false
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%d\t%d\t%d\t%d\t%.3f\t%s\t%s\n", r.group, r.op, r.limit, r.driven, r.sent, r.accepted, r.limited, r.other, r.measured, r.verdict, r.recovered)
		over = over || r.over
	}
	_ = tw.Flush()
	if over {
		return exitThreshold
	}
	if len(results) < len(todo) {
		return exitRun
	}
	return exitOK
}

func groupNames() string {
	var n []string
	for _, g := range client.Groups() {
		if _, ok := groupOp(g); ok {
			n = append(n, string(g))
		}
	}
	return strings.Join(n, ", ")
}

// probeWindow: at least one period of the limit, so per-minute limits are
// measured over a whole minute.
func probeWindow(w time.Duration, l client.Limit) time.Duration {
	if w < l.Per {
		return l.Per
	}
	return w
}

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// probe drives one group above its documented limit and measures what the
// target accepts (any answer but 0429 or a transport failure).
func probe(ctx context.Context, tgt *target, g client.Group, l client.Limit, window time.Duration, factor, tol float64, setup *scenarios.Env, seed uint64, recovery bool) (probeResult, error) {
	op, _ := groupOp(g)
	sc, ok := scenarios.Operation(op)
	if !ok {
		return probeResult{}, fmt.Errorf("no operation %s", op)
	}
	if needsVideo(op) {
		if _, err := setup.Fixtures.ParsedVideo(ctx, setup); err != nil {
			return probeResult{}, fmt.Errorf("setup: %w", err)
		}
	}
	// Start from a full bucket: wait one period after the setup calls.
	if err := wait(ctx, l.Per); err != nil {
		return probeResult{}, err
	}
	w := probeWindow(window, l)
	col := loadtest.NewCollector(nil)
	raw := client.New(tgt.base, tgt.key, client.WithPace(false), client.WithRetry429(0), client.WithRetryNetworkAbnormal(0), client.WithResponseHook(col.Hook()))
	env := scenarios.NewEnv(raw, setup.Namespace, seed)
	env.Fixtures = setup.Fixtures
	rate := l.PerSecond() * factor
	eng, err := loadtest.New(loadtest.Options{Rate: loadtest.Rate{Freq: rate, Per: time.Second}, Duration: w, Workers: 200,
		DrainTimeout: 30 * time.Second, Env: env, Seed: seed, Collector: col, Scenarios: []loadtest.Weighted{{Scenario: sc, Weight: 1}}})
	if err != nil {
		return probeResult{}, err
	}
	r := probeResult{group: g, op: op, limit: l, driven: rate, window: w}
	var start time.Time
	var steady int
	var acceptedAt []time.Time
	for it := range eng.Run(ctx) {
		if start.IsZero() || it.Intended.Before(start) {
			start = it.Intended
		}
		if it.Dropped {
			continue
		}
		r.sent++
		switch it.Outcome {
		case loadtest.OutcomeRateLimited:
			r.limited++
		case loadtest.OutcomeTransport, loadtest.OutcomeCanceled:
			r.other++
		default:
			r.accepted++
			// The first period may spend a burst; the steady part starts
			// after it.
			if it.Intended.Sub(start) >= l.Per {
				steady++
				acceptedAt = append(acceptedAt, it.Intended)
			}
		}
	}
	doc := l.PerSecond()
	if w >= 2*l.Per {
		r.measured = acceptedRate(acceptedAt, rate)
		if r.measured == 0 {
			r.measured = float64(steady) / (w - l.Per).Seconds()
		}
		// Over the limit means accepting more requests than the documented
		// rate allows in the steady window (plus one for the window edge).
		r.over = float64(steady) > doc*(w-l.Per).Seconds()*(1+tol)+1
	} else {
		// One period only: allow one period's burst on top of the rate.
		r.measured = float64(r.accepted) / w.Seconds()
		r.over = float64(r.accepted) > float64(l.Count)+doc*w.Seconds()*(1+tol)+1e-9
	}
	dev := 0.0
	if doc > 0 {
		dev = (r.measured - doc) / doc
	}
	switch {
	case r.over:
		r.verdict = fmt.Sprintf("OVER limit (%+.1f%%)", dev*100)
	case math.Abs(dev) <= tol:
		r.verdict = fmt.Sprintf("within ±%.0f%% (%+.1f%%)", tol*100, dev*100)
	default:
		r.verdict = fmt.Sprintf("below limit (%+.1f%%)", dev*100)
	}
	r.recovered = "skipped"
	if recovery {
		r.recoveryOK, r.recovered = checkRecovery(ctx, l, op, setup)
	}
	return r, nil
}

// acceptedRate estimates the limit from the gaps between accepted
// requests. A token bucket accepts the first request after each refill, and
// with requests driven every 1/driven seconds that request comes on
// average half an interval after the refill; subtracting that bias gives
// the limit itself rather than a phase-dependent fraction of it.
func acceptedRate(at []time.Time, driven float64) float64 {
	if len(at) < 3 || driven <= 0 {
		return 0
	}
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	mean := at[len(at)-1].Sub(at[0]).Seconds() / float64(len(at)-1)
	gap := mean - 1/(2*driven)
	if gap <= 0 {
		return 0
	}
	return 1 / gap
}

// checkRecovery checks that, after the throttling, a paced client with the
// default backoff gets answers other than 0429 again.
func checkRecovery(ctx context.Context, l client.Limit, op string, setup *scenarios.Env) (bool, string) {
	if err := wait(ctx, l.Per); err != nil {
		return false, "interrupted"
	}
	sc, _ := scenarios.Operation(op)
	calls := 3
	if l.Per >= time.Minute {
		calls = 1
	}
	var outs []string
	ok := true
	for i := 0; i < calls; i++ {
		err := sc.Run(ctx, setup.Fork(uint64(i)))
		o := loadtest.Classify(err)
		outs = append(outs, string(o))
		if o == loadtest.OutcomeRateLimited || o == loadtest.OutcomeTransport || o == loadtest.OutcomeCanceled {
			ok = false
		}
	}
	word := "yes"
	if !ok {
		word = "NO"
	}
	return ok, word + " (" + strings.Join(outs, ",") + ")"
}
