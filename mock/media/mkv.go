package media

import (
	"encoding/binary"
	"io"
	"math"
	"math/bits"
	"strings"
)

// Matroska/WebM element IDs (with their length-marker bits, as written).
const (
	idEBML           = 0x1A45DFA3
	idDocType        = 0x4282
	idSegment        = 0x18538067
	idInfo           = 0x1549A966
	idTimecodeScale  = 0x2AD7B1
	idDuration       = 0x4489
	idTracks         = 0x1654AE6B
	idTrackEntry     = 0xAE
	idTrackNumber    = 0xD7
	idTrackType      = 0x83
	idFlagEnabled    = 0xB9
	idCodecID        = 0x86
	idCodecPrivate   = 0x63A2
	idDefaultDur     = 0x23E383
	idVideo          = 0xE0
	idPixelWidth     = 0xB0
	idPixelHeight    = 0xBA
	idCluster        = 0x1F43B675
	idTimecode       = 0xE7
	idSimpleBlock    = 0xA3
	idBlockGroup     = 0xA0
	idBlock          = 0xA1
	idBlockDuration  = 0x9B
	idVoid           = 0xEC
	idCRC32          = 0xBF
	idPosition       = 0xA7
	idPrevSize       = 0xAB
	idSilentTracks   = 0x5854
	idEncryptedBlock = 0xAF
)

// Matroska track types.
const (
	trackTypeVideo = 1
	trackTypeAudio = 2
)

// Bounds of the EBML walker.
const (
	// maxEBMLString bounds DocType and CodecID strings (real ones are < 32).
	maxEBMLString = 256
	// fpsSampleBlocks is how many video blocks are timed to estimate the
	// frame rate of a track without DefaultDuration.
	fpsSampleBlocks = 64
	// maxScannedBlocks bounds the cluster scan that estimates a missing
	// Duration; past it the estimate covers only the start of the file.
	maxScannedBlocks = 4 << 20
	// maxBlockTracks bounds the per-track block statistics kept.
	maxBlockTracks = 16
)

// ebmlElem is a validated element header.
type ebmlElem struct {
	id   uint32
	off  int64 // offset of the element ID
	data int64 // offset of the element data
	size int64 // data size; -1 when the size is "unknown" (live streams)
}

func (e ebmlElem) end() int64 { return e.data + e.size }

// mkvTrack is what the probe keeps of one TrackEntry.
type mkvTrack struct {
	number     uint64
	typ        uint64
	enabled    bool
	codecID    string
	private    []byte // first 20 bytes of CodecPrivate (BITMAPINFOHEADER)
	defaultDur uint64 // ns per frame, 0 when absent
	width      uint64
	height     uint64
}

// blockStats times the blocks seen for one track, in Cluster timecode units.
type blockStats struct {
	count    uint64
	minTS    int64
	maxTS    int64
	maxEnd   int64 // max of timestamp + explicit BlockDuration
	explicit bool  // maxEnd came from an explicit BlockDuration
}

// mkvProber walks a Matroska/WebM file through an io.ReaderAt, reading only
// element headers and the few leaf values it needs.
type mkvProber struct {
	r       *windowReader
	size    int64
	visited int
	scanned int
	buf     [16]byte

	docType      string
	haveInfo     bool
	scale        uint64 // ns per timecode unit
	duration     float64
	haveDuration bool
	haveTracks   bool
	tracks       []mkvTrack
	stats        map[uint64]*blockStats
	scanStopped  bool
}

func probeMatroska(r io.ReaderAt, size int64) (VideoInfo, error) {
	p := &mkvProber{r: &windowReader{r: r}, size: size, scale: 1000000, stats: make(map[uint64]*blockStats)}
	if err := p.walk(); err != nil {
		return VideoInfo{}, err
	}
	return p.result(), nil
}

