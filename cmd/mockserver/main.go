// Command mockserver runs the Memories.ai mock (and the MemSync mock) as a
// standalone server.
//
//	go run ./cmd/mockserver                      # 127.0.0.1:8080, in memory
//	go run ./cmd/mockserver --data-dir ./state   # persistent across restarts
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/memharness/memharness/mock"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "mockserver:", err)
		os.Exit(2)
	}
}

// run starts the servers and blocks until a signal (or stop) arrives, then
// shuts down gracefully. ready, when non-nil, receives the bound addresses.
func run(args []string, stdout, stderr io.Writer, ready chan<- []string) error {
	if len(args) > 0 && args[0] == "replay-check" {
		return replayCheck(args[1:], stdout)
	}
	cfg, err := Load(args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	cfg.Mock.Logger = log

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	if !isLoopback(ln.Addr()) && cfg.Mock.ControlToken == "" {
		// The control plane can reset state and move time: never expose it
		// unprotected on a public address.
		var b [12]byte
		_, _ = rand.Read(b[:])
		cfg.Mock.ControlToken = hex.EncodeToString(b[:])
	}
	start := time.Now()
	srv, err := mock.New(cfg.Mock)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer srv.Close()
	ops, control, paths := srv.Operations()
	v2ops := 0
	if srv.V2() != nil {
		v2ops = srv.V2().Operations()
	}
	log.Info("spec loaded", "paths", paths, "operations", ops, "v2_operations", v2ops, "control_operations", control, "startup", time.Since(start).Round(time.Millisecond))

	// Record, replay and drift (package proxy) wrap the handlers; without
	// those flags px is nil and the handlers are the mock's own.
	px, err := newProxySetup(cfg, srv.Clock(), log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer px.close()
	if px != nil && px.drift != nil { // with an upstream, the dashboard shows drift
		srv.ShowDrift(driftUI{px.drift})
	}
	px.importReplayed(srv, cfg.Proxy.ReplayAccount)
	handler, err := px.wrapMemories(srv.Handler())
	if err != nil {
		_ = ln.Close()
		return err
	}
	servers := []*http.Server{{Handler: handler, ReadHeaderTimeout: 10 * time.Second}}
	listeners := []net.Listener{ln}
	extra, err := startMemSync(cfg, srv.Clock(), srv.Platform().Journal, memSyncPersister(srv.Store()), log, px.wrapMemSync, srv.AttachMemSync)
	if err != nil {
		_ = ln.Close()
		return err
	}
	for _, e := range extra {
		servers = append(servers, e.server)
		listeners = append(listeners, e.listener)
		defer e.close()
	}

	errc := make(chan error, len(servers))
	for i := range servers {
		go func(s *http.Server, l net.Listener) {
			if err := s.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}(servers[i], listeners[i])
	}
	// Listen for signals before announcing readiness: a SIGTERM sent as
	// soon as ready arrives (the tests do) must stop this loop, not the
	// process.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	banner(stdout, cfg, ln.Addr().String(), extra)
	if ready != nil {
		addrs := []string{ln.Addr().String()}
		for _, e := range extra {
			addrs = append(addrs, e.listener.Addr().String())
		}
		ready <- addrs
	}

	select {
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	case err := <-errc:
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(ctx); err != nil {
			log.Warn("shutdown", "err", err)
		}
	}
	return nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

func banner(w io.Writer, cfg Config, addr string, extra []extraServer) {
	base := "http://" + addr
	store := "in memory"
	if cfg.Mock.DataDir != "" {
		store = "persistent in " + cfg.Mock.DataDir
	}
	fmt.Fprintf(w, `
Memories.ai mock %s listening on %s (state %s, seed %d)
  API:           %s/serve/api/v1/...   (Authorization: <any key>)
  control plane: %s/_mock/health
  dashboard:     %s/_mock/ui
`, mock.Version(), base, store, cfg.Mock.Seed, base, base, base)
	if !cfg.Mock.DisableV2 {
		fmt.Fprintf(w, "  v2 API:        %s/serve/api/v2/...   (Visual Intelligence; account webhook: PUT /_mock/accounts/{key}/webhook)\n", base)
	}
	for _, e := range extra {
		fmt.Fprintf(w, "  %s\n", e.banner)
	}
	if cfg.Mock.ControlToken != "" {
		fmt.Fprintf(w, "  control token: %s (send it as X-Mock-Token)\n", cfg.Mock.ControlToken)
	}
	fmt.Fprintf(w, `
Try it:
  curl -s -X POST %s/serve/api/v1/list_videos -H 'Authorization: sk-test' -H 'Content-Type: application/json' -d '{}'

`, base)
}
