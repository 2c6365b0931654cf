// Package media probes the files uploaded to the mock the way the real
// service's ingest does: videos are parsed with real container parsers
// (ISO BMFF via github.com/abema/go-mp4, Matroska/WebM via a bounded EBML
// walker) and images are decoded and fingerprinted with perceptual hashes
// (github.com/corona10/goimagehash).
//
// Probing never loads the media payload: ProbeVideo reads only the headers
// it needs through an io.ReaderAt, so a multi-gigabyte upload costs a few
// kilobytes of memory. Every function returns an error on malformed input
// and never panics.
package media

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// ErrUnreadable is returned (wrapped with detail) by ProbeVideo when the
// input is not a recognisable MP4/MOV/WebM/Matroska file or its headers are
// truncated or corrupt. The mock turns it into the vendor's "unreadable
// media" failure cause.
var ErrUnreadable = errors.New("media: unreadable video")

// Container names reported in VideoInfo.Container.
const (
	ContainerMP4      = "mp4"      // ISO BMFF: .mp4, .m4v, .mov, .3gp
	ContainerWebM     = "webm"     // EBML DocType "webm"
	ContainerMatroska = "matroska" // EBML DocType "matroska" (.mkv)
)

// Normalised codec names reported in VideoInfo. Codecs without a name here
// are reported as their raw fourcc (MP4) or CodecID (Matroska).
const (
	CodecH264  = "h264"
	CodecH265  = "h265"
	CodecHEVC  = "hevc" // accepted by Supported as an alias of CodecH265
	CodecVP8   = "vp8"
	CodecVP9   = "vp9"
	CodecAV1   = "av1"
	CodecMPEG4 = "mpeg4" // MPEG-4 Part 2 (mp4v, XviD, DivX)
)

// VideoInfo is what ProbeVideo learns from a container's headers.
type VideoInfo struct {
	Container     string  // ContainerMP4, ContainerWebM or ContainerMatroska
	Duration      float64 // seconds; 0 when the container does not say
	Width, Height int     // display size of the first video track: coded size, swapped when Rotation is 90 or 270
	Rotation      int     // clockwise degrees of the track header's display matrix (MP4/MOV; 0 otherwise)
	FPS           float64 // average frames per second; 0 when unknown
	VideoCodec    string  // normalised (see the Codec constants); "" when there is no video track
	AudioCodec    string  // normalised ("aac", "opus", ...); "" when there is no audio track
	HasAudio      bool
}

// supportedVideoCodecs is the vendor's list: the upload documentation and
// the OpenAPI description both say "codecs h264/h265/vp9/hevc".
func supportedVideoCodecs() []string {
	return []string{CodecH264, CodecH265, CodecHEVC, CodecVP9}
}

// Supported reports whether the real service would accept the video for
// parsing. When it would not, cause is a human sentence suitable for the
// `cause` field of a FAILED video.
func (v VideoInfo) Supported() (ok bool, cause string) {
	supported := supportedVideoCodecs()
	list := strings.Join(supported, ", ")
	if v.VideoCodec == "" {
		return false, fmt.Sprintf("no video track found (supported: %s)", list)
	}
	for _, c := range supported {
		if v.VideoCodec == c {
			return true, ""
		}
	}
	return false, fmt.Sprintf("unsupported video codec %s (supported: %s)", v.VideoCodec, list)
}

// maxVideoElements bounds how many container elements (boxes or EBML
// elements) one probe may visit, so a crafted file made of millions of tiny
// boxes costs a bounded amount of time.
const maxVideoElements = 1 << 20

// ProbeVideo identifies the container of the size bytes readable from r and
// reads the duration, picture size, frame rate and codecs from its headers.
// Only header boxes/elements are read; sample data is skipped by offset.
// Errors wrap ErrUnreadable.
func ProbeVideo(r io.ReaderAt, size int64) (VideoInfo, error) {
	if r == nil || size <= 0 {
		return VideoInfo{}, unreadable("empty input")
	}
	var head [12]byte
	n, err := r.ReadAt(head[:], 0)
	if n < len(head) && err != nil && !errors.Is(err, io.EOF) {
		return VideoInfo{}, unreadable("reading header: %v", err)
	}
	if int64(n) > size {
		n = int(size)
	}
	switch {
	case n >= 4 && head[0] == 0x1A && head[1] == 0x45 && head[2] == 0xDF && head[3] == 0xA3:
		return probeMatroska(r, size)
	case n >= 8 && looksLikeISOBMFF(head[:n]):
		return probeMP4(r, size)
	default:
		return VideoInfo{}, unreadable("not an MP4/MOV, WebM or Matroska file")
	}
}

// windowReader serves small reads that fall inside a window (the header
// box or element being parsed) from one cached block, so decoding a moov
// costs a handful of reads instead of one per field, while reads outside
// the window (box headers next to media data) go straight through and
// prefetching never strays into the media.
type windowReader struct {
	r      io.ReaderAt
	lo, hi int64
	block  [4096]byte
	bOff   int64
	bLen   int
}

// setWindow sets the range reads may be cached from; lo == hi disables it.
func (w *windowReader) setWindow(lo, hi int64) { w.lo, w.hi, w.bLen = lo, hi, 0 }

// ReadAt implements io.ReaderAt.
func (w *windowReader) ReadAt(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	if off < w.lo || end > w.hi || len(p) > len(w.block) {
		return w.r.ReadAt(p, off)
	}
	if off < w.bOff || end > w.bOff+int64(w.bLen) {
		n := int(min(int64(len(w.block)), w.hi-off))
		m, err := w.r.ReadAt(w.block[:n], off)
		w.bOff, w.bLen = off, m
		if m < len(p) {
			w.bLen = 0
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return copy(p, w.block[:m]), err
		}
	}
	return copy(p, w.block[off-w.bOff:]), nil
}

// roundFPS rounds a computed frame rate to millihertz: timescale arithmetic
// gives 30.0000003 for a 33333333 ns frame duration, and people (and the
// vendor's metadata) say 30, 29.97 or 23.976.
func roundFPS(f float64) float64 {
	if !(f > 0) || math.IsInf(f, 0) {
		return 0
	}
	return math.Round(f*1000) / 1000
}

// unreadable wraps ErrUnreadable with a formatted detail.
func unreadable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnreadable, fmt.Sprintf(format, args...))
}
