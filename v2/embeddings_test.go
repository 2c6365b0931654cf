package v2

import (
	"bytes"
	"math"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// vec reads data.embedding (or data[i].embedding) of an answer.
func vec(t *testing.T, a answer, i int) []float64 {
	t.Helper()
	if a.Status != http.StatusOK {
		t.Fatalf("status %d: %s", a.Status, a.Raw)
	}
	var m map[string]any
	switch d := a.Body["data"].(type) {
	case map[string]any:
		m = d
	case []any:
		m = d[i].(map[string]any)
	default:
		t.Fatalf("no data: %s", a.Raw)
	}
	raw := m["embedding"].([]any)
	out := make([]float64, len(raw))
	for j, x := range raw {
		out[j] = x.(float64)
	}
	return out
}

func cosine(a, b []float64) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	return dot / math.Sqrt(na*nb)
}

func norm(a []float64) float64 {
	var s float64
	for _, x := range a {
		s += x * x
	}
	return math.Sqrt(s)
}

// imageForm is a multipart embeddings/image body.
func imageForm(model, name string, data []byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if model != "" {
		_ = mw.WriteField("model", model)
	}
	if data != nil {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), &buf
}

func TestEmbeddingDimensionsAndNorm(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-emb"
	video := ts.ready(key, "beach_day.mp4", sampleMP4())
	image := ts.ready(key, "beach.png", pngBytes())
	cases := []struct {
		name string
		send func() answer
		dims int
	}{
		{name: "video multimodal", dims: 1408, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/video", key, map[string]any{"asset_id": video, "model": "multimodalembedding@001"})
		}},
		{name: "image asset multimodal", dims: 1408, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/image", key, map[string]any{"asset_id": image, "model": "multimodalembedding@001"})
		}},
		{name: "image asset mobileclip", dims: 512, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/image", key, map[string]any{"asset_id": image, "model": "mobileclip"})
		}},
		{name: "image file multipart", dims: 1408, send: func() answer {
			ct, body := imageForm("multimodalembedding@001", "photo.jpg", mediatest.JPEG(32, 32, 2))
			return ts.do(http.MethodPost, "/embeddings/image", key, ct, body)
		}},
		{name: "text default", dims: 3072, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": []string{"hello world"}, "model": "gemini-embedding-001"})
		}},
		{name: "text dimensionality 768", dims: 768, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": []string{"hello world"},
				"model": "gemini-embedding-001", "dimensionality": 768})
		}},
		{name: "text as a single string", dims: 3072, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": "hello world", "model": "gemini-embedding-001"})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := vec(t, c.send(), 0), vec(t, c.send(), 0)
			if len(a) != c.dims {
				t.Fatalf("%d dimensions, want %d", len(a), c.dims)
			}
			if n := norm(a); math.Abs(n-1) > 1e-5 {
				t.Fatalf("norm %v", n)
			}
			if cosine(a, b) < 1-1e-9 {
				t.Fatal("not deterministic")
			}
		})
	}
}

