package media_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/media/mediatest"
)

func probeBytes(data []byte) (media.VideoInfo, error) {
	return media.ProbeVideo(bytes.NewReader(data), int64(len(data)))
}

// want describes the expected probe of a generated file.
type want struct {
	container  string
	duration   float64
	width      int
	height     int
	fps        float64
	videoCodec string
	audioCodec string // "" means no audio
}

// check compares a probe result with w: duration within one frame, the
// frame rate within 0.01.
func (w want) check(t *testing.T, got media.VideoInfo) {
	t.Helper()
	if got.Container != w.container {
		t.Errorf("Container = %q, want %q", got.Container, w.container)
	}
	if frame := 1 / w.fps; math.Abs(got.Duration-w.duration) > frame {
		t.Errorf("Duration = %.4f, want %.4f ± %.4f", got.Duration, w.duration, frame)
	}
	if got.Width != w.width || got.Height != w.height {
		t.Errorf("size = %dx%d, want %dx%d", got.Width, got.Height, w.width, w.height)
	}
	if math.Abs(got.FPS-w.fps) > 0.01 {
		t.Errorf("FPS = %v, want %v", got.FPS, w.fps)
	}
	if got.VideoCodec != w.videoCodec {
		t.Errorf("VideoCodec = %q, want %q", got.VideoCodec, w.videoCodec)
	}
	if got.AudioCodec != w.audioCodec || got.HasAudio != (w.audioCodec != "") {
		t.Errorf("audio = %q (HasAudio %v), want %q", got.AudioCodec, got.HasAudio, w.audioCodec)
	}
}

func TestProbeVideoMP4(t *testing.T) {
	tests := []struct {
		name string
		opts mediatest.MP4Options
		want want
	}{
		{name: "defaults", opts: mediatest.MP4Options{},
			want: want{"mp4", 5, 320, 240, 30, "h264", ""}},
		{name: "avc3", opts: mediatest.MP4Options{Codec: "avc3", Duration: 2},
			want: want{"mp4", 2, 320, 240, 30, "h264", ""}},
		{name: "hvc1 1080p 23.976 with aac", opts: mediatest.MP4Options{Codec: "hvc1", Width: 1920, Height: 1080, FPS: 24000.0 / 1001, Duration: 12, Audio: true},
			want: want{"mp4", 12, 1920, 1080, 23.976, "h265", "aac"}},
		{name: "hev1", opts: mediatest.MP4Options{Codec: "hev1"},
			want: want{"mp4", 5, 320, 240, 30, "h265", ""}},
		{name: "mp4v is mpeg4", opts: mediatest.MP4Options{Codec: "mp4v", FPS: 25},
			want: want{"mp4", 5, 320, 240, 25, "mpeg4", ""}},
		{name: "vp09 with opus", opts: mediatest.MP4Options{Codec: "vp09", Audio: true, AudioCodec: "Opus", FPS: 60, Width: 1280, Height: 720},
			want: want{"mp4", 5, 1280, 720, 60, "vp9", "opus"}},
		{name: "vp08", opts: mediatest.MP4Options{Codec: "vp08"},
			want: want{"mp4", 5, 320, 240, 30, "vp8", ""}},
		{name: "av01 with ac-3", opts: mediatest.MP4Options{Codec: "av01", Audio: true, AudioCodec: "ac-3"},
			want: want{"mp4", 5, 320, 240, 30, "av1", "ac3"}},
		{name: "unknown fourcc reported raw", opts: mediatest.MP4Options{Codec: "xvid"},
			want: want{"mp4", 5, 320, 240, 30, "xvid", ""}},
		{name: "unknown audio fourcc reported raw", opts: mediatest.MP4Options{Audio: true, AudioCodec: "abcd"},
			want: want{"mp4", 5, 320, 240, 30, "h264", "abcd"}},
		{name: "60s 29.97 with aac", opts: mediatest.MP4Options{Duration: 60, FPS: 30000.0 / 1001, Audio: true},
			want: want{"mp4", 60, 320, 240, 29.97, "h264", "aac"}},
		{name: "half a second", opts: mediatest.MP4Options{Duration: 0.5},
			want: want{"mp4", 0.5, 320, 240, 30, "h264", ""}},
		{name: "moov at end", opts: mediatest.MP4Options{MoovAtEnd: true, Audio: true, Duration: 30},
			want: want{"mp4", 30, 320, 240, 30, "h264", "aac"}},
		{name: "quicktime mov", opts: mediatest.MP4Options{QuickTime: true, Audio: true, Duration: 3},
			want: want{"mp4", 3, 320, 240, 30, "h264", "aac"}},
		{name: "fragmented", opts: mediatest.MP4Options{Fragmented: true, Duration: 7},
			want: want{"mp4", 7, 320, 240, 30, "h264", ""}},
		{name: "fragmented with audio 60s", opts: mediatest.MP4Options{Fragmented: true, Audio: true, Duration: 60, FPS: 25},
			want: want{"mp4", 60, 320, 240, 25, "h264", "aac"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := probeBytes(mediatest.MP4(tt.opts))
			if err != nil {
				t.Fatalf("ProbeVideo: %v", err)
			}
			tt.want.check(t, got)
		})
	}
}

