package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/memharness/memharness/client"
)

// errNoLocalMock is returned by startLocalMock until the mock is wired.
var errNoLocalMock = errors.New("no in-process mock yet: pass --target URL or set " + client.EnvBaseURL)

// startLocalMock starts the mock in-process on loopback and returns its
// base URL and a stop function.
//
// TODO(lead): implement with package mock once it builds, e.g.
//
//	srv := mock.New(mock.Options{Seed: seed})
//	ln, err := net.Listen("tcp", "127.0.0.1:0")
//	hs := &http.Server{Handler: srv.Handler()}
//	go hs.Serve(ln)
//	return "http://" + ln.Addr().String(), func() { hs.Shutdown(ctx); srv.Close() }, nil
//
// The mock's defaults (rate limits v1.2, credits on) then apply; a load test
// of the mock's own speed wants them off, so pass the mock options that turn
// them off here when --no-limits is added.
func startLocalMock(ctx context.Context, seed uint64) (baseURL string, stop func(), err error) {
	_ = ctx
	_ = seed
	return "", func() {}, errNoLocalMock
}

// target is where a run goes.
type target struct {
	base   string
	key    string
	remote bool
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
		t.base, t.stop = base, stop
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
