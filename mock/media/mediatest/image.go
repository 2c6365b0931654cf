package mediatest

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"

	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"
)

// maxSide bounds generated image sides so a typo cannot allocate gigabytes.
const maxSide = 8192

// Pattern draws a deterministic test picture: a two-colour gradient at a
// seed-chosen angle, rippled by a seed-chosen wave, under a handful of seed-chosen filled circles,
// rectangles and rings. Shapes are placed in coordinates relative to the
// picture size, so Pattern(w1, h1, s) and Pattern(w2, h2, s) look alike
// (and hash alike), while different seeds look different.
func Pattern(w, h int, seed int64) *image.NRGBA {
	w, h = clampSide(w), clampSide(h)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9E3779B97F4A7C15))
	c0, c1 := randColor(rng), randColor(rng)
	angle := rng.Float64() * 2 * math.Pi
	dx, dy := math.Cos(angle), math.Sin(angle)
	// Soft waves of 1.5-4 cycles across the picture: low frequencies are
	// what perceptual hashes see, so they make each seed hash distinctly.
	waveAngle := rng.Float64() * 2 * math.Pi
	wx, wy := math.Cos(waveAngle), math.Sin(waveAngle)
	waveFreq, wavePhase := 1.5+2.5*rng.Float64(), rng.Float64()*2*math.Pi

	type shape struct {
		kind       int // 0 circle, 1 rectangle, 2 ring
		cx, cy, r  float64
		rw, rh     float64
		fill       color.NRGBA
		innerRatio float64
	}
	shapes := make([]shape, 3+rng.IntN(4))
	for i := range shapes {
		shapes[i] = shape{
			kind: rng.IntN(3),
			cx:   0.1 + 0.8*rng.Float64(), cy: 0.1 + 0.8*rng.Float64(),
			r:  0.1 + 0.25*rng.Float64(),
			rw: 0.1 + 0.3*rng.Float64(), rh: 0.1 + 0.3*rng.Float64(),
			fill:       randColor(rng),
			innerRatio: 0.4 + 0.3*rng.Float64(),
		}
	}

	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		v := (float64(y) + 0.5) / float64(h)
		for x := 0; x < w; x++ {
			u := (float64(x) + 0.5) / float64(w)
			wave := 0.3 * math.Sin(2*math.Pi*waveFreq*(u*wx+v*wy)+wavePhase)
			t := math.Max(0, math.Min(1, 0.5+((u-0.5)*dx+(v-0.5)*dy)+wave))
			c := lerp(c0, c1, t)
			for _, s := range shapes {
				du, dv := u-s.cx, v-s.cy
				inside := false
				switch s.kind {
				case 0:
					inside = du*du+dv*dv <= s.r*s.r
				case 1:
					inside = math.Abs(du) <= s.rw/2 && math.Abs(dv) <= s.rh/2
				case 2:
					d2 := du*du + dv*dv
					inside = d2 <= s.r*s.r && d2 >= s.r*s.r*s.innerRatio*s.innerRatio
				}
				if inside {
					c = s.fill
				}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func clampSide(n int) int { return max(1, min(n, maxSide)) }

func randColor(rng *rand.Rand) color.NRGBA {
	return color.NRGBA{R: uint8(rng.IntN(256)), G: uint8(rng.IntN(256)), B: uint8(rng.IntN(256)), A: 255}
}

func lerp(a, b color.NRGBA, t float64) color.NRGBA {
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.NRGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 255}
}

// Resize scales img to w x h with Catmull-Rom resampling, as image
// services do when they make thumbnails.
func Resize(img image.Image, w, h int) *image.NRGBA {
	dst := image.NewNRGBA(image.Rect(0, 0, clampSide(w), clampSide(h)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}

// EncodePNG encodes img as PNG.
func EncodePNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil // only for zero-sized images
	}
	return buf.Bytes()
}

// EncodeJPEG encodes img as baseline JPEG at the given quality (1-100).
func EncodeJPEG(img image.Image, quality int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: max(1, min(quality, 100))}); err != nil {
		return nil
	}
	return buf.Bytes()
}

// EncodeGIF encodes img as a single-frame GIF. Images that are not already
// paletted are reduced to a fixed 256-colour palette (3 bits red and green,
// 2 bits blue) with ordered dithering: like the standard encoder's
// dithered Plan 9 quantiser to the eye, at a thirtieth of its cost.
func EncodeGIF(img image.Image) []byte {
	pal, ok := img.(*image.Paletted)
	if !ok {
		pal = quantize332(img)
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, pal, nil); err != nil {
		return nil
	}
	return buf.Bytes()
}

// quantize332 maps img to the RGB 3-3-2 palette with 4x4 Bayer dithering.
func quantize332(img image.Image) *image.Paletted {
	p := make(color.Palette, 0, 256)
	for r := 0; r < 8; r++ {
		for g := 0; g < 8; g++ {
			for b := 0; b < 4; b++ {
				p = append(p, color.RGBA{R: uint8(r * 255 / 7), G: uint8(g * 255 / 7), B: uint8(b * 255 / 3), A: 255})
			}
		}
	}
	bayer := [4][4]float64{{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}}
	bounds := img.Bounds()
	out := image.NewPaletted(bounds, p)
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			t := (bayer[y&3][x&3] + 0.5) / 16
			level := func(v uint32, n int) int {
				return min(n-1, int(float64(v>>8)*float64(n-1)/255+t))
			}
			r, g, b, _ := img.At(x, y).RGBA()
			out.SetColorIndex(x, y, uint8(level(r, 8)<<5|level(g, 8)<<2|level(b, 4)))
		}
	}
	return out
}

// EncodeBMP encodes img as an uncompressed BMP.
func EncodeBMP(img image.Image) []byte {
	var buf bytes.Buffer
	if err := bmp.Encode(&buf, img); err != nil {
		return nil
	}
	return buf.Bytes()
}

// PNG returns Pattern(w, h, seed) encoded as PNG.
func PNG(w, h int, seed int64) []byte { return EncodePNG(Pattern(w, h, seed)) }

// JPEG returns Pattern(w, h, seed) encoded as JPEG at quality 90.
func JPEG(w, h int, seed int64) []byte { return EncodeJPEG(Pattern(w, h, seed), 90) }

// GIF returns Pattern(w, h, seed) encoded as GIF.
func GIF(w, h int, seed int64) []byte { return EncodeGIF(Pattern(w, h, seed)) }

// WebP returns Pattern(w, h, seed) encoded as lossless WebP.
func WebP(w, h int, seed int64) []byte { return EncodeWebP(Pattern(w, h, seed)) }

// BMP returns Pattern(w, h, seed) encoded as BMP.
func BMP(w, h int, seed int64) []byte { return EncodeBMP(Pattern(w, h, seed)) }