// TestProbeVideoFragmentedWithoutMehd covers fMP4 as browsers record it:
// no duration anywhere in moov, so the probe must sum the track runs.
func TestProbeVideoFragmentedWithoutMehd(t *testing.T) {
	data := mediatest.MP4(mediatest.MP4Options{Fragmented: true, Duration: 9, Audio: true})
	i := bytes.Index(data, []byte("mehd"))
	if i < 0 {
		t.Fatal("generated fMP4 has no mehd")
	}
	copy(data[i:], "free") // same size, now ignored
	got, err := probeBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	want{"mp4", 9, 320, 240, 30, "h264", "aac"}.check(t, got)
}

func TestProbeVideoMatroska(t *testing.T) {
	tests := []struct {
		name string
		opts mediatest.WebMOptions
		want want
	}{
		{name: "defaults", opts: mediatest.WebMOptions{},
			want: want{"webm", 5, 320, 240, 30, "vp9", ""}},
		{name: "vp8 vorbis", opts: mediatest.WebMOptions{Codec: "V_VP8", Audio: true, AudioCodec: "A_VORBIS"},
			want: want{"webm", 5, 320, 240, 30, "vp8", "vorbis"}},
		{name: "av1 opus 60s", opts: mediatest.WebMOptions{Codec: "V_AV1", Audio: true, Duration: 60, FPS: 60, Width: 1280, Height: 720},
			want: want{"webm", 60, 1280, 720, 60, "av1", "opus"}},
		{name: "mkv h264 aac", opts: mediatest.WebMOptions{Codec: "V_MPEG4/ISO/AVC", DocType: "matroska", Audio: true, AudioCodec: "A_AAC"},
			want: want{"matroska", 5, 320, 240, 30, "h264", "aac"}},
		{name: "mkv hevc 23.976", opts: mediatest.WebMOptions{Codec: "V_MPEGH/ISO/HEVC", DocType: "matroska", FPS: 24000.0 / 1001, Duration: 10},
			want: want{"matroska", 10, 320, 240, 23.976, "h265", ""}},
		{name: "mkv mpeg4 asp", opts: mediatest.WebMOptions{Codec: "V_MPEG4/ISO/ASP", DocType: "matroska"},
			want: want{"matroska", 5, 320, 240, 30, "mpeg4", ""}},
		{name: "unknown codec id reported raw", opts: mediatest.WebMOptions{Codec: "V_QUICKTIME", DocType: "matroska"},
			want: want{"matroska", 5, 320, 240, 30, "V_QUICKTIME", ""}},
		{name: "headers after clusters", opts: mediatest.WebMOptions{HeadersAtEnd: true, Audio: true, Duration: 20},
			want: want{"webm", 20, 320, 240, 30, "vp9", "opus"}},
		{name: "live (MediaRecorder)", opts: mediatest.WebMOptions{Live: true, Duration: 10},
			want: want{"webm", 10, 320, 240, 30, "vp9", ""}},
		{name: "live with audio 25fps", opts: mediatest.WebMOptions{Live: true, Audio: true, Duration: 20, FPS: 25},
			want: want{"webm", 20, 320, 240, 25, "vp9", "opus"}},
		{name: "live h264 in webm (Chrome)", opts: mediatest.WebMOptions{Live: true, Codec: "V_MPEG4/ISO/AVC", Duration: 4},
			want: want{"webm", 4, 320, 240, 30, "h264", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := probeBytes(mediatest.WebM(tt.opts))
			if err != nil {
				t.Fatalf("ProbeVideo: %v", err)
			}
			tt.want.check(t, got)
		})
	}
}

