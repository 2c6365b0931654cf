// Package client is a typed Go client of the Memories.ai v1.2 API
// (api.memories.ai /serve/api/v1/* and the caption host security.memories.ai
// /v1/understand/*). The contract suite and the load tester drive the mock
// and the real API through it.
//
// It behaves like a well-mannered client of the real service: it paces
// itself within the documented per-group rate limits (on by default), retries
// 0429 answers with exponential backoff and jitter, and retries the
// transient "network abnormal" 0001 the way the vendor's own client does.
// Every HTTP exchange is reported to optional hooks, which is how the
// contract suite validates responses and the load tester records metrics.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"golang.org/x/time/rate"
)

// Environment variables read by FromEnv.
const (
	EnvBaseURL = "MEMORIES_API_BASE_URL"
	EnvAPIKey  = "MEMORIES_API_KEY"
	// EnvCaptionBaseURL and EnvCaptionKey configure the caption host, which
	// needs a separately issued key.
	EnvCaptionBaseURL = "MEMORIES_CAPTION_BASE_URL"
	EnvCaptionKey     = "MEMORIES_CAPTION_KEY"
)

// Real hosts.
const (
	DefaultBaseURL        = "https://api.memories.ai"
	DefaultCaptionBaseURL = "https://security.memories.ai"
)

// maxBody bounds how much of a JSON response the client reads.
const maxBody = 64 << 20

// Exchange describes one HTTP exchange (one attempt of one operation). It is
// passed to the ResponseHook after the response is complete: for streams
// when the stream ends, for downloads when the copy ends.
type Exchange struct {
	// Op is the operation name derived from the path (see OpName).
	Op string
	// Group is the rate-limit group of Op.
	Group Group
	// Method and Path of the request; Request is the request sent (its body
	// already consumed). Its Context carries what the caller put there.
	Method  string
	Path    string
	Request *http.Request
	// Response is the HTTP response (body already consumed), nil on a
	// transport error. StatusCode repeats its status.
	Response   *http.Response
	StatusCode int
	// Code and Msg come from the envelope (or a stream's end event); empty
	// when the body was not an envelope.
	Code string
	Msg  string
	// Body is the response body: the JSON for JSON answers, the captured
	// stream for SSE (capped), nil for a successful binary download.
	Body []byte
	// Start is when the request was sent; Duration runs until the body was
	// complete. TTFE is the time to the first stream event (streams only).
	Start    time.Time
	Duration time.Duration
	TTFE     time.Duration
	// Attempt counts from 1; retries of the same call increment it.
	Attempt int
	// Stream is true for SSE operations; Bytes counts downloaded bytes.
	Stream bool
	Bytes  int64
	// Err is the outcome: nil, a transport error, an *APIError or a
	// *DecodeError.
	Err error
}

// RequestHook sees each request just before it is sent.
type RequestHook func(op string, req *http.Request)

// ResponseHook sees each completed exchange.
type ResponseHook func(ex *Exchange)

