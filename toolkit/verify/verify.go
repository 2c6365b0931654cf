// Package verify matches journalled requests against what a test expects
// the client sent (WireMock's verify, MockServer's retrieve): by
// operation, key, unique_id, query and body fields, with a count
// expectation. When nothing matches, it ranks the closest requests and
// names the fields that differ, so a failing test says why.
//
// It reads journal entries only; it knows nothing about the surfaces.
package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/memharness/memharness/platform/journal"
)

// Field matches one value. Exactly the set conditions must all hold; a
// Field with none set matches anything present.
type Field struct {
	// Equals compares with the JSON value (numbers compare as numbers, and
	// a number matches a string of the same digits: the API accepts both).
	Equals any `json:"equals,omitempty"`
	// Contains matches a string holding the substring, or an array holding
	// an element equal to it.
	Contains any `json:"contains,omitempty"`
	// Matches is a regular expression the value (as text) must match.
	Matches string `json:"matches,omitempty"`
	// Present, when set, says whether the value must be there at all.
	Present *bool `json:"present,omitempty"`

	re *regexp.Regexp
}

// fieldKeys are the keys that make a JSON object a Field rather than a
// value to compare with.
var fieldKeys = map[string]bool{"equals": true, "contains": true, "matches": true, "present": true}

// UnmarshalJSON accepts a Field object, or any other JSON value as a
// shorthand for {"equals": value}.
func (f *Field) UnmarshalJSON(b []byte) error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) == nil && len(obj) > 0 {
		isField := true
		for k := range obj {
			if !fieldKeys[k] {
				isField = false
			}
		}
		if isField {
			type plain Field
			var p plain
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			if err := dec.Decode(&p); err != nil {
				return err
			}
			*f = Field(p)
			return nil
		}
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*f = Field{Equals: v}
	return nil
}

// MarshalJSON writes the Field in its long form.
func (f Field) MarshalJSON() ([]byte, error) {
	type plain Field
	return json.Marshal(plain(f))
}

// Eq is a Field that matches v exactly.
func Eq(v any) *Field { return &Field{Equals: v} }

// Contains is a Field that matches a string holding s, or an array holding
// an element equal to s.
func Contains(s any) *Field { return &Field{Contains: s} }

// Matches is a Field that matches values matching the regular expression.
func Matches(re string) *Field { return &Field{Matches: re} }

// Present is a Field that matches when the value is there (or, with
// false, when it is not).
func Present(yes bool) *Field { return &Field{Present: &yes} }

// Matcher selects journal entries. Zero-valued parts match anything.
type Matcher struct {
	// Operation is the operationId (e.g. "search").
	Operation string `json:"operation,omitempty"`
	// APIKey is the key as the client sends it; entries are compared by
	// fingerprint.
	APIKey string `json:"api_key,omitempty"`
	// Surface ("v1", "v2", "memsync"), Method and Path narrow further.
	Surface string `json:"surface,omitempty"`
	Method  string `json:"method,omitempty"`
	Path    *Field `json:"path,omitempty"`
	// UniqueID matches the request's unique_id.
	UniqueID *Field `json:"unique_id,omitempty"`
	// Code matches the answered business code, Status the HTTP status.
	Code   *Field `json:"code,omitempty"`
	Status int    `json:"status,omitempty"`
	// Query matches query parameters by name (one value: that value; many:
	// the list).
	Query map[string]*Field `json:"query,omitempty"`
	// Body matches body fields by JSON path: "search_param",
	// "video_nos[0]", "$.a.b" or "a.b".
	Body map[string]*Field `json:"body,omitempty"`

	// Count, AtLeast and AtMost state how many requests should match
	// (Result.OK); none set means at least one.
	Count   *int `json:"count,omitempty"`
	AtLeast *int `json:"at_least,omitempty"`
	AtMost  *int `json:"at_most,omitempty"`

	// Limit bounds the requests returned (default 100; the count is
	// always complete).
	Limit int `json:"limit,omitempty"`
}

// ErrBadMatcher wraps every problem Compile reports.
var ErrBadMatcher = errors.New("bad matcher")

