package v2

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// Tiny audio fixtures, generated: real container headers over silent or
// zero payloads, enough for the duration prober (no decoder reads them).

// id3v2 is an ID3v2.3 tag of n bytes of padding.
func id3v2(n int) []byte {
	b := []byte{'I', 'D', '3', 3, 0, 0, byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
	return append(b, make([]byte, n)...)
}

// mp3Opts describes a generated MPEG audio stream.
type mp3Opts struct {
	header [4]byte // first frame header (padding bit clear)
	frames int
	id3    int    // ID3v2 padding bytes; 0 for none
	vbr    string // "Xing", "Info", "VBRI" or "" (plain CBR)
	id3v1  bool   // append a 128-byte ID3v1 trailer
}

var (
	mpeg1L3Stereo128 = [4]byte{0xFF, 0xFB, 0x90, 0x00} // 44.1 kHz, 417-byte frames
	mpeg1L3Mono64    = [4]byte{0xFF, 0xFB, 0x50, 0xC0} // 44.1 kHz, 208-byte frames
	mpeg2L3Stereo64  = [4]byte{0xFF, 0xF3, 0x80, 0x00} // 22.05 kHz, 208-byte frames
)

func mp3Bytes(o mp3Opts) []byte {
	var b bytes.Buffer
	if o.id3 > 0 {
		b.Write(id3v2(o.id3))
	}
	f, _ := parseMPEGHeader(o.header[:])
	n := f.length()
	for i := 0; i < o.frames; i++ {
		frame := make([]byte, n)
		copy(frame, o.header[:])
		if i == 0 && o.vbr != "" {
			switch o.vbr {
			case "VBRI":
				copy(frame[36:], "VBRI")
				binary.BigEndian.PutUint32(frame[36+14:], uint32(o.frames))
			default:
				side := 32
				if f.mono {
					side = 17
				}
				if f.version != 1 {
					side = 17
					if f.mono {
						side = 9
					}
				}
				copy(frame[4+side:], o.vbr)
				binary.BigEndian.PutUint32(frame[4+side+4:], 0x0F)
				binary.BigEndian.PutUint32(frame[4+side+8:], uint32(o.frames))
			}
		}
		b.Write(frame)
	}
	if o.id3v1 {
		t := make([]byte, 128)
		copy(t, "TAG")
		b.Write(t)
	}
	return b.Bytes()
}

// mp3Seconds is a CBR MPEG-1 Layer III stream of about secs seconds with
// an ID3v2 tag and a Xing header (what LAME writes).
func mp3Seconds(secs float64) []byte {
	return mp3Bytes(mp3Opts{header: mpeg1L3Stereo128, frames: int(secs * 44100 / 1152), id3: 512, vbr: "Info"})
}

// flacBytes is a FLAC stream of STREAMINFO only (no frames).
func flacBytes(rate, channels, bps int, total uint64, last bool) []byte {
	b := []byte("fLaC")
	hdr := byte(0)
	if last {
		hdr = 0x80
	}
	b = append(b, hdr, 0, 0, 34)
	si := make([]byte, 34)
	binary.BigEndian.PutUint16(si[0:], 4096)
	binary.BigEndian.PutUint16(si[2:], 4096)
	si[10] = byte(rate >> 12)
	si[11] = byte(rate >> 4)
	si[12] = byte(rate&0x0F)<<4 | byte(channels-1)<<1 | byte((bps-1)>>4)
	si[13] = byte((bps-1)&0x0F)<<4 | byte(total>>32&0x0F)
	binary.BigEndian.PutUint32(si[14:], uint32(total))
	b = append(b, si...)
	// A padding block and some frame bytes after the metadata.
	return append(b, 0xFF, 0xF8, 0x69, 0x08, 0, 0, 0, 0)
}

// oggPage is one Ogg page carrying data in a single segment run.
func oggPage(typ byte, granule uint64, serial, seq uint32, data []byte) []byte {
	var segs []byte
	rest := len(data)
	for rest >= 255 {
		segs = append(segs, 255)
		rest -= 255
	}
	segs = append(segs, byte(rest))
	p := []byte("OggS")
	p = append(p, 0, typ)
	p = binary.LittleEndian.AppendUint64(p, granule)
	p = binary.LittleEndian.AppendUint32(p, serial)
	p = binary.LittleEndian.AppendUint32(p, seq)
	p = binary.LittleEndian.AppendUint32(p, 0) // CRC: not checked by the prober
	p = append(p, byte(len(segs)))
	p = append(p, segs...)
	return append(p, data...)
}

// oggBytes is an Ogg Vorbis ("vorbis") or Opus ("opus") stream whose last
// page has the given granule position.
func oggBytes(codec string, rate uint32, preSkip uint16, lastGranule uint64) []byte {
	var ident []byte
	if codec == "opus" {
		ident = append([]byte("OpusHead"), 1, 2)
		ident = binary.LittleEndian.AppendUint16(ident, preSkip)
		ident = binary.LittleEndian.AppendUint32(ident, rate)
		ident = append(ident, 0, 0, 0)
	} else {
		ident = append([]byte("\x01vorbis"), 0, 0, 0, 0, 2)
		ident = binary.LittleEndian.AppendUint32(ident, rate)
		ident = append(ident, make([]byte, 12)...)
		ident = append(ident, 0xB8, 1)
	}
	const serial = 0x1234
	var b []byte
	b = append(b, oggPage(0x02, 0, serial, 0, ident)...)
	b = append(b, oggPage(0x00, 0, serial, 1, make([]byte, 300))...)
	b = append(b, oggPage(0x00, lastGranule/2, serial, 2, make([]byte, 600))...)
	b = append(b, oggPage(0x00, ^uint64(0), serial, 3, make([]byte, 100))...) // no packet ends here
	return append(b, oggPage(0x04, lastGranule, serial, 4, make([]byte, 200))...)
}

// adtsBytes is an AAC-LC ADTS stream of n frames of frameLen bytes at
// the sample rate of index rateIdx.
func adtsBytes(n, frameLen, rateIdx int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		h := []byte{0xFF, 0xF1, 0x40 | byte(rateIdx)<<2, 0x80 | byte(frameLen>>11&3), byte(frameLen >> 3), byte(frameLen&7)<<5 | 0x1F, 0xFC}
		b.Write(h)
		b.Write(make([]byte, frameLen-7))
	}
	return b.Bytes()
}

