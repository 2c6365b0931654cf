package contract

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// placeholder matches ${name} and ${function:args}.
var placeholder = regexp.MustCompile(`\$\{([^}]+)\}`)

// expand replaces placeholders in feature text:
//
//	${name}                a remembered value (unique_id, api_key, callback_url, a video ...)
//	${text:N}              N letters "x"
//	${url:N}               a URL of exactly N characters
//	${json_tags:N}         a JSON array of N distinct tags
//	${json_video_ids:N}    a JSON array of N well-formed video numbers nobody has
//	${unknown_video_no}    a well-formed private video number nobody has
//	${png_base64}          a small PNG image, base64-encoded
func (w *world) expand(s string) (string, error) {
	var firstErr error
	out := placeholder.ReplaceAllStringFunc(s, func(m string) string {
		v, err := w.resolve(m[2 : len(m)-1])
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	return out, firstErr
}

// expandOrSelf is expand for places where an error is reported later.
func (w *world) expandOrSelf(s string) string {
	out, err := w.expand(s)
	if err != nil {
		return s
	}
	return out
}

func (w *world) resolve(name string) (string, error) {
	fn, arg, hasArg := strings.Cut(name, ":")
	n := 0
	if hasArg {
		v, err := strconv.Atoi(arg)
		if err != nil || v < 0 || v > 100000 {
			return "", fmt.Errorf("${%s}: %q is not a count", name, arg)
		}
		n = v
	}
	switch {
	case hasArg && fn == "text":
		return strings.Repeat("x", n), nil
	case hasArg && fn == "url":
		return urlOfLength(n), nil
	case hasArg && fn == "json_tags":
		tags := make([]string, n)
		for i := range tags {
			tags[i] = fmt.Sprintf("tag%d", i+1)
		}
		b, _ := json.Marshal(tags)
		return string(b), nil
	case hasArg && fn == "json_video_ids":
		ids := make([]string, n)
		for i := range ids {
			ids[i] = unknownVideoNo(i + 1)
		}
		b, _ := json.Marshal(ids)
		return string(b), nil
	case name == "unknown_video_no":
		return unknownVideoNo(0), nil
	case name == "png_base64":
		return base64.StdEncoding.EncodeToString(mediatest.PNG(32, 32, 7)), nil
	}
	if v, ok := w.vars[name]; ok {
		return v, nil
	}
	return "", fmt.Errorf("${%s} is not known in this scenario (remembered: %s)", name, strings.Join(w.varNames(), ", "))
}

func (w *world) varNames() []string {
	var out []string
	for k := range w.vars {
		out = append(out, k)
	}
	return out
}

// unknownVideoNo is a well-formed private video number (VI + 18 digits)
// that no server has minted: the digits spell 9...9 then i.
func unknownVideoNo(i int) string {
	return fmt.Sprintf("VI9999%014d", i)
}

// urlOfLength returns an http URL of exactly n characters (n >= 20).
func urlOfLength(n int) string {
	const head = "http://127.0.0.1/cb/"
	if n <= len(head) {
		return head[:max(n, 0)]
	}
	return head + strings.Repeat("a", n-len(head))
}

// expandQuery expands a query string and parses it.
func (w *world) expandQuery(q string) (url.Values, error) {
	qs, err := w.expand(q)
	if err != nil {
		return nil, err
	}
	vals, err := url.ParseQuery(qs)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", qs, err)
	}
	return vals, nil
}
