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
