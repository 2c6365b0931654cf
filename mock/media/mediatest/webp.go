package mediatest

import (
	"encoding/binary"
	"image"
	"image/color"
)

// EncodeWebP encodes img as a lossless WebP (VP8L, RFC 9649 §3) without
// any compression: no transforms, no colour cache, and fixed 8-bit prefix
// codes, so every channel of every pixel is stored verbatim. The result is
// large but valid, which is all test fixtures need; the Go ecosystem has a
// WebP decoder (golang.org/x/image/webp) and no encoder. Images larger than
// 16384 pixels on a side are cropped to that limit.
func EncodeWebP(img image.Image) []byte {
	b := img.Bounds()
	w, h := min(b.Dx(), 1<<14), min(b.Dy(), 1<<14)
	if w <= 0 || h <= 0 {
		w, h = 1, 1
		img = image.NewNRGBA(image.Rect(0, 0, 1, 1))
		b = img.Bounds()
	}
	opaque := true
	for y := 0; y < h && opaque; y++ {
		for x := 0; x < w; x++ {
			if _, _, _, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA(); a != 0xFFFF {
				opaque = false
				break
			}
		}
	}

	var bw lsbWriter
	bw.bits(0x2F, 8) // VP8L signature
	bw.bits(uint32(w-1), 14)
	bw.bits(uint32(h-1), 14)
	if opaque {
		bw.bits(0, 1) // alpha_is_used
	} else {
		bw.bits(1, 1)
	}
	bw.bits(0, 3) // version
	bw.bits(0, 1) // no transform
	bw.bits(0, 1) // no colour cache
	bw.bits(0, 1) // no meta prefix codes

	bw.flatCode(256 + 24) // green: literals + LZ77 length prefixes (unused)
	bw.flatCode(256)      // red
	bw.flatCode(256)      // blue
	if opaque {
		bw.singleSymbolCode(255) // alpha is always 255: zero bits per pixel
	} else {
		bw.flatCode(256)
	}
	bw.singleSymbolCode(0) // distance: unused
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			bw.code8(c.G)
			bw.code8(c.R)
			bw.code8(c.B)
			if !opaque {
				bw.code8(c.A)
			}
		}
	}
	data := bw.buf

	out := make([]byte, 0, 20+len(data)+1)
	out = append(out, "RIFF"...)
	riffSize := 4 + 8 + len(data) + len(data)%2
	out = binary.LittleEndian.AppendUint32(out, uint32(riffSize))
	out = append(out, "WEBPVP8L"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(data)))
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0) // RIFF chunks are padded to an even length
	}
	return out
}

// lsbWriter packs bit fields least-significant bit first, as VP8L reads.
type lsbWriter struct {
	buf  []byte
	nbit int
}

func (w *lsbWriter) bits(v uint32, n int) {
	for i := 0; i < n; i++ {
		if w.nbit == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.buf[len(w.buf)-1] |= 1 << uint(w.nbit)
		}
		w.nbit = (w.nbit + 1) % 8
	}
}

// code8 writes an 8-bit canonical prefix code: codes are read most
// significant bit first.
func (w *lsbWriter) code8(v uint8) {
	for i := 7; i >= 0; i-- {
		w.bits(uint32(v>>uint(i))&1, 1)
	}
}

// flatCode writes a "normal" prefix code in which symbols 0..255 have
// length 8 and the rest of the alphabet length 0. The code-length code
// itself gives lengths 0 and 8 one bit each (codes 0 and 1).
func (w *lsbWriter) flatCode(alphabet int) {
	w.bits(0, 1) // normal (not simple) code
	// Code-length code lengths in the order 17, 18, 0, 1, 2, 3, 4, 5, 16,
	// 6, 7, 8: twelve entries reach symbol 8.
	w.bits(12-4, 4)
	for _, sym := range []int{17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8} {
		if sym == 0 || sym == 8 {
			w.bits(1, 3)
		} else {
			w.bits(0, 3)
		}
	}
	w.bits(0, 1) // max_symbol = alphabet size
	for s := 0; s < alphabet; s++ {
		if s < 256 {
			w.bits(1, 1) // length 8
		} else {
			w.bits(0, 1) // length 0
		}
	}
}

// singleSymbolCode writes a "simple" prefix code with one 8-bit symbol,
// which costs no bits per use.
func (w *lsbWriter) singleSymbolCode(sym uint8) {
	w.bits(1, 1) // simple code
	w.bits(0, 1) // one symbol
	w.bits(1, 1) // 8-bit symbol
	w.bits(uint32(sym), 8)
}
