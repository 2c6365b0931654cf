package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/memsync"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/platform/callbackhosts"
)

// Target is a server the suite talks to.
type Target struct {
	// Name describes the target for humans ("in-process mock", a URL).
	Name string
	// BaseURL is where requests go (no trailing slash).
	BaseURL string
	// Key is the configured API key; empty for in-process targets, where
	// every scenario gets an account of its own.
	Key string
	// Mock is true when GET /_mock/health answers 200 (the in-process mock
	// and the built mockserver binary both are).
	Mock bool
	// InProcess is true for a server started by the suite.
	InProcess bool
	// FreshKeys is true when any new key is accepted (its own account), so
	// each scenario may use one.
	FreshKeys bool

	close func()
}

// Loopback reports whether the target runs on this machine, so it can
// reach a callback receiver listening on 127.0.0.1.
func (t *Target) Loopback() bool {
	u, err := url.Parse(t.BaseURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Close stops an in-process target.
func (t *Target) Close() {
	if t != nil && t.close != nil {
		t.close()
	}
}

// InProcessOptions are the in-process mock's settings: the documented v1.2
// rate limits and credits on, so the suite meets what the real service
// enforces, and a short processing time, so lifecycles finish quickly.
func InProcessOptions(processing time.Duration) mock.Options {
	if processing <= 0 {
		processing = 300 * time.Millisecond
	}
	return mock.Options{
		Seed:             1,
		RateLimits:       "v1.2",
		ProcessingTime:   processing,
		ScrapeTime:       processing,
		CallbackAttempts: 5,
		CallbackBackoff:  200 * time.Millisecond,
		HTTPClient:       &http.Client{Timeout: 5 * time.Second},
		// The suite's callback receivers are its own loopback servers; a
		// callback aimed anywhere else is a bug and is refused (0001).
		CallbackHosts: callbackhosts.Loopback(),
		// v2 uploads and async tasks finish as quickly as v1 processing.
		V2UploadTime: processing,
		V2TaskTime:   processing,
	}
}

// StartMock starts an in-process mock on a loopback httptest server, so
// requests take the same HTTP path as against a URL.
func StartMock(name string, opts mock.Options) (*Target, error) {
	srv, err := mock.New(opts)
	if err != nil {
		return nil, fmt.Errorf("contract: start %s: %w", name, err)
	}
	hs := httptest.NewServer(srv.Handler())
	return &Target{
		Name: name + " " + hs.URL, BaseURL: hs.URL, Mock: true, InProcess: true, FreshKeys: len(opts.APIKeys) == 0,
		close: func() { hs.Close(); _ = srv.Close() },
	}, nil
}

// StartMemSync starts an in-process MemSync emulator on loopback.
func StartMemSync() (*Target, error) {
	srv, err := memsync.New(memsync.Options{Seed: 1})
	if err != nil {
		return nil, fmt.Errorf("contract: start MemSync: %w", err)
	}
	hs := httptest.NewServer(srv.Handler())
	return &Target{
		Name: "in-process MemSync " + hs.URL, BaseURL: hs.URL, Mock: true, InProcess: true, FreshKeys: true,
		close: func() { hs.Close(); _ = srv.Close() },
	}, nil
}

// Remote describes a running server at baseURL used with key. It probes
// GET /_mock/health: a 200 makes it a mock. On a mock it also checks
// whether a new key is accepted, so scenarios can have accounts of their own.
func Remote(ctx context.Context, baseURL, key, controlToken string) *Target {
	t := &Target{Name: baseURL, BaseURL: strings.TrimRight(baseURL, "/"), Key: key}
	hc := &http.Client{Timeout: 10 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.BaseURL+"/_mock/health", nil)
	if err != nil {
		return t
	}
	if controlToken != "" {
		req.Header.Set("X-Mock-Token", controlToken)
	}
	res, err := hc.Do(req)
	if err != nil {
		return t
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	t.Mock = res.StatusCode == http.StatusOK
	if t.Mock {
		t.FreshKeys = acceptsNewKey(ctx, hc, t.BaseURL)
	}
	return t
}

// acceptsNewKey asks list_videos with a key nobody uses: an answer other
// than 0401 means every key is its own account (the mock's default).
func acceptsNewKey(ctx context.Context, hc *http.Client, base string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/serve/api/v1/list_videos", strings.NewReader(`{"page":1,"size":1}`))
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", fmt.Sprintf("sk-contract-probe-%d", time.Now().UnixNano()))
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	var env struct {
		Code any `json:"code"`
	}
	if json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&env) != nil {
		return false
	}
	c := fmt.Sprint(env.Code)
	return res.StatusCode == http.StatusOK && c != "0401" && c != "401"
}

// lazyTarget starts a target on first use.
type lazyTarget struct {
	once  sync.Once
	start func() (*Target, error)
	t     *Target
	err   error
}

func (l *lazyTarget) get() (*Target, error) {
	l.once.Do(func() { l.t, l.err = l.start() })
	return l.t, l.err
}

func (l *lazyTarget) close() {
	// Only close what was started; a never-used target stays unstarted.
	l.once.Do(func() {})
	l.t.Close()
}

// memsyncAcceptsNewKey asks MemSync with a key nobody uses: a 200 means every
// key is its own user (the mock's default).
func memsyncAcceptsNewKey(ctx context.Context, base string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/memories?page=1&page_size=1", nil)
	if err != nil {
		return false
	}
	req.Header.Set("X-API-Key", fmt.Sprintf("memsync_sk_contract_probe_%d", time.Now().UnixNano()))
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}
