package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/memharness/memharness/client"
)

// world is the state of one scenario. It is created by the scenario
// initializer, so concurrent scenarios never share one.
type world struct {
	s        *Suite
	ctx      context.Context
	scenario string
	tags     map[string]bool
	ns       string // the scenario's unique_id namespace
	key      string // the scenario's API key
	target   *Target

	mu         sync.Mutex
	violations []Violation
	attempts   map[string]int // attempts per operation name, retries included
	codes      map[string][]string
	force      map[string]*forceRule

	vars      map[string]string
	media     map[string][]byte // uploaded bytes by video variable
	uploaded  []string          // videos to delete after the scenario on a real API
	next      nextRequest
	noKey     bool
	keyOver   string
	last      *result
	events    []Event
	batch     []*result
	callErr   error
	receiver  *receiver
	cleanups  []func()
	memsync   *memsyncState
	v2        *v2State
	skipCause string
}

// forceRule makes the next n requests of an operation carry X-Mock-Force.
type forceRule struct {
	n     int
	value string
}

// nextRequest holds modifiers for the next request only.
type nextRequest struct {
	header http.Header
	noKey  bool
	key    string
}

// result is one answer as the steps inspect it.
type result struct {
	api    API
	op     string
	method string
	path   string
	status int
	header http.Header
	body   []byte
	json   any
	isJSON bool
	err    error
}

func newWorld(s *Suite) *world {
	return &world{
		s: s, vars: map[string]string{}, media: map[string][]byte{},
		attempts: map[string]int{}, codes: map[string][]string{}, force: map[string]*forceRule{},
	}
}

// begin prepares the scenario: namespace, account, context.
func (w *world) begin(ctx context.Context, sc *godog.Scenario) (context.Context, error) {
	n := w.s.counter.next()
	w.scenario = sc.Name
	w.tags = map[string]bool{}
	for _, t := range sc.Tags {
		w.tags[t.Name] = true
	}
	w.target = w.s.memories
	w.ns = fmt.Sprintf("ct-%s-%d", w.s.runID, n)
	w.key = w.target.Key
	if w.target.FreshKeys {
		// The mock's journal shows the first 8 characters of a key: make
		// them unique per scenario so the journal tells accounts apart.
		w.key = fmt.Sprintf("sk%06x-contract-%s", (w.s.runSeed+uint32(n))&0xffffff, w.s.runID)
	}
	w.vars["unique_id"] = w.ns
	w.vars["api_key"] = w.key
	w.ctx = withWorld(ctx, w)
	return w.ctx, nil
}

// end undoes what the scenario changed outside its namespace.
func (w *world) end() {
	for i := len(w.cleanups) - 1; i >= 0; i-- {
		w.cleanups[i]()
	}
	w.cleanups = nil
	if w.receiver != nil {
		w.receiver.close()
	}
	if len(w.uploaded) > 0 && !w.target.Mock {
		// Be a good citizen on the real API: remove what the scenario
		// uploaded (best effort, the answer does not matter).
		ctx, cancel := context.WithTimeout(withWorld(context.Background(), w), time.Minute)
		defer cancel()
		for i := 0; i < len(w.uploaded); i += 100 {
			_ = w.api().DeleteVideos(ctx, w.ns, w.uploaded[i:min(i+100, len(w.uploaded))])
		}
	}
}

// afterStep turns the violations seen during a step into its failure
// (godog adds the returned error to the step's own).
func (w *world) afterStep() error {
	w.mu.Lock()
	vs := w.violations
	w.violations = nil
	w.mu.Unlock()
	if len(vs) == 0 {
		return nil
	}
	return ViolationsError(vs)
}

// skip ends the scenario as skipped, with a reason the run reports.
func (w *world) skip(reason string) error {
	w.s.noteSkip(w.scenario, reason)
	return fmt.Errorf("%w: %s", godog.ErrSkip, reason)
}

// api is the scenario's paced client.
func (w *world) api() *client.Client { return w.s.clients.get(w.target, w.currentKey(), true) }

