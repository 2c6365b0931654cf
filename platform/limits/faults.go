package limits

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync/atomic"
	"time"
)

// Latency distributions.
const (
	DistFixed     = "fixed"
	DistUniform   = "uniform"
	DistLognormal = "lognormal"
)

// Error kinds a fault (or X-Mock-Force) can inject.
const (
	// ErrorHTTP500 is a real HTTP 500 (an infrastructure failure).
	ErrorHTTP500 = "http500"
	// ErrorNetworkAbnormal is the vendor's transient business error: HTTP 200,
	// code 0001, "The network is abnormal, please try again later" — which
	// the vendor's own client retries with backoff (API_FACTS A3.1).
	ErrorNetworkAbnormal = "network_abnormal"
)

// WildcardOp is the FaultSpec key that applies to operations without a spec
// of their own.
const WildcardOp = "*"

// DefaultSlowBodyBPS is the slow-body speed when a spec leaves it at 0.
const DefaultSlowBodyBPS = 1024

// maxFaultDelay caps any injected delay so a bad config cannot hang a client
// for hours.
const maxFaultDelay = 10 * time.Minute

// LatencySpec is an added delay before the response.
type LatencySpec struct {
	// Distribution is "fixed" (MS), "uniform" (MinMS..MaxMS) or "lognormal"
	// (MedianMS, Sigma = standard deviation of the log); "" means none.
	Distribution string  `json:"distribution,omitempty"`
	MS           float64 `json:"ms,omitempty"`
	MinMS        float64 `json:"min_ms,omitempty"`
	MaxMS        float64 `json:"max_ms,omitempty"`
	MedianMS     float64 `json:"median_ms,omitempty"`
	Sigma        float64 `json:"sigma,omitempty"`
}

// FaultSpec describes the faults of one operation (or of "*").
type FaultSpec struct {
	Latency LatencySpec `json:"latency,omitzero"`
	// ErrorRate is the probability (0..1) of answering with ErrorKind.
	ErrorRate float64 `json:"error_rate,omitempty"`
	// ErrorKind is "http500" (default) or "network_abnormal".
	ErrorKind string `json:"error_kind,omitempty"`
	// ResetRate is the probability of dropping the connection without a
	// response.
	ResetRate float64 `json:"reset_rate,omitempty"`
	// SlowBodyRate is the probability of trickling the body at SlowBodyBPS.
	SlowBodyRate float64 `json:"slow_body_rate,omitempty"`
	SlowBodyBPS  int     `json:"slow_body_bytes_per_second,omitempty"`
}

// ErrBadFault wraps every validation error of Faults.Set.
var ErrBadFault = errors.New("limits: bad fault spec")

func validRate(name string, r float64) error {
	if math.IsNaN(r) || r < 0 || r > 1 {
		return fmt.Errorf("%s must be between 0 and 1, got %v", name, r)
	}
	return nil
}

func validMS(name string, v float64) error {
	if math.IsNaN(v) || v < 0 || v > float64(maxFaultDelay/time.Millisecond) {
		return fmt.Errorf("%s must be between 0 and %d, got %v", name, maxFaultDelay/time.Millisecond, v)
	}
	return nil
}

// Validate reports the first problem of s.
func (s FaultSpec) Validate() error {
	l := s.Latency
	var err error
	switch l.Distribution {
	case "":
	case DistFixed:
		err = validMS("latency.ms", l.MS)
	case DistUniform:
		if err = validMS("latency.min_ms", l.MinMS); err == nil {
			if err = validMS("latency.max_ms", l.MaxMS); err == nil && l.MaxMS < l.MinMS {
				err = fmt.Errorf("latency.max_ms (%v) is below latency.min_ms (%v)", l.MaxMS, l.MinMS)
			}
		}
	case DistLognormal:
		if err = validMS("latency.median_ms", l.MedianMS); err == nil && (math.IsNaN(l.Sigma) || l.Sigma < 0 || l.Sigma > 5) {
			err = fmt.Errorf("latency.sigma must be between 0 and 5, got %v", l.Sigma)
		}
	default:
		err = fmt.Errorf("latency.distribution %q is not fixed, uniform or lognormal", l.Distribution)
	}
	if err != nil {
		return err
	}
	if err := validRate("error_rate", s.ErrorRate); err != nil {
		return err
	}
	switch s.ErrorKind {
	case "", ErrorHTTP500, ErrorNetworkAbnormal:
	default:
		return fmt.Errorf("error_kind %q is not %s or %s", s.ErrorKind, ErrorHTTP500, ErrorNetworkAbnormal)
	}
	if err := validRate("reset_rate", s.ResetRate); err != nil {
		return err
	}
	if err := validRate("slow_body_rate", s.SlowBodyRate); err != nil {
		return err
	}
	if s.SlowBodyBPS < 0 {
		return fmt.Errorf("slow_body_bytes_per_second must not be negative, got %d", s.SlowBodyBPS)
	}
	return nil
}