// TestEmbeddingSimilarity: related content is closer than unrelated, across
// modalities, at a shared dimensionality.
func TestEmbeddingSimilarity(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-sim"
	beach := ts.ready(key, "beach_day.mp4", sampleMP4())
	mountain := ts.ready(key, "mountain_hike.mp4", sampleMP4())
	beachImg := ts.ready(key, "beach.png", pngBytes())
	kitchenImg := ts.ready(key, "kitchen.png", pngBytes())
	text := func(dims int, inputs ...string) answer {
		return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": inputs,
			"model": "gemini-embedding-001", "dimensionality": dims})
	}
	videoVec := func(id string) []float64 {
		return vec(t, ts.json(http.MethodPost, "/embeddings/video", key, map[string]any{"asset_id": id, "model": "multimodalembedding@001"}), 0)
	}
	imageVec := func(id string) []float64 {
		return vec(t, ts.json(http.MethodPost, "/embeddings/image", key, map[string]any{"asset_id": id, "model": "multimodalembedding@001"}), 0)
	}
	q := vec(t, text(1408, "beach"), 0)
	cb, cm := cosine(q, videoVec(beach)), cosine(q, videoVec(mountain))
	t.Logf("cos(beach, beach video)=%.3f cos(beach, mountain video)=%.3f", cb, cm)
	if cb <= cm+0.05 {
		t.Fatalf("cos(text beach, beach video) %.3f is not above cos(text beach, mountain video) %.3f", cb, cm)
	}
	ci, ck := cosine(q, imageVec(beachImg)), cosine(q, imageVec(kitchenImg))
	if ci <= ck+0.05 {
		t.Fatalf("cos(beach, beach image) %.3f, cos(beach, kitchen image) %.3f", ci, ck)
	}
	a := text(3072, "a day at the beach", "beaches and waves", "a kitchen recipe with pasta")
	v0, v1, v2 := vec(t, a, 0), vec(t, a, 1), vec(t, a, 2)
	if cosine(v0, v1) <= cosine(v0, v2) {
		t.Fatalf("beach texts %.3f not closer than beach/kitchen %.3f", cosine(v0, v1), cosine(v0, v2))
	}
	// Matryoshka: the 3072 vector's first 768 components, renormalised, are
	// the 768 vector.
	short := vec(t, text(768, "a day at the beach"), 0)
	if c := cosine(v0[:768], short); c < 1-1e-6 {
		t.Fatalf("truncation cosine %v", c)
	}
}

func TestEmbeddingTextOrder(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	inputs := []string{"first text", "second one", "third"}
	a := ts.json(http.MethodPost, "/embeddings/text", "sk-order", map[string]any{"input": inputs, "model": "gemini-embedding-001", "dimensionality": 256})
	if n := len(a.Body["data"].([]any)); n != len(inputs) {
		t.Fatalf("%d vectors for %d inputs", n, len(inputs))
	}
	for i, in := range inputs {
		one := ts.json(http.MethodPost, "/embeddings/text", "sk-order", map[string]any{"input": []string{in}, "model": "gemini-embedding-001", "dimensionality": 256})
		if cosine(vec(t, a, i), vec(t, one, 0)) < 1-1e-9 {
			t.Fatalf("entry %d is not the vector of %q", i, in)
		}
	}
}

