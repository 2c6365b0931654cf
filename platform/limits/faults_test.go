package limits

import (
	"encoding/json"
	"errors"
	"math"
	"sort"
	"testing"
	"time"
)

func TestFaultsDeterministic(t *testing.T) {
	spec := map[string]FaultSpec{
		WildcardOp: {
			Latency:      LatencySpec{Distribution: DistLognormal, MedianMS: 80, Sigma: 0.6},
			ErrorRate:    0.2,
			ResetRate:    0.05,
			SlowBodyRate: 0.1,
		},
	}
	a, b := NewFaults(42), NewFaults(42)
	if err := a.Set(spec); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(spec); err != nil {
		t.Fatal(err)
	}
	other := NewFaults(43)
	if err := other.Set(spec); err != nil {
		t.Fatal(err)
	}
	diff := 0
	for seq := uint64(0); seq < 2000; seq++ {
		// Interleave calls in a different order on b: decisions do not
		// depend on call order, only on (seed, op, seq).
		db := b.Decide("search", 1999-seq)
		_ = db
		da, da2 := a.Decide("search", seq), a.Decide("search", seq)
		if da != da2 || da != b.Decide("search", seq) {
			t.Fatalf("seq %d: %+v vs %+v", seq, da, b.Decide("search", seq))
		}
		if da != other.Decide("search", seq) {
			diff++
		}
	}
	if diff < 1000 {
		t.Fatalf("a different seed changed only %d of 2000 decisions", diff)
	}
	if a.Decide("search", 7) == a.Decide("chat", 7) && a.Decide("search", 8) == a.Decide("chat", 8) {
		t.Fatal("operation does not enter the hash")
	}
}