// FaultDecision is what to do to one request.
type FaultDecision struct {
	// Delay is added before the response (also before an error or reset).
	Delay time.Duration
	// Error is "", "http500" or "network_abnormal".
	Error string
	// Reset means: drop the connection instead of answering. It takes
	// precedence over Error (which is then "").
	Reset bool
	// SlowBodyBPS > 0 means: write the body at this many bytes per second.
	SlowBodyBPS int
}

// IsZero reports whether d changes nothing.
func (d FaultDecision) IsZero() bool { return d == FaultDecision{} }

// Faults holds the fault configuration and makes reproducible decisions. It
// is safe for concurrent use.
type Faults struct {
	seed  uint64
	specs atomic.Pointer[map[string]FaultSpec]
}

// NewFaults returns a fault injector with no faults configured.
func NewFaults(seed int64) *Faults {
	f := &Faults{seed: uint64(seed)}
	empty := map[string]FaultSpec{}
	f.specs.Store(&empty)
	return f
}

// Set replaces the whole configuration, keyed by operationId or "*". Invalid
// specs or unknown operations leave the configuration unchanged.
func (f *Faults) Set(specs map[string]FaultSpec) error {
	keys := make([]string, 0, len(specs))
	for k := range specs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cp := make(map[string]FaultSpec, len(specs))
	for _, k := range keys {
		if k != WildcardOp && !KnownOperation(k) {
			return fmt.Errorf("%w: %q is not an operationId or %q", ErrBadFault, k, WildcardOp)
		}
		if err := specs[k].Validate(); err != nil {
			return fmt.Errorf("%w: %q: %v", ErrBadFault, k, err)
		}
		cp[k] = specs[k]
	}
	f.specs.Store(&cp)
	return nil
}

// Get returns a copy of the configuration.
func (f *Faults) Get() map[string]FaultSpec {
	m := *f.specs.Load()
	out := make(map[string]FaultSpec, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Decide returns the faults for request number requestSeq of opID. It is a
// pure function of (seed, opID, requestSeq) and the configuration: replaying
// a run with the same seed and request numbering replays the same faults.
// (Under concurrency the numbering is the caller's; give each request its
// sequence number once, e.g. from an atomic counter.)
func (f *Faults) Decide(opID string, requestSeq uint64) FaultDecision {
	m := *f.specs.Load()
	if len(m) == 0 {
		return FaultDecision{}
	}
	s, ok := m[opID]
	if !ok {
		if s, ok = m[WildcardOp]; !ok {
			return FaultDecision{}
		}
	}
	base := mix64(mix64(f.seed^fnv64(opID)) ^ requestSeq)
	var d FaultDecision
	switch s.Latency.Distribution {
	case DistFixed:
		d.Delay = msDuration(s.Latency.MS)
	case DistUniform:
		d.Delay = msDuration(s.Latency.MinMS + unit(base, 1)*(s.Latency.MaxMS-s.Latency.MinMS))
	case DistLognormal:
		d.Delay = msDuration(s.Latency.MedianMS * math.Exp(s.Latency.Sigma*normal(base)))
	}
	if s.ResetRate > 0 && unit(base, 4) < s.ResetRate {
		d.Reset = true
	} else if s.ErrorRate > 0 && unit(base, 5) < s.ErrorRate {
		d.Error = s.ErrorKind
		if d.Error == "" {
			d.Error = ErrorHTTP500
		}
	}
	if s.SlowBodyRate > 0 && unit(base, 6) < s.SlowBodyRate {
		d.SlowBodyBPS = s.SlowBodyBPS
		if d.SlowBodyBPS == 0 {
			d.SlowBodyBPS = DefaultSlowBodyBPS
		}
	}
	return d
}

func msDuration(ms float64) time.Duration {
	if !(ms > 0) {
		return 0
	}
	d := time.Duration(ms * float64(time.Millisecond))
	if d > maxFaultDelay || d < 0 {
		return maxFaultDelay
	}
	return d
}

// mix64 is the splitmix64 finalizer: a bijective, well-mixed hash.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// unit is the i-th independent uniform draw in [0, 1) of a request.
func unit(base uint64, i uint64) float64 {
	return float64(mix64(base+i*0x9e3779b97f4a7c15)>>11) / (1 << 53)
}

// normal is a standard normal draw (Box–Muller on draws 2 and 3).
func normal(base uint64) float64 {
	u1 := 1 - unit(base, 2) // (0, 1]
	u2 := unit(base, 3)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
