package v2

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
)

// probeAudio reads the duration of an audio container the video prober
// does not know: WAV (RIFF byte rate and data size), MP3 (Xing/Info or
// VBRI frame counts, else a constant-bitrate estimate), FLAC (STREAMINFO),
// Ogg Vorbis and Opus (identification header and the granule position of
// the last page) and ADTS AAC (frame headers). The format is read from the
// bytes, not from the extension, because clients misname files. Anything
// else, or a file too damaged to give a positive duration, reports false.
func probeAudio(r io.ReaderAt, size int64, _ string) (float64, bool) {
	if r == nil || size <= 0 {
		return 0, false
	}
	var head [12]byte
	n, _ := r.ReadAt(head[:], 0)
	h := head[:n]
	var d float64
	var ok bool
	switch {
	case n >= 12 && string(h[:4]) == "RIFF" && string(h[8:12]) == "WAVE":
		d, ok = probeWAV(r, size)
	case bytes.HasPrefix(h, []byte("fLaC")):
		d, ok = probeFLAC(r, size)
	case bytes.HasPrefix(h, []byte("OggS")):
		d, ok = probeOgg(r, size)
	default:
		start := id3v2Size(r, size)
		var b [2]byte
		if _, err := r.ReadAt(b[:], start); err != nil {
			return 0, false
		}
		// ADTS and MPEG audio share the 0xFFF sync; the layer bits tell
		// them apart (00 is ADTS, reserved for MPEG audio).
		if b[0] == 0xFF && b[1]&0xF6 == 0xF0 {
			d, ok = probeADTS(r, size, start)
		} else {
			d, ok = probeMP3(r, size, start)
		}
	}
	if !ok || !(d > 0) || d > 7*24*3600 {
		return 0, false
	}
	return d, true
}

func probeWAV(r io.ReaderAt, size int64) (float64, bool) {
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

// id3v2Size is the length of the ID3v2 tags at the start of the file (0
// when there are none). Tags may repeat (some taggers prepend a new one).
func id3v2Size(r io.ReaderAt, size int64) int64 {
	var off int64
	for i := 0; i < 4; i++ {
		var h [10]byte
		if _, err := r.ReadAt(h[:], off); err != nil || string(h[:3]) != "ID3" {
			return off
		}
		// The size is "syncsafe": 4 bytes of 7 bits each.
		if h[6]|h[7]|h[8]|h[9] >= 0x80 {
			return off
		}
		n := int64(h[6])<<21 | int64(h[7])<<14 | int64(h[8])<<7 | int64(h[9])
		n += 10
		if h[5]&0x10 != 0 { // footer present
			n += 10
		}
		if off+n >= size {
			return off
		}
		off += n
	}
	return off
}

// mpegFrame is a decoded MPEG audio frame header.
type mpegFrame struct {
	version    int // 1, 2 or 25 (MPEG 2.5)
	layer      int // 1, 2 or 3
	bitrate    int // bits per second
	sampleRate int
	padding    int
	mono       bool
}

var (
	mpegBitrates = map[[2]int][16]int{
		{1, 1}: {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, -1},
		{1, 2}: {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, -1},
		{1, 3}: {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, -1},
		{2, 1}: {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, -1},
		{2, 2}: {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1},
		{2, 3}: {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, -1},
	}
	mpegRates = map[int][3]int{1: {44100, 48000, 32000}, 2: {22050, 24000, 16000}, 25: {11025, 12000, 8000}}
)

// parseMPEGHeader decodes a 4-byte frame header (false when invalid or
// "free format", whose frame length cannot be known from the header).
func parseMPEGHeader(b []byte) (mpegFrame, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return mpegFrame{}, false
	}
	var f mpegFrame
	switch (b[1] >> 3) & 3 {
	case 0:
		f.version = 25
	case 2:
		f.version = 2
	case 3:
		f.version = 1
	default:
		return mpegFrame{}, false
	}
	switch (b[1] >> 1) & 3 {
	case 1:
		f.layer = 3
	case 2:
		f.layer = 2
	case 3:
		f.layer = 1
	default:
		return mpegFrame{}, false
	}
	tv := f.version
	if tv == 25 {
		tv = 2
	}
	br := mpegBitrates[[2]int{tv, f.layer}][b[2]>>4]
	sr := (b[2] >> 2) & 3
	if br <= 0 || sr == 3 {
		return mpegFrame{}, false
	}
	f.bitrate = br * 1000
	f.sampleRate = mpegRates[f.version][sr]
	f.padding = int(b[2]>>1) & 1
	f.mono = b[3]>>6 == 3
	return f, true
}

