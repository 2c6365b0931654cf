package limits

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ForceHeader is the request header that asks the mock for one specific
// failure, so a single test can provoke a 0429 or a reset without touching
// the global fault configuration.
const ForceHeader = "X-Mock-Force"

// ErrBadForce wraps every ParseForce error.
var ErrBadForce = errors.New("limits: bad " + ForceHeader + " header")

// Force is a parsed X-Mock-Force header. At most one outcome (Code, Error or
// Reset) is set; Latency and SlowBodyBPS combine with any of them.
type Force struct {
	// Code is a v1 business code to answer with ("0001", "0401", "0402",
	// "0403", "0409", "0429", "9009"), skipping the handler.
	Code string
	// Error is "http500" or "network_abnormal".
	Error string
	// Reset drops the connection without a response.
	Reset bool
	// Latency is added before the response.
	Latency time.Duration
	// SlowBodyBPS > 0 trickles the body at this many bytes per second.
	SlowBodyBPS int
}

// IsZero reports whether f asks for nothing.
func (f Force) IsZero() bool { return f == Force{} }

// Apply lays f over a fault decision: what the header asks for wins over the
// random faults, and a forced Code clears random errors and resets (the test
// asked for exactly that failure).
func (f Force) Apply(d FaultDecision) FaultDecision {
	if f.Latency > 0 {
		d.Delay = f.Latency
	}
	switch {
	case f.Code != "":
		d.Error, d.Reset = "", false
	case f.Error != "":
		d.Error, d.Reset = f.Error, false
	case f.Reset:
		d.Error, d.Reset = "", true
	}
	if f.SlowBodyBPS > 0 {
		d.SlowBodyBPS = f.SlowBodyBPS
	}
	return d
}

// forceCodes maps accepted spellings to v1 business codes. The three-digit
// forms are the http error style's spellings of the same failures.
var forceCodes = map[string]string{
	"0000": "", // explicit "no forced code" is rejected below
	"0001": "0001", "400": "0001",
	"0003": "0003",
	"0401": "0401", "401": "0401",
	"0402": "0402", "402": "0402",
	"0403": "0403", "403": "0403",
	"0409": "0409", "409": "0409",
	"0429": "0429", "429": "0429",
	"9009": "9009",
}

const maxForceHeader = 256

// ParseForce parses an X-Mock-Force value: a comma-separated list of
//
//	0429 | 0402 | 0401 | 0403 | 0409 | 0001 | 0003 | 9009  (or 429, 402, 401, 403, 409, 400)
//	500 | http500                  HTTP 500
//	network_abnormal | network     code 0001 "The network is abnormal..."
//	reset                          drop the connection
//	latency=200ms | latency=200    added delay (bare numbers are milliseconds, max 10m)
//	slow | slow=512                slow body (bytes per second, default 1024)
//
// Case and spaces do not matter. An empty header is the zero Force.
func ParseForce(header string) (Force, error) {
	var f Force
	header = strings.TrimSpace(header)
	if header == "" {
		return f, nil
	}
	if len(header) > maxForceHeader {
		return Force{}, fmt.Errorf("%w: longer than %d bytes", ErrBadForce, maxForceHeader)
	}
	outcome := ""
	setOutcome := func(tok string) error {
		if outcome != "" {
			return fmt.Errorf("%w: %q conflicts with %q (one outcome per request)", ErrBadForce, tok, outcome)
		}
		outcome = tok
		return nil
	}
	for _, part := range strings.Split(header, ",") {
		tok := strings.ToLower(strings.TrimSpace(part))
		if tok == "" {
			continue
		}
		key, val, hasVal := strings.Cut(tok, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch {
		case key == "latency" || key == "delay":
			if !hasVal || val == "" {
				return Force{}, fmt.Errorf("%w: %q needs a duration, e.g. latency=200ms", ErrBadForce, tok)
			}
			d, err := parseForceDuration(val)
			if err != nil {
				return Force{}, fmt.Errorf("%w: %q: %v", ErrBadForce, tok, err)
			}
			f.Latency = d
		case key == "slow" || key == "slow_body":
			f.SlowBodyBPS = DefaultSlowBodyBPS
			if hasVal {
				n, err := strconv.Atoi(val)
				if err != nil || n < 1 || n > 1<<30 {
					return Force{}, fmt.Errorf("%w: %q: want a positive number of bytes per second", ErrBadForce, tok)
				}
				f.SlowBodyBPS = n
			}
		case hasVal:
			return Force{}, fmt.Errorf("%w: %q takes no value", ErrBadForce, tok)
		case key == "500" || key == ErrorHTTP500:
			if err := setOutcome(tok); err != nil {
				return Force{}, err
			}
			f.Error = ErrorHTTP500
		case key == ErrorNetworkAbnormal || key == "network":
			if err := setOutcome(tok); err != nil {
				return Force{}, err
			}
			f.Error = ErrorNetworkAbnormal
		case key == "reset":
			if err := setOutcome(tok); err != nil {
				return Force{}, err
			}
			f.Reset = true
		default:
			code, ok := forceCodes[key]
			if !ok || code == "" {
				return Force{}, fmt.Errorf("%w: unknown value %q (want a code like 0429, 500, http500, network_abnormal, reset, latency=200ms or slow=512)", ErrBadForce, tok)
			}
			if err := setOutcome(tok); err != nil {
				return Force{}, err
			}
			f.Code = code
		}
	}
	return f, nil
}

func parseForceDuration(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if !(n >= 0 && n <= float64(maxFaultDelay/time.Millisecond)) {
			return 0, fmt.Errorf("latency must be between 0 and %v", maxFaultDelay)
		}
		return msDuration(n), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("not a duration (want e.g. 200ms, 1.5s or a number of milliseconds)")
	}
	if d < 0 || d > maxFaultDelay {
		return 0, fmt.Errorf("latency must be between 0 and %v", maxFaultDelay)
	}
	return d, nil
}
