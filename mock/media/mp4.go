package media

import (
	"encoding/binary"
	"io"
	"math"
	"math/bits"

	mp4 "github.com/abema/go-mp4"
)

// Bounds that keep an MP4 probe at O(KB) memory whatever the input says.
const (
	// maxHeaderBoxPayload bounds the boxes decoded whole with go-mp4 (ftyp,
	// mvhd, tkhd, mdhd, hdlr, esds, tfhd, trex, mehd). Real ones are under
	// 200 bytes; only names and brand lists vary.
	maxHeaderBoxPayload = 64 << 10
	// maxTracks bounds how many trak boxes (and fragment track ids) are kept.
	maxTracks = 64
	// visualSampleEntrySize is the fixed part of a VisualSampleEntry
	// (ISO/IEC 14496-12 §12.1.3); codec configuration boxes follow it.
	visualSampleEntrySize = 78
	// tableChunk is how many bytes of a sample table (stts, trun) are read
	// at a time; tables are summed while streaming, never held.
	tableChunk = 4096
)

// isISOTopLevel reports box types that may open an ISO BMFF / QuickTime
// file.
func isISOTopLevel(typ string) bool {
	switch typ {
	case "ftyp", "styp", "moov", "mdat", "free", "skip", "wide", "pnot",
		"uuid", "sidx", "moof", "junk", "pdin":
		return true
	}
	return false
}

// looksLikeISOBMFF reports whether head starts with a plausible top-level
// ISO BMFF box header.
func looksLikeISOBMFF(head []byte) bool {
	if len(head) < 8 {
		return false
	}
	size := binary.BigEndian.Uint32(head)
	if size != 0 && size != 1 && size < 8 {
		return false
	}
	return isISOTopLevel(string(head[4:8]))
}

// isVisualEntryType reports the sample entry types go-mp4 registers with
// the VisualSampleEntry layout.
func isVisualEntryType(t mp4.BoxType) bool {
	switch string(t[:]) {
	case "avc1", "encv", "hev1", "hvc1", "mp4v", "vp08", "vp09", "av01":
		return true
	}
	return false
}

// isoBox is a validated box header: the box lies inside its parent.
type isoBox struct {
	typ  mp4.BoxType
	off  uint64 // offset of the box header
	hdr  uint64 // header size (8 or 16)
	size uint64 // whole box, header included
}

func (b isoBox) payloadOff() uint64  { return b.off + b.hdr }
func (b isoBox) payloadSize() uint64 { return b.size - b.hdr }
func (b isoBox) end() uint64         { return b.off + b.size }

// mp4Track is what the probe keeps of one trak box.
type mp4Track struct {
	id            uint32
	enabled       bool
	handler       string
	tkhdW, tkhdH  int
	rotation      int // degrees clockwise of the tkhd matrix (MatrixRotation)
	timescale     uint32
	mediaDuration uint64
	entry         isoBox // first sample entry of stsd; typ is zero when absent
	entryW        int    // coded size from a visual sample entry
	entryH        int
	oti           byte   // esds ObjectTypeIndication of the sample entry, if any
	samples       uint64 // from stts
	ticks         float64
	chunks        uint64 // stco/co64 entry count
	lastChunk     uint64 // offset of the last chunk
}

// fragStats sums the samples a track has in movie fragments (moof/trun).
type fragStats struct {
	samples uint64
	ticks   float64
}

// mp4Prober walks an ISO BMFF file through an io.ReaderAt.
type mp4Prober struct {
	r       *windowReader
	sr      *io.SectionReader // io.ReadSeeker view of r for go-mp4
	size    uint64
	ctx     mp4.Context
	visited int
	buf     [tableChunk]byte
	hdrBuf  [mp4.LargeHeaderSize]byte

	mvhdFound     bool
	movieScale    uint32
	movieDuration uint64
	mehdDuration  uint64
	fragmented    bool
	tracks        []mp4Track
	trexDefaults  map[uint32]uint32 // track id -> default sample duration
	frags         map[uint32]*fragStats
}