// samples is the number of PCM samples per frame.
func (f mpegFrame) samples() int {
	switch {
	case f.layer == 1:
		return 384
	case f.layer == 3 && f.version != 1:
		return 576
	}
	return 1152
}

// length is the frame length in bytes, header included.
func (f mpegFrame) length() int {
	if f.layer == 1 {
		return (12*f.bitrate/f.sampleRate + f.padding) * 4
	}
	return f.samples()/8*f.bitrate/f.sampleRate + f.padding
}

// probeMP3 finds the first frame after the ID3v2 tags (two consecutive
// frame headers, so a stray 0xFF in garbage is not taken for one), then
// reads the Xing/Info or VBRI header a VBR encoder writes into that
// frame; without one the stream is taken as constant bitrate.
func probeMP3(r io.ReaderAt, size, start int64) (float64, bool) {
	const scan = 64 << 10
	buf := make([]byte, min(scan+4, size-start))
	n, _ := r.ReadAt(buf, start)
	buf = buf[:n]
	for i := 0; i+4 <= len(buf); i++ {
		f, ok := parseMPEGHeader(buf[i:])
		if !ok {
			continue
		}
		pos := start + int64(i)
		next := pos + int64(f.length())
		if next+4 <= size {
			var nb [4]byte
			if _, err := r.ReadAt(nb[:], next); err != nil {
				continue
			}
			if _, ok := parseMPEGHeader(nb[:]); !ok {
				continue
			}
		}
		return mp3Duration(r, size, pos, f)
	}
	return 0, false
}

func mp3Duration(r io.ReaderAt, size, pos int64, f mpegFrame) (float64, bool) {
	frame := make([]byte, min(int64(f.length()), size-pos))
	n, _ := r.ReadAt(frame, pos)
	frame = frame[:n]
	spf := float64(f.samples())
	// Xing/Info sits after the side information, whose size depends on
	// the version and the channel count.
	side := 32
	switch {
	case f.version == 1 && f.mono:
		side = 17
	case f.version != 1 && !f.mono:
		side = 17
	case f.version != 1:
		side = 9
	}
	if x := 4 + side; x+12 <= len(frame) {
		tag := string(frame[x : x+4])
		flags := binary.BigEndian.Uint32(frame[x+4 : x+8])
		if (tag == "Xing" || tag == "Info") && flags&1 != 0 {
			frames := binary.BigEndian.Uint32(frame[x+8 : x+12])
			if frames > 0 {
				return float64(frames) * spf / float64(f.sampleRate), true
			}
		}
	}
	// VBRI (Fraunhofer) is always 32 bytes after the header.
	if v := 36; v+18 <= len(frame) && string(frame[v:v+4]) == "VBRI" {
		frames := binary.BigEndian.Uint32(frame[v+14 : v+18])
		if frames > 0 {
			return float64(frames) * spf / float64(f.sampleRate), true
		}
	}
	audio := size - pos
	var tag [3]byte
	if size-pos > 128 {
		if _, err := r.ReadAt(tag[:], size-128); err == nil && string(tag[:]) == "TAG" {
			audio -= 128 // ID3v1 trailer
		}
	}
	return float64(audio) * 8 / float64(f.bitrate), true
}

