package mediatest_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"net/http"
	"testing"

	mp4 "github.com/abema/go-mp4"
	"github.com/at-wat/ebml-go"
	"golang.org/x/image/bmp"
	"golang.org/x/image/webp"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestMP4ParsesWithGoMP4 checks the generator against go-mp4's own reader,
// an oracle independent of the probe under test: every box must decode,
// and go-mp4's Probe must see the tracks, timescales and durations asked
// for.
func TestMP4ParsesWithGoMP4(t *testing.T) {
	tests := []struct {
		name       string
		opts       mediatest.MP4Options
		wantTracks int
		wantAVC    bool
		wantFrames uint32
	}{
		{name: "default avc1", opts: mediatest.MP4Options{}, wantTracks: 1, wantAVC: true, wantFrames: 150},
		{name: "avc1 with audio 60s", opts: mediatest.MP4Options{Duration: 60, Audio: true}, wantTracks: 2, wantAVC: true, wantFrames: 1800},
		{name: "moov at end", opts: mediatest.MP4Options{MoovAtEnd: true, Audio: true}, wantTracks: 2, wantAVC: true, wantFrames: 150},
		{name: "hvc1", opts: mediatest.MP4Options{Codec: "hvc1", FPS: 25, Duration: 2}, wantTracks: 1, wantFrames: 50},
		{name: "mp4v quicktime", opts: mediatest.MP4Options{Codec: "mp4v", QuickTime: true, Audio: true}, wantTracks: 2, wantFrames: 150},
		{name: "vp09 opus", opts: mediatest.MP4Options{Codec: "vp09", Audio: true, AudioCodec: "Opus"}, wantTracks: 2, wantFrames: 150},
		{name: "av01 ac-3", opts: mediatest.MP4Options{Codec: "av01", Audio: true, AudioCodec: "ac-3"}, wantTracks: 2, wantFrames: 150},
		{name: "unregistered fourcc", opts: mediatest.MP4Options{Codec: "avc3"}, wantTracks: 1, wantFrames: 150},
		{name: "fragmented", opts: mediatest.MP4Options{Fragmented: true, Audio: true, Duration: 7}, wantTracks: 2, wantAVC: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := mediatest.MP4(tt.opts)
			r := bytes.NewReader(data)
			boxes := 0
			_, err := mp4.ReadBoxStructure(r, func(h *mp4.ReadHandle) (any, error) {
				boxes++
				if h.BoxInfo.IsSupportedType() && h.BoxInfo.Type != mp4.BoxTypeMdat() {
					if _, _, err := h.ReadPayload(); err != nil {
						return nil, err
					}
					return h.Expand()
				}
				return nil, nil
			})
			if err != nil {
				t.Fatalf("go-mp4 ReadBoxStructure: %v", err)
			}
			info, err := mp4.Probe(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("go-mp4 Probe: %v", err)
			}
			if len(info.Tracks) != tt.wantTracks {
				t.Fatalf("tracks = %d, want %d", len(info.Tracks), tt.wantTracks)
			}
			video := info.Tracks[0]
			if tt.wantAVC {
				if video.Codec != mp4.CodecAVC1 || video.AVC == nil {
					t.Fatalf("video codec = %v (AVC %v), want AVC1", video.Codec, video.AVC)
				}
				if w, h := video.AVC.Width, video.AVC.Height; w != 320 || h != 240 {
					t.Errorf("AVC size = %dx%d, want 320x240", w, h)
				}
			}
			if tt.opts.Fragmented {
				if len(info.Segments) == 0 {
					t.Fatal("fragmented file has no segments")
				}
				return
			}
			if got := uint32(len(video.Samples)); got != tt.wantFrames {
				t.Errorf("video samples = %d, want %d", got, tt.wantFrames)
			}
			wantDur := tt.opts.Duration
			if wantDur == 0 {
				wantDur = 5
			}
			gotDur := float64(video.Duration) / float64(video.Timescale)
			if math.Abs(gotDur-wantDur) > 0.05 {
				t.Errorf("video duration = %.3f s, want %.3f", gotDur, wantDur)
			}
			if tt.opts.Audio && info.Tracks[1].Codec != mp4.CodecMP4A && tt.opts.AudioCodec == "" {
				t.Errorf("audio codec = %v, want MP4A", info.Tracks[1].Codec)
			}
		})
	}
}