func TestEmbeddingErrors(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	key := "sk-emberr"
	video := ts.ready(key, "a.mp4", sampleMP4())
	image := ts.ready(key, "a.png", pngBytes())
	audio := ts.ready(key, "a.wav", wavBytes(16000, 2))
	const catchAll = "Request has exceeded the limit."
	cases := []struct {
		name   string
		send   func() answer
		status int
		msg    string
	}{
		{name: "video: wrong model", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/video", key, map[string]any{"asset_id": video, "model": "mobileclip"})
		}},
		{name: "video: missing asset_id", status: 400, msg: "asset_id cannot be null or empty", send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/video", key, map[string]any{"model": "multimodalembedding@001"})
		}},
		{name: "video: missing model", status: 400, msg: "model cannot be null or empty", send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/video", key, map[string]any{"asset_id": video})
		}},
		{name: "video: unknown asset", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/video", key, map[string]any{"asset_id": "re_600000000000000009", "model": "multimodalembedding@001"})
		}},
		{name: "video: image asset", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/video", key, map[string]any{"asset_id": image, "model": "multimodalembedding@001"})
		}},
		{name: "video: audio asset", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/video", key, map[string]any{"asset_id": audio, "model": "multimodalembedding@001"})
		}},
		{name: "video: no key", status: 401, msg: "Unauthorized", send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/video", "", map[string]any{"asset_id": video, "model": "multimodalembedding@001"})
		}},
		{name: "image: video asset", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/image", key, map[string]any{"asset_id": video, "model": "mobileclip"})
		}},
		{name: "image: json without asset_id", status: 400, msg: "asset_id cannot be null or empty", send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/image", key, map[string]any{"model": "mobileclip"})
		}},
		{name: "image: wrong model", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/image", key, map[string]any{"asset_id": image, "model": "gemini-embedding-001"})
		}},
		{name: "image: multipart without file", status: 400, msg: "file cannot be null or empty", send: func() answer {
			ct, body := imageForm("mobileclip", "", nil)
			return ts.do(http.MethodPost, "/embeddings/image", key, ct, body)
		}},
		{name: "image: multipart without model", status: 400, msg: "model cannot be null or empty", send: func() answer {
			ct, body := imageForm("", "x.png", pngBytes())
			return ts.do(http.MethodPost, "/embeddings/image", key, ct, body)
		}},
		{name: "image: file is not an image", status: 400, msg: catchAll, send: func() answer {
			ct, body := imageForm("mobileclip", "clip.mp4", sampleMP4())
			return ts.do(http.MethodPost, "/embeddings/image", key, ct, body)
		}},
		{name: "image: unreadable file", status: 400, msg: catchAll, send: func() answer {
			ct, body := imageForm("mobileclip", "x.png", mediatest.Corrupt())
			return ts.do(http.MethodPost, "/embeddings/image", key, ct, body)
		}},
		{name: "text: missing input", status: 400, msg: "input cannot be null or empty", send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"model": "gemini-embedding-001"})
		}},
		{name: "text: empty input array", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": []string{}, "model": "gemini-embedding-001"})
		}},
		{name: "text: wrong model", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": []string{"x"}, "model": "text-embedding-3-small"})
		}},
		{name: "text: dimensionality too small", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": []string{"x"}, "model": "gemini-embedding-001", "dimensionality": 64})
		}},
		{name: "text: dimensionality too large", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": []string{"x"}, "model": "gemini-embedding-001", "dimensionality": 4096})
		}},
		{name: "text: input not strings", status: 400, msg: catchAll, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": []any{1, 2}, "model": "gemini-embedding-001"})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectError(t, c.send(), c.status, c.msg) })
	}
}

func TestEmbeddingCharges(t *testing.T) {
	ts := newTestSurface(t, testOpts{credits: true})
	key := "sk-embpay"
	account := ts.p.Accounts.Resolve(key)
	video := ts.ready(key, "a.mp4", sampleMP4())
	image := ts.ready(key, "a.png", pngBytes())
	cases := []struct {
		name    string
		send    func() answer
		credits float64 // $ / 0.01
	}{
		// 10 words × 1.3 = 13 tokens at $0.0000002.
		{name: "text per token", credits: 13 * 0.0000002 / 0.01, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{
				"input": []string{"one two three four five", "six seven eight nine ten"}, "model": "gemini-embedding-001"})
		}},
		{name: "image per image", credits: 0.0001 / 0.01, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/image", key, map[string]any{"asset_id": image, "model": "mobileclip"})
		}},
		{name: "video free (price not documented)", credits: 0, send: func() answer {
			return ts.json(http.MethodPost, "/embeddings/video", key, map[string]any{"asset_id": video, "model": "multimodalembedding@001"})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts.p.Ledger.SetBalance(account, 5)
			if a := c.send(); a.Status != 200 {
				t.Fatalf("%d %s", a.Status, a.Raw)
			}
			if got := 5 - ts.p.Ledger.Balance(account); math.Abs(got-c.credits) > 1e-6 {
				t.Fatalf("charged %.6f credits, want %.6f", got, c.credits)
			}
		})
	}
	ts.p.Ledger.SetBalance(account, 0)
	expectError(t, ts.json(http.MethodPost, "/embeddings/text", key, map[string]any{"input": []string{"x"}, "model": "gemini-embedding-001"}),
		http.StatusPaymentRequired, "")
	expectError(t, ts.json(http.MethodPost, "/embeddings/image", key, map[string]any{"asset_id": image, "model": "mobileclip"}),
		http.StatusPaymentRequired, "")
}