func TestProbeAudio(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		ext   string
		want  float64
		tol   float64
		wantK bool
	}{
		{name: "wav", data: wavBytes(16000, 4), ext: "wav", want: 4, tol: 1e-9, wantK: true},
		{name: "mp3 cbr no tags", data: mp3Bytes(mp3Opts{header: mpeg1L3Stereo128, frames: 383}), ext: "mp3",
			want: 383 * 1152 / 44100.0, tol: 0.01, wantK: true},
		{name: "mp3 cbr id3v2 and id3v1", data: mp3Bytes(mp3Opts{header: mpeg1L3Stereo128, frames: 383, id3: 4000, id3v1: true}),
			ext: "mp3", want: 383 * 1152 / 44100.0, tol: 0.01, wantK: true},
		{name: "mp3 xing", data: mp3Bytes(mp3Opts{header: mpeg1L3Stereo128, frames: 200, vbr: "Xing", id3: 100}), ext: "mp3",
			want: 200 * 1152 / 44100.0, tol: 1e-9, wantK: true},
		{name: "mp3 info mono", data: mp3Bytes(mp3Opts{header: mpeg1L3Mono64, frames: 150, vbr: "Info"}), ext: "mp3",
			want: 150 * 1152 / 44100.0, tol: 1e-9, wantK: true},
		{name: "mp3 vbri", data: mp3Bytes(mp3Opts{header: mpeg1L3Stereo128, frames: 120, vbr: "VBRI"}), ext: "mp3",
			want: 120 * 1152 / 44100.0, tol: 1e-9, wantK: true},
		{name: "mpeg2 layer3 xing", data: mp3Bytes(mp3Opts{header: mpeg2L3Stereo64, frames: 300, vbr: "Xing"}), ext: "mp3",
			want: 300 * 576 / 22050.0, tol: 1e-9, wantK: true},
		{name: "misnamed mp3", data: mp3Bytes(mp3Opts{header: mpeg1L3Stereo128, frames: 100, vbr: "Xing"}), ext: "wav",
			want: 100 * 1152 / 44100.0, tol: 1e-9, wantK: true},
		{name: "flac", data: flacBytes(44100, 2, 16, 44100*15/2, true), ext: "flac", want: 7.5, tol: 1e-9, wantK: true},
		{name: "flac 96k 24 bit", data: flacBytes(96000, 6, 24, 96000*90, false), ext: "flac", want: 90, tol: 1e-9, wantK: true},
		{name: "ogg vorbis", data: oggBytes("vorbis", 44100, 0, 44100*13/4), ext: "ogg", want: 3.25, tol: 1e-9, wantK: true},
		{name: "ogg opus", data: oggBytes("opus", 16000, 312, 48000*5/2+312), ext: "ogg", want: 2.5, tol: 1e-9, wantK: true},
		{name: "adts aac", data: adtsBytes(431, 100, 4), ext: "aac", want: 431 * 1024 / 44100.0, tol: 1e-9, wantK: true},
		{name: "adts aac with id3", data: append(id3v2(64), adtsBytes(100, 50, 3)...), ext: "aac",
			want: 100 * 1024 / 48000.0, tol: 1e-9, wantK: true},
		{name: "flac without total", data: flacBytes(44100, 2, 16, 0, true), ext: "flac"},
		{name: "ogg of unknown codec", data: oggPage(2, 0, 1, 0, []byte("\x80theora0123456789abc")), ext: "ogg"},
		{name: "ogg without end", data: oggPage(2, 0, 1, 0, append([]byte("OpusHead"), make([]byte, 12)...)), ext: "ogg"},
		{name: "garbage", data: bytes.Repeat([]byte{0x42}, 4096), ext: "mp3"},
		{name: "sync bytes then garbage", data: append([]byte{0xFF, 0xFB, 0x90, 0x00}, bytes.Repeat([]byte{1}, 2000)...), ext: "mp3"},
		{name: "id3 only", data: id3v2(100), ext: "mp3"},
		{name: "empty", data: nil, ext: "mp3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := probeAudio(bytes.NewReader(tc.data), int64(len(tc.data)), tc.ext)
			if ok != tc.wantK {
				t.Fatalf("ok = %v (%.4f s), want %v", ok, got, tc.wantK)
			}
			if ok && math.Abs(got-tc.want) > tc.tol*math.Max(1, tc.want) {
				t.Fatalf("duration %.6f s, want %.6f s", got, tc.want)
			}
		})
	}
}

