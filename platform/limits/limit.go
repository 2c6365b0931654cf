package limits

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Limit is one token-bucket rate: on average one request per Every, with at
// most Burst requests back to back. The zero value (Every == 0) means
// unlimited. Burst <= 0 counts as 1, so "10 QPS" accepts at most one request
// per 100 ms and therefore about 10 per second, never 10 in the same instant.
type Limit struct {
	// Every is the interval between requests at the sustained rate
	// (100ms for 10 QPS, 5s for 12 QPM); 0 means no limit.
	Every time.Duration `json:"every"`
	// Burst is the bucket size; values below 1 mean 1.
	Burst int `json:"burst"`
}

// Unlimited reports whether l imposes no limit.
func (l Limit) Unlimited() bool { return l.Every <= 0 }

// PerSecond is the sustained rate in requests per second (0 when unlimited).
func (l Limit) PerSecond() float64 {
	if l.Unlimited() {
		return 0
	}
	return float64(time.Second) / float64(l.Every)
}

func (l Limit) burst() int {
	if l.Burst < 1 {
		return 1
	}
	return l.Burst
}

// String renders l the way ParseLimit reads it: "10/s", "12/m", "1/h",
// "0.5/s", optionally followed by " burst=N", or "off".
func (l Limit) String() string {
	if l.Unlimited() {
		return "off"
	}
	s := strconv.FormatFloat(l.PerSecond(), 'g', -1, 64) + "/s"
	// Prefer a whole count per unit that ParseLimit maps back to exactly
	// this Every ("7/d", "12/m").
	for _, u := range []struct {
		per  time.Duration
		name string
	}{{time.Second, "/s"}, {time.Minute, "/m"}, {time.Hour, "/h"}, {24 * time.Hour, "/d"}} {
		n := math.Round(float64(u.per) / float64(l.Every))
		if n >= 1 && time.Duration(math.Round(float64(u.per)/n)) == l.Every {
			s = strconv.FormatFloat(n, 'f', -1, 64) + u.name
			break
		}
	}
	if l.burst() > 1 {
		s += " burst=" + strconv.Itoa(l.Burst)
	}
	return s
}

