package har

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Redacted replaces every secret the recorder keeps out of its files.
const Redacted = "REDACTED"

// DefaultRedactHeaders are the headers always redacted: the two API keys
// (Memories.ai's Authorization, MemSync's X-API-Key), the mock's control
// token and the usual credential carriers.
var defaultRedactHeaders = []string{"Authorization", "X-API-Key", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Mock-Token"}

// DefaultRedactHeaders returns the headers always redacted.
func DefaultRedactHeaders() []string { return append([]string(nil), defaultRedactHeaders...) }

// Redactor replaces secrets by Redacted in headers, query parameters, form
// fields and JSON fields (at any depth), and scrubs the literal values of
// the redacted request headers wherever else they appear, so a key echoed
// by a body never reaches a file either. It is safe for concurrent use.
type Redactor struct {
	names map[string]bool // lower-case header, parameter and JSON field names
}

// NewRedactor returns a redactor of the default headers plus extra names;
// an extra name applies to headers, query and form parameters and JSON
// fields alike (case-insensitive).
func NewRedactor(extra []string) *Redactor {
	r := &Redactor{names: map[string]bool{}}
	for _, n := range append(DefaultRedactHeaders(), extra...) {
		if n = strings.TrimSpace(n); n != "" {
			r.names[strings.ToLower(n)] = true
		}
	}
	return r
}

// Names lists the redacted names, sorted.
func (r *Redactor) Names() []string {
	out := make([]string, 0, len(r.names))
	for n := range r.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Match reports whether a header, parameter or field name is redacted.
func (r *Redactor) Match(name string) bool { return r.names[strings.ToLower(name)] }

// Secrets returns the values of the redacted headers of h (with and
// without a "Bearer " prefix), the literal strings Scrub removes.
func (r *Redactor) Secrets(h http.Header) []string {
	var out []string
	for name, vals := range h {
		if !r.Match(name) {
			continue
		}
		for _, v := range vals {
			v = strings.TrimSpace(v)
			if len(v) < 4 {
				// Too short to scrub without mangling ordinary text; the
				// header itself is still redacted.
				continue
			}
			out = append(out, v)
			if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
				if k := strings.TrimSpace(v[7:]); len(k) >= 4 {
					out = append(out, k)
				}
			}
		}
	}
	// Longest first, so "Bearer k" goes before "k".
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// Headers converts h to HAR headers, sorted by name, with redacted values.
func (r *Redactor) Headers(h http.Header, secrets []string) []NameValue {
	out := make([]NameValue, 0, len(h))
	for name, vals := range h {
		for _, v := range vals {
			if r.Match(name) {
				v = Redacted
			} else {
				v = Scrub(v, secrets)
			}
			out = append(out, NameValue{Name: name, Value: v})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Query converts a query to HAR parameters (in their order) with redacted
// values, and returns the redacted raw query.
func (r *Redactor) Query(raw string, secrets []string) ([]NameValue, string) {
	out := []NameValue{}
	if raw == "" {
		return out, ""
	}
	changed := false
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			val = v
		}
		if r.Match(name) {
			val = Redacted
			parts[i] = k + "=" + Redacted
			changed = true
		} else if s := Scrub(val, secrets); s != val {
			val = s
			parts[i] = k + "=" + url.QueryEscape(s)
			changed = true
		}
		out = append(out, NameValue{Name: name, Value: val})
	}
	if changed {
		raw = strings.Join(parts, "&")
	}
	return out, raw
}

// Body redacts a request or response body by its media type: JSON fields
// and form parameters by name, then the secrets anywhere. Other bodies only
// lose the secrets.
func (r *Redactor) Body(mediaType string, b []byte, secrets []string) []byte {
	switch {
	case isJSON(mediaType):
		b = r.JSON(b)
	case mediaType == "application/x-www-form-urlencoded":
		_, q := r.Query(string(b), nil)
		b = []byte(q)
	}
	return ScrubBytes(b, secrets)
}

func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// JSON replaces the values of redacted fields, at any depth, by "REDACTED"
// and leaves every other byte as it was (key order and spacing kept). A
// body that is not valid JSON is returned unchanged.
func (r *Redactor) JSON(b []byte) []byte {
	if !r.mayContainField(b) {
		return b
	}
	type frame struct{ object, expectKey bool }
	var stack []frame
	var spans [][2]int
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return b
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:top]
			continue
		}
		if top >= 0 && stack[top].object && stack[top].expectKey {
			key, _ := tok.(string)
			stack[top].expectKey = false
			if r.Match(key) {
				start := int(dec.InputOffset())
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return b
				}
				end := int(dec.InputOffset())
				for start < end && (b[start] == ':' || b[start] == ' ' || b[start] == '\t' || b[start] == '\n' || b[start] == '\r') {
					start++
				}
				spans = append(spans, [2]int{start, end})
				stack[top].expectKey = true
			}
			continue
		}
		// A value: in an object the next token is a key again.
		if top >= 0 && stack[top].object {
			stack[top].expectKey = true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', expectKey: d == '{'})
		}
	}
	if len(spans) == 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	last := 0
	for _, s := range spans {
		out = append(out, b[last:s[0]]...)
		out = append(out, `"`+Redacted+`"`...)
		last = s[1]
	}
	return append(out, b[last:]...)
}

// mayContainField is a cheap pre-check: the body mentions a redacted name
// in quotes.
func (r *Redactor) mayContainField(b []byte) bool {
	lb := bytes.ToLower(b)
	for n := range r.names {
		if bytes.Contains(lb, []byte(`"`+n+`"`)) {
			return true
		}
	}
	return false
}

// Scrub replaces every occurrence of a secret in s by Redacted.
func Scrub(s string, secrets []string) string {
	for _, k := range secrets {
		if strings.Contains(s, k) {
			s = strings.ReplaceAll(s, k, Redacted)
		}
	}
	return s
}

// ScrubBytes is Scrub for bytes; b is returned unchanged (not copied) when
// it holds no secret.
func ScrubBytes(b []byte, secrets []string) []byte {
	for _, k := range secrets {
		if bytes.Contains(b, []byte(k)) {
			b = bytes.ReplaceAll(b, []byte(k), []byte(Redacted))
		}
	}
	return b
}