// header reads the element header at off; the element must end by end.
func (p *mkvProber) header(off, end int64) (ebmlElem, error) {
	avail := end - off
	if avail < 2 {
		return ebmlElem{}, unreadable("truncated EBML element header at offset %d", off)
	}
	buf := p.buf[:min(avail, int64(len(p.buf)))]
	if n, err := p.r.ReadAt(buf, off); n < len(buf) {
		return ebmlElem{}, unreadable("reading EBML header at %d: %v", off, err)
	}
	idLen := bits.LeadingZeros8(buf[0]) + 1
	if idLen > 4 {
		return ebmlElem{}, unreadable("invalid EBML element ID at offset %d", off)
	}
	if idLen >= len(buf) {
		return ebmlElem{}, unreadable("truncated EBML element header at offset %d", off)
	}
	var id uint32
	for _, b := range buf[:idLen] {
		id = id<<8 | uint32(b)
	}
	sizeLen := bits.LeadingZeros8(buf[idLen]) + 1
	if sizeLen > 8 {
		return ebmlElem{}, unreadable("invalid EBML size at offset %d", off)
	}
	if idLen+sizeLen > len(buf) {
		return ebmlElem{}, unreadable("truncated EBML element header at offset %d", off)
	}
	v := uint64(buf[idLen] & (0xFF >> sizeLen))
	for _, b := range buf[idLen+1 : idLen+sizeLen] {
		v = v<<8 | uint64(b)
	}
	e := ebmlElem{id: id, off: off, data: off + int64(idLen+sizeLen), size: -1}
	if v == 1<<(7*sizeLen)-1 {
		return e, nil // all ones: unknown size
	}
	if v > uint64(end-e.data) {
		return ebmlElem{}, unreadable("EBML element 0x%X at offset %d declares %d bytes but only %d remain (truncated?)",
			id, off, v, end-e.data)
	}
	e.size = int64(v)
	return e, nil
}

// children calls fn for each child of a sized master element.
func (p *mkvProber) children(parent ebmlElem, fn func(ebmlElem) error) error {
	for off := parent.data; off < parent.end(); {
		p.visited++
		if p.visited > maxVideoElements {
			return unreadable("more than %d EBML elements", maxVideoElements)
		}
		e, err := p.header(off, parent.end())
		if err != nil {
			return err
		}
		if e.size < 0 {
			return unreadable("EBML element 0x%X at offset %d has an unknown size", e.id, e.off)
		}
		if err := fn(e); err != nil {
			return err
		}
		off = e.end()
	}
	return nil
}

func (p *mkvProber) readUint(e ebmlElem) (uint64, error) {
	if e.size > 8 {
		return 0, unreadable("EBML integer 0x%X at offset %d is %d bytes", e.id, e.off, e.size)
	}
	buf := p.buf[:e.size]
	if n, err := p.r.ReadAt(buf, e.data); n < len(buf) {
		return 0, unreadable("reading EBML integer at %d: %v", e.data, err)
	}
	var v uint64
	for _, b := range buf {
		v = v<<8 | uint64(b)
	}
	return v, nil
}

func (p *mkvProber) readFloat(e ebmlElem) (float64, error) {
	buf := p.buf[:0]
	switch e.size {
	case 0:
		return 0, nil
	case 4, 8:
		buf = p.buf[:e.size]
	default:
		return 0, unreadable("EBML float 0x%X at offset %d is %d bytes", e.id, e.off, e.size)
	}
	if n, err := p.r.ReadAt(buf, e.data); n < len(buf) {
		return 0, unreadable("reading EBML float at %d: %v", e.data, err)
	}
	if e.size == 4 {
		return float64(math.Float32frombits(binary.BigEndian.Uint32(buf))), nil
	}
	return math.Float64frombits(binary.BigEndian.Uint64(buf)), nil
}

