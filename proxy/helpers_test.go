package proxy_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/proxy"
)

// t0 is the fake clocks' start.
var t0 = time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC)

// waitLong bounds every wait on a channel: generous, never reached when
// things work.
const waitLong = 20 * time.Second

// upstreamMock is an in-process mock on loopback standing in for the real
// API.
func upstreamMock(t testing.TB, clk clock.Clock) (*mock.Server, *httptest.Server) {
	t.Helper()
	if clk == nil {
		clk = clock.NewFake(t0)
	}
	srv, err := mock.New(mock.Options{Clock: clk, RateLimits: "off", Seed: 1})
	if err != nil {
		t.Fatalf("mock.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	return srv, hs
}

// gateway starts a gateway in front of local with one route for every path
// to upstream (nil: replay/local only).
func gateway(t testing.TB, opts proxy.Options, upstream string) (*proxy.Gateway, *httptest.Server) {
	t.Helper()
	if len(opts.Routes) == 0 {
		rt := proxy.Route{Prefix: "/", Surface: "memories"}
		if upstream != "" {
			u, err := url.Parse(upstream)
			if err != nil {
				t.Fatal(err)
			}
			rt.Upstream = u
		}
		opts.Routes = []proxy.Route{rt}
	}
	g, err := proxy.New(opts)
	if err != nil {
		t.Fatalf("proxy.New: %v", err)
	}
	hs := httptest.NewServer(g)
	t.Cleanup(func() { hs.Close(); _ = g.Close() })
	return g, hs
}

// call sends a request and returns status, headers and body.
func call(t testing.TB, method, url, key, ct, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", key)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// readEvent reads one SSE event (up to a blank line) from br.
func readEvent(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), err
		}
		if line == "\n" || line == "\r\n" {
			return b.String(), nil
		}
	}
}

// observed collects exchanges.
type observed struct{ ch chan *proxy.Exchange }

func newObserved() *observed { return &observed{ch: make(chan *proxy.Exchange, 64)} }

func (o *observed) Observe(x *proxy.Exchange) { o.ch <- x }

func (o *observed) next(t testing.TB) *proxy.Exchange {
	t.Helper()
	select {
	case x := <-o.ch:
		return x
	case <-time.After(waitLong):
		t.Fatal("no exchange observed")
		return nil
	}
}
