package media_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/media/mediatest"
)

// FuzzProbeVideo feeds mutated containers to ProbeVideo, sometimes with a
// size that overstates the data: errors must wrap ErrUnreadable, results
// must be sane, and nothing may panic or hang.
func FuzzProbeVideo(f *testing.F) {
	seeds := [][]byte{
		mediatest.MP4(mediatest.MP4Options{Duration: 1, Audio: true}),
		mediatest.MP4(mediatest.MP4Options{Duration: 1, MoovAtEnd: true, Codec: "hvc1"}),
		mediatest.MP4(mediatest.MP4Options{Duration: 1, QuickTime: true, Codec: "mp4v", Audio: true}),
		mediatest.MP4(mediatest.MP4Options{Duration: 3, Fragmented: true, Audio: true}),
		mediatest.WebM(mediatest.WebMOptions{Duration: 1, Audio: true}),
		mediatest.WebM(mediatest.WebMOptions{Duration: 1, HeadersAtEnd: true, DocType: "matroska", Codec: "V_MS/VFW/FOURCC"}),
		mediatest.WebM(mediatest.WebMOptions{Duration: 1, Live: true, Audio: true}),
		mediatest.Corrupt()[:64],
		{},
	}
	for _, s := range seeds {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, slack uint8) {
		size := int64(len(data)) + int64(slack%4)
		info, err := media.ProbeVideo(bytes.NewReader(data), size)
		if err != nil {
			if !errors.Is(err, media.ErrUnreadable) {
				t.Fatalf("error %v does not wrap ErrUnreadable", err)
			}
			return
		}
		for name, v := range map[string]float64{"Duration": info.Duration, "FPS": info.FPS} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s = %v", name, v)
			}
		}
		if info.Width < 0 || info.Height < 0 {
			t.Fatalf("size %dx%d", info.Width, info.Height)
		}
		info.Supported() // must not panic either
	})
}

// FuzzProbeImage feeds mutated images to ProbeImage.
func FuzzProbeImage(f *testing.F) {
	for _, s := range [][]byte{
		mediatest.PNG(16, 12, 1), mediatest.JPEG(16, 12, 1), mediatest.GIF(16, 12, 1),
		mediatest.WebP(8, 6, 1), mediatest.BMP(8, 6, 1), mediatest.Corrupt()[:64], {},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := media.ProbeImage(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, media.ErrUnsupportedImage) {
				t.Fatalf("error %v does not wrap ErrUnsupportedImage", err)
			}
			return
		}
		if info.Width <= 0 || info.Height <= 0 || int64(info.Width)*int64(info.Height) > media.MaxImagePixels {
			t.Fatalf("implausible size %dx%d", info.Width, info.Height)
		}
		if s := media.Similarity(info, info); s != 1 {
			t.Fatalf("self-similarity %v", s)
		}
	})
}
