package limits

import (
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

func TestForgetOneAccount(t *testing.T) {
	clk := clock.NewFake(time.Time{})
	l := NewLimiter(map[string]Limit{GroupSearch: {Every: time.Minute, Burst: 1}}, clk)
	for _, a := range []string{"a", "b"} {
		if !l.Allow(a, "search").Allowed || l.Allow(a, "search").Allowed {
			t.Fatalf("%s: want one request through, then a refusal", a)
		}
	}
	l.Forget("a")
	if !l.Allow("a", "search").Allowed {
		t.Fatal("a forgotten account should start with a full bucket")
	}
	if l.Allow("b", "search").Allowed {
		t.Fatal("another account's bucket was refilled")
	}

	led := NewLedger(10, clk, nil)
	led.SetBalance("a", 1)
	led.SetBalance("b", 2)
	led.Forget("a")
	if led.Balance("a") != 10 || led.Balance("b") != 2 {
		t.Fatalf("balances after Forget: a=%v b=%v, want 10 and 2", led.Balance("a"), led.Balance("b"))
	}
}
