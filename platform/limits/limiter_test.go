package limits

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

func v12(t testing.TB) map[string]Limit {
	t.Helper()
	p, err := Profile(ProfileV12)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// drive sends n attempts evenly spaced at `factor` times the limit's rate and
// returns the accepted count and the simulated span.
func drive(l *Limiter, clk *clock.Fake, account, op string, lim Limit, factor float64, n int) (accepted int, span time.Duration) {
	interval := time.Duration(float64(lim.Every) / factor)
	start := clk.Now()
	for i := 0; i < n; i++ {
		if l.Allow(account, op).Allowed {
			accepted++
		}
		clk.Advance(interval)
	}
	return accepted, clk.Now().Sub(start)
}

func TestLimiterAccuracy(t *testing.T) {
	prof := v12(t)
	tests := []struct {
		name string
		op   string
	}{
		{name: "search 10 QPS", op: "search"},
		{name: "chat 1 QPS", op: "chat"},
		{name: "transcription 5 QPS", op: "get_video_transcription"},
		{name: "download 12 QPM", op: "download"},
		{name: "scraper 1 QPM", op: "scraper_url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := prof[GroupOf(tc.op)]
			want := lim.PerSecond()

			clk := clock.NewFake(time.Time{})
			l := NewLimiter(prof, clk)
			acc, span := drive(l, clk, "acct", tc.op, lim, 2, 10_000)
			got := float64(acc) / span.Seconds()
			if math.Abs(got-want)/want > 0.05 {
				t.Errorf("at 2x: accepted %.4f/s, want %.4f/s ±5%% (%d of 10000)", got, want, acc)
			}

			clk = clock.NewFake(time.Time{})
			l = NewLimiter(prof, clk)
			acc, _ = drive(l, clk, "acct", tc.op, lim, 0.9, 10_000)
			if acc != 10_000 {
				t.Errorf("at 0.9x: %d of 10000 accepted, want all", acc)
			}
		})
	}
}

func TestLimiterAccuracyBurst(t *testing.T) {
	lim := Limit{Every: 100 * time.Millisecond, Burst: 5}
	clk := clock.NewFake(time.Time{})
	l := NewLimiter(map[string]Limit{GroupSearch: lim}, clk)
	// The full bucket lets 5 through at once, then the sustained rate rules.
	for i := 0; i < 5; i++ {
		if d := l.Allow("a", "search"); !d.Allowed || d.Remaining != 4-i {
			t.Fatalf("burst request %d: %+v", i, d)
		}
	}
	if l.Allow("a", "search").Allowed {
		t.Fatal("6th request in the same instant allowed")
	}
	acc, span := drive(l, clk, "a", "search", lim, 3, 10_000)
	if got := float64(acc) / span.Seconds(); math.Abs(got-10)/10 > 0.05 {
		t.Errorf("accepted %.3f/s, want 10/s", got)
	}
}

func TestLimiterIndependence(t *testing.T) {
	clk := clock.NewFake(time.Time{})
	l := NewLimiter(v12(t), clk)
	if !l.Allow("a", "chat").Allowed {
		t.Fatal("first chat refused")
	}
	if l.Allow("a", "chat_stream").Allowed {
		t.Fatal("chat_stream shares the chat bucket and must be refused")
	}
	if !l.Allow("b", "chat").Allowed {
		t.Fatal("account b is independent of a")
	}
	if !l.Allow("a", "search").Allowed {
		t.Fatal("search is a different group")
	}
	if !l.Allow("a", "marketer_chat").Allowed {
		t.Fatal("marketer is a different group")
	}
	if !l.AllowGroup("a", GroupHumanReID).Allowed {
		t.Fatal("reid group independent")
	}
	if l.AllowGroup("a", GroupHumanReID).Allowed {
		t.Fatal("reid 1 QPS")
	}
}

func TestLimiterRetryAfter(t *testing.T) {
	tests := []struct {
		name  string
		op    string
		every time.Duration
	}{
		{name: "search 10 QPS", op: "search", every: 100 * time.Millisecond},
		{name: "download 12 QPM", op: "download", every: 5 * time.Second},
		{name: "scraper 1 QPM", op: "scraper", every: time.Minute},
		{name: "transcription 5 QPS", op: "get_audio_transcription", every: 200 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewFake(time.Time{})
			l := NewLimiter(v12(t), clk)
			first := l.Allow("a", tc.op)
			if !first.Allowed || first.RetryAfter != 0 || first.Remaining != 0 {
				t.Fatalf("first: %+v", first)
			}
			if want := clk.Now().Add(tc.every); !first.Reset.Equal(want) {
				t.Errorf("reset %v, want %v", first.Reset, want)
			}
			d := l.Allow("a", tc.op)
			if d.Allowed {
				t.Fatal("second allowed")
			}
			if d.RetryAfter < tc.every || d.RetryAfter > tc.every+time.Microsecond {
				t.Fatalf("RetryAfter %v, want %v", d.RetryAfter, tc.every)
			}
			if math.Abs(d.Limit-float64(time.Second)/float64(tc.every)) > 1e-9 {
				t.Errorf("Limit %v", d.Limit)
			}
			clk.Advance(tc.every * 2 / 5)
			d = l.Allow("a", tc.op)
			if d.Allowed {
				t.Fatal("allowed before RetryAfter")
			}
			wait := d.RetryAfter
			if want := tc.every * 3 / 5; wait < want || wait > want+time.Microsecond {
				t.Fatalf("RetryAfter after partial wait %v, want %v", wait, want)
			}
			clk.Advance(wait - time.Nanosecond*1000)
			if l.Allow("a", tc.op).Allowed {
				t.Fatal("allowed 1µs before RetryAfter")
			}
			clk.Advance(time.Nanosecond * 1000)
			if !l.Allow("a", tc.op).Allowed {
				t.Fatal("refused at RetryAfter")
			}
		})
	}
}

