package scenarios

import (
	"context"
	"testing"
	"time"
)

// TestV2AudioWSSession runs the WebSocket scenario with both providers
// against the mock.
func TestV2AudioWSSession(t *testing.T) {
	e := v2Env(t)
	rec := &collect{}
	e.Recorder = rec
	seen := map[bool]bool{}
	for seed := uint64(1); len(seen) < 2 && seed < 20; seed++ {
		f := e.Fork(seed)
		assembly := f.Fork(seed).Rand.IntN(2) == 1 // the scenario's own draw
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := V2AudioWSSession(ctx, f)
		cancel()
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		seen[assembly] = true
	}
	if len(seen) != 2 || rec.count(MetricV2WSFirstPartial) == 0 || rec.count(MetricV2WSSession) == 0 {
		t.Fatalf("providers %v, metrics %v", seen, rec.m)
	}
}
