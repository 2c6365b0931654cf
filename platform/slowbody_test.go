package platform

import (
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/internal/clock"
)

// TestSlowBodyTricklesOnTheClock writes 25 bytes at 100 bytes/s: pieces of
// 10 bytes, each followed by a tenth of a second of mock time, so the
// write finishes only after three clock steps and never on its own.
func TestSlowBodyTricklesOnTheClock(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	w := SlowBody(c.Writer, 100, clk)
	done := make(chan int, 1)
	go func() {
		n, _ := w.WriteString("0123456789abcdefghijKLMNO")
		done <- n
	}()
	for step := 1; step <= 3; step++ {
		for clk.Waiters() == 0 {
			select {
			case n := <-done:
				t.Fatalf("write ended after %d steps (%d bytes) without waiting on the clock", step-1, n)
			default:
				runtime.Gosched() // let the writer goroutine reach the clock
			}
		}
		if got, want := rec.Body.Len(), min(10*step, 25); got != want {
			t.Fatalf("step %d: %d bytes written, want %d", step, got, want)
		}
		clk.Advance(100 * time.Millisecond)
	}
	if n := <-done; n != 25 || rec.Body.String() != "0123456789abcdefghijKLMNO" {
		t.Fatalf("wrote %d bytes %q", n, rec.Body.String())
	}
}

// TestSlowBodyOffIsTheWriterItself: no rate, no wrapper.
func TestSlowBodyOffIsTheWriterItself(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	if w := SlowBody(c.Writer, 0, clock.Real{}); w != c.Writer {
		t.Fatal("SlowBody with 0 bytes/s wrapped the writer")
	}
}