// MarshalText encodes l as its String form, so JSON/YAML reports read
// "10/s" instead of nanoseconds.
func (l Limit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText parses the ParseLimit syntax.
func (l *Limit) UnmarshalText(b []byte) error {
	v, err := ParseLimit(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// ErrBadRate is wrapped by every rate-syntax error of ParseLimit and
// LoadOverrides.
var ErrBadRate = errors.New("limits: bad rate")

// ErrBadOverrides wraps errors about the overrides document itself (not
// YAML/JSON, not a mapping).
var ErrBadOverrides = errors.New("limits: bad rate-limit overrides")

// ErrUnknownKey is wrapped when an override names neither a group nor an
// operationId.
var ErrUnknownKey = errors.New("limits: unknown group or operation")

// maxBurst bounds burst=N so a typo cannot make a bucket effectively
// unlimited.
const maxBurst = 1_000_000

// ParseLimit reads a rate: "off" (also "none", "unlimited"), "N/s", "N/m",
// "N/h", "N/d" (units may be spelled sec/second, min/minute, hour, day), or
// the docs' own spelling "N QPS" / "N QPM" / "N QPH". N may be a decimal
// ("0.5/s"). An optional " burst=N" sets the bucket size. Case and spaces
// around the parts do not matter.
func ParseLimit(s string) (Limit, error) {
	orig := s
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return Limit{}, fmt.Errorf("%w: empty rate (want e.g. \"10/s\", \"12/m\" or \"off\")", ErrBadRate)
	}
	switch s {
	case "off", "none", "unlimited", "false":
		return Limit{}, nil
	}
	burst := 1
	if i := strings.Index(s, "burst"); i >= 0 {
		tail := strings.TrimSpace(s[i+len("burst"):])
		tail = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(tail, "="), ":"))
		b, err := strconv.Atoi(tail)
		if err != nil || b < 1 || b > maxBurst {
			return Limit{}, fmt.Errorf("%w: %q: burst must be an integer from 1 to %d", ErrBadRate, orig, maxBurst)
		}
		burst = b
		s = strings.TrimRight(strings.TrimSpace(s[:i]), ",; ")
	}
	var num, unit string
	if i := strings.IndexByte(s, '/'); i >= 0 {
		num, unit = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	} else {
		j := strings.IndexFunc(s, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
		if j < 0 {
			return Limit{}, fmt.Errorf("%w: %q has no unit (want e.g. \"10/s\", \"12/m\", \"5 QPS\" or \"off\")", ErrBadRate, orig)
		}
		num, unit = strings.TrimSpace(s[:j]), strings.TrimSpace(s[j:])
		switch unit {
		case "qps":
			unit = "s"
		case "qpm":
			unit = "m"
		case "qph":
			unit = "h"
		default:
			return Limit{}, fmt.Errorf("%w: %q: unknown unit %q (want N/s, N/m, N/h, N/d, N QPS or N QPM)", ErrBadRate, orig, unit)
		}
	}
	var per time.Duration
	switch unit {
	case "s", "sec", "second":
		per = time.Second
	case "m", "min", "minute":
		per = time.Minute
	case "h", "hour":
		per = time.Hour
	case "d", "day":
		per = 24 * time.Hour
	default:
		return Limit{}, fmt.Errorf("%w: %q: unknown unit %q (want s, m, h or d)", ErrBadRate, orig, unit)
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return Limit{}, fmt.Errorf("%w: %q: %q is not a number", ErrBadRate, orig, num)
	}
	if n <= 0 {
		return Limit{}, fmt.Errorf("%w: %q: rate must be positive (use \"off\" to disable the limit)", ErrBadRate, orig)
	}
	every := time.Duration(math.Round(float64(per) / n))
	if every < time.Microsecond {
		return Limit{}, fmt.Errorf("%w: %q: rate too high (at most 1000000/s)", ErrBadRate, orig)
	}
	return Limit{Every: every, Burst: burst}, nil
}

// LoadOverrides reads a YAML or JSON document mapping a group name or an
// operationId to a rate string (see ParseLimit), for example
//
//	video-search: 2/s
//	download-videos: 12/m
//	chat_stream: "1/s burst=3"   # an operationId gets its own bucket
//	list-videos: off
//
// A key that is a group changes that group's limit; a key that is an
// operationId gives that operation a bucket of its own, separate from the
// rest of its group. Unknown keys and bad rates are errors that name the key.
// A bare YAML `off`/`false` is read as "off"; numbers without a unit are
// rejected because "10" could mean per second or per minute.
func LoadOverrides(r io.Reader) (map[string]Limit, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("limits: read overrides: %w", err)
	}
	raw := map[string]any{}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return map[string]Limit{}, nil
	}
	if trimmed[0] == '{' {
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			return nil, fmt.Errorf("%w: not a JSON object of rate strings: %v", ErrBadOverrides, err)
		}
	} else if err := yaml.Unmarshal(trimmed, &raw); err != nil {
		return nil, fmt.Errorf("%w: not a YAML mapping of rate strings: %v", ErrBadOverrides, err)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]Limit, len(raw))
	for _, k := range keys {
		if !IsGroup(k) && !KnownOperation(k) {
			return nil, fmt.Errorf("%w: %q (groups: %s)", ErrUnknownKey, k, strings.Join(Groups(), ", "))
		}
		var l Limit
		switch v := raw[k].(type) {
		case string:
			l, err = ParseLimit(v)
			if err != nil {
				return nil, fmt.Errorf("override %q: %w", k, err)
			}
		case bool:
			if v {
				return nil, fmt.Errorf("%w: override %q: true is not a rate (want e.g. \"10/s\" or off)", ErrBadRate, k)
			}
		case nil:
			return nil, fmt.Errorf("%w: override %q: empty value (want e.g. \"10/s\" or off)", ErrBadRate, k)
		case int, int64, uint64, float64:
			return nil, fmt.Errorf("%w: override %q: bare number %v has no unit (write \"%v/s\" or \"%v/m\")", ErrBadRate, k, v, v, v)
		default:
			return nil, fmt.Errorf("%w: override %q: want a rate string like \"10/s\", got %T", ErrBadRate, k, v)
		}
		out[k] = l
	}
	return out, nil
}
