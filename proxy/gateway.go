// Package proxy puts a validating, recording proxy and a replayer in front
// of the mock's surfaces without touching the mock itself: a Gateway is an
// http.Handler that wraps the mock's handler and, per path prefix, either
// forwards the request to a real upstream (streaming both ways, recording
// the exchange as HAR 1.2 and reporting where the answer departs from the
// OpenAPI descriptions), answers it from recordings, or hands it to the mock.
//
// The Gateway knows no surface: a Route maps a path prefix to an upstream
// and an error style, so adding a surface (the v2 API, say) is one more
// Route. The control plane (/_mock/ by default) always stays local.
package proxy

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/proxy/replay"
)

// Route sends the requests whose path starts with Prefix to Upstream, or,
// when Upstream is nil, to the replayer and the local handler.
type Route struct {
	// Prefix selects requests by path ("" matches every path; the longest
	// matching prefix wins).
	Prefix string
	// Surface names the API in recordings and reports ("memories",
	// "memsync", "v2").
	Surface string
	// Upstream is the real service, e.g. https://api.memories.ai; nil
	// leaves the route to the replayer and the mock.
	Upstream *url.URL
	// Errors writes the gateway's own errors (upstream unreachable, no
	// recording in strict replay) in the surface's style; SpringErrors when
	// nil.
	Errors ErrorWriter
	// Unobserved routes are forwarded without capture: observers never see
	// them (a remote mock's control plane, say).
	Unobserved bool
}

// ErrorWriter writes an error answer the gateway itself produces.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, status int, message string, now time.Time)

// Observer receives every completed proxied exchange. Observe is called
// from one goroutine per observer, in the order the exchanges completed,
// after the caller has its answer, so a slow observer never delays it.
type Observer interface {
	Observe(*Exchange)
}

// Options configure a Gateway.
type Options struct {
	// Routes by path prefix.
	Routes []Route
	// Local serves what is neither proxied nor replayed: the mock.
	Local http.Handler
	// LocalPrefixes are never proxied nor replayed (default "/_mock/").
	LocalPrefixes []string
	// Handlers are paths the gateway answers itself, before Local (for
	// example /_mock/drift). When ControlToken is set they require it in
	// X-Mock-Token, as the mock's control plane does.
	Handlers     map[string]http.Handler
	ControlToken string
	// Observers receive proxied exchanges (recorder, drift collector).
	Observers []Observer
	// MaxRequestCapture is how many bytes of a request body observers see
	// (default 1 MiB); the rest is streamed through and only counted and
	// hashed. MaxResponseCapture bounds text answers (JSON, SSE; default 64
	// MiB); binary answers (downloads) use MaxRequestCapture.
	MaxRequestCapture  int64
	MaxResponseCapture int64
	// Replay answers matching requests from recordings on routes without
	// an upstream; Strict refuses the others with 404 naming the closest
	// recording instead of passing them to Local. Speed scales the pacing
	// of replayed event streams (default 1; 0 < Speed).
	Replay *replay.Index
	Strict bool
	Speed  float64
	// Clock times exchanges and paces replayed streams (real time when nil).
	Clock clock.Clock
	// Transport reaches the upstreams (a pooled transport without
	// compression when nil, so bodies pass byte for byte).
	Transport http.RoundTripper
	// Logger (discarded when nil).
	Logger *slog.Logger
}

// Gateway is the http.Handler in front of one listener.
type Gateway struct {
	opts    Options
	routes  []Route
	proxies map[string]*httputil.ReverseProxy // by Route.Prefix
	queues  []*queue
	clk     clock.Clock
	log     *slog.Logger
}

type ctxKey struct{}

