package journal

import (
	"strings"
	"testing"
)

// BenchmarkCapture measures what keeping a request body costs per request:
// a typical JSON body, and one over MaxBodyBytes kept as its digest.
func BenchmarkCapture(b *testing.B) {
	bodies := map[string]any{
		"search": map[string]any{"search_param": "a golden eagle circles the ridge", "search_type": "BY_VIDEO",
			"unique_id": "birds", "top_k": 3, "filtering_level": "medium"},
		"over64KiB": map[string]any{"memories": []any{map[string]any{"role": "user", "content": strings.Repeat("x", 70<<10)}}},
	}
	for name, body := range bodies {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Capture(body)
			}
		})
	}
}

// BenchmarkAdd measures the ring buffer at its default size.
func BenchmarkAdd(b *testing.B) {
	j := New(DefaultSize)
	raw, _ := Capture(map[string]any{"search_param": "eagle"})
	e := Entry{OperationID: "search", KeyID: KeyID("sk-test"), Body: raw}
	b.ReportAllocs()
	for b.Loop() {
		j.Add(e)
	}
}

// BenchmarkRecord measures what recording an answer costs per request:
// a list_videos-sized JSON answer written at once, and a download of
// 1 MiB in 32 KiB writes (hashed, never buffered).
func BenchmarkRecord(b *testing.B) {
	answer := []byte(`{"code":"0000","msg":"success","data":{"videos":[` + strings.Repeat(`{"video_no":"VI123456789012345678","video_name":"clip","status":"PARSE"},`, 40) + `{}]}}`)
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(answer)))
		for b.Loop() {
			var r Recorder
			r.Begin("application/json")
			r.Write(answer)
			var e Entry
			r.Fill(&e)
		}
	})
	chunk := make([]byte, 32<<10)
	b.Run("download", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(32 * int64(len(chunk)))
		for b.Loop() {
			var r Recorder
			r.Begin("video/mp4")
			for range 32 {
				r.Write(chunk)
			}
			var e Entry
			r.Fill(&e)
		}
	})
}
