package contract

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/client"
)

// worldKey carries the scenario's world in request contexts, so the shared
// clients' hooks know whose exchange they see.
type worldKey struct{}

func withWorld(ctx context.Context, w *world) context.Context {
	return context.WithValue(ctx, worldKey{}, w)
}

func worldFrom(ctx context.Context) *world {
	w, _ := ctx.Value(worldKey{}).(*world)
	return w
}

// clientPool shares clients by (base URL, key, pacing): scenarios that use
// the same account share its pacing budget, as one real application would.
type clientPool struct {
	s  *Suite
	mu sync.Mutex
	m  map[string]*client.Client
}

func newClientPool(s *Suite) *clientPool {
	return &clientPool{s: s, m: map[string]*client.Client{}}
}

// get returns the client of an account. pace=false gives a client that
// neither paces nor retries, for probing the server's own limits.
func (p *clientPool) get(t *Target, key string, pace bool) *client.Client {
	id := t.BaseURL + "|" + key + "|" + map[bool]string{true: "paced", false: "raw"}[pace]
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.m[id]; ok {
		return c
	}
	captionURL, captionKey := t.BaseURL, key
	if !t.InProcess && t == p.s.memories {
		if p.s.cfg.CaptionURL != "" {
			captionURL = p.s.cfg.CaptionURL
		}
		if p.s.cfg.CaptionKey != "" {
			captionKey = p.s.cfg.CaptionKey
		}
	}
	opts := []client.Option{
		client.WithHTTPClient(&http.Client{Timeout: 5 * time.Minute}),
		client.WithCaptionHost(captionURL, captionKey),
		client.WithRequestHook(p.s.beforeRequest),
		client.WithResponseHook(p.s.observe),
		client.WithUserAgent("memharness-contract/1"),
		client.WithPace(pace),
	}
	if pace {
		opts = append(opts, client.WithLimits(marginLimits()))
	}
	if !pace {
		opts = append(opts, client.WithRetry429(0), client.WithRetryNetworkAbnormal(0))
	}
	if t.Mock {
		// A mock answers at once; poll it briskly.
		opts = append(opts, client.WithPolling(50*time.Millisecond, 500*time.Millisecond))
	}
	c := client.New(t.BaseURL, key, opts...)
	p.m[id] = c
	return c
}

// beforeRequest lets the scenario decorate requests (forced failures,
// control-plane token) and counts attempts.
func (s *Suite) beforeRequest(op string, req *http.Request) {
	if w := worldFrom(req.Context()); w != nil {
		w.beforeRequest(op, req)
	}
}

// observe validates every exchange against its description and hands the
// verdict to the scenario that made it.
func (s *Suite) observe(ex *client.Exchange) {
	w := worldFrom(ex.Request.Context())
	if w == nil || ex.Response == nil {
		return
	}
	w.observe(ex)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// marginLimits are the documented limits less 10%: pacing exactly at a
// limit meets a server's token bucket with no room for network jitter, so
// a well-mannered client keeps a margin.
func marginLimits() map[client.Group]client.Limit {
	out := client.DocumentedLimits()
	for g, l := range out {
		out[g] = client.Limit{Count: l.Count * 9, Per: l.Per * 10}
	}
	return out
}
