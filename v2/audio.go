package v2

import (
	"encoding/binary"
	"io"
)

// probeAudio reads the duration of an audio container the video prober
// does not know. WAV is parsed from its RIFF header (byte rate and data
// size); other formats report false.
func probeAudio(r io.ReaderAt, size int64, ext string) (float64, bool) {
	var hdr [12]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return 0, false
	}
	if string(hdr[:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return 0, false
	}
	var byteRate uint32
	off := int64(12)
	for i := 0; i < 64 && off+8 <= size; i++ {
		var ch [8]byte
		if _, err := r.ReadAt(ch[:], off); err != nil {
			return 0, false
		}
		id, n := string(ch[:4]), int64(binary.LittleEndian.Uint32(ch[4:]))
		switch id {
		case "fmt ":
			var f [16]byte
			if n < 16 {
				return 0, false
			}
			if _, err := r.ReadAt(f[:], off+8); err != nil {
				return 0, false
			}
			byteRate = binary.LittleEndian.Uint32(f[8:12])
		case "data":
			if byteRate == 0 {
				return 0, false
			}
			if off+8+n > size {
				n = size - off - 8
			}
			return float64(n) / float64(byteRate), true
		}
		off += 8 + n + n%2
	}
	return 0, false
}
