package platform

import (
	"net/http"

	"github.com/memharness/memharness/platform/limits"
)

// Verdict is what the guard decided for one request, before any surface
// code runs. A surface turns it into its own error envelope.
type Verdict struct {
	// Reset asks the surface to drop the connection.
	Reset bool
	// HTTP500 asks for a real HTTP 500 outside the envelope.
	HTTP500 bool
	// Network asks for the vendor's "network abnormal" business error.
	Network bool
	// Forced is the code X-Mock-Force asked for ("" when none).
	Forced string
	// Limited means the rate limit refused the request.
	Limited bool
	// Limit is the limiter's decision (for RateLimit-* headers).
	Limit limits.Decision
	// SlowBodyBPS, when positive, trickles the answer body at this rate.
	SlowBodyBPS int
}

// Guard applies, in order, the X-Mock-Force header and the configured
// faults (waiting out any injected latency on the clock, or until the
// client goes away), then the rate limit of account for opID. A malformed
// X-Mock-Force header is an error the surface reports as a bad parameter.
// A throttled call costs nothing and changes nothing.
func (p *Platform) Guard(r *http.Request, account, opID string, seq uint64) (Verdict, error) {
	return p.guard(r, account, opID, seq, true)
}

// GuardFaults is Guard without the platform's rate limit: X-Mock-Force
// and the configured faults only, for a surface that enforces its own
// documented limits (MemSync's per-key windows), so a call is never
// counted against the Memories.ai groups of the same account.
func (p *Platform) GuardFaults(r *http.Request, account, opID string, seq uint64) (Verdict, error) {
	return p.guard(r, account, opID, seq, false)
}

func (p *Platform) guard(r *http.Request, account, opID string, seq uint64, limit bool) (Verdict, error) {
	var force limits.Force
	if h := r.Header.Get(limits.ForceHeader); h != "" {
		f, err := limits.ParseForce(h)
		if err != nil {
			return Verdict{}, err
		}
		force = f
	}
	d := force.Apply(p.faultsFor(account).Decide(opID, seq))
	if d.Delay > 0 {
		select {
		case <-p.Clock.After(d.Delay):
		case <-r.Context().Done():
		}
	}
	v := Verdict{SlowBodyBPS: d.SlowBodyBPS}
	switch {
	case d.Reset:
		v.Reset = true
		return v, nil
	case d.Error == "http500":
		v.HTTP500 = true
		return v, nil
	case d.Error == "network_abnormal":
		v.Network = true
		return v, nil
	case force.Code != "":
		v.Forced = force.Code
		return v, nil
	}
	if !limit {
		return v, nil
	}
	v.Limit = p.Limiter.Allow(account, opID)
	v.Limited = !v.Limit.Allowed
	return v, nil
}
