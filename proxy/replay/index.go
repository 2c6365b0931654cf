// Package replay indexes recorded exchanges (HAR files) and finds the
// recorded answer of a request: same method and path, same query and body
// once normalised (parameter and key order ignored, volatile fields such as
// callback URLs and timestamps left out).
package replay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/memharness/memharness/proxy/har"
)

// DefaultIgnore are the request fields and query parameters left out of
// matching: they change on every run without changing the answer.
var defaultIgnore = []string{"callback", "callback_url", "callbackUrl", "timestamp", "nonce", "request_id"}

// DefaultIgnore returns the fields ignored unless configured otherwise.
func DefaultIgnore() []string { return append([]string(nil), defaultIgnore...) }

// Recording is one recorded exchange ready to be served.
type Recording struct {
	// File and Entry locate it (Entry counts from 0).
	File  string
	Entry int
	// HAR is the entry as read.
	HAR *har.Entry
	// Surface, Method, Path and Query are the request's.
	Surface, Method, Path, Query string
	// Status, Header and Body are the answer; Events its stream pacing.
	Status int
	Header http.Header
	Body   []byte
	Events []har.Event
	// BodyAgnostic is set when the request body was not recorded (over
	// the size limit): any body matches.
	BodyAgnostic bool

	key     string
	display string
}

// Describe is the request in one line, as the strict mode names it.
func (r *Recording) Describe() string { return r.display }

// bucket holds the recordings of one key, served in recorded order: the
// first request gets the first answer, the next the second, and the last
// answer repeats (a poll that went UNPARSE then PARSE replays that way).
type bucket struct {
	mu   sync.Mutex
	recs []*Recording
	next int
}

func (b *bucket) take() *Recording {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.recs[b.next]
	if b.next < len(b.recs)-1 {
		b.next++
	}
	return r
}

// Problem is a file or entry that cannot be replayed.
type Problem struct {
	File   string
	Entry  int // -1 for the whole file
	Reason string
}

// Options configure an Index.
type Options struct {
	// Ignore lists fields and query parameters left out of matching;
	// DefaultIgnore when nil (pass an empty non-nil slice for none).
	Ignore []string
}

// Index holds recordings by normalised request. It is safe for
// concurrent use once built.
type Index struct {
	ignore   map[string]bool
	byKey    map[string]*bucket
	byMethod map[string][]*Recording // method -> recordings, for the closest match
	all      []*Recording
	problems []Problem
}

// New returns an empty index.
func New(opts Options) *Index {
	ig := opts.Ignore
	if ig == nil {
		ig = DefaultIgnore()
	}
	ix := &Index{ignore: map[string]bool{}, byKey: map[string]*bucket{}, byMethod: map[string][]*Recording{}}
	for _, f := range ig {
		if f = strings.TrimSpace(f); f != "" {
			ix.ignore[f] = true
		}
	}
	return ix
}

// Load reads every HAR file of the paths (directories are walked) into a
// new index. Unusable files and entries are listed by Problems, not fatal;
// a path that does not exist is.
func Load(paths []string, opts Options) (*Index, error) {
	ix := New(opts)
	var files []string
	for _, p := range paths {
		fs, err := har.List(p)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		files = append(files, fs...)
	}
	var entries []loaded
	for _, f := range files {
		doc, err := har.ReadFile(f)
		if err != nil {
			ix.problems = append(ix.problems, Problem{File: f, Entry: -1, Reason: err.Error()})
			continue
		}
		for i := range doc.Log.Entries {
			entries = append(entries, loaded{file: f, i: i, e: &doc.Log.Entries[i]})
		}
	}
	ix.learnRedacted(entries)
	for _, l := range entries {
		if err := ix.Add(l.file, l.i, l.e); err != nil {
			ix.problems = append(ix.problems, Problem{File: l.file, Entry: l.i, Reason: err.Error()})
		}
	}
	return ix, nil
}

type loaded struct {
	file string
	i    int
	e    *har.Entry
}