func probeMP4(r io.ReaderAt, size int64) (VideoInfo, error) {
	wr := &windowReader{r: r}
	p := &mp4Prober{
		r:            wr,
		sr:           io.NewSectionReader(wr, 0, size),
		size:         uint64(size),
		trexDefaults: make(map[uint32]uint32),
		frags:        make(map[uint32]*fragStats),
	}
	moovFound := false
	for off := uint64(0); off < p.size; {
		b, err := p.readBox(off, p.size)
		if err != nil {
			return VideoInfo{}, err
		}
		switch b.typ {
		case mp4.BoxTypeFtyp():
			var ftyp mp4.Ftyp
			p.r.setWindow(int64(b.off), int64(b.end()))
			err := p.decode(b, &ftyp)
			p.r.setWindow(0, 0)
			if err != nil {
				return VideoInfo{}, err
			}
			// QuickTime files lay out audio sample entries differently;
			// go-mp4 needs to know before it decodes them.
			if ftyp.MajorBrand == mp4.BrandQT() || ftyp.HasCompatibleBrand(mp4.BrandQT()) {
				p.ctx.IsQuickTimeCompatible = true
			}
		case mp4.BoxTypeMoov():
			if moovFound {
				break // only the first movie header counts
			}
			moovFound = true
			p.r.setWindow(int64(b.off), int64(b.end()))
			if err := p.parseMoov(b); err != nil {
				return VideoInfo{}, err
			}
			p.r.setWindow(0, 0)
		case mp4.BoxTypeMoof():
			if moovFound && p.fragmented {
				p.r.setWindow(int64(b.off), int64(b.end()))
				if err := p.parseMoof(b); err != nil {
					return VideoInfo{}, err
				}
				p.r.setWindow(0, 0)
			}
		}
		off = b.end()
	}
	if !moovFound {
		return VideoInfo{}, unreadable("no moov box: not a complete MP4/MOV file")
	}
	if !p.mvhdFound {
		return VideoInfo{}, unreadable("moov box without mvhd")
	}
	return p.result()
}

// readBox reads and validates the header of the box at off, which must end
// by end (its parent's end).
func (p *mp4Prober) readBox(off, end uint64) (isoBox, error) {
	p.visited++
	if p.visited > maxVideoElements {
		return isoBox{}, unreadable("more than %d boxes", maxVideoElements)
	}
	if end-off < mp4.SmallHeaderSize {
		return isoBox{}, unreadable("truncated box header at offset %d", off)
	}
	// The header is decoded here rather than with mp4.ReadBoxInfo, which
	// allocates a buffer per box; the layout is ISO/IEC 14496-12 §4.2.
	head := p.hdrBuf[:min(end-off, mp4.LargeHeaderSize)]
	if n, err := p.r.ReadAt(head, int64(off)); n < len(head) {
		return isoBox{}, unreadable("reading box header at %d: %v", off, err)
	}
	b := isoBox{off: off, hdr: mp4.SmallHeaderSize, size: uint64(binary.BigEndian.Uint32(head))}
	copy(b.typ[:], head[4:8])
	switch b.size {
	case 0: // the box extends to the end of the file
		b.size = p.size - off
	case 1: // a 64-bit size follows the type
		if len(head) < mp4.LargeHeaderSize {
			return isoBox{}, unreadable("truncated box header at offset %d", off)
		}
		b.hdr, b.size = mp4.LargeHeaderSize, binary.BigEndian.Uint64(head[8:])
	}
	if b.size < b.hdr {
		return isoBox{}, unreadable("box %s at offset %d has invalid size %d", b.typ, off, b.size)
	}
	if b.size > end-off {
		return isoBox{}, unreadable("box %s at offset %d declares %d bytes but only %d remain (truncated?)",
			b.typ, off, b.size, end-off)
	}
	return b, nil
}