// probeFLAC reads STREAMINFO, the mandatory first metadata block: a 20-bit
// sample rate and a 36-bit total sample count.
func probeFLAC(r io.ReaderAt, size int64) (float64, bool) {
	var b [4 + 4 + 34]byte
	if size < int64(len(b)) {
		return 0, false
	}
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return 0, false
	}
	if b[4]&0x7F != 0 { // block type 0 is STREAMINFO
		return 0, false
	}
	si := b[8:]
	rate := uint32(si[10])<<12 | uint32(si[11])<<4 | uint32(si[12])>>4
	total := uint64(si[13]&0x0F)<<32 | uint64(binary.BigEndian.Uint32(si[14:18]))
	if rate == 0 || total == 0 {
		return 0, false
	}
	return float64(total) / float64(rate), true
}

// probeOgg reads the codec identification packet of the first page
// (Vorbis: sample rate; Opus: pre-skip, granules at 48 kHz), then the
// granule position of the stream's last page, which counts the samples.
func probeOgg(r io.ReaderAt, size int64) (float64, bool) {
	var hdr [27 + 255]byte
	n, _ := r.ReadAt(hdr[:], 0)
	if n < 28 {
		return 0, false
	}
	serial := binary.LittleEndian.Uint32(hdr[14:18])
	off := int64(27) + int64(hdr[26])
	var pkt [20]byte
	if _, err := r.ReadAt(pkt[:], off); err != nil {
		return 0, false
	}
	var rate float64
	var preSkip uint64
	switch {
	case string(pkt[:7]) == "\x01vorbis":
		rate = float64(binary.LittleEndian.Uint32(pkt[12:16]))
	case string(pkt[:8]) == "OpusHead":
		rate = 48000
		preSkip = uint64(binary.LittleEndian.Uint16(pkt[10:12]))
	default:
		return 0, false
	}
	if rate <= 0 {
		return 0, false
	}
	g, ok := lastGranule(r, size, serial)
	if !ok || g <= preSkip {
		return 0, false
	}
	return float64(g-preSkip) / rate, true
}

// lastGranule scans the tail of the file backwards for the last page of
// the stream with a valid granule position.
func lastGranule(r io.ReaderAt, size int64, serial uint32) (uint64, bool) {
	const tail = 256 << 10
	from := max(0, size-tail)
	buf := make([]byte, size-from)
	n, _ := r.ReadAt(buf, from)
	buf = buf[:n]
	for i := bytes.LastIndex(buf, []byte("OggS")); i >= 0; i = bytes.LastIndex(buf[:i], []byte("OggS")) {
		if i+27 > len(buf) {
			continue
		}
		p := buf[i:]
		g := binary.LittleEndian.Uint64(p[6:14])
		if binary.LittleEndian.Uint32(p[14:18]) == serial && g != ^uint64(0) {
			return g, true
		}
	}
	return 0, false
}

var adtsRates = [...]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// probeADTS walks the ADTS frame headers (1024 samples per raw block).
// Past maxFrames the rest is estimated from the average frame size, so a
// long file costs a bounded read.
func probeADTS(r io.ReaderAt, size, start int64) (float64, bool) {
	const maxFrames = 50000
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, size-start), 64<<10)
	var samples, frames, bytesRead int64
	rate := 0
	var h [7]byte
	for frames < maxFrames {
		if _, err := io.ReadFull(br, h[:]); err != nil {
			break
		}
		if h[0] != 0xFF || h[1]&0xF6 != 0xF0 {
			break
		}
		sr := int(h[2]>>2) & 0x0F
		if sr >= len(adtsRates) {
			break
		}
		if rate == 0 {
			rate = adtsRates[sr]
		}
		length := int64(h[3]&3)<<11 | int64(h[4])<<3 | int64(h[5])>>5
		if length < 7 {
			break
		}
		blocks := int64(h[6]&3) + 1
		if _, err := br.Discard(int(length - 7)); err != nil {
			break
		}
		samples += 1024 * blocks
		bytesRead += length
		frames++
	}
	if frames == 0 || rate == 0 {
		return 0, false
	}
	if rest := size - start - bytesRead; frames == maxFrames && rest > 0 {
		samples += int64(float64(rest) / float64(bytesRead) * float64(samples))
	}
	return float64(samples) / float64(rate), true
}
