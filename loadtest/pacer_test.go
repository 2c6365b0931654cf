package loadtest

import (
	"math"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		perSec  float64
		wantErr bool
	}{
		{in: "50/s", perSec: 50},
		{in: "50", perSec: 50},
		{in: "12/m", perSec: 0.2},
		{in: "12/min", perSec: 0.2},
		{in: "3600/h", perSec: 1},
		{in: "5/100ms", perSec: 50},
		{in: "0.5/s", perSec: 0.5},
		{in: "x/s", wantErr: true},
		{in: "5/fortnight", wantErr: true},
		{in: "-1/s", wantErr: true},
	}
	for _, tc := range tests {
		r, err := ParseRate(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseRate(%q) err = %v", tc.in, err)
			continue
		}
		if err == nil && r.PerSecond() != tc.perSec {
			t.Errorf("ParseRate(%q) = %v/s, want %v", tc.in, r.PerSecond(), tc.perSec)
		}
	}
	a, b, err := ParseRamp("10/s:100/s")
	if err != nil || a.PerSecond() != 10 || b.PerSecond() != 100 {
		t.Errorf("ParseRamp = %v %v %v", a, b, err)
	}
	if _, _, err := ParseRamp("10/s"); err == nil {
		t.Error("ramp without end accepted")
	}
}

func TestConstantPacerExact(t *testing.T) {
	tests := []struct {
		rate     string
		interval time.Duration
	}{
		{rate: "50/s", interval: 20 * time.Millisecond},
		{rate: "3/s", interval: 333333333},
		{rate: "12/m", interval: 5 * time.Second},
		{rate: "1000/s", interval: time.Millisecond},
	}
	for _, tc := range tests {
		r, _ := ParseRate(tc.rate)
		p := ConstantPacer{Rate: r}
		for _, n := range []uint64{0, 1, 2, 7, 1000, 123456} {
			got, ok := p.Offset(n)
			// Exactly n/rate (rounded to the nanosecond): no accumulated
			// drift, whatever n.
			want := time.Duration(math.Round(float64(n) * float64(r.Per) / r.Freq))
			if !ok || got != want {
				t.Errorf("%s: Offset(%d) = %v, want %v", tc.rate, n, got, want)
			}
			if tc.interval%time.Nanosecond == 0 && r.Per%time.Duration(r.Freq) == 0 && got != time.Duration(n)*tc.interval {
				t.Errorf("%s: Offset(%d) = %v, want n*interval", tc.rate, n, got)
			}
		}
	}
	if n := (ConstantPacer{Rate: Rate{Freq: 50, Per: time.Second}}).Expected(10 * time.Second); n != 500 {
		t.Errorf("Expected = %d, want 500", n)
	}
	if _, ok := (ConstantPacer{}).Offset(0); ok {
		t.Error("zero rate schedules iterations")
	}
}

func TestLinearRampPacerExact(t *testing.T) {
	// 10/s -> 30/s over 10 s: hits(t) = 10t + t^2, so iteration n starts at
	// t = (-10 + sqrt(100 + 4n)) / 2; after 10 s (200 hits) the rate holds
	// at 30/s.
	p := LinearRampPacer{Start: Rate{10, time.Second}, End: Rate{30, time.Second}, Duration: 10 * time.Second}
	tests := []struct {
		n    uint64
		want time.Duration
	}{
		{0, 0},
		{11, time.Second},     // 10*1 + 1 = 11
		{24, 2 * time.Second}, // 20 + 4
		{75, 5 * time.Second}, // 50 + 25
		{200, 10 * time.Second},
		{230, 11 * time.Second}, // then 30/s
	}
	for _, tc := range tests {
		got, ok := p.Offset(tc.n)
		if !ok || got != tc.want {
			t.Errorf("Offset(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	// Offsets increase and the count over the ramp is the integral.
	var prev time.Duration
	for n := uint64(1); n < 300; n++ {
		o, _ := p.Offset(n)
		if o <= prev {
			t.Fatalf("Offset(%d) = %v not after %v", n, o, prev)
		}
		prev = o
	}
	if e := p.Expected(10 * time.Second); e != 200 {
		t.Errorf("Expected(10s) = %d, want 200", e)
	}
	// A ramp down to zero ends.
	down := LinearRampPacer{Start: Rate{10, time.Second}, End: Rate{}, Duration: 2 * time.Second}
	if _, ok := down.Offset(10); ok {
		t.Error("ramp to zero scheduled past its total")
	}
	if o, ok := down.Offset(9); !ok || o >= 2*time.Second {
		t.Errorf("ramp down Offset(9) = %v %v", o, ok)
	}
}
