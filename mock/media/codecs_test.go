package media

import "testing"

func TestCodecNames(t *testing.T) {
	bih := func(fourcc string) []byte { // BITMAPINFOHEADER with biCompression set
		b := make([]byte, 40)
		copy(b[16:], fourcc)
		return b
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "mp4 avc1", got: mp4VideoCodec("avc1", 0), want: "h264"},
		{name: "mp4 dolby vision hevc", got: mp4VideoCodec("dvh1", 0), want: "h265"},
		{name: "mp4 mp4v mpeg-2 oti", got: mp4VideoCodec("mp4v", 0x61), want: "mpeg2video"},
		{name: "mp4 mp4v mpeg-4 oti", got: mp4VideoCodec("mp4v", 0x20), want: "mpeg4"},
		{name: "mov prores", got: mp4VideoCodec("apch", 0), want: "prores"},
		{name: "mp4 raw fourcc", got: mp4VideoCodec("zzzz", 0), want: "zzzz"},
		{name: "mp4a aac", got: mp4AudioCodec("mp4a", 0x40), want: "aac"},
		{name: "mp4a mp3", got: mp4AudioCodec("mp4a", 0x6B), want: "mp3"},
		{name: "mp4 lpcm", got: mp4AudioCodec("sowt", 0), want: "pcm"},
		{name: "mkv vfw xvid", got: matroskaVideoCodec("V_MS/VFW/FOURCC", bih("XVID")), want: "mpeg4"},
		{name: "mkv vfw h264", got: matroskaVideoCodec("V_MS/VFW/FOURCC", bih("H264")), want: "h264"},
		{name: "mkv vfw binary fourcc", got: matroskaVideoCodec("V_MS/VFW/FOURCC", bih("\x00\x01ab")), want: "0x00016162"},
		{name: "mkv vfw without private", got: matroskaVideoCodec("V_MS/VFW/FOURCC", nil), want: "V_MS/VFW/FOURCC"},
		{name: "mkv aac profile", got: matroskaAudioCodec("A_AAC/MPEG4/LC"), want: "aac"},
		{name: "mkv pcm", got: matroskaAudioCodec("A_PCM/INT/LIT"), want: "pcm"},
		{name: "mkv unknown audio", got: matroskaAudioCodec("A_REAL/COOK"), want: "A_REAL/COOK"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestRoundFPS(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{in: 1e9 / 33333333, want: 30},
		{in: 30000.0 / 1001, want: 29.97},
		{in: 24000.0 / 1001, want: 23.976},
		{in: -1, want: 0},
	}
	for _, tt := range tests {
		if got := roundFPS(tt.in); got != tt.want {
			t.Errorf("roundFPS(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
