package v2

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/store"
)

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkAssetRecordBytes reports the heap per stored v2 asset record
// (the record, not its media bytes) at 100,000 assets:
//
//	go test ./v2 -run '^$' -bench AssetRecordBytes
func BenchmarkAssetRecordBytes(b *testing.B) {
	const n = 100_000
	clk := clock.NewFake(time.Unix(1_773_000_000, 0))
	for i := 0; i < b.N; i++ {
		st, err := store.Open(store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		as, err := openAssets(st, clk)
		if err != nil {
			b.Fatal(err)
		}
		ids := newIDMint(1, clk)
		before := heapInUse()
		now := clk.Now()
		for j := 0; j < n; j++ {
			a := &Asset{ID: ids.asset(), Account: "sk-bench-" + strconv.Itoa(j%50), Kind: KindVideo,
				Filename: "clip_" + strconv.Itoa(j) + ".mp4", Ext: "mp4", ContentType: "video/mp4", Size: 1 << 20,
				SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", MediaKey: "m" + strconv.Itoa(j),
				Created: now, Uploading: now, Ready: now, Final: StatusSuccess, Duration: 12, Width: 1280, Height: 720,
				FPS: 30, VideoCodec: "h264", AudioCodec: "aac", HasAudio: true}
			if err := as.put(a); err != nil {
				b.Fatal(err)
			}
		}
		after := heapInUse()
		b.ReportMetric(float64(after-before)/n, "bytes/asset")
		runtime.KeepAlive(as)
		_ = st.Close()
	}
}