// rawAPI neither paces nor retries.
func (w *world) rawAPI() *client.Client { return w.s.clients.get(w.target, w.currentKey(), false) }

func (w *world) currentKey() string {
	if w.keyOver != "" {
		return w.keyOver
	}
	return w.key
}

// beforeRequest applies forced failures and the control token.
func (w *world) beforeRequest(op string, req *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.attempts[op]++
	if r := w.force[op]; r != nil && r.n > 0 {
		r.n--
		req.Header.Set("X-Mock-Force", r.value)
	}
	if strings.HasPrefix(req.URL.Path, "/_mock/") && w.s.cfg.ControlToken != "" {
		req.Header.Set("X-Mock-Token", w.s.cfg.ControlToken)
	}
}

// observe validates one exchange of the scenario.
func (w *world) observe(ex *client.Exchange) {
	apis := []API{APIMemories}
	if strings.HasPrefix(ex.Request.URL.Path, "/_mock/") {
		apis = []API{APIControl}
	}
	op, _, ok := w.s.specs.Match(ex.Request.Method, ex.Request.URL.Path, apis...)
	var vs []Violation
	if !ok {
		if ex.StatusCode != http.StatusNotFound {
			vs = append(vs, Violation{API: apis[0], Op: ex.Op, Method: ex.Request.Method, Path: ex.Request.URL.Path,
				Reason: "no operation of the description has this method and path"})
		}
	} else {
		binary := ex.Body == nil && !isJSONType(ex.Response.Header.Get("Content-Type"))
		vs = w.s.validator.Validate(op, Response{Request: ex.Request, Status: ex.StatusCode, Header: ex.Response.Header, Body: ex.Body, BodyOmitted: binary})
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.violations = append(w.violations, vs...)
	w.codes[ex.Op] = append(w.codes[ex.Op], ex.Code)
}

func isJSONType(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// request is one request as the generic steps build it.
type request struct {
	op          *Operation
	params      map[string]string
	query       url.Values
	body        []byte
	contentType string
	accept      string
	header      http.Header
	unpaced     bool // fire as is: no pacing, no 0429 retry
}

// operation finds an operation of the Memories.ai or control description.
func (w *world) operation(id string) (*Operation, error) {
	if o, ok := w.s.specs.Op(APIMemories, id); ok {
		return o, nil
	}
	if o, ok := w.s.specs.Op(APIControl, id); ok {
		return o, nil
	}
	return nil, fmt.Errorf("no operation %q in memories.yaml or control.yaml", id)
}

// send sends a request to the Memories.ai target (or its control plane) and
// records the answer as the last response. The scenario's paced client is
// used; a 0429 is retried with backoff, as a well-mannered client does,
// unless the request is fired unpaced on purpose.
func (w *world) send(r request) (*result, error) {
	path, err := r.op.Expand(r.params)
	if err != nil {
		return nil, err
	}
	control := r.op.API == APIControl
	if control && !w.target.Mock {
		return nil, w.skip("the target is not a mock, it has no /_mock/ control plane")
	}
	raw := client.RawRequest{Method: r.op.Method, Path: path, Query: r.query, ContentType: r.contentType, Header: http.Header{}}
	if r.body != nil {
		raw.Body = r.body
	}
	raw.Caption = strings.HasPrefix(r.op.Path, client.CaptionPrefix)
	accept := r.accept
	if accept == "" {
		accept = "application/json"
		if mediaOf(r.op, "text/event-stream") && !mediaOf(r.op, "application/json") {
			accept = "text/event-stream"
		}
	}
	raw.Header.Set("Accept", accept)
	for k, vs := range r.header {
		raw.Header[k] = vs
	}
	next := w.next
	w.next = nextRequest{}
	for k, vs := range next.header {
		raw.Header[k] = vs
	}
	var c *client.Client
	switch {
	case control:
		c = w.s.clients.get(w.target, "", false)
		raw.NoAuth = true
	case r.unpaced:
		c = w.rawAPI()
	default:
		c = w.api()
	}
	if !control {
		switch {
		case next.noKey || w.noKey:
			raw.NoAuth = true
		case next.key != "":
			raw.Header.Set("Authorization", w.expandOrSelf(next.key))
		}
	}
	ctx, cancel := context.WithTimeout(w.ctx, 3*time.Minute)
	defer cancel()
	var res *result
	for attempt := 1; ; attempt++ {
		httpRes, body, err := c.Send(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", raw.Method, path, err)
		}
		res = newResult(r.op.API, r.op.ID, raw.Method, path, httpRes, body)
		// A forced answer is what the scenario asked for: do not retry it.
		forced := raw.Header.Get("X-Mock-Force") != ""
		if control || r.unpaced || forced || attempt > 5 || envelopeCode(res) != client.CodeRateLimited {
			break
		}
		lo, hi := c.BackoffBounds(attempt)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(lo + (hi-lo)/2):
		}
	}
	w.last = res
	return res, nil
}

// mediaOf reports whether the operation documents a 200 of media type mt.
func mediaOf(o *Operation, mt string) bool {
	r := o.Operation.Responses.Status(200)
	return r != nil && r.Value != nil && r.Value.Content.Get(mt) != nil
}

func newResult(api API, op, method, path string, res *http.Response, body []byte) *result {
	r := &result{api: api, op: op, method: method, path: path, status: res.StatusCode, header: res.Header, body: body}
	if isJSONType(res.Header.Get("Content-Type")) || (len(body) > 0 && (body[0] == '{' || body[0] == '[')) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			r.json, r.isJSON = v, true
		}
	}
	return r
}