// children calls fn for each child box of parent, starting skip bytes into
// its payload (after the parent's own fields).
func (p *mp4Prober) children(parent isoBox, skip uint64, fn func(isoBox) error) error {
	if skip > parent.payloadSize() {
		return unreadable("box %s at offset %d too small", parent.typ, parent.off)
	}
	for off := parent.payloadOff() + skip; off < parent.end(); {
		b, err := p.readBox(off, parent.end())
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		off = b.end()
	}
	return nil
}

// decode unmarshals a small box's payload with go-mp4.
func (p *mp4Prober) decode(b isoBox, dst mp4.IBox) error {
	_, err := p.decodeN(b, b.payloadSize(), dst)
	return err
}

// decodeN unmarshals the first n payload bytes of b into dst and returns how
// many bytes go-mp4 consumed.
func (p *mp4Prober) decodeN(b isoBox, n uint64, dst mp4.IBox) (consumed uint64, err error) {
	if n > maxHeaderBoxPayload {
		return 0, unreadable("box %s at offset %d is implausibly large (%d bytes)", b.typ, b.off, n)
	}
	if _, err := p.sr.Seek(int64(b.payloadOff()), io.SeekStart); err != nil {
		return 0, unreadable("seek to %d: %v", b.payloadOff(), err)
	}
	// go-mp4 decodes by reflection over struct tags; a panic there on a
	// crafted box must not take the mock down, so it becomes an error.
	defer func() {
		if v := recover(); v != nil {
			consumed, err = 0, unreadable("box %s at offset %d: decoder failure: %v", b.typ, b.off, v)
		}
	}()
	consumed, err = mp4.Unmarshal(p.sr, n, dst, p.ctx)
	if err != nil {
		return 0, unreadable("box %s at offset %d: %v", b.typ, b.off, err)
	}
	return consumed, nil
}

// readAt fills buf from the payload of b at rel bytes into it.
func (p *mp4Prober) readAt(b isoBox, rel uint64, buf []byte) error {
	if rel+uint64(len(buf)) > b.payloadSize() {
		return unreadable("box %s at offset %d too small", b.typ, b.off)
	}
	off := int64(b.payloadOff() + rel)
	if n, err := p.r.ReadAt(buf, off); n < len(buf) {
		return unreadable("reading %d bytes at %d: %v", len(buf), off, err)
	}
	return nil
}

func (p *mp4Prober) parseMoov(moov isoBox) error {
	return p.children(moov, 0, func(b isoBox) error {
		switch b.typ {
		case mp4.BoxTypeMvhd():
			var mvhd mp4.Mvhd
			if err := p.decode(b, &mvhd); err != nil {
				return err
			}
			p.mvhdFound = true
			p.movieScale = mvhd.Timescale
			p.movieDuration = knownDuration(mvhd.GetVersion(), mvhd.GetDuration())
		case mp4.BoxTypeTrak():
			t, err := p.parseTrak(b)
			if err != nil {
				return err
			}
			if len(p.tracks) < maxTracks {
				p.tracks = append(p.tracks, t)
			}
		case mp4.BoxTypeMvex():
			p.fragmented = true
			return p.children(b, 0, func(c isoBox) error {
				switch c.typ {
				case mp4.BoxTypeMehd():
					var mehd mp4.Mehd
					if err := p.decode(c, &mehd); err != nil {
						return err
					}
					if mehd.GetVersion() == 0 {
						p.mehdDuration = uint64(mehd.FragmentDurationV0)
					} else {
						p.mehdDuration = mehd.FragmentDurationV1
					}
				case mp4.BoxTypeTrex():
					var trex mp4.Trex
					if err := p.decode(c, &trex); err != nil {
						return err
					}
					if len(p.trexDefaults) < maxTracks {
						p.trexDefaults[trex.TrackID] = trex.DefaultSampleDuration
					}
				}
				return nil
			})
		}
		return nil
	})
}

// knownDuration maps the all-ones "duration unknown" value to 0.
func knownDuration(version uint8, d uint64) uint64 {
	if (version == 0 && d == math.MaxUint32) || d == math.MaxUint64 {
		return 0
	}
	return d
}