// Compile checks m and prepares its regular expressions. It is called by
// Find; callers that reuse a matcher may call it once.
func (m *Matcher) Compile() error {
	fields := m.fields()
	for _, nf := range fields {
		if nf.f.Matches == "" || nf.f.re != nil {
			continue
		}
		re, err := regexp.Compile(nf.f.Matches)
		if err != nil {
			return fmt.Errorf("%w: %s: matches: %v", ErrBadMatcher, nf.name, err)
		}
		nf.f.re = re
	}
	for name, n := range map[string]*int{"count": m.Count, "at_least": m.AtLeast, "at_most": m.AtMost} {
		if n != nil && *n < 0 {
			return fmt.Errorf("%w: %s must not be negative", ErrBadMatcher, name)
		}
	}
	for p := range m.Body {
		if _, err := parsePath(p); err != nil {
			return fmt.Errorf("%w: body path %q: %v", ErrBadMatcher, p, err)
		}
	}
	return nil
}

type namedField struct {
	name string
	f    *Field
}

// fields lists every Field of m with its name, in a stable order.
func (m *Matcher) fields() []namedField {
	var out []namedField
	if m.Path != nil {
		out = append(out, namedField{"path", m.Path})
	}
	if m.UniqueID != nil {
		out = append(out, namedField{"unique_id", m.UniqueID})
	}
	if m.Code != nil {
		out = append(out, namedField{"code", m.Code})
	}
	for _, k := range sortedKeys(m.Query) {
		out = append(out, namedField{"query." + k, m.Query[k]})
	}
	for _, k := range sortedKeys(m.Body) {
		out = append(out, namedField{"body." + k, m.Body[k]})
	}
	return out
}

