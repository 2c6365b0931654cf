// Command goflow runs the generated Go clients' flows (package
// clients/go/flow) against a running mock: the Memories.ai flow against
// MEMORIES_API_BASE_URL and, when MEMSYNC_API_BASE_URL is set, the MemSync
// flow. It exits 0 when every answer matched the spec, 1 otherwise; CI runs
// it against the built mockserver binary.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/memharness/memharness/clients/go/flow"
)

func main() {
	cfg := flow.Config{
		BaseURL:    os.Getenv("MEMORIES_API_BASE_URL"),
		Key:        envOr("MEMORIES_API_KEY", "sk-goflow"),
		MemSyncURL: os.Getenv("MEMSYNC_API_BASE_URL"),
		MemSyncKey: envOr("MEMSYNC_API_KEY", "ms-goflow"),
		Logf:       func(format string, args ...any) { fmt.Printf("goflow: "+format+"\n", args...) },
	}
	if cfg.BaseURL == "" {
		fmt.Fprintln(os.Stderr, "goflow: set MEMORIES_API_BASE_URL (and MEMSYNC_API_BASE_URL for the MemSync flow)")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := flow.Memories(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "goflow:", err)
		os.Exit(1)
	}
	if cfg.MemSyncURL != "" {
		if err := flow.MemSync(ctx, cfg); err != nil {
			fmt.Fprintln(os.Stderr, "goflow:", err)
			os.Exit(1)
		}
	}
	fmt.Println("goflow: all flows passed")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