func (p *mp4Prober) parseTrak(trak isoBox) (mp4Track, error) {
	var t mp4Track
	err := p.children(trak, 0, func(b isoBox) error {
		switch b.typ {
		case mp4.BoxTypeTkhd():
			var tkhd mp4.Tkhd
			if err := p.decode(b, &tkhd); err != nil {
				return err
			}
			t.id = tkhd.TrackID
			t.enabled = tkhd.GetFlags()&0x000001 != 0
			t.tkhdW, t.tkhdH = int(tkhd.GetWidthInt()), int(tkhd.GetHeightInt())
			t.rotation = MatrixRotation(tkhd.Matrix)
		case mp4.BoxTypeMdia():
			return p.parseMdia(b, &t)
		}
		return nil
	})
	if err != nil || t.entry.typ == (mp4.BoxType{}) {
		return t, err
	}
	// The handler may follow the sample table, so the entry is decoded
	// once the whole trak has been read.
	switch t.handler {
	case "vide":
		t.entryW, t.entryH, t.oti = p.visualEntry(t.entry)
	case "soun":
		t.oti = p.audioOTI(t.entry)
	}
	return t, nil
}

func (p *mp4Prober) parseMdia(mdia isoBox, t *mp4Track) error {
	return p.children(mdia, 0, func(b isoBox) error {
		switch b.typ {
		case mp4.BoxTypeMdhd():
			var mdhd mp4.Mdhd
			if err := p.decode(b, &mdhd); err != nil {
				return err
			}
			t.timescale = mdhd.Timescale
			t.mediaDuration = knownDuration(mdhd.GetVersion(), mdhd.GetDuration())
		case mp4.BoxTypeHdlr():
			var hdlr mp4.Hdlr
			if err := p.decode(b, &hdlr); err != nil {
				return err
			}
			t.handler = string(hdlr.HandlerType[:])
		case mp4.BoxTypeMinf():
			return p.children(b, 0, func(c isoBox) error {
				if c.typ == mp4.BoxTypeStbl() {
					return p.parseStbl(c, t)
				}
				return nil
			})
		}
		return nil
	})
}

func (p *mp4Prober) parseStbl(stbl isoBox, t *mp4Track) error {
	return p.children(stbl, 0, func(b isoBox) error {
		switch b.typ {
		case mp4.BoxTypeStsd():
			// stsd is a FullBox with an entry count; the entries are boxes.
			// Only the first one matters: it names the codec.
			return p.children(b, 8, func(e isoBox) error {
				if t.entry.typ == (mp4.BoxType{}) {
					t.entry = e
				}
				return nil
			})
		case mp4.BoxTypeStts():
			return p.sumStts(b, t)
		case mp4.BoxTypeStco(), mp4.BoxTypeCo64():
			return p.lastChunkOffset(b, t)
		}
		return nil
	})
}

// sumStts streams the time-to-sample table, summing sample counts and
// durations, so a variable-frame-rate table of any length costs tableChunk
// bytes.
func (p *mp4Prober) sumStts(b isoBox, t *mp4Track) error {
	head := p.buf[:8]
	if err := p.readAt(b, 0, head); err != nil {
		return err
	}
	n := uint64(binary.BigEndian.Uint32(head[4:]))
	if 8+n*8 > b.payloadSize() {
		return unreadable("stts at offset %d declares %d entries but holds %d bytes", b.off, n, b.payloadSize())
	}
	t.samples, t.ticks = 0, 0
	for rel, left := uint64(8), n*8; left > 0; {
		chunk := p.buf[:min(left, tableChunk)]
		if err := p.readAt(b, rel, chunk); err != nil {
			return err
		}
		for i := 0; i+8 <= len(chunk); i += 8 {
			count := uint64(binary.BigEndian.Uint32(chunk[i:]))
			delta := binary.BigEndian.Uint32(chunk[i+4:])
			t.samples += count
			t.ticks += float64(count) * float64(delta)
		}
		rel += uint64(len(chunk))
		left -= uint64(len(chunk))
	}
	return nil
}