// TestMP4Sizes holds the generator to "a few KB" for a minute of media.
func TestMP4Sizes(t *testing.T) {
	tests := []struct {
		name string
		opts mediatest.MP4Options
		max  int
	}{
		{name: "60s avc1 + aac", opts: mediatest.MP4Options{Duration: 60, Audio: true}, max: 8 << 10},
		{name: "60s 60fps", opts: mediatest.MP4Options{Duration: 60, FPS: 60}, max: 8 << 10},
		{name: "60s fragmented + aac", opts: mediatest.MP4Options{Duration: 60, Audio: true, Fragmented: true}, max: 12 << 10},
	}
	for _, tt := range tests {
		if n := len(mediatest.MP4(tt.opts)); n > tt.max {
			t.Errorf("%s: %d bytes, want <= %d", tt.name, n, tt.max)
		}
	}
}

// TestH264ParameterSets decodes the SPS written into avcC and checks that
// it describes the sample entry's size.
func TestH264ParameterSets(t *testing.T) {
	for _, size := range [][2]int{{320, 240}, {1920, 1080}, {642, 362}, {16, 16}} {
		data := mediatest.MP4(mediatest.MP4Options{Width: size[0], Height: size[1]})
		info, err := mp4.Probe(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%v: Probe: %v", size, err)
		}
		avcc, err := mp4.ExtractBoxWithPayload(bytes.NewReader(data), nil, mp4.BoxPath{
			mp4.BoxTypeMoov(), mp4.BoxTypeTrak(), mp4.BoxTypeMdia(), mp4.BoxTypeMinf(),
			mp4.BoxTypeStbl(), mp4.BoxTypeStsd(), mp4.BoxTypeAvc1(), mp4.BoxTypeAvcC(),
		})
		if err != nil || len(avcc) != 1 {
			t.Fatalf("%v: extracting avcC: %v (%d boxes)", size, err, len(avcc))
		}
		sps := avcc[0].Payload.(*mp4.AVCDecoderConfiguration).SequenceParameterSets[0].NALUnit
		w, h := decodeSPSSize(t, sps)
		if w != size[0] || h != size[1] {
			t.Errorf("SPS describes %dx%d, want %dx%d", w, h, size[0], size[1])
		}
		if a := info.Tracks[0].AVC; int(a.Width) != size[0] || int(a.Height) != size[1] {
			t.Errorf("sample entry %dx%d, want %v", a.Width, a.Height, size)
		}
	}
}

// decodeSPSSize reads pic size and cropping from a Baseline SPS as written
// by the generator (no emulation-prevention bytes expected at these sizes).
func decodeSPSSize(t *testing.T, sps []byte) (w, h int) {
	t.Helper()
	br := &bitReader{b: sps[1:]}
	br.u(8) // profile_idc
	br.u(8) // constraints
	br.u(8) // level
	br.ue() // sps id
	br.ue() // log2_max_frame_num_minus4
	if br.ue() != 2 {
		t.Fatal("unexpected pic_order_cnt_type")
	}
	br.ue() // max_num_ref_frames
	br.u(1)
	mbW, mbH := br.ue()+1, br.ue()+1
	if br.u(1) != 1 {
		t.Fatal("frame_mbs_only_flag not set")
	}
	br.u(1)
	w, h = mbW*16, mbH*16
	if br.u(1) == 1 {
		l, r, tp, b := br.ue(), br.ue(), br.ue(), br.ue()
		w -= 2 * (l + r)
		h -= 2 * (tp + b)
	}
	return w, h
}

type bitReader struct {
	b   []byte
	pos int
}

func (r *bitReader) u(n int) int {
	v := 0
	for i := 0; i < n; i++ {
		bit := int(r.b[r.pos/8]>>(7-uint(r.pos%8))) & 1
		v = v<<1 | bit
		r.pos++
	}
	return v
}

func (r *bitReader) ue() int {
	zeros := 0
	for r.u(1) == 0 {
		zeros++
	}
	return (1<<zeros - 1) + r.u(zeros)
}

// ebmlDoc mirrors the generated files for ebml-go's Unmarshal.
type ebmlDoc struct {
	Header struct {
		DocType string `ebml:"EBMLDocType"`
	} `ebml:"EBML"`
	Segment struct {
		Info struct {
			TimecodeScale uint64  `ebml:"TimecodeScale"`
			Duration      float64 `ebml:"Duration"`
		} `ebml:"Info"`
		Tracks struct {
			TrackEntry []struct {
				TrackNumber     uint64 `ebml:"TrackNumber"`
				CodecID         string `ebml:"CodecID"`
				TrackType       uint64 `ebml:"TrackType"`
				DefaultDuration uint64 `ebml:"DefaultDuration"`
				Video           struct {
					PixelWidth  uint64 `ebml:"PixelWidth"`
					PixelHeight uint64 `ebml:"PixelHeight"`
				} `ebml:"Video"`
			} `ebml:"TrackEntry"`
		} `ebml:"Tracks"`
		Cluster []struct {
			Timecode    uint64       `ebml:"Timecode"`
			SimpleBlock []ebml.Block `ebml:"SimpleBlock"`
		} `ebml:"Cluster"`
		Cues struct {
			CuePoint []struct {
				CueTime           uint64 `ebml:"CueTime"`
				CueTrackPositions []struct {
					CueClusterPosition uint64 `ebml:"CueClusterPosition"`
				} `ebml:"CueTrackPositions"`
			} `ebml:"CuePoint"`
		} `ebml:"Cues"`
	} `ebml:"Segment"`
}

// TestWebMParsesWithEBMLGo checks the generator against ebml-go's reader.
func TestWebMParsesWithEBMLGo(t *testing.T) {
	tests := []struct {
		name       string
		opts       mediatest.WebMOptions
		wantDoc    string
		wantTracks int
		wantBlocks int
	}{
		{name: "default vp9", opts: mediatest.WebMOptions{}, wantDoc: "webm", wantTracks: 1, wantBlocks: 6},
		{name: "vp8 opus 60s", opts: mediatest.WebMOptions{Codec: "V_VP8", Audio: true, Duration: 60}, wantDoc: "webm", wantTracks: 2, wantBlocks: 61 + 60},
		{name: "matroska avc", opts: mediatest.WebMOptions{Codec: "V_MPEG4/ISO/AVC", DocType: "matroska"}, wantDoc: "matroska", wantTracks: 1, wantBlocks: 6},
		{name: "headers at end", opts: mediatest.WebMOptions{HeadersAtEnd: true}, wantDoc: "webm", wantTracks: 1, wantBlocks: 6},
		{name: "live", opts: mediatest.WebMOptions{Live: true, Audio: true, Duration: 3}, wantDoc: "webm", wantTracks: 2, wantBlocks: 90 + 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := mediatest.WebM(tt.opts)
			var doc ebmlDoc
			if err := ebml.Unmarshal(bytes.NewReader(data), &doc); err != nil {
				t.Fatalf("ebml-go Unmarshal: %v", err)
			}
			if doc.Header.DocType != tt.wantDoc {
				t.Errorf("DocType = %q, want %q", doc.Header.DocType, tt.wantDoc)
			}
			if n := len(doc.Segment.Tracks.TrackEntry); n != tt.wantTracks {
				t.Fatalf("tracks = %d, want %d", n, tt.wantTracks)
			}
			v := doc.Segment.Tracks.TrackEntry[0]
			if v.TrackType != 1 || v.Video.PixelWidth != 320 || v.Video.PixelHeight != 240 {
				t.Errorf("video track = %+v", v)
			}
			blocks := 0
			for _, c := range doc.Segment.Cluster {
				blocks += len(c.SimpleBlock)
			}
			if blocks != tt.wantBlocks {
				t.Errorf("blocks = %d, want %d", blocks, tt.wantBlocks)
			}
			if tt.opts.Live {
				if doc.Segment.Info.Duration != 0 || v.DefaultDuration != 0 || len(doc.Segment.Cues.CuePoint) != 0 {
					t.Errorf("live file has Duration %v, DefaultDuration %v, %d cues",
						doc.Segment.Info.Duration, v.DefaultDuration, len(doc.Segment.Cues.CuePoint))
				}
				return
			}
			want := tt.opts.Duration
			if want == 0 {
				want = 5
			}
			if got := doc.Segment.Info.Duration * float64(doc.Segment.Info.TimecodeScale) / 1e9; got != want {
				t.Errorf("duration = %v s, want %v", got, want)
			}
			if len(doc.Segment.Cues.CuePoint) != len(doc.Segment.Cluster) {
				t.Errorf("%d cues for %d clusters", len(doc.Segment.Cues.CuePoint), len(doc.Segment.Cluster))
			}
		})
	}
}

// TestWebMCuesPointAtClusters checks the Cues' segment-relative positions.
func TestWebMCuesPointAtClusters(t *testing.T) {
	for _, opts := range []mediatest.WebMOptions{{Duration: 20}, {Duration: 20, HeadersAtEnd: true, Audio: true}} {
		data := mediatest.WebM(opts)
		var doc ebmlDoc
		if err := ebml.Unmarshal(bytes.NewReader(data), &doc); err != nil {
			t.Fatal(err)
		}
		segData := bytes.Index(data, []byte{0x18, 0x53, 0x80, 0x67}) + 4 + 8
		for _, cp := range doc.Segment.Cues.CuePoint {
			pos := segData + int(cp.CueTrackPositions[0].CueClusterPosition)
			if !bytes.HasPrefix(data[pos:], []byte{0x1F, 0x43, 0xB6, 0x75}) {
				t.Errorf("%+v: cue at %d does not point at a Cluster", opts, pos)
			}
		}
	}
}

