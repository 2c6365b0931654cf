package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/memsync"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/mock/store"
)

// extraServer is a second listener served by the same process.
type extraServer struct {
	server   *http.Server
	listener net.Listener
	banner   string
	close    func()
}

// startMemSync starts the MemSync mock on --memsync-addr (empty disables
// it), sharing the Memories.ai mock's seed, keys, clock and (with persist,
// see memSyncPersister) its --data-dir store, and hands it to
// attach (the Memories.ai mock's AttachMemSync, so fixtures load and export
// MemSync memories and /_mock/reset resets it; nil when disabled).
func startMemSync(cfg Config, clk clock.Clock, jr memsync.Journal, persist memsync.Persister, log *slog.Logger, wrap func(http.Handler) (http.Handler, error), attach func(mock.MemSync) error) ([]extraServer, error) {
	if cfg.MemSyncAddr == "" {
		return nil, attach(nil)
	}
	ms, err := memsync.New(memsync.Options{
		Clock: clk, Seed: cfg.Mock.Seed, APIKeys: cfg.Mock.APIKeys, Journal: jr,
		Envelope:   memsync.Bool(cfg.MemSyncEnvelope),
		RateLimits: memsync.Bool(cfg.MemSyncLimits && cfg.Mock.RateLimits != "off"),
		Logger:     log.With("api", "memsync"),
		Persister:  persist,
	})
	if err != nil {
		return nil, fmt.Errorf("memsync: %w", err)
	}
	if err := attach(ms); err != nil {
		_ = ms.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.MemSyncAddr)
	if err != nil {
		_ = ms.Close()
		return nil, fmt.Errorf("listen %s: %w", cfg.MemSyncAddr, err)
	}
	base := "http://" + ln.Addr().String()
	h, err := wrap(ms.Handler())
	if err != nil {
		_ = ln.Close()
		_ = ms.Close()
		return nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return []extraServer{{
		server: hs, listener: ln,
		banner: fmt.Sprintf("MemSync:       %s/v1/...   (X-API-Key: <any key>)", base),
		close: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hs.Shutdown(ctx)
			_ = ms.Close()
		},
	}}, nil
}

// memSyncPersister is the Memories.ai mock's store records when it is
// persistent (--data-dir), so MemSync users and memories survive a restart
// beside the library; nil otherwise, which keeps MemSync in memory only.
func memSyncPersister(st store.Store) memsync.Persister {
	rec, ok := st.(store.Records)
	if !ok || !st.Persistent() {
		return nil
	}
	return rec
}
