package platform

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/internal/clock"
)

// SlowBody returns w wrapped so that the answer body trickles out at bps
// bytes per second on clk, a tenth of a second's worth at a time, each
// piece flushed (X-Mock-Force: slow, slow-body faults; Verdict.SlowBodyBPS).
// A bps below 1 returns w unchanged.
func SlowBody(w gin.ResponseWriter, bps int, clk clock.Clock) gin.ResponseWriter {
	if bps < 1 {
		return w
	}
	return &slowWriter{ResponseWriter: w, bps: bps, clk: clk}
}

// slowWriter is SlowBody's writer.
type slowWriter struct {
	gin.ResponseWriter
	bps int
	clk clock.Clock
}

// Write writes b a tenth of a second's worth at a time.
func (w *slowWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		chunk := min(len(b), max(1, w.bps/10))
		m, err := w.ResponseWriter.Write(b[:chunk])
		n += m
		if err != nil {
			return n, err
		}
		w.ResponseWriter.Flush()
		b = b[chunk:]
		<-w.clk.After(time.Second / 10)
	}
	return n, nil
}

// WriteString writes s like Write.
func (w *slowWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }
