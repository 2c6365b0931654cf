// Package memtest is the Go test helper of memharness: one call starts an
// in-process Memories.ai mock (and the MemSync mock beside it, sharing its
// clock, journal and stubs) on loopback ports with a fake clock, stops
// them when the test ends, and offers what a test of a client needs: the
// base URL and a key, time travel, fixtures, user stubs and request
// verification with near misses.
//
//	func TestMyApp(t *testing.T) {
//		m := memtest.New(t)
//		app := myapp.New(m.URL(), m.Key())
//		...
//		m.AssertCalled(t, verify.Matcher{Operation: "search",
//			Body: map[string]*verify.Field{"search_param": verify.Eq("eagle")}})
//	}
//
// Every mock is its own: tests using memtest can run with t.Parallel().
package memtest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/memsync"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/toolkit/fixtures"
	"github.com/memharness/memharness/toolkit/stubs"
	"github.com/memharness/memharness/toolkit/verify"
)

// TB is the part of testing.TB memtest uses; *testing.T and *testing.B
// satisfy it.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Start is the fake clock's starting time: a fixed instant, so ids, dates
// and generated content are the same on every run.
var Start = time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC)

// DefaultKey is the API key New gives the test unless WithKey says
// otherwise.
const DefaultKey = "sk-memtest"

type config struct {
	key  string
	opts mock.Options
}

// Option configures New.
type Option func(*config)

// WithKey sets the key Key returns (any non-empty key is accepted).
func WithKey(key string) Option { return func(c *config) { c.key = key } }

// WithFixtures preloads fixture manifests (files or folders), as
// mockserver --fixtures does.
func WithFixtures(paths ...string) Option {
	return func(c *config) { c.opts.Fixtures = append(c.opts.Fixtures, paths...) }
}

// WithMockOptions changes the mock's options (rate limits, credits,
// processing time, error style ...) before it starts. The clock is the
// helper's fake clock whatever fn sets.
func WithMockOptions(fn func(*mock.Options)) Option { return func(c *config) { fn(&c.opts) } }

// Mock is a running in-process mock.
type Mock struct {
	srv *mock.Server
	hs  *httptest.Server
	ms  *memsync.Server
	mhs *httptest.Server
	clk *clock.Fake
	key string
}

// New starts a mock for t on a loopback port and stops it when t ends. It
// runs on a fake clock that starts at Start and moves only with Advance,
// with credits on, 2 s processing and rate limits off: on a clock that
// stands still a rate limit never refills, so a second call of the same
// interface would always answer 0429. Turn them on with
// WithMockOptions(func(o *mock.Options) { o.RateLimits = "v1.2" }) and
// Advance between calls to test throttling.
func New(t TB, opts ...Option) *Mock {
	t.Helper()
	c := config{key: DefaultKey, opts: mock.Options{RateLimits: "off"}}
	for _, o := range opts {
		o(&c)
	}
	clk := clock.NewFake(Start)
	c.opts.Clock = clk
	srv, err := mock.New(c.opts)
	if err != nil {
		t.Fatalf("memtest: start the mock: %v", err)
		return nil
	}
	// MemSync runs beside it as mockserver's --memsync-addr listener does:
	// same clock, seed and keys, requests in the same journal, and
	// attached so fixtures with memories, export, resets and stubs reach
	// it. Its own per-key limits follow the mock's switch (off by default
	// here, for the reason above).
	ms, err := memsync.New(memsync.Options{
		Clock: clk, Seed: c.opts.Seed, APIKeys: c.opts.APIKeys, Journal: srv.Platform().Journal,
		RateLimits: memsync.Bool(c.opts.RateLimits != "off"),
	})
	if err == nil {
		err = srv.AttachMemSync(ms)
		if err != nil {
			_ = ms.Close()
		}
	}
	if err != nil {
		_ = srv.Close()
		t.Fatalf("memtest: start the MemSync mock: %v", err)
		return nil
	}
	m := &Mock{srv: srv, hs: httptest.NewServer(srv.Handler()), ms: ms,
		mhs: httptest.NewServer(ms.Handler()), clk: clk, key: c.key}
	t.Cleanup(m.close)
	return m
}

func (m *Mock) close() {
	m.hs.Close()
	m.mhs.Close()
	_ = m.ms.Close()
	_ = m.srv.Close()
}

// URL is the base URL of the emulated API (and of /_mock/).
func (m *Mock) URL() string { return m.hs.URL }

// MemSyncURL is the base URL of the MemSync mock (its paths start with
// /v1/; the key goes in X-API-Key).
func (m *Mock) MemSyncURL() string { return m.mhs.URL }

// MemSync is the MemSync mock itself, for what the helper does not wrap.
func (m *Mock) MemSync() *memsync.Server { return m.ms }