func TestFaultsRates(t *testing.T) {
	const n = 100_000
	f := NewFaults(1)
	err := f.Set(map[string]FaultSpec{
		"search":   {ErrorRate: 0.1, ErrorKind: ErrorNetworkAbnormal, ResetRate: 0.02, SlowBodyRate: 0.3, SlowBodyBPS: 512},
		"chat":     {Latency: LatencySpec{Distribution: DistUniform, MinMS: 100, MaxMS: 300}, ErrorRate: 0.5},
		WildcardOp: {Latency: LatencySpec{Distribution: DistLognormal, MedianMS: 50, Sigma: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var errs, resets, slow, chatErrs int
	var sumMS float64
	var lat []float64
	for seq := uint64(0); seq < n; seq++ {
		d := f.Decide("search", seq)
		if d.Reset {
			resets++
			if d.Error != "" {
				t.Fatal("reset and error together")
			}
		}
		if d.Error != "" {
			if d.Error != ErrorNetworkAbnormal {
				t.Fatalf("kind %q", d.Error)
			}
			errs++
		}
		if d.SlowBodyBPS != 0 {
			if d.SlowBodyBPS != 512 {
				t.Fatal(d.SlowBodyBPS)
			}
			slow++
		}
		if d.Delay != 0 {
			t.Fatal("search has no latency")
		}

		c := f.Decide("chat", seq)
		ms := float64(c.Delay) / float64(time.Millisecond)
		if ms < 100 || ms > 300 {
			t.Fatalf("uniform delay %v out of range", c.Delay)
		}
		sumMS += ms
		if c.Error == ErrorHTTP500 {
			chatErrs++
		}

		lat = append(lat, float64(f.Decide("list_videos", seq).Delay)/float64(time.Millisecond))
	}
	within := func(name string, got int, p float64) {
		want := p * n
		if math.Abs(float64(got)-want) > 0.05*want {
			t.Errorf("%s: %d, want %.0f ±5%%", name, got, want)
		}
	}
	within("resets", resets, 0.02)
	within("errors (after resets)", errs, 0.1*0.98)
	within("slow bodies", slow, 0.3)
	within("chat errors", chatErrs, 0.5)
	if mean := sumMS / n; math.Abs(mean-200) > 2 {
		t.Errorf("uniform mean %.2f ms, want 200", mean)
	}
	sort.Float64s(lat)
	if med := lat[n/2]; math.Abs(med-50)/50 > 0.02 {
		t.Errorf("lognormal median %.2f ms, want 50 ±2%%", med)
	}
	// With sigma 1, the 84th percentile is median*e.
	if p84 := lat[int(0.8413*n)]; math.Abs(p84-50*math.E)/(50*math.E) > 0.04 {
		t.Errorf("lognormal p84 %.2f ms, want %.2f", p84, 50*math.E)
	}
}

func TestFaultsFixedAndNone(t *testing.T) {
	f := NewFaults(9)
	if !f.Decide("search", 1).IsZero() {
		t.Fatal("no config must inject nothing")
	}
	if err := f.Set(map[string]FaultSpec{"download": {Latency: LatencySpec{Distribution: DistFixed, MS: 250}}}); err != nil {
		t.Fatal(err)
	}
	if d := f.Decide("download", 3); d.Delay != 250*time.Millisecond || d.Error != "" || d.Reset {
		t.Fatalf("%+v", d)
	}
	if !f.Decide("search", 3).IsZero() {
		t.Fatal("no wildcard: other ops untouched")
	}
}

func TestFaultsSetValidation(t *testing.T) {
	tests := []struct {
		name string
		spec map[string]FaultSpec
	}{
		{name: "unknown op", spec: map[string]FaultSpec{"serach": {}}},
		{name: "rate above 1", spec: map[string]FaultSpec{"*": {ErrorRate: 1.5}}},
		{name: "negative rate", spec: map[string]FaultSpec{"*": {ResetRate: -0.1}}},
		{name: "nan rate", spec: map[string]FaultSpec{"*": {SlowBodyRate: math.NaN()}}},
		{name: "bad kind", spec: map[string]FaultSpec{"*": {ErrorKind: "http404"}}},
		{name: "bad distribution", spec: map[string]FaultSpec{"*": {Latency: LatencySpec{Distribution: "normal"}}}},
		{name: "uniform inverted", spec: map[string]FaultSpec{"*": {Latency: LatencySpec{Distribution: DistUniform, MinMS: 10, MaxMS: 5}}}},
		{name: "huge latency", spec: map[string]FaultSpec{"*": {Latency: LatencySpec{Distribution: DistFixed, MS: 1e9}}}},
		{name: "bad sigma", spec: map[string]FaultSpec{"*": {Latency: LatencySpec{Distribution: DistLognormal, MedianMS: 5, Sigma: -1}}}},
		{name: "negative bps", spec: map[string]FaultSpec{"*": {SlowBodyBPS: -1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFaults(1)
			good := map[string]FaultSpec{"search": {ErrorRate: 0.5}}
			if err := f.Set(good); err != nil {
				t.Fatal(err)
			}
			if err := f.Set(tc.spec); !errors.Is(err, ErrBadFault) {
				t.Fatalf("err = %v", err)
			}
			if got := f.Get(); len(got) != 1 || got["search"].ErrorRate != 0.5 {
				t.Fatalf("bad Set changed the config: %v", got)
			}
		})
	}
}

func TestFaultSpecJSON(t *testing.T) {
	in := `{"*":{"latency":{"distribution":"lognormal","median_ms":120,"sigma":0.5},"error_rate":0.01,"error_kind":"network_abnormal","reset_rate":0.001,"slow_body_rate":0.05,"slow_body_bytes_per_second":2048},
	        "download":{"latency":{"distribution":"uniform","min_ms":10,"max_ms":20},"error_kind":"http500"}}`
	var m map[string]FaultSpec
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	want := FaultSpec{
		Latency:      LatencySpec{Distribution: DistLognormal, MedianMS: 120, Sigma: 0.5},
		ErrorRate:    0.01,
		ErrorKind:    ErrorNetworkAbnormal,
		ResetRate:    0.001,
		SlowBodyRate: 0.05,
		SlowBodyBPS:  2048,
	}
	if m["*"] != want || m["download"].Latency.MaxMS != 20 {
		t.Fatalf("%+v", m)
	}
	f := NewFaults(1)
	if err := f.Set(m); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(f.Get())
	var back map[string]FaultSpec
	if err := json.Unmarshal(out, &back); err != nil || back["*"] != want {
		t.Fatalf("round trip %s", out)
	}
}
