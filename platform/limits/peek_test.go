package limits

import (
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// TestPeek: a peek shows what Allow took and when the bucket refills, and
// never takes a token itself.
func TestPeek(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	l := NewLimiter(map[string]Limit{GroupSearch: {Every: 100 * time.Millisecond, Burst: 2}}, clk)
	find := func(account string) BucketState {
		t.Helper()
		for _, b := range l.Peek(account) {
			if b.Group == GroupSearch {
				return b
			}
		}
		t.Fatalf("no %s bucket in %+v", GroupSearch, l.Peek(account))
		return BucketState{}
	}
	if b := find("a"); b.Used || b.Remaining != 2 || !b.FullAt.Equal(clk.Now()) {
		t.Fatalf("fresh bucket: %+v", b)
	}
	if d := l.Allow("a", "search"); !d.Allowed {
		t.Fatalf("first search refused: %+v", d)
	}
	for range 3 { // peeking takes nothing
		if b := find("a"); !b.Used || b.Remaining != 1 || !b.FullAt.Equal(clk.Now().Add(100*time.Millisecond)) {
			t.Fatalf("after one search: %+v", b)
		}
	}
	if b := find("b"); b.Used || b.Remaining != 2 {
		t.Fatalf("another account's bucket: %+v", b)
	}
	clk.Advance(100 * time.Millisecond)
	if b := find("a"); b.Remaining != 2 || !b.FullAt.Equal(clk.Now()) {
		t.Fatalf("after refill: %+v", b)
	}
}