func TestSupported(t *testing.T) {
	tests := []struct {
		codec     string
		ok        bool
		wantCause string
	}{
		{codec: "h264", ok: true},
		{codec: "h265", ok: true},
		{codec: "hevc", ok: true},
		{codec: "vp9", ok: true},
		{codec: "mpeg4", wantCause: "unsupported video codec mpeg4 (supported: h264, h265, hevc, vp9)"},
		{codec: "vp8", wantCause: "unsupported video codec vp8 (supported: h264, h265, hevc, vp9)"},
		{codec: "av1", wantCause: "unsupported video codec av1 (supported: h264, h265, hevc, vp9)"},
		{codec: "xvid", wantCause: "unsupported video codec xvid (supported: h264, h265, hevc, vp9)"},
		{codec: "", wantCause: "no video track found (supported: h264, h265, hevc, vp9)"},
	}
	for _, tt := range tests {
		ok, cause := media.VideoInfo{VideoCodec: tt.codec}.Supported()
		if ok != tt.ok || cause != tt.wantCause {
			t.Errorf("Supported(%q) = %v, %q; want %v, %q", tt.codec, ok, cause, tt.ok, tt.wantCause)
		}
	}
}

// TestSupportedFromProbe ties the verdicts to real probes of each codec.
func TestSupportedFromProbe(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{name: "mp4 avc1", data: mediatest.MP4(mediatest.MP4Options{}), ok: true},
		{name: "mp4 hvc1", data: mediatest.MP4(mediatest.MP4Options{Codec: "hvc1"}), ok: true},
		{name: "mp4 vp09", data: mediatest.MP4(mediatest.MP4Options{Codec: "vp09"}), ok: true},
		{name: "mp4 mp4v", data: mediatest.MP4(mediatest.MP4Options{Codec: "mp4v"})},
		{name: "mp4 av01", data: mediatest.MP4(mediatest.MP4Options{Codec: "av01"})},
		{name: "webm vp9", data: mediatest.WebM(mediatest.WebMOptions{}), ok: true},
		{name: "webm vp8", data: mediatest.WebM(mediatest.WebMOptions{Codec: "V_VP8"})},
		{name: "webm av1", data: mediatest.WebM(mediatest.WebMOptions{Codec: "V_AV1"})},
		{name: "mkv hevc", data: mediatest.WebM(mediatest.WebMOptions{Codec: "V_MPEGH/ISO/HEVC", DocType: "matroska"}), ok: true},
	}
	for _, tt := range tests {
		info, err := probeBytes(tt.data)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if ok, cause := info.Supported(); ok != tt.ok || (ok == (cause != "")) {
			t.Errorf("%s: Supported() = %v, %q; want ok=%v", tt.name, ok, cause, tt.ok)
		}
	}
}

