// Package prismtap sits between a client and a Prism validation proxy and
// judges the violations Prism reports in its sl-violations header: every
// response violation is a failure, and so is a request violation the mock
// accepted (the spec refuses what the mock lets through). A request
// violation on a request the mock refused (a 4xx, or an envelope with a
// business code other than success) is the negative test working as
// intended. CI runs the contract suite through it (.ci/prism-check).
package prismtap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Violation is one entry of Prism's sl-violations header.
type Violation struct {
	Location []string `json:"location"`
	Severity string   `json:"severity"`
	Code     any      `json:"code,omitempty"`
	Message  string   `json:"message"`
}

// Kind classifies a reported violation.
type Kind string

// The kinds of Finding.
const (
	// Failure is a response violation, or a request violation the mock accepted.
	Failure Kind = "failure"
	// Expected is a request violation the mock refused (a negative test).
	Expected Kind = "expected"
	// Unchecked is a request Prism could not match to an operation of its
	// description (the control plane, undocumented aliases): not validated.
	Unchecked Kind = "unchecked"
)

// Finding is one classified violation of one exchange.
type Finding struct {
	Kind      Kind      `json:"kind"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	Code      string    `json:"code,omitempty"` // the envelope's business code, if any
	Violation Violation `json:"violation"`
}

// Classify judges the violations of one exchange: the request's method and
// path, the answer's status, content type and (for JSON) body.
func Classify(method, path string, status int, contentType string, body []byte, header string) ([]Finding, error) {
	if strings.TrimSpace(header) == "" {
		return nil, nil
	}
	vs, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	code := businessCode(contentType, body)
	refused := status >= 400 || (code != "" && code != "0000" && code != "0" && code != "200")
	out := make([]Finding, 0, len(vs))
	for _, v := range vs {
		f := Finding{Method: method, Path: path, Status: status, Code: code, Violation: v}
		switch {
		case len(v.Location) > 0 && v.Location[0] == "response":
			f.Kind = Failure
		case strings.Contains(v.Message, "Selected route not found") || strings.Contains(v.Message, "Route not resolved"):
			f.Kind = Unchecked
		case refused:
			f.Kind = Expected
		default:
			f.Kind = Failure
		}
		out = append(out, f)
	}
	return out, nil
}

// tooMany is the prefix Prism puts before a violation list it truncated.
const tooMany = "Too many violations!"

// parseHeader reads sl-violations. Prism cuts very long lists and prefixes
// them with "Too many violations!"; such a list becomes one violation whose
// location is the first one named (request or response).
func parseHeader(header string) ([]Violation, error) {
	rest, truncated := strings.CutPrefix(strings.TrimSpace(header), tooMany)
	var vs []Violation
	err := json.Unmarshal([]byte(rest), &vs)
	switch {
	case err == nil:
		return vs, nil
	case truncated:
		where := "request"
		if i, j := strings.Index(rest, `"location":["response"`), strings.Index(rest, `"location":["request"`); i >= 0 && (j < 0 || i < j) {
			where = "response"
		}
		return []Violation{{Location: []string{where}, Severity: "Error", Message: tooMany + " (list truncated by Prism)"}}, nil
	default:
		n := min(len(header), 200)
		return nil, fmt.Errorf("prismtap: unreadable sl-violations header %q: %w", header[:n], err)
	}
}

// businessCode reads the code of a JSON envelope ({"code":"0001"} or
// {"code":400}); "" when the body is not one.
func businessCode(contentType string, body []byte) string {
	if !strings.Contains(contentType, "json") {
		return ""
	}
	var env struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(body, &env) != nil || len(env.Code) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(env.Code, &s) == nil {
		return s
	}
	return string(env.Code)
}

// Tap is a reverse proxy to Prism that records classified findings. The
// exchanges Prism cannot carry intact go straight to the server instead and
// are counted as bypassed, with the reason (see Bypass).
type Tap struct {
	proxy  *httputil.ReverseProxy
	direct *httputil.ReverseProxy

	mu        sync.Mutex
	exchanges int
	findings  []Finding
	bypassed  map[string]int // reason -> exchanges
	errs      []error
}

// New returns a Tap forwarding to prism (Prism's URL) and, for the
// exchanges Bypass names, straight to server (Prism's upstream). A nil
// server sends everything through Prism.
func New(prism, server *url.URL) *Tap {
	t := &Tap{bypassed: map[string]int{}}
	p := httputil.NewSingleHostReverseProxy(prism)
	p.FlushInterval = -1 // event streams pass through as they come
	p.ModifyResponse = t.inspect
	t.proxy = p
	if server != nil {
		d := httputil.NewSingleHostReverseProxy(server)
		d.FlushInterval = -1
		t.direct = d
	}
	return t
}

// ServeHTTP forwards one request.
func (t *Tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if t.direct != nil {
		if reason := Bypass(r); reason != "" {
			t.mu.Lock()
			t.bypassed[reason]++
			t.mu.Unlock()
			t.direct.ServeHTTP(w, r)
			return
		}
	}
	t.proxy.ServeHTTP(w, r)
}

// Bypass names why an exchange cannot go through Prism 5's proxy intact,
// or returns "". Prism parses and re-serialises bodies instead of
// forwarding them, so binary uploads and downloads arrive altered
// (stoplightio/prism#2349, #1321), and it answers a JSON body it cannot
// parse itself instead of forwarding it. A JSON request body is read (and
// restored) to decide.
func Bypass(r *http.Request) string {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	switch {
	case strings.HasPrefix(ct, "multipart/"), strings.HasPrefix(ct, "application/octet-stream"),
		strings.HasPrefix(ct, "video/"), strings.HasPrefix(ct, "image/"):
		return "binary request body (Prism alters it: stoplightio/prism#2349)"
	case strings.HasSuffix(r.URL.Path, "/download"):
		return "binary answer (Prism alters it: stoplightio/prism#2349)"
	case strings.Contains(ct, "json") && r.Body != nil:
		b, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
		if err == nil && len(bytes.TrimSpace(b)) > 0 && !json.Valid(b) {
			return "malformed JSON body (Prism answers it itself instead of forwarding)"
		}
		if err == nil && hasBigInteger(b) {
			return "JSON integer beyond 2^53 (Prism re-serialises it as a double and changes it)"
		}
	}
	return ""
}

// hasBigInteger reports whether a JSON document holds an integer that a
// double cannot carry exactly (18-digit session ids sent unquoted).
func hasBigInteger(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		n, ok := tok.(json.Number)
		if !ok {
			continue
		}
		if i, err := n.Int64(); err == nil && (i > 1<<53 || i < -(1<<53)) {
			return true
		}
		if _, err := n.Int64(); err != nil && !strings.ContainsAny(n.String(), ".eE") {
			return true // beyond int64
		}
	}
}

func (t *Tap) inspect(res *http.Response) error {
	header := res.Header.Get("sl-violations")
	var body []byte
	ct := res.Header.Get("Content-Type")
	if header != "" && strings.Contains(ct, "json") {
		b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
		_ = res.Body.Close()
		if err != nil {
			return err
		}
		body = b
		res.Body = io.NopCloser(bytes.NewReader(b))
	}
	fs, err := Classify(res.Request.Method, res.Request.URL.Path, res.StatusCode, ct, body, header)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.exchanges++
	if err != nil {
		t.errs = append(t.errs, err)
	}
	t.findings = append(t.findings, fs...)
	return nil
}

// Report summarises what the tap saw.
type Report struct {
	Exchanges int            `json:"exchanges"`
	Counts    map[Kind]int   `json:"counts"`
	Failures  []Finding      `json:"failures"`
	Unchecked map[string]int `json:"unchecked"` // "METHOD path" -> exchanges
	Bypassed  map[string]int `json:"bypassed"`  // reason -> exchanges sent straight to the server
	Errors    []string       `json:"errors,omitempty"`
}

// Report returns the findings so far.
func (t *Tap) Report() Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := Report{Exchanges: t.exchanges, Counts: map[Kind]int{}, Failures: []Finding{}, Unchecked: map[string]int{}, Bypassed: map[string]int{}}
	for k, v := range t.bypassed {
		r.Bypassed[k] = v
	}
	for _, f := range t.findings {
		r.Counts[f.Kind]++
		switch f.Kind {
		case Failure:
			r.Failures = append(r.Failures, f)
		case Unchecked:
			path := f.Path
			if strings.HasPrefix(path, "/_mock/") {
				path = "/_mock/..." // the control plane has its own description
			}
			r.Unchecked[f.Method+" "+path]++
		}
	}
	for _, e := range t.errs {
		r.Errors = append(r.Errors, e.Error())
	}
	return r
}

// OK reports whether the run had no failure and no unreadable header.
func (r Report) OK() bool { return r.Counts[Failure] == 0 && len(r.Errors) == 0 }

// Text renders the report for a CI log.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "prism: %d exchanges, %d failures, %d expected request violations (refused by the mock), %d unvalidated requests\n",
		r.Exchanges, r.Counts[Failure], r.Counts[Expected], r.Counts[Unchecked])
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "  FAIL %s %s -> %d %s: %s %s\n", f.Method, f.Path, f.Status, f.Code, strings.Join(f.Violation.Location, "."), f.Violation.Message)
	}
	keys := make([]string, 0, len(r.Unchecked))
	for k := range r.Unchecked {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		fmt.Fprintf(&b, "  not in the description Prism was given (not validated): %s\n", strings.Join(keys, ", "))
	}
	reasons := make([]string, 0, len(r.Bypassed))
	for k := range r.Bypassed {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		fmt.Fprintf(&b, "  not through Prism, sent straight to the server: %d x %s\n", r.Bypassed[k], k)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "  ERROR %s\n", e)
	}
	return b.String()
}