// Client calls the Memories.ai API. It is safe for concurrent use.
type Client struct {
	base, key               string
	captionBase, captionKey string
	hc                      *http.Client
	clk                     clock.Clock
	pace                    bool
	limits                  map[Group]Limit
	limiters                map[Group]*rate.Limiter
	retry429                int
	retryNet                int
	backoffBase, backoffCap time.Duration
	reqHook                 RequestHook
	respHook                ResponseHook
	userAgent               string
	pollFirst, pollMax      time.Duration

	randMu sync.Mutex
	rnd    *rand.Rand
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: no overall timeout, since
// streams and downloads may be long, use contexts; up to 256 idle
// connections per host).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithPace turns client-side pacing on or off (default on): before each
// request the client waits for its group's token so that it never exceeds
// the documented limit. Load tests turn it off to measure the server.
func WithPace(on bool) Option { return func(c *Client) { c.pace = on } }

// WithLimits overrides the pacing limits of some groups (default
// DocumentedLimits).
func WithLimits(l map[Group]Limit) Option {
	return func(c *Client) {
		for g, v := range l {
			c.limits[g] = v
		}
	}
}

// WithRetry429 sets how many times a 0429 answer is retried (default 5;
// 0 disables).
func WithRetry429(max int) Option { return func(c *Client) { c.retry429 = max } }

// WithRetryNetworkAbnormal sets how many times a 0001 answer whose message
// mentions "network" is retried (default 3; 0 disables). The vendor's
// example client does this: the Visual Search edge answers transient
// failures with 0001 "The network is abnormal, please try again later".
func WithRetryNetworkAbnormal(max int) Option { return func(c *Client) { c.retryNet = max } }

// WithBackoff sets the retry backoff: base delay doubling per attempt, capped
// (default 400 ms and 8 s, as the vendor client's 0.4*2^n).
func WithBackoff(base, max time.Duration) Option {
	return func(c *Client) { c.backoffBase, c.backoffCap = base, max }
}

// WithClock sets the clock used for timings and backoff sleeps (tests pass a
// fake clock). Pacing uses golang.org/x/time/rate and wall time.
func WithClock(clk clock.Clock) Option { return func(c *Client) { c.clk = clk } }

// WithRandSeed makes the backoff jitter deterministic.
func WithRandSeed(seed uint64) Option {
	return func(c *Client) { c.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// WithRequestHook installs a hook called before each request is sent.
func WithRequestHook(h RequestHook) Option { return func(c *Client) { c.reqHook = h } }

// WithResponseHook installs a hook called after each exchange completes.
func WithResponseHook(h ResponseHook) Option { return func(c *Client) { c.respHook = h } }

// WithCaptionHost sets the caption host's base URL and key (default
// DefaultCaptionBaseURL and the main key).
func WithCaptionHost(baseURL, key string) Option {
	return func(c *Client) {
		if baseURL != "" {
			c.captionBase = strings.TrimRight(baseURL, "/")
		}
		if key != "" {
			c.captionKey = key
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client of the API at baseURL (e.g. "https://api.memories.ai"
// or a mock's URL; a trailing slash is ignored) authenticating with apiKey.
func New(baseURL, apiKey string, opts ...Option) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	c := &Client{
		base:        strings.TrimRight(baseURL, "/"),
		key:         apiKey,
		captionBase: DefaultCaptionBaseURL,
		hc:          &http.Client{Transport: defaultTransport()},
		clk:         clock.Real{},
		pace:        true,
		limits:      DocumentedLimits(),
		retry429:    5,
		retryNet:    3,
		backoffBase: 400 * time.Millisecond,
		backoffCap:  8 * time.Second,
		userAgent:   "memharness-client/1",
		pollFirst:   500 * time.Millisecond,
		pollMax:     5 * time.Second,
		rnd:         rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1)),
	}
	for _, o := range opts {
		o(c)
	}
	if c.captionKey == "" {
		c.captionKey = apiKey
	}
	c.limiters = make(map[Group]*rate.Limiter, len(c.limits))
	for g, l := range c.limits {
		// Burst 1: a paced client never sends two requests of a group closer
		// than the documented interval, whatever the server's bucket allows.
		// The client paces at 90% of the documented rate: at exactly the
		// rate, network jitter makes some requests arrive a hair before the
		// server's bucket refills and they are throttled.
		c.limiters[g] = rate.NewLimiter(l.Rate()*paceMargin, 1)
	}
	return c
}

// paceMargin is the fraction of a documented limit a paced client uses.
const paceMargin = 0.9

// defaultTransport is http.DefaultTransport with more idle connections per
// host: the default 2 makes concurrent callers (the load tester) reopen
// connections all the time.
func defaultTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	return t
}

// FromEnv returns a client configured from MEMORIES_API_BASE_URL (default
// the real host) and MEMORIES_API_KEY, plus the caption host variables when
// set. It fails when no key is set.
func FromEnv(opts ...Option) (*Client, error) {
	key := os.Getenv(EnvAPIKey)
	if key == "" {
		return nil, fmt.Errorf("client: %s is not set", EnvAPIKey)
	}
	base := os.Getenv(EnvBaseURL)
	if cb, ck := os.Getenv(EnvCaptionBaseURL), os.Getenv(EnvCaptionKey); cb != "" || ck != "" {
		opts = append([]Option{WithCaptionHost(cb, ck)}, opts...)
	}
	return New(base, key, opts...), nil
}

// BaseURL returns the API base URL.
func (c *Client) BaseURL() string { return c.base }

// CaptionBaseURL returns the caption host's base URL.
func (c *Client) CaptionBaseURL() string { return c.captionBase }

// Pacing reports whether client-side pacing is on.
func (c *Client) Pacing() bool { return c.pace }

// host says which base URL and key a call uses.
type host int

const (
	hostAPI host = iota
	hostCaption
)

// body is a request body factory: it is called once per attempt so retries
// resend the same bytes. replayable is false for a one-shot io.Reader.
type body struct {
	make        func() (io.Reader, error)
	contentType string
	oneShot     bool
}

func jsonBody(v any) (*body, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("client: encode request: %w", err)
	}
	return &body{make: func() (io.Reader, error) { return bytes.NewReader(b), nil }, contentType: "application/json"}, nil
}

func formBody(v url.Values) *body {
	s := v.Encode()
	return &body{make: func() (io.Reader, error) { return strings.NewReader(s), nil }, contentType: "application/x-www-form-urlencoded"}
}

// call is one logical operation.
type call struct {
	method string
	path   string // path below the host, starting with "/"
	host   host
	query  url.Values
	body   *body
	accept string
	// raw: a 2xx non-JSON answer is handed to the caller unread (streams,
	// downloads); the caller reports the exchange when done.
	raw    bool
	stream bool
	// decode receives the data of a successful envelope.
	decode func(data json.RawMessage) error
	// noAuth and header are for raw calls (negative tests).
	noAuth bool
	header http.Header
	// noRetry disables retries (raw calls).
	noRetry bool
}

// pending is an exchange whose body the caller still reads.
type pending struct {
	c   *Client
	ex  *Exchange
	res *http.Response
}

// finish reports a raw exchange once its body is done.
func (p *pending) finish(code, msg string, body []byte, n int64, err error) {
	p.ex.Duration = p.c.clk.Now().Sub(p.ex.Start)
	p.ex.Code, p.ex.Msg, p.ex.Body, p.ex.Bytes, p.ex.Err = code, msg, body, n, err
	p.c.report(p.ex)
}

func (c *Client) report(ex *Exchange) {
	if c.respHook != nil {
		c.respHook(ex)
	}
}

// do runs a call with pacing and retries. For JSON answers it returns
// (nil, nil) on success after handing data to cl.decode; for raw calls with
// a 2xx non-JSON answer it returns the pending exchange.
func (c *Client) do(ctx context.Context, cl *call) (*pending, error) {
	op := OpName(cl.path)
	group := GroupOf(op)
	for attempt := 1; ; attempt++ {
		if c.pace {
			if lim := c.limiters[group]; lim != nil {
				if err := lim.Wait(ctx); err != nil {
					return nil, fmt.Errorf("memories %s: pacing: %w", op, err)
				}
			}
		}
		p, err := c.attempt(ctx, cl, op, group, attempt)
		if p != nil || err == nil {
			return p, err
		}
		if cl.noRetry || (cl.body != nil && cl.body.oneShot) || !c.retryable(err, attempt) {
			return nil, err
		}
		if serr := c.sleep(ctx, c.backoff(attempt)); serr != nil {
			return nil, err
		}
	}
}

// retryable: 0429 up to retry429 retries; 0001 "network abnormal" up to
// retryNet. attempt counts the attempts already made.
func (c *Client) retryable(err error, attempt int) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Normalized() {
	case CodeRateLimited:
		return attempt <= c.retry429
	case CodeBadParam:
		return attempt <= c.retryNet && strings.Contains(strings.ToLower(ae.Msg), "network")
	}
	return false
}

// backoff returns the delay before retry number attempt (1-based): base
// doubling per attempt, capped, with "equal jitter" (half fixed, half
// random) so synchronized clients spread out.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.backoffBase
	for i := 1; i < attempt && d < c.backoffCap; i++ {
		d *= 2
	}
	if d > c.backoffCap {
		d = c.backoffCap
	}
	c.randMu.Lock()
	f := c.rnd.Float64()
	c.randMu.Unlock()
	return d/2 + time.Duration(f*float64(d/2))
}

