package drift_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/cucumber/godog"

	"github.com/memharness/memharness/contract"
	"github.com/memharness/memharness/memsync"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
)

// TestContractSuiteThroughTheProxyHasNoDrift runs the contract suite
// against gateways in front of the two mocks, as a user would run it
// against --upstream: the suite passes and the drift report is empty
// (the mock agrees with its own descriptions). -short runs @smoke only.
func TestContractSuiteThroughTheProxyHasNoDrift(t *testing.T) {
	m, err := mock.New(contract.InProcessOptions(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	up := httptest.NewServer(m.Handler())
	t.Cleanup(up.Close)
	ms, err := memsync.New(memsync.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ms.Close() })
	msUp := httptest.NewServer(ms.Handler())
	t.Cleanup(msUp.Close)

	col, err := drift.New(drift.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	front := func(surface, upstream string, local http.Handler) *proxy.Gateway {
		u, _ := url.Parse(upstream)
		routes := []proxy.Route{{Prefix: "/", Surface: surface, Upstream: u}}
		if surface == "memories" {
			// The v2 surface shares the listener: one more route.
			routes = append(routes, proxy.Route{Prefix: "/serve/api/v2/", Surface: "v2", Upstream: u})
		}
		g, err := proxy.New(proxy.Options{
			Routes: routes,
			// The control plane stays local: here "local" is the upstream
			// mock's own, called in-process.
			Local: local, Observers: []proxy.Observer{col}, Logger: logger,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = g.Close() })
		return g
	}
	gm := front("memories", up.URL, m.Handler())
	gs := front("memsync", msUp.URL, ms.Handler())
	pm := httptest.NewServer(gm)
	t.Cleanup(pm.Close)
	ps := httptest.NewServer(gs)
	t.Cleanup(ps.Close)

	// @timing scenarios leave 10% of an interval for jitter; a proxy hop on
	// a loaded machine can take more, which says nothing about drift.
	tags, least := "~@timing", 300
	if testing.Short() {
		tags, least = "@smoke && ~@timing", 20
	}
	var out bytes.Buffer
	s, err := contract.NewSuite(context.Background(), contract.Config{
		TargetURL: pm.URL, APIKey: "sk-through-proxy", MemSyncURL: ps.URL, MemSyncKey: "ms-through-proxy",
		Options: godog.Options{Tags: tags, Output: &out, Format: "progress", Concurrency: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if status := s.Run(); status != 0 {
		t.Fatalf("the contract suite failed through the proxy:\n%s\ngateway log:\n%s", out.String(), logs.String())
	}
	gm.Drain()
	gs.Drain()
	rep := col.Report()
	if rep.Exchanges < least {
		t.Errorf("only %d exchanges went through the proxy", rep.Exchanges)
	}
	for _, f := range rep.Findings {
		t.Errorf("drift: %s %s %s %s: %s (%d×)\n  example: %s %s -> %d %s", f.Operation, f.Where, f.Pointer, f.Rule, f.Example.Reason, f.Count,
			f.Example.Request.Method, f.Example.Request.URL, f.Example.Response.Status, f.Example.Response.Body)
	}
	t.Logf("%d exchanges, %d operations checked", rep.Exchanges, rep.Operations)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