// lastChunkOffset records the chunk count and the offset of the last chunk,
// which lets the probe notice sample data cut off by a truncated upload.
func (p *mp4Prober) lastChunkOffset(b isoBox, t *mp4Track) error {
	head := p.buf[:8]
	if err := p.readAt(b, 0, head); err != nil {
		return err
	}
	n := uint64(binary.BigEndian.Uint32(head[4:]))
	width := uint64(4)
	if b.typ == mp4.BoxTypeCo64() {
		width = 8
	}
	if 8+n*width > b.payloadSize() {
		return unreadable("%s at offset %d declares %d entries but holds %d bytes", b.typ, b.off, n, b.payloadSize())
	}
	t.chunks = n
	if n == 0 {
		return nil
	}
	last := p.buf[:width]
	if err := p.readAt(b, 8+(n-1)*width, last); err != nil {
		return err
	}
	if width == 4 {
		t.lastChunk = uint64(binary.BigEndian.Uint32(last))
	} else {
		t.lastChunk = binary.BigEndian.Uint64(last)
	}
	return nil
}

// Track-fragment and track-run flags (ISO/IEC 14496-12 §8.8.7, §8.8.8).
const (
	tfhdDefaultSampleDuration = 0x000008
	trunDataOffset            = 0x000001
	trunFirstSampleFlags      = 0x000004
	trunSampleDuration        = 0x000100
	trunPerSampleFields       = 0x000F00
)

// parseMoof adds the samples of one movie fragment to the per-track sums.
func (p *mp4Prober) parseMoof(moof isoBox) error {
	return p.children(moof, 0, func(traf isoBox) error {
		if traf.typ != mp4.BoxTypeTraf() {
			return nil
		}
		var (
			haveTfhd   bool
			trackID    uint32
			defaultDur uint32
		)
		return p.children(traf, 0, func(b isoBox) error {
			switch b.typ {
			case mp4.BoxTypeTfhd():
				var tfhd mp4.Tfhd
				if err := p.decode(b, &tfhd); err != nil {
					return err
				}
				haveTfhd = true
				trackID = tfhd.TrackID
				defaultDur = p.trexDefaults[trackID]
				if tfhd.GetFlags()&tfhdDefaultSampleDuration != 0 {
					defaultDur = tfhd.DefaultSampleDuration
				}
			case mp4.BoxTypeTrun():
				if !haveTfhd {
					return unreadable("trun before tfhd at offset %d", b.off)
				}
				return p.sumTrun(b, trackID, defaultDur)
			}
			return nil
		})
	})
}

// sumTrun streams one track run, adding its sample count and duration to
// the fragment sums of trackID.
func (p *mp4Prober) sumTrun(b isoBox, trackID, defaultDur uint32) error {
	head := p.buf[:8]
	if err := p.readAt(b, 0, head); err != nil {
		return err
	}
	flags := binary.BigEndian.Uint32(head) & 0x00FFFFFF
	count := uint64(binary.BigEndian.Uint32(head[4:]))
	rel := uint64(8)
	if flags&trunDataOffset != 0 {
		rel += 4
	}
	if flags&trunFirstSampleFlags != 0 {
		rel += 4
	}
	stride := uint64(4 * bits.OnesCount32(flags&trunPerSampleFields))
	if rel+count*stride > b.payloadSize() {
		return unreadable("trun at offset %d declares %d samples but holds %d bytes", b.off, count, b.payloadSize())
	}
	fs := p.frags[trackID]
	if fs == nil {
		if len(p.frags) >= maxTracks {
			return nil
		}
		fs = &fragStats{}
		p.frags[trackID] = fs
	}
	fs.samples += count
	if flags&trunSampleDuration == 0 {
		fs.ticks += float64(count) * float64(defaultDur)
		return nil
	}
	// The duration is the first per-sample field when present.
	perChunk := tableChunk / stride * stride
	for left := count * stride; left > 0; {
		chunk := p.buf[:min(left, perChunk)]
		if err := p.readAt(b, rel, chunk); err != nil {
			return err
		}
		for i := uint64(0); i+stride <= uint64(len(chunk)); i += stride {
			fs.ticks += float64(binary.BigEndian.Uint32(chunk[i:]))
		}
		rel += uint64(len(chunk))
		left -= uint64(len(chunk))
	}
	return nil
}