// learnRedacted ignores the fields whose recorded value is REDACTED: the
// live request carries the real value, which must not prevent a match.
func (ix *Index) learnRedacted(entries []loaded) {
	for _, l := range entries {
		for _, q := range l.e.Request.QueryString {
			if q.Value == har.Redacted {
				ix.ignore[q.Name] = true
			}
		}
		if u, err := url.Parse(l.e.Request.URL); err == nil {
			for k, vs := range u.Query() {
				for _, v := range vs {
					if v == har.Redacted {
						ix.ignore[k] = true
					}
				}
			}
		}
		if pd := l.e.Request.PostData; pd != nil && !pd.Omitted && bytes.Contains([]byte(pd.Text), []byte(har.Redacted)) {
			var v any
			if json.Unmarshal([]byte(pd.Text), &v) == nil {
				collectRedacted(v, ix.ignore)
			}
			for _, p := range pd.Params {
				if p.Value == har.Redacted {
					ix.ignore[p.Name] = true
				}
			}
		}
	}
}

func collectRedacted(v any, into map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && s == har.Redacted {
				into[k] = true
			}
			collectRedacted(x, into)
		}
	case []any:
		for _, x := range t {
			collectRedacted(x, into)
		}
	}
}

// Add indexes one entry.
func (ix *Index) Add(file string, i int, e *har.Entry) error {
	u, err := url.Parse(e.Request.URL)
	if err != nil {
		return fmt.Errorf("request URL: %w", err)
	}
	if e.Response.Status == 0 {
		return errors.New("no response status (the exchange did not complete)")
	}
	if e.Response.Content.Omitted {
		return fmt.Errorf("answer body of %d bytes was not recorded (over the size limit)", e.Response.Content.Size)
	}
	body, err := e.Response.Content.Body()
	if err != nil {
		return fmt.Errorf("answer body: %w", err)
	}
	path := u.Path
	if b := strings.TrimSuffix(e.BasePath, "/"); b != "" && strings.HasPrefix(path, b+"/") {
		// Recorded through an upstream with a base path: the caller's
		// path is what a replayed request has.
		path = strings.TrimPrefix(path, b)
	}
	r := &Recording{
		File: file, Entry: i, HAR: e, Surface: e.Surface,
		Method: strings.ToUpper(e.Request.Method), Path: path, Query: u.RawQuery,
		Status: e.Response.Status, Header: http.Header{}, Body: body, Events: e.Response.Content.Events,
	}
	for _, h := range e.Response.Headers {
		if hopHeader(h.Name) || h.Value == har.Redacted {
			// A redacted header (Set-Cookie) is better absent than wrong.
			continue
		}
		r.Header.Add(h.Name, h.Value)
	}
	var reqBody []byte
	ct := ""
	if pd := e.Request.PostData; pd != nil {
		ct = pd.MimeType
		if pd.Omitted {
			r.BodyAgnostic = true
		} else if reqBody, err = pd.Body(); err != nil {
			return fmt.Errorf("request body: %w", err)
		}
	}
	nb := "*"
	if !r.BodyAgnostic {
		nb = ix.normBody(ct, reqBody)
	}
	r.key = ix.key(r.Surface, r.Method, r.Path, ix.normQuery(r.Query), nb)
	r.display = describe(r.Method, r.Path, r.Query, nb)
	b := ix.byKey[r.key]
	if b == nil {
		b = &bucket{}
		ix.byKey[r.key] = b
	}
	b.recs = append(b.recs, r)
	ix.byMethod[r.Method] = append(ix.byMethod[r.Method], r)
	ix.all = append(ix.all, r)
	return nil
}

// hopHeader lists headers a replayed answer must not copy: the server
// computes them for the bytes it writes.
func hopHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Date", "Content-Encoding":
		return true
	}
	return false
}

// Len is the number of recordings.
func (ix *Index) Len() int { return len(ix.all) }

// Recordings lists the recordings in load order.
func (ix *Index) Recordings() []*Recording { return ix.all }

// Problems lists what could not be loaded.
func (ix *Index) Problems() []Problem { return ix.problems }

