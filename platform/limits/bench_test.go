package limits

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/memharness/memharness/internal/clock"
)

// BenchmarkHotPath is the per-request cost of this package: rate limit,
// pricing, balance check-and-debit and the fault decision, for one account
// under the default v1.2 profile, with faults configured for every
// operation. It uses the wall clock, so most Allow calls after the first take
// the 0429 path (the slower of the two, it computes RetryAfter).
func BenchmarkHotPath(b *testing.B) {
	prof, _ := Profile(ProfileV12)
	clk := clock.Real{}
	lim := NewLimiter(prof, clk)
	led := NewLedger(100, clk, nil)
	led.SetBalance("acct", 1e9)
	f := NewFaults(1)
	if err := f.Set(map[string]FaultSpec{WildcardOp: {
		Latency:   LatencySpec{Distribution: DistLognormal, MedianMS: 20, Sigma: 0.5},
		ErrorRate: 0.01, ResetRate: 0.001, SlowBodyRate: 0.01,
	}}); err != nil {
		b.Fatal(err)
	}
	q := Quantity{Queries: 1}
	b.ReportAllocs()
	b.ResetTimer()
	var seq uint64
	for i := 0; i < b.N; i++ {
		d := lim.Allow("acct", "search")
		_ = d
		if c, ok := CostOf("search", q); ok {
			if err := led.Charge("acct", c); err != nil {
				b.Fatal(err)
			}
		}
		seq++
		_ = f.Decide("search", seq)
	}
}

// BenchmarkHotPathAllowed is BenchmarkHotPath with limits off, so every
// request takes the allowed path (and still pays for pricing, charging and
// fault decisions).
func BenchmarkHotPathAllowed(b *testing.B) {
	prof, _ := Profile(ProfileV12)
	// A very fast limit keeps the bucket code in the path while allowing
	// nearly everything.
	prof[GroupSearch] = Limit{Every: 1, Burst: 1 << 20}
	clk := clock.Real{}
	lim := NewLimiter(prof, clk)
	led := NewLedger(1e9, clk, nil)
	f := NewFaults(1)
	if err := f.Set(map[string]FaultSpec{WildcardOp: {ErrorRate: 0.01}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	allowed := 0
	for i := 0; i < b.N; i++ {
		if lim.Allow("acct", "search").Allowed {
			allowed++
		}
		c, _ := CostOf("search", Quantity{})
		if err := led.Charge("acct", c); err != nil {
			b.Fatal(err)
		}
		_ = f.Decide("search", uint64(i))
	}
	b.ReportMetric(float64(allowed)/float64(b.N), "allowed/op")
}

// BenchmarkAllowParallel measures Allow from many goroutines, over a few
// hundred accounts and all groups (the load tester's shape).
func BenchmarkAllowParallel(b *testing.B) {
	prof, _ := Profile(ProfileV12)
	lim := NewLimiter(prof, clock.Real{})
	accounts := make([]string, 256)
	for i := range accounts {
		accounts[i] = "sk-" + strconv.Itoa(i)
	}
	ops := Operations()
	var ctr atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := ctr.Add(1) * 7919
		for pb.Next() {
			i++
			lim.Allow(accounts[i%uint64(len(accounts))], ops[i%uint64(len(ops))])
		}
	})
}

// BenchmarkAllowParallelOneAccount is the worst case: every goroutine hits
// the same bucket.
func BenchmarkAllowParallelOneAccount(b *testing.B) {
	prof, _ := Profile(ProfileV12)
	lim := NewLimiter(prof, clock.Real{})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			lim.Allow("acct", "search")
		}
	})
}