// result assembles the VideoInfo once the whole file has been walked.
func (p *mp4Prober) result() (VideoInfo, error) {
	info := VideoInfo{Container: ContainerMP4}
	video, audio := -1, -1
	for i, t := range p.tracks {
		switch t.handler {
		case "vide":
			// Prefer the first enabled video track, as players do.
			if video < 0 || (!p.tracks[video].enabled && t.enabled) {
				video = i
			}
		case "soun":
			if audio < 0 {
				audio = i
			}
		}
	}
	for _, t := range p.tracks {
		// A chunk offset past the end of the file means the sample data was
		// cut off, typically a truncated upload of a "fast start" file.
		if t.chunks > 0 && t.lastChunk >= p.size {
			return VideoInfo{}, unreadable("track %d has sample data at offset %d beyond the end of the file (%d bytes): truncated",
				t.id, t.lastChunk, p.size)
		}
	}

	if video >= 0 {
		t := p.tracks[video]
		if t.entry.typ == (mp4.BoxType{}) {
			return VideoInfo{}, unreadable("video track %d has no sample description", t.id)
		}
		info.VideoCodec = mp4VideoCodec(printableFourCC(t.entry.typ.String()), t.oti)
		info.Width, info.Height = t.entryW, t.entryH
		if info.Width == 0 || info.Height == 0 {
			info.Width, info.Height = t.tkhdW, t.tkhdH
		}
		// A phone shooting upright stores landscape pixels and a quarter
		// turn in the track header; players show it upright, and so does
		// the probe.
		if info.Rotation = t.rotation; t.rotation == 90 || t.rotation == 270 {
			info.Width, info.Height = info.Height, info.Width
		}
		samples, ticks := p.trackSamples(t)
		if ticks > 0 && t.timescale > 0 {
			info.FPS = roundFPS(float64(samples) * float64(t.timescale) / ticks)
		}
	}
	if audio >= 0 {
		t := p.tracks[audio]
		if t.entry.typ != (mp4.BoxType{}) {
			info.HasAudio = true
			info.AudioCodec = mp4AudioCodec(printableFourCC(t.entry.typ.String()), t.oti)
		}
	}

	switch {
	case p.movieScale > 0 && p.movieDuration > 0:
		info.Duration = float64(p.movieDuration) / float64(p.movieScale)
	case p.movieScale > 0 && p.mehdDuration > 0:
		info.Duration = float64(p.mehdDuration) / float64(p.movieScale)
	default:
		// Fragmented files without mehd: the longest track's samples.
		for _, t := range p.tracks {
			if t.timescale == 0 {
				continue
			}
			d := float64(t.mediaDuration) / float64(t.timescale)
			if _, ticks := p.trackSamples(t); ticks/float64(t.timescale) > d {
				d = ticks / float64(t.timescale)
			}
			info.Duration = math.Max(info.Duration, d)
		}
	}
	return info, nil
}

// trackSamples returns a track's sample count and total duration in its
// media timescale, from stts or, for fragmented files, from the fragments.
func (p *mp4Prober) trackSamples(t mp4Track) (uint64, float64) {
	if t.samples > 0 {
		return t.samples, t.ticks
	}
	if fs := p.frags[t.id]; fs != nil {
		return fs.samples, fs.ticks
	}
	return 0, 0
}