func TestWebMSizes(t *testing.T) {
	tests := []struct {
		name string
		opts mediatest.WebMOptions
		max  int
	}{
		{name: "60s vp9 + opus", opts: mediatest.WebMOptions{Duration: 60, Audio: true}, max: 4 << 10},
		{name: "60s live vp9 + opus", opts: mediatest.WebMOptions{Duration: 60, Audio: true, Live: true}, max: 24 << 10},
	}
	for _, tt := range tests {
		if n := len(mediatest.WebM(tt.opts)); n > tt.max {
			t.Errorf("%s: %d bytes, want <= %d", tt.name, n, tt.max)
		}
	}
}

// TestImagesDecode decodes every generated format with the standard
// decoders; lossless formats must reproduce the pattern exactly.
func TestImagesDecode(t *testing.T) {
	const w, h = 96, 64
	want := mediatest.Pattern(w, h, 7)
	tests := []struct {
		name     string
		data     []byte
		decode   func(io.Reader) (image.Image, error)
		lossless bool
	}{
		{name: "png", data: mediatest.PNG(w, h, 7), decode: png.Decode, lossless: true},
		{name: "jpeg", data: mediatest.JPEG(w, h, 7), decode: jpeg.Decode},
		{name: "gif", data: mediatest.GIF(w, h, 7), decode: gif.Decode},
		{name: "webp", data: mediatest.WebP(w, h, 7), decode: webp.Decode, lossless: true},
		{name: "bmp", data: mediatest.BMP(w, h, 7), decode: bmp.Decode, lossless: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := tt.decode(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Fatalf("size = %v, want %dx%d", b, w, h)
			}
			if !tt.lossless {
				return
			}
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					got := color.NRGBAModel.Convert(img.At(x, y))
					if got != want.At(x, y) {
						t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, want.At(x, y))
					}
				}
			}
		})
	}
}

// TestEncodeWebPAlpha covers the translucent path of the WebP encoder.
func TestEncodeWebPAlpha(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	for i := range src.Pix {
		src.Pix[i] = byte(i * 37)
	}
	img, err := webp.Decode(bytes.NewReader(mediatest.EncodeWebP(src)))
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 3; y++ {
		for x := 0; x < 5; x++ {
			if got := color.NRGBAModel.Convert(img.At(x, y)); got != src.At(x, y) {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, src.At(x, y))
			}
		}
	}
}

func TestPatternDeterministicAndDistinct(t *testing.T) {
	a, b, c := mediatest.Pattern(64, 64, 1), mediatest.Pattern(64, 64, 1), mediatest.Pattern(64, 64, 2)
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Error("same seed gave different pictures")
	}
	if bytes.Equal(a.Pix, c.Pix) {
		t.Error("different seeds gave the same picture")
	}
	if r := mediatest.Resize(a, 17, 9).Bounds(); r.Dx() != 17 || r.Dy() != 9 {
		t.Errorf("Resize bounds = %v", r)
	}
}

func TestCorruptIsNoKnownFormat(t *testing.T) {
	data := mediatest.Corrupt()
	if ct := http.DetectContentType(data); ct != "application/octet-stream" {
		t.Errorf("content type = %q", ct)
	}
	if !bytes.Equal(data, mediatest.Corrupt()) {
		t.Error("Corrupt is not deterministic")
	}
}

// TestSparseFile checks the io.ReaderAt contract across the three parts.
func TestSparseFile(t *testing.T) {
	f := mediatest.LargeMP4(mediatest.MP4Options{MoovAtEnd: true, Audio: true}, 1<<20)
	size := f.Size()
	if size < 1<<20 {
		t.Fatalf("size = %d", size)
	}
	whole := make([]byte, size)
	if n, err := f.ReadAt(whole, 0); n != int(size) || err != nil {
		t.Fatalf("ReadAt whole = %d, %v", n, err)
	}
	// Reading in odd-sized pieces must give the same bytes.
	for off := int64(0); off < size; off += 4093 {
		buf := make([]byte, 4093)
		n, err := f.ReadAt(buf, off)
		if off+int64(n) < size && err != nil {
			t.Fatalf("ReadAt(%d) = %d, %v", off, n, err)
		}
		if !bytes.Equal(buf[:n], whole[off:off+int64(n)]) {
			t.Fatalf("ReadAt(%d) mismatch", off)
		}
	}
	if n, err := f.ReadAt(make([]byte, 8), size-4); n != 4 || !errors.Is(err, io.EOF) {
		t.Errorf("ReadAt past end = %d, %v; want 4, EOF", n, err)
	}
	if _, err := mp4.Probe(io.NewSectionReader(f, 0, size)); err != nil {
		t.Errorf("go-mp4 Probe of LargeMP4: %v", err)
	}
}