func TestLimiterOff(t *testing.T) {
	off, _ := Profile(ProfileOff)
	for _, limits := range []map[string]Limit{off, nil} {
		l := NewLimiter(limits, clock.NewFake(time.Time{}))
		for i := 0; i < 100; i++ {
			if d := l.Allow("a", "search"); !d.Allowed || d.Limit != 0 {
				t.Fatalf("off: %+v", d)
			}
		}
		if l.Buckets() != 0 {
			t.Fatal("unlimited groups must not allocate buckets")
		}
	}
}

func TestLimiterOperationOverride(t *testing.T) {
	over, err := LoadOverrides(strings.NewReader("chat_stream: 10/s\nvideo-search: off\n"))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Time{})
	l := NewLimiter(Merge(v12(t), over), clk)
	if !l.Allow("a", "chat").Allowed {
		t.Fatal("chat")
	}
	// chat_stream now has its own bucket, independent of chat.
	d := l.Allow("a", "chat_stream")
	if !d.Allowed || d.Group != "chat_stream" || d.Limit != 10 {
		t.Fatalf("chat_stream: %+v", d)
	}
	if l.Allow("a", "chat_personal").Allowed {
		t.Fatal("chat_personal still shares the chat group bucket")
	}
	for i := 0; i < 50; i++ {
		if !l.Allow("a", "search").Allowed {
			t.Fatal("search was turned off")
		}
	}
	if got := l.Limits(); got["chat_stream"].Every != 100*time.Millisecond || !got[GroupSearch].Unlimited() {
		t.Fatalf("Limits() = %v", got)
	}
}

func TestLimiterUnknownOperationUsesOther(t *testing.T) {
	clk := clock.NewFake(time.Time{})
	l := NewLimiter(v12(t), clk)
	d := l.Allow("a", "brand_new_op")
	if !d.Allowed || d.Group != GroupOther || d.Limit != 5 {
		t.Fatalf("%+v", d)
	}
}

func TestLimiterSetLimitsAndReset(t *testing.T) {
	clk := clock.NewFake(time.Time{})
	l := NewLimiter(v12(t), clk)
	l.Allow("a", "chat")
	if l.Allow("a", "chat").Allowed {
		t.Fatal("second chat allowed")
	}
	l.Reset()
	if !l.Allow("a", "chat").Allowed {
		t.Fatal("Reset must refill")
	}
	off, _ := Profile(ProfileOff)
	l.SetLimits(off)
	if !l.Allow("a", "chat").Allowed || !l.Allow("a", "chat").Allowed {
		t.Fatal("SetLimits(off)")
	}
}

func TestLimiterEviction(t *testing.T) {
	clk := clock.NewFake(time.Time{})
	l := NewLimiter(v12(t), clk)
	for i := 0; i < 1000; i++ {
		l.Allow(fmt.Sprintf("acct-%d", i), "search")
	}
	if n := l.Buckets(); n != 1000 {
		t.Fatalf("%d buckets, want 1000", n)
	}
	// The 1 QPM bucket of a must survive a minute-long idle period only as
	// long as it has not refilled; a sweep after two minutes drops the rest.
	l.Allow("a", "scraper")
	clk.Advance(30 * time.Second)
	for i := 0; i < 2*nShards; i++ {
		l.Allow(fmt.Sprintf("fresh-%d", i), "search")
	}
	if l.Allow("a", "scraper").Allowed {
		t.Fatal("1 QPM bucket lost its state after 30s")
	}
	clk.Advance(2 * time.Minute)
	l.Allow("late", "search")
	l.Sweep()
	if n := l.Buckets(); n != 1 {
		t.Fatalf("%d buckets after idle sweep, want 1", n)
	}

	// Hard cap: with a small maximum the map never grows past it.
	l2 := NewLimiter(v12(t), clk)
	l2.SetMaxBuckets(nShards * 4)
	for i := 0; i < 10_000; i++ {
		l2.Allow(fmt.Sprintf("acct-%d", i), "search")
	}
	if n := l2.Buckets(); n > nShards*4 {
		t.Fatalf("%d buckets, cap %d", n, nShards*4)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	clk := clock.NewFake(time.Time{})
	l := NewLimiter(v12(t), clk)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if l.Allow("shared", "search").Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 1 {
		t.Fatalf("%d allowed in one instant with burst 1, want 1", allowed)
	}
}