// Ignored lists the fields left out of matching, sorted.
func (ix *Index) Ignored() []string {
	var out []string
	for k := range ix.ignore {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Request is what a live request is matched on.
type Request struct {
	Surface, Method, Path, RawQuery, ContentType string
	// Body is the request body; BodyTooLarge says it was longer than what
	// was read, so only body-agnostic recordings can match.
	Body         []byte
	BodyTooLarge bool
}

// Match returns the next recorded answer of the request.
func (ix *Index) Match(q Request) (*Recording, bool) {
	m := strings.ToUpper(q.Method)
	nq := ix.normQuery(q.RawQuery)
	if !q.BodyTooLarge {
		nb := ix.normBody(q.ContentType, q.Body)
		for _, s := range surfaces(q.Surface) {
			if b := ix.byKey[ix.key(s, m, q.Path, nq, nb)]; b != nil {
				return b.take(), true
			}
		}
	}
	for _, s := range surfaces(q.Surface) {
		if b := ix.byKey[ix.key(s, m, q.Path, nq, "*")]; b != nil {
			return b.take(), true
		}
	}
	return nil, false
}

// surfaces: the request's own surface, then recordings of no surface
// (files written by other tools).
func surfaces(s string) []string {
	if s == "" {
		return []string{""}
	}
	return []string{s, ""}
}

// Closest returns the recording most like the request (same method when
// possible, then the nearest path, then the nearest query and body), nil
// when the index is empty.
func (ix *Index) Closest(q Request) *Recording {
	cands := ix.byMethod[strings.ToUpper(q.Method)]
	if len(cands) == 0 {
		cands = ix.all
	}
	if len(cands) == 0 {
		return nil
	}
	nq := ix.normQuery(q.RawQuery)
	nb := ""
	if !q.BodyTooLarge {
		nb = ix.normBody(q.ContentType, q.Body)
	}
	want := describe(q.Method, q.Path, nq, nb)
	var best *Recording
	bestPath, bestRest := -1, -1
	for _, r := range cands {
		dp := distance(q.Path, r.Path, 256)
		if bestPath >= 0 && dp > bestPath {
			continue
		}
		dr := distance(want, r.display, 512)
		if bestPath < 0 || dp < bestPath || dr < bestRest {
			best, bestPath, bestRest = r, dp, dr
		}
	}
	return best
}

// key joins the normalised parts.
func (ix *Index) key(surface, method, path, query, body string) string {
	return surface + "\x00" + method + "\x00" + path + "\x00" + query + "\x00" + body
}

// normQuery sorts the parameters and drops the ignored ones.
func (ix *Index) normQuery(raw string) string {
	if raw == "" {
		return ""
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return raw
	}
	for k := range v {
		if ix.ignore[k] {
			delete(v, k)
		}
	}
	return v.Encode()
}

// normBody renders a body independently of key order, spacing, multipart
// boundaries and ignored fields.
func (ix *Index) normBody(ct string, b []byte) string {
	if len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	mt, params, _ := mime.ParseMediaType(ct)
	switch {
	case mt == "application/x-www-form-urlencoded":
		return "form:" + ix.normQuery(string(b))
	case mt == "multipart/form-data":
		if s, err := ix.normMultipart(b, params["boundary"]); err == nil {
			return s
		}
	}
	// JSON whatever the content type says: the real API accepts a JSON
	// body under a missing or wrong content type too.
	if c := bytes.TrimSpace(b); c[0] == '{' || c[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(c))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			out, err := json.Marshal(ix.strip(v))
			if err == nil {
				return "json:" + string(out)
			}
		}
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// strip removes ignored keys at any depth (maps marshal with sorted keys).
func (ix *Index) strip(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if ix.ignore[k] {
				delete(t, k)
				continue
			}
			t[k] = ix.strip(x)
		}
	case []any:
		for i, x := range t {
			t[i] = ix.strip(x)
		}
	}
	return v
}

func (ix *Index) normMultipart(b []byte, boundary string) (string, error) {
	if boundary == "" {
		return "", errors.New("no boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(b), boundary)
	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		name := p.FormName()
		if ix.ignore[name] {
			continue
		}
		h := sha256.New()
		n, _ := io.Copy(h, p)
		if p.FileName() != "" {
			parts = append(parts, fmt.Sprintf("%s=@%s:%d:%x", name, p.FileName(), n, h.Sum(nil)[:8]))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%x", name, h.Sum(nil)[:8]))
	}
	sort.Strings(parts)
	return "multipart:" + strings.Join(parts, "&"), nil
}

func describe(method, path, query, body string) string {
	s := method + " " + path
	if query != "" {
		s += "?" + query
	}
	if body != "" && body != "*" {
		if len(body) > 200 {
			body = body[:200] + "..."
		}
		s += " " + body
	}
	return s
}

// distance is the Levenshtein distance of the first max bytes of a and b.
func distance(a, b string, max int) int {
	if len(a) > max {
		a = a[:max]
	}
	if len(b) > max {
		b = b[:max]
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