func sortedKeys(m map[string]*Field) []string {
	out := make([]string, 0, len(m))
	for k, f := range m {
		if f != nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Difference is one way an entry departs from the matcher.
type Difference struct {
	Field    string `json:"field"`
	Expected any    `json:"expected"`
	Actual   any    `json:"actual"`
}

// NearMiss is an entry that matched some of the matcher but not all.
type NearMiss struct {
	Request     journal.Entry `json:"request"`
	Differences []Difference  `json:"differences"`
}

// Result is the answer of Find.
type Result struct {
	// Count is the number of matching entries.
	Count int `json:"count"`
	// OK says whether Count meets the expectation (count, at_least,
	// at_most; by default at least one).
	OK bool `json:"ok"`
	// Expected is the expectation in words ("at least 1").
	Expected string `json:"expected"`
	// Requests are the matching entries, newest first (up to Limit).
	Requests []journal.Entry `json:"requests"`
	// NearMisses, when the expectation fails, are the closest entries
	// that did not match, best first, with what differs.
	NearMisses []NearMiss `json:"near_misses,omitempty"`
}

// maxNearMisses bounds the near misses reported.
const maxNearMisses = 5

// Find matches entries (newest first, as journal.Last returns them).
func Find(entries []journal.Entry, m Matcher) (Result, error) {
	if err := m.Compile(); err != nil {
		return Result{}, err
	}
	fields := m.fields()
	limit := m.Limit
	if limit <= 0 {
		limit = 100
	}
	res := Result{Requests: []journal.Entry{}, Expected: m.expectation()}
	type scored struct {
		e     journal.Entry
		diffs []Difference
		hits  int
	}
	var misses []scored
	for _, e := range entries {
		diffs, hits := m.compare(e, fields)
		if len(diffs) == 0 {
			res.Count++
			if len(res.Requests) < limit {
				res.Requests = append(res.Requests, e)
			}
			continue
		}
		misses = append(misses, scored{e, diffs, hits})
	}
	res.OK = m.satisfied(res.Count)
	if !res.OK {
		// Fewest differences first, then most agreeing fields, then the
		// newest (the input order).
		sort.SliceStable(misses, func(i, j int) bool {
			if len(misses[i].diffs) != len(misses[j].diffs) {
				return len(misses[i].diffs) < len(misses[j].diffs)
			}
			return misses[i].hits > misses[j].hits
		})
		for _, s := range misses {
			if len(res.NearMisses) == maxNearMisses {
				break
			}
			res.NearMisses = append(res.NearMisses, NearMiss{Request: s.e, Differences: s.diffs})
		}
	}
	return res, nil
}

func (m *Matcher) satisfied(n int) bool {
	if m.Count == nil && m.AtLeast == nil && m.AtMost == nil {
		return n >= 1
	}
	if m.Count != nil && n != *m.Count {
		return false
	}
	if m.AtLeast != nil && n < *m.AtLeast {
		return false
	}
	if m.AtMost != nil && n > *m.AtMost {
		return false
	}
	return true
}

func (m *Matcher) expectation() string {
	var parts []string
	if m.Count != nil {
		parts = append(parts, "exactly "+strconv.Itoa(*m.Count))
	}
	if m.AtLeast != nil {
		parts = append(parts, "at least "+strconv.Itoa(*m.AtLeast))
	}
	if m.AtMost != nil {
		parts = append(parts, "at most "+strconv.Itoa(*m.AtMost))
	}
	if len(parts) == 0 {
		return "at least 1"
	}
	return strings.Join(parts, " and ")
}

// compare returns how e departs from m and how many criteria it meets.
func (m *Matcher) compare(e journal.Entry, fields []namedField) ([]Difference, int) {
	var diffs []Difference
	hits := 0
	check := func(name string, ok bool, want, got any) {
		if ok {
			hits++
			return
		}
		diffs = append(diffs, Difference{Field: name, Expected: want, Actual: got})
	}
	if m.Operation != "" {
		check("operation", e.OperationID == m.Operation, m.Operation, e.OperationID)
	}
	if m.APIKey != "" {
		check("api_key", e.SameKey(m.APIKey), journal.Fingerprint(m.APIKey), e.APIKey)
	}
	if m.Surface != "" {
		check("surface", e.Surface == m.Surface, m.Surface, e.Surface)
	}
	if m.Method != "" {
		check("method", strings.EqualFold(e.Method, m.Method), m.Method, e.Method)
	}
	if m.Status != 0 {
		check("status", e.Status == m.Status, m.Status, e.Status)
	}
	var body any
	bodyRead := false
	for _, nf := range fields {
		var got any
		var present bool
		switch {
		case nf.name == "path":
			got, present = e.Path, true
		case nf.name == "unique_id":
			got, present = e.UniqueID, e.UniqueID != ""
		case nf.name == "code":
			got, present = e.Code, e.Code != ""
		case strings.HasPrefix(nf.name, "query."):
			vals, ok := e.Query[strings.TrimPrefix(nf.name, "query.")]
			present = ok
			if len(vals) == 1 {
				got = vals[0]
			} else if ok {
				got = anyStrings(vals)
			}
		default: // body.
			if !bodyRead {
				body, bodyRead = decode(e.Body), true
			}
			p, _ := parsePath(strings.TrimPrefix(nf.name, "body."))
			got, present = p.lookup(body)
		}
		check(nf.name, nf.f.match(got, present), nf.f.describe(), shown(got, present))
	}
	return diffs, hits
}

// shown is how an actual value appears in a Difference.
func shown(v any, present bool) any {
	if !present {
		return "(absent)"
	}
	return v
}

func anyStrings(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func decode(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}

// describe is the Field as a Difference shows what was expected.
func (f *Field) describe() any {
	b, err := json.Marshal(f)
	if err != nil {
		return nil
	}
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

func (f *Field) match(v any, present bool) bool {
	if f.Present != nil && *f.Present != present {
		return false
	}
	if f.Present != nil && !*f.Present {
		return true
	}
	if !present {
		return false
	}
	if f.Equals != nil && !equal(f.Equals, v) {
		return false
	}
	if f.Contains != nil && !contains(v, f.Contains) {
		return false
	}
	if f.Matches != "" {
		re := f.re
		if re == nil {
			var err error
			if re, err = regexp.Compile(f.Matches); err != nil {
				return false
			}
		}
		if !re.MatchString(text(v)) {
			return false
		}
	}
	return true
}

// equal compares JSON values; numbers and numeric strings compare by
// value, because the API takes ids and sizes both ways.
func equal(want, got any) bool {
	if wn, ok := number(want); ok {
		if gn, ok := number(got); ok {
			return wn == gn
		}
		return false
	}
	return reflect.DeepEqual(normal(want), normal(got))
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		if x == "" {
			return 0, false
		}
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// normal turns any value into the form json.Unmarshal with UseNumber
// gives, so Go values and decoded values compare.
func normal(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	return decode(b)
}

func contains(v, want any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, text(want))
	case []any:
		for _, e := range x {
			if equal(want, e) {
				return true
			}
		}
	}
	return false
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
