// Package drift checks proxied exchanges against the OpenAPI descriptions
// in openapi/ and aggregates where the live service and the descriptions
// part ways: per operation, place (request, answer or stream event), JSON
// pointer and rule, with a count, the first and last time it was seen and
// one redacted example. It uses the contract suite's validator, so a
// finding here is exactly what would fail a contract step.
//
// Drift never changes what the caller receives: the collector is a
// proxy.Observer and sees each exchange after its answer was delivered.
package drift

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/memharness/memharness/contract"
	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/internal/specschema"
	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/har"
)

// Options configure a Collector.
type Options struct {
	// Specs are the descriptions (contract.LoadSpecs when nil).
	Specs *contract.Specs
	// APIs maps a route's surface to the descriptions its requests are
	// checked against; DefaultAPIs when nil. A new surface (v2) is one
	// more entry.
	APIs map[string][]contract.API
	// Bases maps a surface to the path prefix its description's paths are
	// relative to (DefaultBases when nil): v2's are relative to
	// /serve/api/v2.
	Bases map[string]string
	// Redact names extra headers and fields hidden in examples.
	Redact []string
	// Clock stamps findings (real time when nil).
	Clock clock.Clock
}

// DefaultAPIs maps the mock's surfaces to their descriptions.
func DefaultAPIs() map[string][]contract.API {
	return map[string][]contract.API{
		"memories": {contract.APIMemories},
		"memsync":  {contract.APIMemSync},
		"v2":       {apiV2},
	}
}

// apiV2 names openapi/memories-v2.yaml among the contract suite's
// descriptions (contract.APIV2 once that constant is everywhere).
const apiV2 = contract.API("memories-v2.yaml")

// DefaultBases are the path prefixes of the surfaces whose descriptions
// have relative paths.
func DefaultBases() map[string]string {
	return map[string]string{"v2": "/serve/api/v2"}
}