func TestProbeVideoAudioOnlyHasNoVideo(t *testing.T) {
	// An .m4a is a valid ISO file without a video track: readable, but the
	// vendor cannot index it.
	data := mediatest.MP4(mediatest.MP4Options{Audio: true})
	i := bytes.Index(data, []byte("vide"))
	copy(data[i:], "meta") // the video track becomes a timed-metadata track
	info, err := probeBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if info.VideoCodec != "" || !info.HasAudio {
		t.Fatalf("info = %+v, want audio only", info)
	}
	if ok, cause := info.Supported(); ok || !strings.Contains(cause, "no video track") {
		t.Errorf("Supported() = %v, %q", ok, cause)
	}
}

func TestProbeVideoUnreadable(t *testing.T) {
	mp4Data := mediatest.MP4(mediatest.MP4Options{})
	tests := []struct {
		name string
		data []byte
	}{
		{name: "empty", data: nil},
		{name: "corrupt", data: mediatest.Corrupt()},
		{name: "text", data: []byte("<html><body>not a video</body></html>")},
		{name: "png image", data: mediatest.PNG(16, 16, 1)},
		{name: "ftyp only", data: mp4Data[:bytes.Index(mp4Data, []byte("moov"))-4]},
		{name: "box smaller than its header", data: []byte{0, 0, 0, 4, 'f', 't', 'y', 'p', 0, 0, 0, 0}},
		{name: "child larger than parent", data: func() []byte {
			d := append([]byte{}, mp4Data...)
			i := bytes.Index(d, []byte("mvhd")) - 4
			d[i], d[i+1] = 0x7F, 0xFF
			return d
		}()},
		{name: "stts entry count beyond box", data: func() []byte {
			d := append([]byte{}, mp4Data...)
			i := bytes.Index(d, []byte("stts")) + 8
			copy(d[i:], []byte{0xFF, 0xFF, 0xFF, 0xFF})
			return d
		}()},
		{name: "ebml magic only", data: []byte{0x1A, 0x45, 0xDF, 0xA3}},
		{name: "ebml unknown doctype", data: func() []byte {
			d := mediatest.WebM(mediatest.WebMOptions{})
			i := bytes.Index(d, []byte("webm"))
			copy(d[i:], "wxyz")
			return d
		}()},
		{name: "ebml no tracks", data: func() []byte {
			d := mediatest.WebM(mediatest.WebMOptions{})
			i := bytes.Index(d, []byte{0x16, 0x54, 0xAE, 0x6B})
			d[i] = 0x1C // an unknown ID of the same length: skipped, so Tracks is missing
			return d
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := probeBytes(tt.data)
			if !errors.Is(err, media.ErrUnreadable) {
				t.Fatalf("ProbeVideo = %+v, %v; want ErrUnreadable", info, err)
			}
		})
	}
	if _, err := media.ProbeVideo(nil, 10); !errors.Is(err, media.ErrUnreadable) {
		t.Errorf("nil reader: %v", err)
	}
	// A caller that overstates the size (a short upload) gets short reads.
	for _, data := range [][]byte{mp4Data, mediatest.WebM(mediatest.WebMOptions{Live: true})} {
		if _, err := media.ProbeVideo(bytes.NewReader(data), int64(len(data))+100); !errors.Is(err, media.ErrUnreadable) {
			t.Errorf("overstated size: %v", err)
		}
	}
}

