package chat

import (
	"context"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// discardSink writes to io.Discard.
type discardSink struct{}

func (discardSink) Write(p []byte) (int, error) { return io.Discard.Write(p) }
func (discardSink) Flush()                      {}

// countSink is an in-memory sink that keeps only a byte count, so heap
// measurements show the stream's own cost, not the client's buffer.
type countSink struct{ n atomic.Int64 }

func (s *countSink) Write(p []byte) (int, error) { s.n.Add(int64(len(p))); return len(p), nil }
func (s *countSink) Flush()                      {}

func BenchmarkGenerate(b *testing.B) {
	videos := []Video{raceVideo(), backyardVideo()}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Generate(Request{Seed: int64(i), Prompt: seedQuestions[allIntents[i%len(allIntents)]], Videos: videos})
	}
}

// BenchmarkStreamVideoChat streams one highlights answer (two videos) to
// io.Discard with no pacing.
func BenchmarkStreamVideoChat(b *testing.B) {
	ans := raceAnswer()
	clk := clock.NewFake(time.Time{})
	var cs countSink
	_ = StreamVideoChat(context.Background(), &cs, clk, Knobs{}, testSession, ans, nil)
	b.SetBytes(cs.n.Load())
	b.ReportAllocs()
	for b.Loop() {
		if err := StreamVideoChat(context.Background(), discardSink{}, clk, Knobs{}, testSession, ans, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConcurrentStreams opens 1,000 streams on a fake clock, lets each
// write its thinking, ref and first content events, and measures the live heap (and goroutine stack)
// per open stream while all of them are blocked mid-stream on the clock.
func BenchmarkConcurrentStreams(b *testing.B) {
	const streams = 1000
	ans := raceAnswer()
	knobs := Knobs{FirstEvent: time.Second, PerChunk: time.Second}
	var heapPer, stackPer float64
	b.ReportAllocs()
	for b.Loop() {
		clk := newNotifyClock(2 * streams)
		ctx, cancel := context.WithCancel(context.Background())
		sinks := make([]countSink, streams)
		var wg sync.WaitGroup
		runtime.GC()
		var before, during runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range streams {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = StreamVideoChat(ctx, &sinks[i], clk, knobs, testSession, ans, nil)
			}()
		}
		for range streams {
			<-clk.waits // everyone waits for FirstEvent
		}
		// Five rounds: two thinking events, the ref event and two content
		// chunks, so every stream is in its content phase.
		for range 5 {
			clk.Advance(time.Second)
			for range streams {
				<-clk.waits // everyone wrote an event and waits again
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&during)
		heapPer = float64(int64(during.HeapAlloc)-int64(before.HeapAlloc)) / streams
		stackPer = float64(int64(during.StackInuse)-int64(before.StackInuse)) / streams
		cancel()
		wg.Wait()
	}
	b.ReportMetric(heapPer, "heap-B/stream")
	b.ReportMetric(stackPer, "stack-B/stream")
}