// TestProbeAudioUpload checks that uploaded audio of every parsed format
// becomes a SUCCESS asset with the probed duration.
func TestProbeAudioUpload(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	tests := []struct {
		name string
		data []byte
		want float64
	}{
		{name: "talk.mp3", data: mp3Seconds(20), want: float64(int(20*44100/1152)) * 1152 / 44100},
		{name: "talk.flac", data: flacBytes(48000, 2, 16, 48000*12, true), want: 12},
		{name: "talk.ogg", data: oggBytes("opus", 48000, 312, 48000*9+312), want: 9},
		{name: "talk.aac", data: adtsBytes(470, 120, 4), want: 470 * 1024 / 44100.0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := ts.ready("sk-probe", tc.name, tc.data)
			a, err := ts.s.assets.get(ts.p.Accounts.Resolve("sk-probe"), id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Kind != KindAudio || !a.HasAudio || math.Abs(a.Duration-tc.want) > 1e-6 {
				t.Fatalf("asset %+v, want audio of %.3f s", a, tc.want)
			}
		})
	}
}

// FuzzProbeAudio: no input panics the prober or gives a non-positive
// duration with ok.
func FuzzProbeAudio(f *testing.F) {
	for _, s := range [][]byte{mp3Seconds(1), flacBytes(44100, 2, 16, 1000, true), oggBytes("vorbis", 8000, 0, 8000),
		oggBytes("opus", 48000, 312, 48000), adtsBytes(5, 20, 4), wavBytes(8000, 1), id3v2(10)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, ok := probeAudio(bytes.NewReader(data), int64(len(data)), "mp3")
		if ok && !(d > 0) {
			t.Fatalf("ok with duration %v", d)
		}
	})
}