// New builds a gateway. Close it to deliver the exchanges still queued.
func New(opts Options) (*Gateway, error) {
	if opts.Local == nil {
		opts.Local = http.NotFoundHandler()
	}
	if opts.LocalPrefixes == nil {
		opts.LocalPrefixes = []string{"/_mock/"}
	}
	if opts.MaxRequestCapture <= 0 {
		opts.MaxRequestCapture = 1 << 20
	}
	if opts.MaxResponseCapture <= 0 {
		opts.MaxResponseCapture = 64 << 20
	}
	if opts.Speed <= 0 {
		opts.Speed = 1
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Transport == nil {
		opts.Transport = NewTransport()
	}
	g := &Gateway{opts: opts, clk: opts.Clock, log: opts.Logger, proxies: map[string]*httputil.ReverseProxy{}}
	g.routes = append(g.routes, opts.Routes...)
	// Longest prefix first.
	sort.SliceStable(g.routes, func(i, j int) bool { return len(g.routes[i].Prefix) > len(g.routes[j].Prefix) })
	seen := map[string]bool{}
	for i := range g.routes {
		rt := &g.routes[i]
		if seen[rt.Prefix] {
			return nil, fmt.Errorf("proxy: two routes for prefix %q", rt.Prefix)
		}
		seen[rt.Prefix] = true
		if rt.Errors == nil {
			rt.Errors = SpringErrors
		}
		if rt.Upstream != nil {
			if rt.Upstream.Scheme != "http" && rt.Upstream.Scheme != "https" || rt.Upstream.Host == "" {
				return nil, fmt.Errorf("proxy: upstream %q of %s: want http(s)://host[:port]", rt.Upstream, rt.Surface)
			}
			g.proxies[rt.Prefix] = g.reverseProxy(*rt)
		}
	}
	for _, o := range opts.Observers {
		g.queues = append(g.queues, newQueue(o))
	}
	return g, nil
}

// NewTransport is the upstream transport: pooled keep-alive connections,
// no transparent compression (the caller's Accept-Encoding passes through
// and the answer's bytes are not touched).
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableCompression = true
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = 0 // chat answers may think for a long time
	return t
}

// Close waits until every observer has seen every queued exchange.
func (g *Gateway) Close() error {
	for _, q := range g.queues {
		q.close()
	}
	return nil
}

// ServeHTTP routes one request: the gateway's own handlers, the local
// control plane, an upstream, a recording, or the mock.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := g.opts.Handlers[r.URL.Path]; ok {
		if g.opts.ControlToken != "" && r.Header.Get("X-Mock-Token") != g.opts.ControlToken {
			SpringErrors(w, r, http.StatusUnauthorized, "control plane requires X-Mock-Token", g.clk.Now())
			return
		}
		h.ServeHTTP(w, r)
		return
	}
	for _, p := range g.opts.LocalPrefixes {
		if strings.HasPrefix(r.URL.Path, p) {
			g.opts.Local.ServeHTTP(w, r)
			return
		}
	}
	rt := g.route(r.URL.Path)
	if rt == nil {
		g.opts.Local.ServeHTTP(w, r)
		return
	}
	if rp := g.proxies[rt.Prefix]; rp != nil {
		g.forward(w, r, rt, rp)
		return
	}
	if g.opts.Replay != nil && g.serveReplay(w, r, rt) {
		return
	}
	g.opts.Local.ServeHTTP(w, r)
}

func (g *Gateway) route(path string) *Route {
	for i := range g.routes {
		if strings.HasPrefix(path, g.routes[i].Prefix) {
			return &g.routes[i]
		}
	}
	return nil
}

// forward proxies one request, capturing what the observers need.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, rt *Route, rp *httputil.ReverseProxy) {
	if len(g.queues) == 0 || rt.Unobserved {
		rp.ServeHTTP(w, r)
		return
	}
	u := *rt.Upstream
	base := strings.TrimSuffix(u.Path, "/")
	u.Path = base + r.URL.Path
	u.RawPath = ""
	u.RawQuery = r.URL.RawQuery
	x := &exchangeState{ex: &Exchange{Surface: rt.Surface, Started: g.clk.Now(), Request: r, URL: &u, Base: base}, g: g}
	if r.Body != nil && r.Body != http.NoBody {
		x.req = &teeBody{rc: r.Body, c: newCapture(g.opts.MaxRequestCapture, true)}
	}
	defer x.finish()
	rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, x)))
}

// exchangeState follows one proxied exchange through the reverse proxy.
type exchangeState struct {
	g    *Gateway
	ex   *Exchange
	req  *teeBody
	resp *teeBody
	err  error
}

