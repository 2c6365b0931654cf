package loadtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Rate is a number of iterations per period, e.g. 50/s or 12/m.
type Rate struct {
	Freq float64
	Per  time.Duration
}

// PerSecond returns the rate in iterations per second (0 when unset).
func (r Rate) PerSecond() float64 {
	if r.Per <= 0 || r.Freq <= 0 {
		return 0
	}
	return r.Freq / r.Per.Seconds()
}

// IsZero reports whether the rate is unset.
func (r Rate) IsZero() bool { return r.PerSecond() == 0 }

// String formats the rate as "50/s".
func (r Rate) String() string {
	unit := r.Per.String()
	switch r.Per {
	case time.Second:
		unit = "s"
	case time.Minute:
		unit = "m"
	case time.Hour:
		unit = "h"
	}
	return strconv.FormatFloat(r.Freq, 'f', -1, 64) + "/" + unit
}

// ParseRate parses "50", "50/s", "12/m", "12/min", "3/h", "5/100ms".
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	num, unit, hasUnit := strings.Cut(s, "/")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return Rate{}, fmt.Errorf("rate %q: want N, N/s, N/m or N/<duration>", s)
	}
	per := time.Second
	if hasUnit {
		switch u := strings.TrimSpace(unit); u {
		case "s", "sec", "second":
			per = time.Second
		case "m", "min", "minute":
			per = time.Minute
		case "h", "hour":
			per = time.Hour
		default:
			d, err := time.ParseDuration(u)
			if err != nil || d <= 0 {
				return Rate{}, fmt.Errorf("rate %q: unknown unit %q", s, u)
			}
			per = d
		}
	}
	return Rate{Freq: f, Per: per}, nil
}

// Pacer computes the intended start time of each iteration of an open-model
// run, as an offset from the run's start. Iterations start at these times
// whatever the target does (no coordinated omission).
type Pacer interface {
	// Offset returns the intended start of iteration n (from 0); ok is
	// false when the pacer schedules no iteration n.
	Offset(n uint64) (offset time.Duration, ok bool)
	// Expected returns how many iterations the pacer schedules within d.
	Expected(d time.Duration) uint64
	// String describes the pacer.
	String() string
}

// ConstantPacer starts iterations at a fixed rate: iteration n at n/rate.
type ConstantPacer struct {
	Rate Rate
}

// Offset implements Pacer.
func (p ConstantPacer) Offset(n uint64) (time.Duration, bool) {
	r := p.Rate.PerSecond()
	if r <= 0 {
		return 0, false
	}
	// Integer arithmetic when the period divides evenly, so offsets are
	// exact (n * 20ms at 50/s) and do not drift over long runs.
	if p.Rate.Freq == math.Trunc(p.Rate.Freq) && p.Rate.Freq > 0 {
		per := int64(p.Rate.Per)
		freq := int64(p.Rate.Freq)
		if per%freq == 0 {
			return time.Duration(int64(n) * (per / freq)), true
		}
	}
	return time.Duration(math.Round(float64(n) / r * float64(time.Second))), true
}

// Expected implements Pacer.
func (p ConstantPacer) Expected(d time.Duration) uint64 {
	r := p.Rate.PerSecond()
	if r <= 0 || d <= 0 {
		return 0
	}
	// Iterations at offsets 0, 1/r, ... strictly before d.
	return uint64(math.Ceil(d.Seconds()*r - 1e-9))
}

// String implements Pacer.
func (p ConstantPacer) String() string { return "constant " + p.Rate.String() }

// LinearRampPacer ramps the rate linearly from Start to End over Duration,
// and holds End afterwards. Iteration n starts when the cumulative number of
// hits, the integral of the rate, reaches n.
type LinearRampPacer struct {
	Start, End Rate
	Duration   time.Duration
}

// Offset implements Pacer.
func (p LinearRampPacer) Offset(n uint64) (time.Duration, bool) {
	r0, r1 := p.Start.PerSecond(), p.End.PerSecond()
	D := p.Duration.Seconds()
	if D <= 0 {
		return ConstantPacer{Rate: p.End}.Offset(n)
	}
	x := float64(n)
	// hits(t) = r0 t + (r1-r0) t^2 / (2D) for t <= D.
	total := (r0 + r1) * D / 2
	var t float64
	switch {
	case x >= total:
		if r1 <= 0 {
			return 0, false
		}
		t = D + (x-total)/r1
	case r1 == r0:
		if r0 <= 0 {
			return 0, false
		}
		t = x / r0
	default:
		a := (r1 - r0) / (2 * D)
		// Solve a t^2 + r0 t - x = 0 with the numerically stable form.
		disc := r0*r0 + 4*a*x
		if disc < 0 {
			return 0, false
		}
		t = 2 * x / (r0 + math.Sqrt(disc))
	}
	return time.Duration(math.Round(t * float64(time.Second))), true
}

// Expected implements Pacer.
func (p LinearRampPacer) Expected(d time.Duration) uint64 {
	if d <= 0 {
		return 0
	}
	r0, r1 := p.Start.PerSecond(), p.End.PerSecond()
	D := p.Duration.Seconds()
	t := d.Seconds()
	var hits float64
	switch {
	case D <= 0:
		hits = r1 * t
	case t <= D:
		hits = r0*t + (r1-r0)*t*t/(2*D)
	default:
		hits = (r0+r1)*D/2 + r1*(t-D)
	}
	return uint64(math.Ceil(hits - 1e-9))
}

// String implements Pacer.
func (p LinearRampPacer) String() string {
	return fmt.Sprintf("ramp %s -> %s over %s", p.Start, p.End, p.Duration)
}

// ParseRamp parses "10/s:100/s".
func ParseRamp(s string) (Rate, Rate, error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return Rate{}, Rate{}, fmt.Errorf("ramp %q: want START:END, e.g. 10/s:100/s", s)
	}
	r0, err := ParseRate(a)
	if err != nil {
		return Rate{}, Rate{}, err
	}
	r1, err := ParseRate(b)
	if err != nil {
		return Rate{}, Rate{}, err
	}
	if r0.IsZero() && r1.IsZero() {
		return Rate{}, Rate{}, fmt.Errorf("ramp %q: both ends are zero", s)
	}
	return r0, r1, nil
}
