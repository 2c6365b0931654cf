// Command loadtest drives the Memories.ai API (the in-process mock, a mock
// at a URL, or the real service) with the same scenarios the contract suite
// runs, and reports latency percentiles, outcome classes and throughput.
//
//	loadtest [run] --rate 50/s --duration 30s --scenario search-library=3 --out results/
//	loadtest run --op search --rate 200/s --threshold 'p99<50ms'
//	loadtest merge a/result.json b/result.json --out merged/
//	loadtest ratelimit --group search --window 10s
//
// The target comes from --target or MEMORIES_API_BASE_URL, the key from
// --key or MEMORIES_API_KEY. A target that is not on loopback needs
// --allow-remote, and the run then prints what it will spend.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK        = 0
	exitThreshold = 1 // a threshold failed, or ratelimit found a limit exceeded
	exitUsage     = 2 // bad flags or configuration
	exitRun       = 3 // the run could not be carried out
)

func main() {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	os.Exit(Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr, sig))
}

// Main runs the command line; tests call it with their own writers and
// signal channel.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	cmd := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runCmd(ctx, args, stdout, stderr, sig)
	case "merge":
		return mergeCmd(args, stdout, stderr)
	case "ratelimit":
		return ratelimitCmd(ctx, args, stdout, stderr, sig)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "loadtest: unknown command %q\n%s", cmd, usage)
	return exitUsage
}

const usage = `usage:
  loadtest [run] [flags]                 run a load test (default command)
  loadtest merge A.json B.json --out DIR merge results of several machines
  loadtest ratelimit [flags]             probe each interface group's rate limit
Run "loadtest run -h", "loadtest merge -h" or "loadtest ratelimit -h" for flags.
`