// BackoffBounds returns the [min, max] delay before retry number attempt,
// for tests and documentation.
func (c *Client) BackoffBounds(attempt int) (time.Duration, time.Duration) {
	d := c.backoffBase
	for i := 1; i < attempt && d < c.backoffCap; i++ {
		d *= 2
	}
	if d > c.backoffCap {
		d = c.backoffCap
	}
	return d / 2, d
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.clk.After(d):
		return nil
	}
}

func (c *Client) newRequest(ctx context.Context, cl *call) (*http.Request, error) {
	base, key := c.base, c.key
	if cl.host == hostCaption {
		base, key = c.captionBase, c.captionKey
	}
	u := base + cl.path
	if strings.HasPrefix(cl.path, "http://") || strings.HasPrefix(cl.path, "https://") {
		u = cl.path
	}
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var rd io.Reader
	if cl.body != nil {
		r, err := cl.body.make()
		if err != nil {
			return nil, err
		}
		rd = r
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, rd)
	if err != nil {
		return nil, err
	}
	if !cl.noAuth && key != "" {
		// Raw key, no "Bearer ": the vendor docs and clients all send it so.
		req.Header.Set("Authorization", key)
	}
	if cl.body != nil && cl.body.contentType != "" {
		req.Header.Set("Content-Type", cl.body.contentType)
	}
	if cl.accept != "" {
		req.Header.Set("Accept", cl.accept)
	} else {
		req.Header.Set("Accept", "application/json")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	for k, vs := range cl.header {
		req.Header.Del(k)
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return req, nil
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.Contains(strings.ToLower(ct), "json")
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func (c *Client) attempt(ctx context.Context, cl *call, op string, group Group, attempt int) (*pending, error) {
	req, err := c.newRequest(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("memories %s: %w", op, err)
	}
	ex := &Exchange{Op: op, Group: group, Method: cl.method, Path: req.URL.Path, Request: req, Attempt: attempt, Stream: cl.stream}
	if c.reqHook != nil {
		c.reqHook(op, req)
	}
	ex.Start = c.clk.Now()
	res, err := c.hc.Do(req)
	if err != nil {
		ex.Duration = c.clk.Now().Sub(ex.Start)
		ex.Err = fmt.Errorf("memories %s: %w", op, err)
		c.report(ex)
		return nil, ex.Err
	}
	ex.Response, ex.StatusCode = res, res.StatusCode
	if cl.raw && res.StatusCode/100 == 2 && !isJSON(res.Header.Get("Content-Type")) {
		return &pending{c: c, ex: ex, res: res}, nil
	}
	b, rerr := io.ReadAll(io.LimitReader(res.Body, maxBody))
	res.Body.Close()
	ex.Duration = c.clk.Now().Sub(ex.Start)
	ex.Body = b
	if rerr != nil {
		ex.Err = fmt.Errorf("memories %s: read body: %w", op, rerr)
		c.report(ex)
		return nil, ex.Err
	}
	ex.Err = c.interpret(op, cl, res, b, ex)
	c.report(ex)
	return nil, ex.Err
}

// interpret turns a complete JSON (or non-2xx) answer into nil, an
// *APIError or a *DecodeError, handing successful data to cl.decode.
func (c *Client) interpret(op string, cl *call, res *http.Response, b []byte, ex *Exchange) error {
	var env Envelope[json.RawMessage]
	envErr := json.Unmarshal(b, &env)
	if envErr == nil && env.Code == "" && env.Success == nil && env.Msg == "" {
		envErr = errors.New("no envelope fields")
	}
	if envErr == nil {
		ex.Code, ex.Msg = string(env.Code), env.Msg
	}
	if res.StatusCode/100 != 2 {
		ae := &APIError{Op: op, HTTPStatus: res.StatusCode}
		if envErr == nil {
			ae.Code, ae.Msg = string(env.Code), env.Msg
		} else {
			ae.Msg = snippet(b)
		}
		return ae
	}
	if envErr != nil {
		return &DecodeError{Op: op, Body: b, Err: envErr}
	}
	if !env.IsSuccess() {
		return &APIError{Op: op, Code: string(env.Code), Msg: env.Msg, HTTPStatus: res.StatusCode}
	}
	if cl.raw {
		// A stream or download answered with a success envelope instead
		// of the event stream / bytes.
		return &DecodeError{Op: op, Body: b, Err: fmt.Errorf("expected %s, got a JSON envelope", cl.accept)}
	}
	if cl.decode != nil {
		if err := cl.decode(env.Data); err != nil {
			return &DecodeError{Op: op, Body: b, Err: err}
		}
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// decodeInto returns a decode func that unmarshals data into out. A null
// data leaves out untouched.
func decodeInto(out any) func(json.RawMessage) error {
	return func(data json.RawMessage) error {
		if len(data) == 0 || string(data) == "null" {
			return nil
		}
		return json.Unmarshal(data, out)
	}
}

// requireData is decodeInto that also rejects a missing or null data.
func requireData(out any) func(json.RawMessage) error {
	return func(data json.RawMessage) error {
		if len(data) == 0 || string(data) == "null" {
			return errors.New("data is null")
		}
		return json.Unmarshal(data, out)
	}
}

// getJSON and postJSON are the common shapes.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, decode func(json.RawMessage) error) error {
	_, err := c.do(ctx, &call{method: http.MethodGet, path: path, query: q, decode: decode})
	return err
}

func (c *Client) postJSON(ctx context.Context, path string, q url.Values, in any, decode func(json.RawMessage) error) error {
	b, err := jsonBody(in)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, &call{method: http.MethodPost, path: path, query: q, body: b, decode: decode})
	return err
}

func (c *Client) postForm(ctx context.Context, path string, form url.Values, decode func(json.RawMessage) error) error {
	_, err := c.do(ctx, &call{method: http.MethodPost, path: path, body: formBody(form), decode: decode})
	return err
}

// RawRequest is a request sent as is, for negative tests and endpoints the
// typed methods do not cover.
type RawRequest struct {
	Method string
	// Path is below the API base URL ("/serve/api/v1/search"), or an
	// absolute URL.
	Path  string
	Query url.Values
	// Body: nil (none), []byte or string (sent raw with ContentType),
	// io.Reader (streamed, not replayable), url.Values (form), anything
	// else is JSON-encoded.
	Body        any
	ContentType string
	// Header entries replace the defaults (Authorization included).
	Header http.Header
	// NoAuth omits the Authorization header.
	NoAuth bool
	// Caption sends the request to the caption host.
	Caption bool
}

// Do sends a raw request to the API host: no envelope interpretation, no
// retries (pacing still applies when on). It returns the response with its
// body read into the []byte (the response body is closed). Business errors
// are not errors here; only transport failures are. The exchange is still
// reported to the hooks, with Code and Msg filled when the body is an
// envelope.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body any) (*http.Response, []byte, error) {
	return c.Send(ctx, RawRequest{Method: method, Path: path, Query: query, Body: body})
}

// Send is Do with full control over headers and authentication.
func (c *Client) Send(ctx context.Context, r RawRequest) (*http.Response, []byte, error) {
	cl := &call{method: r.Method, path: r.Path, query: r.Query, header: r.Header, noAuth: r.NoAuth, noRetry: true, accept: "*/*", raw: true}
	if cl.method == "" {
		cl.method = http.MethodGet
	}
	if r.Caption {
		cl.host = hostCaption
	}
	switch v := r.Body.(type) {
	case nil:
	case []byte:
		cl.body = &body{make: func() (io.Reader, error) { return bytes.NewReader(v), nil }, contentType: r.ContentType}
	case string:
		cl.body = &body{make: func() (io.Reader, error) { return strings.NewReader(v), nil }, contentType: r.ContentType}
	case io.Reader:
		cl.body = &body{make: func() (io.Reader, error) { return v, nil }, contentType: r.ContentType, oneShot: true}
	case url.Values:
		cl.body = formBody(v)
	default:
		b, err := jsonBody(v)
		if err != nil {
			return nil, nil, err
		}
		cl.body = b
	}
	if cl.body != nil && r.ContentType != "" {
		cl.body.contentType = r.ContentType
	}
	op := OpName(cl.path)
	if r.Caption {
		op = OpName(CaptionPrefix + strings.TrimPrefix(cl.path, CaptionPrefix))
	}
	group := GroupOf(op)
	if c.pace {
		if lim := c.limiters[group]; lim != nil {
			if err := lim.Wait(ctx); err != nil {
				return nil, nil, fmt.Errorf("memories %s: pacing: %w", op, err)
			}
		}
	}
	req, err := c.newRequest(ctx, cl)
	if err != nil {
		return nil, nil, err
	}
	ex := &Exchange{Op: op, Group: group, Method: cl.method, Path: req.URL.Path, Request: req, Attempt: 1}
	if c.reqHook != nil {
		c.reqHook(op, req)
	}
	ex.Start = c.clk.Now()
	res, err := c.hc.Do(req)
	if err != nil {
		ex.Duration = c.clk.Now().Sub(ex.Start)
		ex.Err = fmt.Errorf("memories %s: %w", op, err)
		c.report(ex)
		return nil, nil, ex.Err
	}
	b, rerr := io.ReadAll(io.LimitReader(res.Body, maxBody))
	res.Body.Close()
	ex.Duration = c.clk.Now().Sub(ex.Start)
	ex.Response, ex.StatusCode, ex.Body = res, res.StatusCode, b
	if isJSON(res.Header.Get("Content-Type")) {
		var env Envelope[json.RawMessage]
		if json.Unmarshal(b, &env) == nil {
			ex.Code, ex.Msg = string(env.Code), env.Msg
		}
	}
	if rerr != nil {
		ex.Err = fmt.Errorf("memories %s: read body: %w", op, rerr)
	}
	c.report(ex)
	return res, b, ex.Err
}