// visualEntry decodes a VisualSampleEntry for the coded picture size and,
// for mp4v, the esds object type. Failures are not fatal: the fourcc alone
// names the codec and tkhd still gives a size.
func (p *mp4Prober) visualEntry(e isoBox) (w, h int, oti byte) {
	if e.payloadSize() < visualSampleEntrySize {
		return 0, 0, 0
	}
	vse := &mp4.VisualSampleEntry{}
	vse.SetType(e.typ)
	if !isVisualEntryType(e.typ) {
		// The layout is codec-independent (ISO/IEC 14496-12 §12.1.3); decode
		// unknown fourccs through a registered one.
		vse.SetType(mp4.BoxTypeAvc1())
	}
	if _, err := p.decodeN(e, visualSampleEntrySize, vse); err != nil {
		return 0, 0, 0
	}
	if e.typ == mp4.BoxTypeMp4v() {
		oti = p.esdsOTI(e, visualSampleEntrySize)
	}
	return int(vse.Width), int(vse.Height), oti
}

// audioOTI returns the esds object type of an mp4a entry (0 if none).
func (p *mp4Prober) audioOTI(e isoBox) byte {
	if e.typ != mp4.BoxTypeMp4a() {
		return 0
	}
	ase := &mp4.AudioSampleEntry{}
	ase.SetType(e.typ)
	n, err := p.decodeN(e, min(e.payloadSize(), maxHeaderBoxPayload), ase)
	if err != nil {
		return 0
	}
	return p.esdsOTI(e, n)
}

// esdsOTI finds an esds box among the children of sample entry e (directly
// or inside a QuickTime wave box) and returns its ObjectTypeIndication.
func (p *mp4Prober) esdsOTI(e isoBox, skip uint64) byte {
	var oti byte
	var visit func(parent isoBox, skip uint64) error
	visit = func(parent isoBox, skip uint64) error {
		return p.children(parent, skip, func(b isoBox) error {
			switch b.typ {
			case mp4.BoxTypeEsds():
				var esds mp4.Esds
				if err := p.decode(b, &esds); err != nil {
					return err
				}
				for _, d := range esds.Descriptors {
					if d.Tag == mp4.DecoderConfigDescrTag && d.DecoderConfigDescriptor != nil {
						oti = d.DecoderConfigDescriptor.ObjectTypeIndication
					}
				}
			case mp4.BoxTypeWave():
				if parent.typ != mp4.BoxTypeWave() {
					return visit(b, 0)
				}
			}
			return nil
		})
	}
	if err := visit(e, skip); err != nil {
		return 0
	}
	return oti
}

// MatrixRotation is the clockwise rotation, in degrees (0, 90, 180 or
// 270), of a track header's display matrix ({a, b, u, c, d, v, x, y, w},
// ISO/IEC 14496-12 §8.3.2): a matrix that is not a rotation counts as 0.
func MatrixRotation(m [9]int32) int {
	a, b, c, d := m[0], m[1], m[3], m[4]
	switch {
	case a == 0 && d == 0 && b > 0 && c < 0:
		return 90
	case a < 0 && d < 0 && b == 0 && c == 0:
		return 180
	case a == 0 && d == 0 && b < 0 && c > 0:
		return 270
	}
	return 0
}

// RotationMatrix is the display matrix that turns a w × h picture (the
// track header's size, pixels) deg degrees clockwise (0, 90, 180 or 270;
// others are 0), translated so the picture stays in the positive
// quadrant, as cameras and muxers write it.
func RotationMatrix(deg int, w, h uint32) [9]int32 {
	const one, w1 = 0x10000, 0x40000000
	fx := func(v uint32) int32 { return int32(min(v, 0x7fff) << 16) }
	switch deg {
	case 90:
		return [9]int32{0, one, 0, -one, 0, 0, fx(h), 0, w1}
	case 180:
		return [9]int32{-one, 0, 0, 0, -one, 0, fx(w), fx(h), w1}
	case 270:
		return [9]int32{0, -one, 0, one, 0, 0, 0, fx(w), w1}
	}
	return [9]int32{one, 0, 0, 0, one, 0, 0, 0, w1}
}