// envelopeCode returns the envelope's code as text ("0000", "0429", "0").
func envelopeCode(r *result) string {
	if r == nil || !r.isJSON {
		return ""
	}
	m, ok := r.json.(map[string]any)
	if !ok {
		return ""
	}
	return textOf(m["code"])
}

// textOf renders a JSON value for comparisons: strings as is, the rest as JSON.
func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// lastResult is the last response or an error saying there is none.
func (w *world) lastResult() (*result, error) {
	if w.last == nil {
		return nil, errors.New("no request has been sent yet")
	}
	return w.last, nil
}

// lookup resolves a path like "data.videos.0.video_no" or
// "data.videos[0].video_no" in a decoded JSON value ("" is the root).
func lookup(v any, path string) (any, error) {
	path = strings.TrimSpace(path)
	path = strings.TrimPrefix(path, "$")
	path = strings.TrimPrefix(path, ".")
	if path == "" {
		return v, nil
	}
	path = strings.NewReplacer("[", ".", "]", "").Replace(path)
	cur := v
	for _, part := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			next, ok := x[part]
			if !ok {
				return nil, fmt.Errorf("%q has no field %q", path, part)
			}
			cur = next
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil {
				return nil, fmt.Errorf("%q: %q is not an index of an array", path, part)
			}
			if i < 0 {
				i += len(x)
			}
			if i < 0 || i >= len(x) {
				return nil, fmt.Errorf("%q: index %s out of range (length %d)", path, part, len(x))
			}
			cur = x[i]
		default:
			return nil, fmt.Errorf("%q: cannot descend into %s at %q", path, textOf(cur), part)
		}
	}
	return cur, nil
}

// field resolves a path in the last JSON response.
func (w *world) field(path string) (any, error) {
	r, err := w.lastResult()
	if err != nil {
		return nil, err
	}
	if !r.isJSON {
		return nil, fmt.Errorf("the response of %s is not JSON (%s): %s", r.op, r.header.Get("Content-Type"), excerpt(r.body))
	}
	v, err := lookup(r.json, w.expandOrSelf(path))
	if err != nil {
		return nil, fmt.Errorf("%v in %s", err, excerpt(r.body))
	}
	return v, nil
}

// readAllLimit reads at most n bytes.
func readAllLimit(r io.Reader, n int64) ([]byte, error) { return io.ReadAll(io.LimitReader(r, n)) }
