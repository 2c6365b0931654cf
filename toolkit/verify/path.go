package verify

import (
	"errors"
	"strconv"
	"strings"
)

// path is a parsed JSON path: object keys and array indexes.
type path []step

type step struct {
	key   string
	index int // >= 0 for an array index
}

// parsePath reads "a.b[0].c", optionally starting with "$." or "$"; "$"
// alone is the whole body.
func parsePath(s string) (path, error) {
	if s == "$" {
		return path{}, nil
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "$"), ".")
	if s == "" {
		return nil, errors.New("empty path")
	}
	var out path
	for _, part := range strings.Split(s, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			out = append(out, step{key: name, index: -1})
		} else if rest == "" {
			return nil, errors.New("empty segment")
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok {
				return nil, errors.New("missing ]")
			}
			n, err := strconv.Atoi(idx)
			if err != nil || n < 0 {
				return nil, errors.New("index " + strconv.Quote(idx) + " is not a non-negative integer")
			}
			out = append(out, step{index: n})
			if after == "" {
				break
			}
			if !strings.HasPrefix(after, "[") {
				return nil, errors.New("unexpected " + strconv.Quote(after))
			}
			rest = after[1:]
		}
	}
	return out, nil
}

// lookup walks v (decoded JSON) and reports the value and whether it is
// there.
func (p path) lookup(v any) (any, bool) {
	for _, st := range p {
		switch {
		case st.index >= 0:
			arr, ok := v.([]any)
			if !ok || st.index >= len(arr) {
				return nil, false
			}
			v = arr[st.index]
		default:
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = obj[st.key]; !ok {
				return nil, false
			}
		}
	}
	return v, true
}
