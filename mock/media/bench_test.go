package media_test

import (
	"bytes"
	"io"
	"sync/atomic"
	"testing"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/media/mediatest"
)

// countingReaderAt counts the bytes a probe reads.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.n.Add(int64(len(p)))
	return c.r.ReadAt(p, off)
}

// benchmarkProbe probes a synthesised file repeatedly, reporting B/op
// (memory), read-B/op (I/O) and the virtual file size.
func benchmarkProbe(b *testing.B, f *mediatest.SparseFile) {
	b.Helper()
	cr := &countingReaderAt{r: f}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := media.ProbeVideo(cr, f.Size()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cr.n.Load())/float64(b.N), "read-B/op")
	b.ReportMetric(float64(f.Size())/(1<<20), "file-MiB")
}

// BenchmarkProbeLargeMP4 probes one-hour MP4s whose mdat is 1 GiB of
// synthesised bytes: memory and I/O must stay at kilobytes.
func BenchmarkProbeLargeMP4(b *testing.B) {
	const gib = 1 << 30
	b.Run("moov-at-end", func(b *testing.B) {
		benchmarkProbe(b, mediatest.LargeMP4(mediatest.MP4Options{Duration: 3600, Audio: true, MoovAtEnd: true}, gib))
	})
	b.Run("fast-start", func(b *testing.B) {
		benchmarkProbe(b, mediatest.LargeMP4(mediatest.MP4Options{Duration: 3600, Audio: true, Codec: "hvc1"}, gib))
	})
}

// BenchmarkProbeLargeWebM probes WebMs with a 1 GiB synthesised cluster.
func BenchmarkProbeLargeWebM(b *testing.B) {
	const gib = 1 << 30
	b.Run("headers-first", func(b *testing.B) {
		benchmarkProbe(b, mediatest.LargeWebM(mediatest.WebMOptions{Duration: 3600, Audio: true}, gib))
	})
	b.Run("headers-after-cluster", func(b *testing.B) {
		benchmarkProbe(b, mediatest.LargeWebM(mediatest.WebMOptions{Duration: 3600, Audio: true, HeadersAtEnd: true}, gib))
	})
}

// BenchmarkProbeImage decodes and fingerprints a 1280x720 picture.
func BenchmarkProbeImage(b *testing.B) {
	img := mediatest.Pattern(1280, 720, 42)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{name: "png", data: mediatest.EncodePNG(img)},
		{name: "jpeg", data: mediatest.EncodeJPEG(img, 85)},
		{name: "webp", data: mediatest.EncodeWebP(img)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.data)))
			for i := 0; i < b.N; i++ {
				if _, err := media.ProbeImage(bytes.NewReader(tc.data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