func (x *exchangeState) finish() {
	ex := x.ex
	var prep *once
	now := x.g.clk.Now()
	ex.Duration = now.Sub(ex.Started)
	reqEOF := true
	if x.req != nil {
		ex.RequestBody, reqEOF = x.req.snapshot()
	}
	switch {
	case x.err != nil:
		ex.Err = x.err
	case x.resp == nil:
		ex.Err = errors.New("no answer from the upstream")
	case !x.resp.eof:
		cause := "client gone or upstream failed"
		if x.resp.err != nil {
			cause = "upstream: " + x.resp.err.Error()
		}
		if err := ex.Request.Context().Err(); err != nil {
			cause += "; caller: " + err.Error()
		}
		ex.Err = errors.New("the answer was not read to its end (" + cause + ")")
		x.g.log.Warn("proxy: answer cut short", "path", ex.Request.URL.Path, "status", ex.Status, "bytes", x.resp.c.n, "cause", cause)
	}
	if x.resp != nil {
		ex.ResponseBody = x.resp.c.body()
		ex.WireSize = ex.ResponseBody.Size
		if x.resp.sse != nil {
			ex.Events = x.resp.sse.events
		}
		if enc := ex.Header.Get("Content-Encoding"); ex.Err == nil && !ex.ResponseBody.Truncated && enc != "" {
			// Observers read the text: decode what the caller got encoded
			// (the caller's bytes are not touched). Decoding waits for the
			// first observer's goroutine: this one still holds the last
			// bytes of the answer (the server flushes them when the
			// handler returns).
			max, log := x.g.opts.MaxResponseCapture, x.g.log
			prep = &once{fn: func() {
				b, cut, err := decode(enc, ex.ResponseBody.Bytes, max)
				if err != nil {
					if !errors.Is(err, errUnknownEncoding) {
						log.Warn("proxy: answer not decoded", "path", ex.Request.URL.Path, "encoding", enc, "err", err)
					}
					return
				}
				ex.ResponseBody.Bytes, ex.ResponseBody.Size, ex.ResponseBody.Truncated = b, int64(len(b)), cut
				ex.Header = ex.Header.Clone()
				ex.Header.Del("Content-Encoding")
				ex.Header.Del("Content-Length")
			}}
		}
	}
	if !reqEOF && ex.Err == nil && ex.RequestBody.Size > 0 {
		// The upstream answered before reading the whole request (a 413,
		// say): the capture is partial, which observers must know.
		ex.RequestBody.Truncated = true
	}
	for _, q := range x.g.queues {
		q.push(qitem{x: ex, prep: prep})
	}
}

func (g *Gateway) reverseProxy(rt Route) *httputil.ReverseProxy {
	up := rt.Upstream
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(up)
			// Why: SetURL joins the upstream's base path; the caller's
			// query and headers (its key included) go as they came, the
			// X-Forwarded-* ones too (Rewrite would drop them).
			for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v, ok := pr.In.Header[h]; ok {
					pr.Out.Header[h] = v
				}
			}
			if x, ok := pr.In.Context().Value(ctxKey{}).(*exchangeState); ok && x.req != nil {
				pr.Out.Body = x.req
			}
		},
		Transport:  g.opts.Transport,
		BufferPool: &bufferPool{},
		// Event streams and unsized answers are flushed as they arrive
		// (ReverseProxy's own rule); the rest in 32 KiB writes.
		FlushInterval: 0,
		ModifyResponse: func(resp *http.Response) error {
			x, ok := resp.Request.Context().Value(ctxKey{}).(*exchangeState)
			if !ok {
				return nil
			}
			x.ex.Wait = g.clk.Now().Sub(x.ex.Started)
			x.ex.Status = resp.StatusCode
			x.ex.Header = resp.Header.Clone()
			if resp.StatusCode == http.StatusSwitchingProtocols {
				// An upgraded connection (a WebSocket) needs the raw body:
				// it is passed through, not observed.
				x.err = errors.New("protocol upgrade: not observed")
				return nil
			}
			mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			max := g.opts.MaxRequestCapture
			if textual(mt) {
				max = g.opts.MaxResponseCapture
			}
			x.resp = &teeBody{rc: resp.Body, c: newCapture(max, true)}
			if mt == "text/event-stream" {
				x.resp.sse = &sseSplitter{clk: g.clk, start: g.clk.Now()}
			}
			resp.Body = x.resp
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if x, ok := r.Context().Value(ctxKey{}).(*exchangeState); ok {
				x.err = err
			}
			if errors.Is(err, context.Canceled) || r.Context().Err() != nil {
				// The caller went away: nobody to answer.
				g.log.Debug("proxy: caller gone", "path", r.URL.Path, "err", err)
				return
			}
			g.log.Warn("proxy: upstream failed", "surface", rt.Surface, "upstream", up.Host, "path", r.URL.Path, "err", err)
			status := http.StatusBadGateway
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				status = http.StatusGatewayTimeout
			}
			rt.Errors(w, r, status, "upstream "+up.Host+": "+err.Error(), g.clk.Now())
		},
	}
}

