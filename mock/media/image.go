package media

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/bits"

	"github.com/corona10/goimagehash"
	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// ErrUnsupportedImage is returned (wrapped with detail) by ProbeImage for
// anything that is not a decodable JPEG, PNG, GIF, WebP or BMP image, or
// whose dimensions exceed MaxImagePixels.
var ErrUnsupportedImage = errors.New("media: unsupported image")

// MaxImagePixels bounds the decoded size of an image (width x height). The
// header is checked before decoding, so a small file declaring a huge
// canvas (a "decompression bomb") is refused without allocating it.
const MaxImagePixels = 64 << 20

// Image format names reported in ImageInfo.Format (those of the standard
// image package's registry).
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
	FormatGIF  = "gif"
	FormatWebP = "webp"
	FormatBMP  = "bmp"
)

// ImageInfo describes a decoded image and its perceptual fingerprints.
type ImageInfo struct {
	Format         string // FormatJPEG, FormatPNG, FormatGIF, FormatWebP or FormatBMP
	Width, Height  int
	PerceptionHash uint64 // goimagehash PerceptionHash (DCT based)
	DifferenceHash uint64 // goimagehash DifferenceHash (gradient based)
}

// imageCodec is one accepted format: its magic bytes and its decoders.
type imageCodec struct {
	name         string
	match        func([]byte) bool
	decode       func(io.Reader) (image.Image, error)
	decodeConfig func(io.Reader) (image.Config, error)
}

// imageCodecs are the formats the vendor's image upload accepts
// (jpg/jpeg/png/gif/bmp/webp). They are dispatched on magic bytes rather
// than through image.RegisterFormat, so the accepted set cannot change
// because some other package registered a decoder.
func imageCodecs() []imageCodec {
	return []imageCodec{
		{FormatJPEG, func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) }, jpeg.Decode, jpeg.DecodeConfig},
		{FormatPNG, func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }, png.Decode, png.DecodeConfig},
		{FormatGIF, func(b []byte) bool {
			return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
		}, gif.Decode, gif.DecodeConfig},
		{FormatWebP, func(b []byte) bool {
			return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
		}, webp.Decode, webp.DecodeConfig},
		{FormatBMP, func(b []byte) bool { return bytes.HasPrefix(b, []byte("BM")) }, bmp.Decode, bmp.DecodeConfig},
	}
}

// ProbeImage decodes an image, checks its size against MaxImagePixels
// before allocating pixels, and computes its perceptual hashes. GIFs are
// fingerprinted on their first frame. Errors wrap ErrUnsupportedImage.
func ProbeImage(r io.Reader) (ImageInfo, error) {
	if r == nil {
		return ImageInfo{}, fmt.Errorf("%w: no input", ErrUnsupportedImage)
	}
	br := bufio.NewReader(r)
	magic, _ := br.Peek(12)
	var codec *imageCodec
	for _, c := range imageCodecs() {
		if c.match(magic) {
			codec = &c
			break
		}
	}
	if codec == nil {
		return ImageInfo{}, fmt.Errorf("%w: not a JPEG, PNG, GIF, WebP or BMP image", ErrUnsupportedImage)
	}

	// Read the header through a tee so the same bytes feed the full decode.
	var head bytes.Buffer
	cfg, err := codec.decodeConfig(io.TeeReader(br, &head))
	if err != nil {
		return ImageInfo{}, fmt.Errorf("%w: %s header: %v", ErrUnsupportedImage, codec.name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return ImageInfo{}, fmt.Errorf("%w: %s of %dx%d pixels (limit %d pixels)",
			ErrUnsupportedImage, codec.name, cfg.Width, cfg.Height, MaxImagePixels)
	}
	img, err := codec.decode(io.MultiReader(&head, br))
	if err != nil {
		return ImageInfo{}, fmt.Errorf("%w: %s data: %v", ErrUnsupportedImage, codec.name, err)
	}
	return fingerprint(codec.name, img)
}

// fingerprint computes the perceptual hashes of a decoded image.
func fingerprint(format string, img image.Image) (ImageInfo, error) {
	b := img.Bounds()
	if b.Empty() {
		return ImageInfo{}, fmt.Errorf("%w: empty %s image", ErrUnsupportedImage, format)
	}
	// goimagehash shrinks with plain bilinear sampling, which aliases on
	// large reductions (a 4000 px photo read at 64 points), so that a
	// resized copy hashes differently. Shrinking first with an
	// area-aware kernel makes the hashes depend on the picture, not on
	// its resolution.
	// The 64x64 working copy (pHash's size) also feeds the 9x8 dHash, so
	// the full-size image is resampled once.
	small := shrink(img, 64, 64)
	ph, err := goimagehash.PerceptionHash(small)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("%w: perception hash: %v", ErrUnsupportedImage, err)
	}
	dh, err := goimagehash.DifferenceHash(shrink(small, 9, 8))
	if err != nil {
		return ImageInfo{}, fmt.Errorf("%w: difference hash: %v", ErrUnsupportedImage, err)
	}
	return ImageInfo{
		Format:         format,
		Width:          b.Dx(),
		Height:         b.Dy(),
		PerceptionHash: ph.GetHash(),
		DifferenceHash: dh.GetHash(),
	}, nil
}

// shrink scales img to w x h with x/image/draw's bilinear kernel, which
// widens its support when downscaling (an area average).
func shrink(img image.Image, w, h int) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}

// Weights of the two hashes in Similarity. pHash (low DCT frequencies) is
// robust to scaling and re-compression; dHash (adjacent-pixel gradients)
// separates images with similar overall layout but different detail.
const (
	pHashWeight = 0.7
	dHashWeight = 0.3
)

// Similarity returns a score in [0,1] for how alike two probed images
// look: 1 for identical fingerprints, about 0.5 for unrelated images. It
// is 1 minus the weighted, normalised Hamming distance of the pHash and
// dHash, so resized or re-encoded copies score at least 0.9.
func Similarity(a, b ImageInfo) float64 {
	dp := float64(bits.OnesCount64(a.PerceptionHash^b.PerceptionHash)) / 64
	dd := float64(bits.OnesCount64(a.DifferenceHash^b.DifferenceHash)) / 64
	return 1 - (pHashWeight*dp + dHashWeight*dd)
}
