package v2

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// TestMockForceSlowTricklesTheAnswer: X-Mock-Force: slow=N reaches v2
// through the platform guard like latency and errors do: the answer comes
// N bytes per second of mock time, so a v2 call finishes only as the clock
// moves, whole and unchanged.
func TestMockForceSlowTricklesTheAnswer(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	get := func(force string) (*httptest.ResponseRecorder, int) {
		req := httptest.NewRequest(http.MethodGet, BasePath+"/re_000000000000000001/metadata", nil)
		req.Header.Set("Authorization", "sk-slow")
		if force != "" {
			req.Header.Set("X-Mock-Force", force)
		}
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { ts.h.ServeHTTP(rec, req); close(done) }()
		steps := 0
		for {
			select {
			case <-done:
				return rec, steps
			default:
			}
			if ts.clk.Waiters() > 0 {
				steps++
				ts.clk.Advance(100 * time.Millisecond)
				continue
			}
			runtime.Gosched()
		}
	}
	plain, plainSteps := get("")
	slow, slowSteps := get("slow=100")
	if plainSteps != 0 {
		t.Fatalf("a plain call waited on the clock %d times", plainSteps)
	}
	if plain.Code != http.StatusBadRequest || slow.Code != plain.Code || slow.Body.String() != plain.Body.String() {
		t.Fatalf("slow answer %d %q differs from plain %d %q", slow.Code, slow.Body, plain.Code, plain.Body)
	}
	// 10 bytes per tenth of a second: one clock step per started 10 bytes.
	if want := (plain.Body.Len() + 9) / 10; slowSteps != want {
		t.Fatalf("slow answer of %d bytes took %d clock steps, want %d", plain.Body.Len(), slowSteps, want)
	}
}
