package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/loadtest"
	"github.com/memharness/memharness/memsync"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/scenarios"
)

// startLocalMock starts the mock in-process on loopback and returns its
// base URL and a stop function. It behaves like the real API (v1.2 rate
// limits, so the run shows the 0429s a real client would meet) except for
// credits, which are off so a long run does not drain a balance; the env
// twins of mockserver's flags MOCK_RATE_LIMITS (v1.2|platform|off) and
// MOCK_CREDITS (on|off) override both.
func startLocalMock(ctx context.Context, seed uint64) (baseURL string, stop func(), err error) {
	// v2 async operations need an account webhook: a loopback sink that
	// answers 200 stands in for the console setting.
	sinkLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	sink := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = sink.Serve(sinkLn) }()
	opts := mock.Options{Seed: int64(seed), RateLimits: os.Getenv("MOCK_RATE_LIMITS"), CreditsOff: os.Getenv("MOCK_CREDITS") != "on",
		ProcessingTime: time.Second, DefaultWebhook: "http://" + sinkLn.Addr().String() + "/webhook"}
	srv, err := mock.New(opts)
	if err != nil {
		_ = sink.Close()
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		_ = sink.Close()
		return "", nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		_ = srv.Close()
		_ = sink.Shutdown(sctx)
	}, nil
}

// target is where a run goes.
type target struct {
	base   string
	key    string
	remote bool
	local  bool // the in-process mock
	stop   func()
}

// resolveTarget picks the target from the flag, then the environment, then
// an in-process mock; and the key from the flag, then the environment (a
// loopback target gets a placeholder key).
func resolveTarget(ctx context.Context, flagURL, flagKey string, allowRemote bool, seed uint64) (*target, error) {
	t := &target{base: flagURL, key: flagKey, stop: func() {}}
	if t.base == "" {
		t.base = os.Getenv(client.EnvBaseURL)
	}
	if t.key == "" {
		t.key = os.Getenv(client.EnvAPIKey)
	}
	if t.base == "" {
		base, stop, err := startLocalMock(ctx, seed)
		if err != nil {
			return nil, err
		}
		t.base, t.stop, t.local = base, stop, true
	}
	u, err := url.Parse(t.base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("target %q is not an http(s) URL", t.base)
	}
	t.remote = !isLoopback(u.Hostname())
	if t.remote && !allowRemote {
		return nil, fmt.Errorf("target %s is not on loopback: pass --allow-remote to load it (it spends real requests and credits)", t.base)
	}
	if t.key == "" {
		if t.remote {
			return nil, fmt.Errorf("no API key: pass --key or set %s", client.EnvAPIKey)
		}
		t.key = "sk-loadtest"
	}
	return t, nil
}

// isLoopback: "localhost" or a loopback address. Other names are not
// resolved: a name is remote unless proven otherwise.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// usesMemSync reports whether a workload has MemSync scenarios.
func usesMemSync(work []loadtest.Weighted) bool {
	for _, w := range work {
		if w.Scenario.HasTag("memsync") {
			return true
		}
	}
	return false
}

// resolveMemSync picks the MemSync target: the flag, then the environment,
// then an in-process MemSync mock on loopback.
func resolveMemSync(flagURL, flagKey string, allowRemote bool, seed uint64) (*scenarios.MemSyncTarget, func(), error) {
	t := scenarios.MemSyncFromEnv()
	if flagURL != "" {
		t = &scenarios.MemSyncTarget{BaseURL: strings.TrimRight(flagURL, "/")}
	}
	if t != nil && flagKey != "" {
		t.Key = flagKey
	}
	if t == nil {
		ms, err := memsync.New(memsync.Options{Seed: int64(seed)})
		if err != nil {
			return nil, nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			_ = ms.Close()
			return nil, nil, err
		}
		hs := &http.Server{Handler: ms.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		stop := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hs.Shutdown(ctx)
			_ = ms.Close()
		}
		return &scenarios.MemSyncTarget{BaseURL: "http://" + ln.Addr().String(), Key: "memsync_sk_loadtest"}, stop, nil
	}
	u, err := url.Parse(t.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("MemSync target %q is not an http(s) URL", t.BaseURL)
	}
	if !isLoopback(u.Hostname()) && !allowRemote {
		return nil, nil, fmt.Errorf("MemSync target %s is not on loopback: pass --allow-remote", t.BaseURL)
	}
	if t.Key == "" {
		t.Key = "memsync_sk_loadtest"
	}
	return t, func() {}, nil
}

// usesV2 reports whether a workload calls Visual Intelligence v2.
func usesV2(work []loadtest.Weighted) bool {
	for _, w := range work {
		if w.Scenario.HasTag("v2") {
			return true
		}
	}
	return false
}

// resolveV2 picks the v2 target: the flag, then the environment, then the
// in-process mock's /serve/api/v2 (the mock serves v1 and v2 on one
// listener). A remote v1 target does not imply a v2 one: the vendor's v2
// lives on another host.
func resolveV2(t *target, flagURL, flagKey string, allowRemote bool) (*scenarios.V2Target, error) {
	v := scenarios.V2FromEnv()
	if flagURL != "" {
		v = &scenarios.V2Target{BaseURL: strings.TrimRight(flagURL, "/")}
	}
	if v == nil {
		if !t.local {
			return nil, fmt.Errorf("v2 operations need a v2 target: pass --v2-target or set %s", scenarios.EnvV2BaseURL)
		}
		v = &scenarios.V2Target{BaseURL: t.base + "/serve/api/v2"}
	}
	if flagKey != "" {
		v.Key = flagKey
	}
	if v.Key == "" {
		v.Key = t.key
	}
	u, err := url.Parse(v.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("v2 target %q is not an http(s) URL", v.BaseURL)
	}
	if !isLoopback(u.Hostname()) && !allowRemote {
		return nil, fmt.Errorf("v2 target %s is not on loopback: pass --allow-remote", v.BaseURL)
	}
	return v, nil
}