// TestProbeVideoTruncated cuts generated files at every byte. Files whose
// sizes are all declared up front (progressive MP4, sized Matroska) must be
// reported unreadable at every cut; formats that are legitimately
// cut-able (fMP4 between fragments, live WebM between elements) must
// either fail or report no more than the original duration. Nothing may
// panic.
func TestProbeVideoTruncated(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		alwaysOK bool // every cut must be detected
	}{
		{name: "mp4 fast start", data: mediatest.MP4(mediatest.MP4Options{Audio: true, Duration: 2}), alwaysOK: true},
		{name: "mp4 moov at end", data: mediatest.MP4(mediatest.MP4Options{Audio: true, Duration: 2, MoovAtEnd: true}), alwaysOK: true},
		{name: "mov", data: mediatest.MP4(mediatest.MP4Options{Audio: true, Duration: 2, QuickTime: true, Codec: "mp4v"}), alwaysOK: true},
		{name: "webm", data: mediatest.WebM(mediatest.WebMOptions{Audio: true, Duration: 2}), alwaysOK: true},
		{name: "webm headers at end", data: mediatest.WebM(mediatest.WebMOptions{Duration: 2, HeadersAtEnd: true}), alwaysOK: true},
		{name: "fmp4", data: mediatest.MP4(mediatest.MP4Options{Audio: true, Duration: 5, Fragmented: true})},
		{name: "live webm", data: mediatest.WebM(mediatest.WebMOptions{Audio: true, Duration: 2, Live: true})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, err := probeBytes(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			for cut := 0; cut < len(tt.data); cut++ {
				info, err := probeBytes(tt.data[:cut])
				switch {
				case err != nil && !errors.Is(err, media.ErrUnreadable):
					t.Fatalf("cut %d: error %v does not wrap ErrUnreadable", cut, err)
				case err == nil && tt.alwaysOK:
					t.Fatalf("cut %d of %d: truncation not detected: %+v", cut, len(tt.data), info)
				case err == nil && info.Duration > full.Duration+1e-9:
					t.Fatalf("cut %d: duration %v exceeds the full file's %v", cut, info.Duration, full.Duration)
				}
			}
		})
	}
}

// readLog is an io.ReaderAt that records every read.
type readLog struct {
	r     io.ReaderAt
	mu    sync.Mutex
	reads [][2]int64 // offset, length
	bytes int64
}

func (l *readLog) ReadAt(p []byte, off int64) (int, error) {
	l.mu.Lock()
	l.reads = append(l.reads, [2]int64{off, int64(len(p))})
	l.bytes += int64(len(p))
	l.mu.Unlock()
	return l.r.ReadAt(p, off)
}

// TestProbeVideoReadsOnlyHeaders probes gigabyte files whose media bytes
// are synthesised and checks that no read touches the media payload.
func TestProbeVideoReadsOnlyHeaders(t *testing.T) {
	const payload = 1 << 30
	tests := []struct {
		name string
		file *mediatest.SparseFile
		want want
	}{
		{name: "mp4 moov at end", file: mediatest.LargeMP4(mediatest.MP4Options{MoovAtEnd: true, Audio: true, Duration: 600}, payload),
			want: want{"mp4", 600, 320, 240, 30, "h264", "aac"}},
		{name: "mp4 fast start", file: mediatest.LargeMP4(mediatest.MP4Options{Duration: 600, Codec: "hvc1"}, payload),
			want: want{"mp4", 600, 320, 240, 30, "h265", ""}},
		{name: "webm", file: mediatest.LargeWebM(mediatest.WebMOptions{Duration: 600, Audio: true}, payload),
			want: want{"webm", 600, 320, 240, 30, "vp9", "opus"}},
		{name: "webm headers after the cluster", file: mediatest.LargeWebM(mediatest.WebMOptions{Duration: 600, HeadersAtEnd: true}, payload),
			want: want{"webm", 600, 320, 240, 30, "vp9", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &readLog{r: tt.file}
			got, err := media.ProbeVideo(log, tt.file.Size())
			if err != nil {
				t.Fatal(err)
			}
			tt.want.check(t, got)
			if log.bytes > 64<<10 || len(log.reads) > 64 {
				t.Errorf("read %d bytes in %d reads, want <= 64 KiB", log.bytes, len(log.reads))
			}
			// The synthesised region is the payload; headers may be read
			// up to a box/element header's worth into it, never beyond.
			lo, n := tt.file.Synthetic()
			hi := lo + n
			for _, rd := range log.reads {
				if rd[0] < hi && rd[0]+rd[1] > lo+16 {
					t.Errorf("read [%d, %d) touches the media payload [%d, %d)", rd[0], rd[0]+rd[1], lo, hi)
				}
			}
		})
	}
}