// Finding is one way the live service departs from the description,
// aggregated over every exchange that showed it.
type Finding struct {
	// Surface, Operation and Method/Path (the description's template)
	// name the operation ("" Operation: a path the description lacks).
	Surface   string `json:"surface"`
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	// Where is "request", "response" or "event" (a stream event).
	Where string `json:"where"`
	// Pointer is the JSON pointer of the offending value, array indices
	// and event numbers replaced by "*" so one rule is one finding.
	Pointer string `json:"pointer"`
	// Rule is what is violated.
	Rule      string    `json:"rule"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Example is the first exchange that showed it, redacted.
	Example Example `json:"example"`
}

// Example is one redacted request/answer pair.
type Example struct {
	// Pointer and Reason are the concrete ones of this exchange.
	Pointer  string  `json:"pointer"`
	Reason   string  `json:"reason"`
	Request  Message `json:"request"`
	Response Message `json:"response"`
}

// Message is a redacted request or answer, its body cut at 4 KiB.
type Message struct {
	Method  string          `json:"method,omitempty"`
	URL     string          `json:"url,omitempty"`
	Status  int             `json:"status,omitempty"`
	Headers []har.NameValue `json:"headers"`
	Body    string          `json:"body,omitempty"`
}

// Report is what GET /_mock/drift answers.
type Report struct {
	Generated time.Time `json:"generated"`
	// Exchanges is how many complete exchanges were checked, Operations
	// how many distinct operations they addressed.
	Exchanges  int `json:"exchanges"`
	Operations int `json:"operations"`
	// Dropped counts findings beyond the first 2,000 distinct ones.
	Dropped  int       `json:"dropped,omitempty"`
	Findings []Finding `json:"findings"`
}

// Collector validates exchanges and aggregates findings. It is safe for
// concurrent use.
type Collector struct {
	specs *contract.Specs
	val   *contract.Validator
	apis  map[string][]contract.API
	bases map[string]string
	red   *har.Redactor
	clk   clock.Clock

	mu        sync.Mutex
	dropped   int
	findings  map[string]*Finding
	exchanges int
	ops       map[string]bool
}

// New returns a collector.
func New(opts Options) (*Collector, error) {
	if opts.Specs == nil {
		s, err := contract.LoadSpecs()
		if err != nil {
			return nil, fmt.Errorf("drift: %w", err)
		}
		opts.Specs = s
	}
	if opts.APIs == nil {
		opts.APIs = DefaultAPIs()
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Bases == nil {
		opts.Bases = DefaultBases()
	}
	return &Collector{
		specs: opts.Specs, val: contract.NewValidator(opts.Specs), apis: opts.APIs, bases: opts.Bases,
		red: har.NewRedactor(opts.Redact), clk: opts.Clock,
		findings: map[string]*Finding{}, ops: map[string]bool{},
	}, nil
}

// Observe checks one exchange (incomplete ones are skipped).
func (c *Collector) Observe(x *proxy.Exchange) {
	if x.Err != nil || x.Request == nil {
		return
	}
	apis := c.apis[x.Surface]
	r := x.Request
	base := c.bases[x.Surface]
	op, params, ok := c.specs.Match(r.Method, strings.TrimPrefix(r.URL.Path, base), apis...)
	c.mu.Lock()
	c.exchanges++
	if ok {
		c.ops[string(op.API)+" "+op.ID] = true
	}
	c.mu.Unlock()
	if !ok {
		if x.Status != http.StatusNotFound && x.Status != http.StatusMethodNotAllowed {
			p := idSegment.ReplaceAllString(r.URL.Path, "/{id}")
			c.add(x, finding{where: "response", reason: fmt.Sprintf("%s %s is not in the description, yet the service answered HTTP %d", r.Method, p, x.Status)}, "", p)
		}
		return
	}
	// The answer, as the contract suite checks it.
	req := rebuild(x, base)
	resp := contract.Response{Request: req, Status: x.Status, Header: x.Header, Body: x.ResponseBody.Bytes, BodyOmitted: x.ResponseBody.Truncated}
	unknown := unknownEventTypes(op, x)
	for _, v := range c.val.Validate(op, resp) {
		if undescribedEvents.MatchString(v.Reason) {
			// The description does not name the stream's event schema:
			// nothing to drift from (the stream's text is still checked).
			continue
		}
		where := "response"
		if strings.HasPrefix(v.Pointer, "event ") {
			where = "event"
			n, _, _ := strings.Cut(strings.TrimPrefix(v.Pointer, "event "), " ")
			if t, ok := unknown[n]; ok {
				// One finding for an event type the description lacks,
				// rather than the closest branch's missing fields.
				if t != "" {
					c.add(x, finding{where: where, pointer: "event " + n + " /type", reason: fmt.Sprintf("event type %q is not one of the description's (%s)", t, strings.Join(knownEventTypes(op), ", "))}, op.ID, op.Path)
					unknown[n] = ""
				}
				continue
			}
		}
		c.add(x, finding{where: where, pointer: v.Pointer, reason: v.Reason}, op.ID, op.Path)
	}
	// The request: drift only when the service accepted what the
	// description rejects (a rejected bad request is the contract working).
	if accepted(x) {
		for _, f := range c.checkRequest(op, params, x, base) {
			c.add(x, f, op.ID, op.Path)
		}
	}
}

type finding struct{ where, pointer, reason string }

// eventSchema is the component schema of an operation's stream events
// (the lookup the contract suite and the mock's stub check share).
func eventSchema(op *contract.Operation) *openapi3.Schema {
	var resp *openapi3.Response
	if r := op.Operation.Responses.Status(http.StatusOK); r != nil {
		resp = r.Value
	}
	return specschema.StreamOf(op.Spec, resp).Schema
}

// knownEventTypes lists the "type" values the event schema's branches
// accept (their enums), sorted.
func knownEventTypes(op *contract.Operation) []string {
	s := eventSchema(op)
	if s == nil {
		return nil
	}
	var out []string
	for _, b := range append(append([]*openapi3.SchemaRef{}, s.AnyOf...), s.OneOf...) {
		if b == nil || b.Value == nil || b.Value.Properties["type"] == nil || b.Value.Properties["type"].Value == nil {
			continue
		}
		for _, e := range b.Value.Properties["type"].Value.Enum {
			if v, ok := e.(string); ok {
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}

// unknownEventTypes maps the numbers ("3") of stream events whose "type"
// no branch of the event schema accepts to that type.
func unknownEventTypes(op *contract.Operation, x *proxy.Exchange) map[string]string {
	mt, _, _ := mime.ParseMediaType(x.Header.Get("Content-Type"))
	if mt != "text/event-stream" {
		return nil
	}
	known := knownEventTypes(op)
	if len(known) == 0 {
		return nil
	}
	out := map[string]string{}
	for i, ev := range contract.SplitEvents(x.ResponseBody.Bytes) {
		var v struct {
			Type *string `json:"type"`
		}
		if json.Unmarshal([]byte(ev.Text), &v) != nil || v.Type == nil {
			continue
		}
		if idx := sort.SearchStrings(known, *v.Type); idx < len(known) && known[idx] == *v.Type {
			continue
		}
		out[fmt.Sprint(i+1)] = *v.Type
	}
	return out
}

// accepted reports a success answer: 2xx and, for enveloped answers, a
// success code.
func accepted(x *proxy.Exchange) bool {
	if x.Status < 200 || x.Status > 299 {
		return false
	}
	mt, _, _ := mime.ParseMediaType(x.Header.Get("Content-Type"))
	if mt != "application/json" || x.ResponseBody.Truncated {
		return true
	}
	var env struct {
		Code    any   `json:"code"`
		Success *bool `json:"success"`
	}
	if json.Unmarshal(x.ResponseBody.Bytes, &env) != nil {
		return true
	}
	if env.Success != nil && !*env.Success {
		return false
	}
	switch v := env.Code.(type) {
	case string:
		return v == "0000" || v == "SUCCESS"
	case float64:
		return v == 0 || v == 200
	}
	return true
}

func (c *Collector) checkRequest(op *contract.Operation, params map[string]string, x *proxy.Exchange, base string) []finding {
	// kin-openapi checks JSON bodies only: form and multipart bodies are
	// checked by checkForm, which reads their fields as the service does
	// (kin-openapi's form decoders do not).
	exclude := x.RequestBody.Truncated || !jsonBody(x.Request.Header.Get("Content-Type"))
	req := rebuild(x, base)
	if exclude {
		// Its security check copies the whole body (io.ReadAll) even when
		// the body is not checked: 2 MB of garbage per captured upload.
		req.Body, req.ContentLength = http.NoBody, 0
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: op.Route(),
		Options: &openapi3filter.Options{
			MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			ExcludeRequestBody: exclude,
		},
	}
	out := checkForm(op, x)
	err := openapi3filter.ValidateRequest(context.Background(), in)
	if err == nil {
		return out
	}
	for _, e := range flatten(err) {
		f := finding{where: "request", reason: e.Error()}
		var re *openapi3filter.RequestError
		if errors.As(e, &re) {
			f.reason = re.Error()
			if re.Parameter != nil {
				f.pointer = "/" + re.Parameter.In + "/" + re.Parameter.Name
			}
			var se interface{ JSONPointer() []string }
			if errors.As(re.Err, &se) {
				f.pointer = "/body"
				for _, p := range se.JSONPointer() {
					f.pointer += "/" + p
				}
			}
		}
		f.reason = "the service accepted a request the description rejects: " + f.reason
		out = append(out, f)
	}
	return out
}

// jsonBody reports a JSON request content type.
func jsonBody(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// flatten splits a top-level MultiError (not one wrapped inside a
// RequestError, which must stay whole to keep its parameter or body).
func flatten(err error) []error {
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// rebuild makes a request kin-openapi can read from the captured one, its
// path relative to the description's base.
func rebuild(x *proxy.Exchange, base string) *http.Request {
	r := x.Request
	u := &url.URL{Path: strings.TrimPrefix(r.URL.Path, base), RawQuery: r.URL.RawQuery}
	req, _ := http.NewRequest(r.Method, u.String(), bytes.NewReader(x.RequestBody.Bytes))
	req.Header = r.Header.Clone()
	req.ContentLength = int64(len(x.RequestBody.Bytes))
	return req
}

var (
	// idSegment is a path segment holding an id (6+ digits), so unknown
	// paths aggregate per shape, not per object.
	idSegment         = regexp.MustCompile(`/[^/]*\d{6,}[^/]*`)
	undescribedEvents = regexp.MustCompile(`^schema \S+ of the stream events is not in the description$`)
	eventNum          = regexp.MustCompile(`^event \d+`)
	index             = regexp.MustCompile(`/\d+(/|$)`)
	// gotValue is the concrete value a reason quotes, dropped from the
	// rule so one rule is one finding; the component the event was checked
	// against (" (schema AgentProgress, event progress)") stays in it.
	gotValue = regexp.MustCompile(`; got .*?( \(schema [^()]*\))?$`)
)

// normPointer replaces event numbers and array indices by "*".
func normPointer(p string) string {
	p = eventNum.ReplaceAllString(p, "event *")
	for index.MatchString(p) {
		p = index.ReplaceAllString(p, "/*$1")
	}
	return p
}

func (c *Collector) add(x *proxy.Exchange, f finding, opID, path string) {
	ptr := normPointer(f.pointer)
	rule := gotValue.ReplaceAllString(f.reason, "$1")
	if path == "" {
		path = x.Request.URL.Path
	}
	key := strings.Join([]string{x.Surface, opID, x.Request.Method, path, f.where, ptr, rule}, "\x00")
	now := c.clk.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.findings[key]; cur != nil {
		cur.Count++
		cur.LastSeen = now
		return
	}
	if len(c.findings) >= maxFindings {
		c.dropped++
		return
	}
	c.findings[key] = &Finding{
		Surface: x.Surface, Operation: opID, Method: x.Request.Method, Path: path,
		Where: f.where, Pointer: ptr, Rule: rule, Count: 1, FirstSeen: now, LastSeen: now,
		Example: c.example(x, f),
	}
}

// example is the redacted pair of an exchange.
func (c *Collector) example(x *proxy.Exchange, f finding) Example {
	secrets := c.red.Secrets(x.Request.Header)
	e := proxy.Entry(x, c.red, 4<<10)
	cut := func(s string) string {
		if len(s) > 4<<10 {
			return s[:4<<10] + "..."
		}
		return s
	}
	ex := Example{
		Pointer: f.pointer, Reason: har.Scrub(f.reason, secrets),
		Request:  Message{Method: e.Request.Method, URL: e.Request.URL, Headers: e.Request.Headers},
		Response: Message{Status: e.Response.Status, Headers: e.Response.Headers},
	}
	if pd := e.Request.PostData; pd != nil {
		if pd.Omitted {
			ex.Request.Body = pd.Comment
		} else {
			ex.Request.Body = cut(pd.Text)
		}
	}
	if e.Response.Content.Omitted {
		ex.Response.Body = e.Response.Content.Comment
	} else {
		ex.Response.Body = cut(e.Response.Content.Text)
	}
	return ex
}

// maxFindings bounds the distinct findings kept; more are counted in
// Report.Dropped.
const maxFindings = 2000

// Report returns the findings, most frequent first.
func (c *Collector) Report() Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Report{Generated: c.clk.Now(), Exchanges: c.exchanges, Operations: len(c.ops), Dropped: c.dropped, Findings: []Finding{}}
	for _, f := range c.findings {
		r.Findings = append(r.Findings, *f)
	}
	sort.Slice(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		return a.Pointer < b.Pointer
	})
	return r
}

// Reset forgets every finding.
func (c *Collector) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.findings = map[string]*Finding{}
	c.exchanges, c.dropped = 0, 0
	c.ops = map[string]bool{}
}