// Key is the test's API key.
func (m *Mock) Key() string { return m.key }

// Client returns the project's typed client for URL and Key.
func (m *Mock) Client(opts ...client.Option) *client.Client {
	return client.New(m.URL(), m.Key(), opts...)
}

// Server is the mock itself, for what the helper does not wrap.
func (m *Mock) Server() *mock.Server { return m.srv }

// Now is the mock's current time.
func (m *Mock) Now() time.Time { return m.clk.Now() }

// Advance moves the mock's clock forward and applies every transition
// that became due (an upload's UNPARSE -> PARSE, scraper tasks, delayed
// stub answers).
func (m *Mock) Advance(d time.Duration) {
	_ = m.srv.Advance(d) // the fake clock always advances
}

// LoadFixtures loads fixture manifests (files or folders), MemSync
// memories included. A bad manifest fails the test naming file, line and
// field; nothing is loaded then.
func (m *Mock) LoadFixtures(t TB, paths ...string) {
	t.Helper()
	man, err := fixtures.Load(paths...)
	if err == nil {
		err = m.srv.LoadFixtures(man)
	}
	if err != nil {
		t.Fatalf("memtest: %v", err)
	}
}

// LoadManifest loads a manifest built in Go.
func (m *Mock) LoadManifest(t TB, man fixtures.Manifest) {
	t.Helper()
	if err := m.srv.LoadFixtures(man); err != nil {
		t.Fatalf("memtest: %v", err)
	}
}

// Export returns the library of key as a fixture manifest.
func (m *Mock) Export(key string) fixtures.Manifest { return m.srv.Export(key, "") }

// Stub registers user stubs (all or none) and returns them with their ids;
// a stub the API description does not allow fails the test with the
// violation named.
func (m *Mock) Stub(t TB, list ...stubs.Stub) []stubs.Stub {
	t.Helper()
	out, err := m.srv.AddStubs(list...)
	if err != nil {
		t.Fatalf("memtest: %v", err)
	}
	return out
}

// Find matches the requests the mock has served.
func (m *Mock) Find(t TB, matcher verify.Matcher) verify.Result {
	t.Helper()
	res, err := m.srv.FindRequests(matcher)
	if err != nil {
		t.Fatalf("memtest: %v", err)
	}
	return res
}

// AssertCalled checks that the requests matcher selects meet its count
// (count, at_least, at_most; by default at least one). On failure it
// reports the count and the near misses with the fields that differ, and
// returns false.
func (m *Mock) AssertCalled(t TB, matcher verify.Matcher) bool {
	t.Helper()
	res := m.Find(t, matcher)
	if res.OK {
		return true
	}
	t.Errorf("%s", Describe(matcher, res))
	return false
}

// Describe writes a failed verification the way AssertCalled reports it.
func Describe(matcher verify.Matcher, res verify.Result) string {
	var b strings.Builder
	what := matcher.Operation
	if what == "" {
		what = "any operation"
	}
	fmt.Fprintf(&b, "memtest: want %s matching %s request(s), the mock saw %d", res.Expected, what, res.Count)
	if len(res.NearMisses) == 0 {
		b.WriteString(" (and nothing close)")
		return b.String()
	}
	b.WriteString("; closest:")
	for _, nm := range res.NearMisses {
		fmt.Fprintf(&b, "\n  #%d %s %s:", nm.Request.Seq, nm.Request.OperationID, nm.Request.Path)
		for _, d := range nm.Differences {
			fmt.Fprintf(&b, "\n    %s: want %s, got %s", d.Field, compact(d.Expected), compact(d.Actual))
		}
	}
	return b.String()
}

func compact(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case map[string]any:
		if len(x) == 1 {
			for k, val := range x {
				return k + " " + compact(val)
			}
		}
	}
	return fmt.Sprint(v)
}

// ResetAccount forgets everything of one key (library, balance, journal,
// stubs), as POST /_mock/reset?api_key=K does.
func (m *Mock) ResetAccount(t TB, key string) {
	t.Helper()
	if err := m.srv.ResetAccount(key); err != nil {
		t.Fatalf("memtest: %v", err)
	}
}

// WaitParsed advances the clock until the video is PARSE (or FAIL) and
// returns its status; it never sleeps.
func (m *Mock) WaitParsed(ctx context.Context, videoNo string) (string, error) {
	for i := 0; i < 1000; i++ {
		v, err := m.srv.Store().LookupVideo(videoNo)
		if err != nil {
			return "", err
		}
		if v.Status != "UNPARSE" {
			return v.Status, nil
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
		m.Advance(time.Second)
	}
	return "", fmt.Errorf("memtest: %s still UNPARSE after 1000 simulated seconds", videoNo)
}