func (p *mkvProber) readString(e ebmlElem) (string, error) {
	if e.size > maxEBMLString {
		return "", unreadable("EBML string 0x%X at offset %d is implausibly long (%d bytes)", e.id, e.off, e.size)
	}
	buf := make([]byte, e.size)
	if n, err := p.r.ReadAt(buf, e.data); n < len(buf) {
		return "", unreadable("reading EBML string at %d: %v", e.data, err)
	}
	s, _, _ := strings.Cut(string(buf), "\x00") // strings may be NUL-padded
	return s, nil
}

// walk reads the EBML header, then the first Segment's Info and Tracks,
// skipping (or, when a value is missing, timing) Clusters.
func (p *mkvProber) walk() error {
	head, err := p.header(0, p.size)
	if err != nil {
		return err
	}
	if head.id != idEBML || head.size < 0 {
		return unreadable("malformed EBML header")
	}
	p.docType = "matroska" // the spec's default DocType
	if err := p.children(head, func(e ebmlElem) error {
		if e.id == idDocType {
			s, err := p.readString(e)
			p.docType = s
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	if p.docType != ContainerWebM && p.docType != ContainerMatroska {
		return unreadable("unsupported EBML document type %q", printableFourCC(p.docType))
	}

	for off := head.end(); ; {
		if off >= p.size {
			return unreadable("no Segment element")
		}
		p.visited++
		e, err := p.header(off, p.size)
		if err != nil {
			return err
		}
		if e.id == idSegment {
			segEnd := p.size // unknown size: live streams run to the end of the file
			if e.size >= 0 {
				segEnd = e.end()
			}
			if err := p.walkSegment(e.data, segEnd); err != nil {
				return err
			}
			break
		}
		if e.size < 0 {
			return unreadable("EBML element 0x%X at offset %d has an unknown size", e.id, e.off)
		}
		off = e.end()
	}
	if !p.haveInfo {
		return unreadable("Matroska segment without an Info element")
	}
	if !p.haveTracks {
		return unreadable("Matroska segment without a Tracks element")
	}
	return nil
}

func (p *mkvProber) walkSegment(off, segEnd int64) error {
	for off < segEnd {
		if p.haveInfo && p.haveTracks && !p.wantBlocks() {
			return nil // everything needed is known; never read the media
		}
		p.visited++
		if p.visited > maxVideoElements {
			return unreadable("more than %d EBML elements", maxVideoElements)
		}
		e, err := p.header(off, segEnd)
		if err != nil {
			return err
		}
		if e.id == idCluster {
			if e.size < 0 || (p.haveInfo && p.haveTracks) {
				// An unknown-size cluster can only be crossed by walking its
				// blocks; a sized one is walked only when a value is missing.
				if off, err = p.scanCluster(e, segEnd); err != nil {
					return err
				}
				if p.scanStopped {
					return nil
				}
				continue
			}
			off = e.end()
			continue
		}
		if e.size < 0 {
			return unreadable("EBML element 0x%X at offset %d has an unknown size", e.id, e.off)
		}
		p.r.setWindow(e.data, e.end())
		switch e.id {
		case idInfo:
			if err := p.parseInfo(e); err != nil {
				return err
			}
		case idTracks:
			if err := p.parseTracks(e); err != nil {
				return err
			}
		}
		p.r.setWindow(0, 0)
		off = e.end()
	}
	return nil
}

// wantBlocks reports whether block timestamps are still needed: for a
// missing Duration (typical of browser MediaRecorder files) or a video
// track without DefaultDuration.
func (p *mkvProber) wantBlocks() bool {
	if p.scanStopped {
		return false
	}
	if !p.haveDuration {
		return true
	}
	if v := p.videoTrack(); v != nil && v.defaultDur == 0 {
		st := p.stats[v.number]
		return st == nil || st.count < fpsSampleBlocks
	}
	return false
}

func (p *mkvProber) parseInfo(info ebmlElem) error {
	p.haveInfo = true
	return p.children(info, func(e ebmlElem) error {
		switch e.id {
		case idTimecodeScale:
			v, err := p.readUint(e)
			if err != nil {
				return err
			}
			if v > 0 {
				p.scale = v
			}
		case idDuration:
			d, err := p.readFloat(e)
			if err != nil {
				return err
			}
			// Duration is a float in TimecodeScale units; NaN, infinite or
			// negative values are treated as absent.
			if d > 0 && !math.IsInf(d, 0) && !math.IsNaN(d) {
				p.duration, p.haveDuration = d, true
			}
		}
		return nil
	})
}

func (p *mkvProber) parseTracks(tracks ebmlElem) error {
	p.haveTracks = true
	return p.children(tracks, func(entry ebmlElem) error {
		if entry.id != idTrackEntry {
			return nil
		}
		t := mkvTrack{enabled: true}
		err := p.children(entry, func(e ebmlElem) error {
			var err error
			switch e.id {
			case idTrackNumber:
				t.number, err = p.readUint(e)
			case idTrackType:
				t.typ, err = p.readUint(e)
			case idFlagEnabled:
				var v uint64
				v, err = p.readUint(e)
				t.enabled = v != 0
			case idCodecID:
				t.codecID, err = p.readString(e)
			case idCodecPrivate:
				// Only a BITMAPINFOHEADER's compression fourcc is ever used.
				buf := make([]byte, min(e.size, 20))
				if n, rerr := p.r.ReadAt(buf, e.data); n < len(buf) {
					err = unreadable("reading CodecPrivate at %d: %v", e.data, rerr)
				}
				t.private = buf
			case idDefaultDur:
				t.defaultDur, err = p.readUint(e)
			case idVideo:
				err = p.children(e, func(v ebmlElem) error {
					var err error
					switch v.id {
					case idPixelWidth:
						t.width, err = p.readUint(v)
					case idPixelHeight:
						t.height, err = p.readUint(v)
					}
					return err
				})
			}
			return err
		})
		if err != nil {
			return err
		}
		if t.typ == 0 { // infer a missing TrackType from the CodecID prefix
			switch {
			case strings.HasPrefix(t.codecID, "V_"):
				t.typ = trackTypeVideo
			case strings.HasPrefix(t.codecID, "A_"):
				t.typ = trackTypeAudio
			}
		}
		if len(p.tracks) < maxTracks {
			p.tracks = append(p.tracks, t)
		}
		return nil
	})
}

// isClusterChild reports whether id may appear directly inside a Cluster;
// any other ID ends an unknown-size cluster (RFC 8794 §6.2).
func isClusterChild(id uint32) bool {
	switch id {
	case idTimecode, idSimpleBlock, idBlockGroup, idPosition, idPrevSize,
		idSilentTracks, idEncryptedBlock, idVoid, idCRC32:
		return true
	}
	return false
}

// scanCluster times the blocks of one cluster and returns the offset where
// the cluster ends.
func (p *mkvProber) scanCluster(c ebmlElem, segEnd int64) (int64, error) {
	end := segEnd
	if c.size >= 0 {
		end = c.end()
	}
	p.r.setWindow(c.data, end)
	defer p.r.setWindow(0, 0)
	var clusterTC uint64
	for off := c.data; off < end; {
		p.scanned++
		if p.scanned > maxScannedBlocks {
			p.scanStopped = true
			return end, nil
		}
		e, err := p.header(off, end)
		if err != nil {
			return 0, err
		}
		if c.size < 0 && !isClusterChild(e.id) {
			return off, nil
		}
		if e.size < 0 {
			return 0, unreadable("EBML element 0x%X at offset %d has an unknown size", e.id, e.off)
		}
		switch e.id {
		case idTimecode:
			if clusterTC, err = p.readUint(e); err != nil {
				return 0, err
			}
		case idSimpleBlock:
			if err := p.timeBlock(e, clusterTC, 0); err != nil {
				return 0, err
			}
		case idBlockGroup:
			var block ebmlElem
			var dur uint64
			if err := p.children(e, func(g ebmlElem) error {
				var err error
				switch g.id {
				case idBlock:
					block = g
				case idBlockDuration:
					dur, err = p.readUint(g)
				}
				return err
			}); err != nil {
				return 0, err
			}
			if block.id == idBlock {
				if err := p.timeBlock(block, clusterTC, dur); err != nil {
					return 0, err
				}
			}
		}
		off = e.end()
	}
	return end, nil
}

// timeBlock reads a (Simple)Block header: track number vint, then a signed
// 16-bit timecode relative to the cluster's.
func (p *mkvProber) timeBlock(b ebmlElem, clusterTC, dur uint64) error {
	buf := p.buf[:min(b.size, 11)]
	if n, err := p.r.ReadAt(buf, b.data); n < len(buf) {
		return unreadable("reading block header at %d: %v", b.data, err)
	}
	if len(buf) == 0 || buf[0] == 0 {
		return unreadable("invalid block header at offset %d", b.off)
	}
	l := bits.LeadingZeros8(buf[0]) + 1
	if l+2 > len(buf) {
		return unreadable("truncated block header at offset %d", b.off)
	}
	track := uint64(buf[0] & (0xFF >> l))
	for _, x := range buf[1:l] {
		track = track<<8 | uint64(x)
	}
	rel := int16(binary.BigEndian.Uint16(buf[l:]))
	// Cluster timecodes beyond int64 are nonsense; clamp rather than wrap.
	ts := int64(min(clusterTC, math.MaxInt64/2)) + int64(rel)
	st := p.stats[track]
	if st == nil {
		if len(p.stats) >= maxBlockTracks {
			return nil
		}
		st = &blockStats{minTS: ts, maxTS: ts, maxEnd: ts}
		p.stats[track] = st
	}
	st.count++
	st.minTS = min(st.minTS, ts)
	st.maxTS = max(st.maxTS, ts)
	if dur > 0 {
		if end := ts + int64(min(dur, math.MaxInt32)); end > st.maxEnd {
			st.maxEnd, st.explicit = end, true
		}
	}
	return nil
}

// videoTrack returns the first enabled video track (or the first video
// track when none is enabled).
func (p *mkvProber) videoTrack() *mkvTrack {
	var first *mkvTrack
	for i := range p.tracks {
		t := &p.tracks[i]
		if t.typ != trackTypeVideo {
			continue
		}
		if t.enabled {
			return t
		}
		if first == nil {
			first = t
		}
	}
	return first
}

func (p *mkvProber) result() VideoInfo {
	info := VideoInfo{Container: p.docType}
	scale := float64(p.scale)
	if v := p.videoTrack(); v != nil {
		info.VideoCodec = matroskaVideoCodec(printableFourCC(v.codecID), v.private)
		info.Width, info.Height = int(min(v.width, math.MaxInt32)), int(min(v.height, math.MaxInt32))
		if v.defaultDur > 0 {
			info.FPS = roundFPS(1e9 / float64(v.defaultDur))
		} else if st := p.stats[v.number]; st != nil && st.count >= 2 && st.maxTS > st.minTS {
			info.FPS = roundFPS(float64(st.count-1) / (float64(st.maxTS-st.minTS) * scale / 1e9))
		}
	}
	for _, t := range p.tracks {
		if t.typ == trackTypeAudio {
			info.HasAudio = true
			info.AudioCodec = matroskaAudioCodec(printableFourCC(t.codecID))
			break
		}
	}
	if p.haveDuration {
		info.Duration = p.duration * scale / 1e9
		return info
	}
	// No Duration element: the end of the last block, as players show it.
	for _, t := range p.tracks {
		st := p.stats[t.number]
		if st == nil {
			continue
		}
		endNs := float64(st.maxTS)*scale + float64(t.defaultDur)
		if st.explicit {
			endNs = math.Max(endNs, float64(st.maxEnd)*scale)
		}
		info.Duration = math.Max(info.Duration, endNs/1e9)
	}
	return info
}