// errUnknownEncoding is a content coding decode does not know: the
// observers see the bytes as sent.
var errUnknownEncoding = errors.New("unknown content coding")

// decode undoes a content coding (gzip, br, deflate), keeping at most max
// decoded bytes; cut reports that there were more.
func decode(enc string, b []byte, max int64) (out []byte, cut bool, err error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false, err
		}
		defer zr.Close()
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "deflate":
		// HTTP's deflate is the zlib format.
		zr, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, false, errUnknownEncoding
	}
	out, err = io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(out)) > max {
		return out[:max], true, nil
	}
	return out, false, nil
}

// textual reports media types whose answers are kept up to the larger
// response capture (JSON, text, event streams).
func textual(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || strings.HasPrefix(mt, "text/") ||
		mt == "application/x-www-form-urlencoded" || mt == ""
}

// queue delivers exchanges to one observer in order on its own goroutine.
type queue struct {
	o    Observer
	mu   sync.Mutex
	cond *sync.Cond
	list []qitem
	done bool
	exit chan struct{}
}

// qitem is an exchange or, when drained is set, a drain marker. prep,
// when set, completes the exchange (decodes its answer) before any
// observer sees it; it is shared by every observer's item and runs once.
type qitem struct {
	x       *Exchange
	prep    *once
	drained chan struct{}
}

// once runs fn once; every caller of do returns after it ran.
type once struct {
	o  sync.Once
	fn func()
}

func (o *once) do() { o.o.Do(o.fn) }

func newQueue(o Observer) *queue {
	q := &queue{o: o, exit: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	go q.run()
	return q
}

// maxQueued bounds the exchanges waiting for one observer. push is called
// once the answer is written, so waiting for room delays no caller's
// answer; it only slows a client that outpaces the observer for 4096
// exchanges (instead of growing memory without bound).
const maxQueued = 4096

// push queues an item, waiting while the queue is full.
func (q *queue) push(it qitem) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.list) >= maxQueued && !q.done {
		q.cond.Wait()
	}
	if q.done {
		return false
	}
	q.list = append(q.list, it)
	q.cond.Broadcast()
	return true
}

func (q *queue) run() {
	defer close(q.exit)
	for {
		q.mu.Lock()
		for len(q.list) == 0 && !q.done {
			q.cond.Wait()
		}
		if len(q.list) == 0 && q.done {
			q.mu.Unlock()
			return
		}
		batch := q.list
		q.list = nil
		q.cond.Broadcast() // room for waiting pushers
		q.mu.Unlock()
		for _, it := range batch {
			if it.drained != nil {
				close(it.drained)
				continue
			}
			if it.prep != nil {
				it.prep.do()
			}
			q.o.Observe(it.x)
		}
	}
}

func (q *queue) close() {
	q.mu.Lock()
	q.done = true
	q.cond.Broadcast()
	q.mu.Unlock()
	<-q.exit
}

// Drain waits until every observer has seen the exchanges completed before
// the call (tests and the drift endpoint use it).
func (g *Gateway) Drain() {
	for _, q := range g.queues {
		done := make(chan struct{})
		if q.push(qitem{drained: done}) {
			<-done
		}
	}
}
