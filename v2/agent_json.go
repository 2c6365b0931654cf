package v2

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// eventBufs recycles the buffers events are encoded in.
var eventBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxPooledEvent is the largest event buffer kept for reuse.
const maxPooledEvent = 64 << 10

func getBuf() *[]byte { return eventBufs.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= maxPooledEvent {
		*b = (*b)[:0]
		eventBufs.Put(b)
	}
}

// agentTokens estimates the tokens of texts as textTokens does (1.3 per
// whitespace-separated word) without splitting them.
func agentTokens(texts ...string) int {
	n := 0
	for _, t := range texts {
		n += countFields(t, "")
	}
	return (n*13 + 9) / 10
}

// countFields is len(strings.Fields(s)) with the ASCII bytes of extra as
// separators too, without allocating.
func countFields(s, extra string) int {
	n, in := 0, false
	for i := 0; i < len(s); {
		var sep bool
		size := 1
		if c := s[i]; c < utf8.RuneSelf {
			sep = c == ' ' || (c >= '\t' && c <= '\r') || strings.IndexByte(extra, c) >= 0
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			sep = unicode.IsSpace(r)
		}
		if !sep && !in {
			n++
		}
		in = !sep
		i += size
	}
	return n
}

// appendJSON appends v as JSON the way encoding/json does with HTML
// escaping off, without its reflection: the agent's events (obj, slices,
// strings and numbers) are most of a stream's CPU under load, and
// encoding/json re-scans and compacts the output of every nested
// MarshalJSON. Types it does not know go through encoding/json.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case obj:
		return x.appendTo(b)
	case []obj:
		b = append(b, '[')
		for i, o := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = o.appendTo(b); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, e)
		}
		return append(b, ']'), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		return appendJSONFloat(b, x)
	}
	raw, err := marshalNoHTML(v)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

// marshalNoHTML is json.Marshal without HTML escaping and its newline.
func marshalNoHTML(v any) ([]byte, error) {
	var w sliceWriter
	enc := json.NewEncoder(&w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return w[:len(w)-1], nil
}

type sliceWriter []byte

func (w *sliceWriter) Write(p []byte) (int, error) {
	*w = append(*w, p...)
	return len(p), nil
}

// appendTo appends the object, members in order.
func (o obj) appendTo(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, m.k)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, m.v); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONFloat formats f as encoding/json does (ES6 number style).
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping off:
// quote, backslash and control characters escaped, invalid UTF-8 as
// U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
