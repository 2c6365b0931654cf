package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"math"
	"strings"
	"testing"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/media/mediatest"
)

func probeImage(t *testing.T, data []byte) media.ImageInfo {
	t.Helper()
	info, err := media.ProbeImage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ProbeImage: %v", err)
	}
	return info
}

func TestProbeImageFormats(t *testing.T) {
	tests := []struct {
		name       string
		data       []byte
		wantFormat string
	}{
		{name: "png", data: mediatest.PNG(120, 80, 3), wantFormat: media.FormatPNG},
		{name: "jpeg", data: mediatest.JPEG(120, 80, 3), wantFormat: media.FormatJPEG},
		{name: "gif", data: mediatest.GIF(120, 80, 3), wantFormat: media.FormatGIF},
		{name: "webp", data: mediatest.WebP(120, 80, 3), wantFormat: media.FormatWebP},
		{name: "bmp", data: mediatest.BMP(120, 80, 3), wantFormat: media.FormatBMP},
	}
	ref := probeImage(t, mediatest.PNG(120, 80, 3))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := probeImage(t, tt.data)
			if got.Format != tt.wantFormat || got.Width != 120 || got.Height != 80 {
				t.Errorf("got %s %dx%d, want %s 120x80", got.Format, got.Width, got.Height, tt.wantFormat)
			}
			// Every encoding of the same picture is recognised as it.
			if sim := media.Similarity(ref, got); sim < 0.9 {
				t.Errorf("similarity to the PNG = %.3f, want >= 0.9", sim)
			}
		})
	}
}

// TestSimilarity checks the thresholds the mock's search-by-image relies
// on: copies (resized, re-encoded, recompressed) score >= 0.9, different
// pictures <= 0.7 and always below the copies.
func TestSimilarity(t *testing.T) {
	const w, h = 240, 180
	const seeds = 5
	originals := make([]media.ImageInfo, seeds+1)
	for seed := int64(1); seed <= seeds; seed++ {
		originals[seed] = probeImage(t, mediatest.PNG(w, h, seed))
	}
	for seed := int64(1); seed <= seeds; seed++ {
		img := mediatest.Pattern(w, h, seed)
		orig := originals[seed]
		copies := []struct {
			name string
			data []byte
		}{
			{name: "same bytes", data: mediatest.EncodePNG(img)},
			{name: "resized to a quarter", data: mediatest.EncodePNG(mediatest.Resize(img, w/4, h/4))},
			{name: "enlarged", data: mediatest.PNG(2*w, 2*h, seed)},
			{name: "squashed", data: mediatest.EncodePNG(mediatest.Resize(img, 200, 200))},
			{name: "jpeg q60 re-encode", data: mediatest.EncodeJPEG(img, 60)},
			{name: "half-size jpeg q50", data: mediatest.EncodeJPEG(mediatest.Resize(img, w/2, h/2), 50)},
			{name: "gif (256 colours, dithered)", data: mediatest.EncodeGIF(img)},
			{name: "webp thumbnail", data: mediatest.EncodeWebP(mediatest.Resize(img, 64, 48))},
		}
		minCopy := 1.0
		for _, c := range copies {
			sim := media.Similarity(orig, probeImage(t, c.data))
			if sim < 0.9 {
				t.Errorf("seed %d, %s: similarity %.3f, want >= 0.9", seed, c.name, sim)
			}
			minCopy = math.Min(minCopy, sim)
		}
		for other := int64(1); other <= seeds; other++ {
			if other == seed {
				continue
			}
			sim := media.Similarity(orig, originals[other])
			if sim > 0.7 || sim >= minCopy {
				t.Errorf("seeds %d vs %d: similarity %.3f, want <= 0.7 and below the copies' %.3f", seed, other, sim, minCopy)
			}
		}
	}
}

func TestSimilarityProperties(t *testing.T) {
	a, b := probeImage(t, mediatest.PNG(64, 64, 1)), probeImage(t, mediatest.PNG(64, 64, 2))
	if s := media.Similarity(a, a); s != 1 {
		t.Errorf("Similarity(a, a) = %v, want 1", s)
	}
	if media.Similarity(a, b) != media.Similarity(b, a) {
		t.Error("Similarity is not symmetric")
	}
	inverse := media.ImageInfo{PerceptionHash: ^a.PerceptionHash, DifferenceHash: ^a.DifferenceHash}
	if s := media.Similarity(a, inverse); s != 0 {
		t.Errorf("Similarity with all bits flipped = %v, want 0", s)
	}
}

// pngHeader returns a PNG signature and IHDR declaring w x h RGB pixels,
// followed by IEND: a valid header with no pixel data.
func pngHeader(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(append(b, typ...), data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	return append(out, chunk("IEND", nil)...)
}

func TestProbeImageUnsupported(t *testing.T) {
	png := mediatest.PNG(32, 32, 1)
	tests := []struct {
		name    string
		data    []byte
		wantMsg string
	}{
		{name: "empty", data: nil},
		{name: "corrupt", data: mediatest.Corrupt()},
		{name: "text", data: []byte("hello, world")},
		{name: "mp4 video", data: mediatest.MP4(mediatest.MP4Options{})},
		{name: "tiff", data: []byte("II*\x00\x08\x00\x00\x00")},
		{name: "truncated png", data: png[:len(png)/2]},
		{name: "png magic only", data: png[:8]},
		{name: "truncated jpeg", data: mediatest.JPEG(32, 32, 1)[:100]},
		{name: "riff but not webp", data: []byte("RIFF\x04\x00\x00\x00WAVEfmt ")},
		{name: "decompression bomb", data: pngHeader(100000, 100000), wantMsg: "limit"},
		{name: "zero width", data: pngHeader(0, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := media.ProbeImage(bytes.NewReader(tt.data))
			if !errors.Is(err, media.ErrUnsupportedImage) {
				t.Fatalf("ProbeImage = %+v, %v; want ErrUnsupportedImage", info, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
	if _, err := media.ProbeImage(nil); !errors.Is(err, media.ErrUnsupportedImage) {
		t.Errorf("nil reader: %v", err)
	}
}

// TestProbeImageTruncated cuts a PNG and a JPEG at many points: errors are
// fine (JPEG decoders tolerate some missing scan data), panics are not.
func TestProbeImageTruncated(t *testing.T) {
	for _, data := range [][]byte{mediatest.PNG(48, 32, 9), mediatest.JPEG(48, 32, 9), mediatest.GIF(48, 32, 9), mediatest.WebP(24, 16, 9), mediatest.BMP(24, 16, 9)} {
		for cut := 0; cut < len(data); cut += 1 + cut/16 {
			info, err := media.ProbeImage(bytes.NewReader(data[:cut]))
			if err != nil && !errors.Is(err, media.ErrUnsupportedImage) {
				t.Fatalf("cut %d: %v does not wrap ErrUnsupportedImage", cut, err)
			}
			if err == nil && (info.Width != image.Rect(0, 0, 48, 32).Dx() && info.Width != 24) {
				t.Fatalf("cut %d: implausible %+v", cut, info)
			}
		}
	}
}
