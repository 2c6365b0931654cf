package mediatest

import (
	"errors"
	"io"
	"math"

	"github.com/memharness/memharness/internal/seekbuf"

	mp4 "github.com/abema/go-mp4"
)

// MP4Options describes a generated MP4/MOV file. Zero values take the
// defaults noted on each field.
type MP4Options struct {
	Duration      float64 // seconds; default 5
	Width, Height int     // default 320x240
	FPS           float64 // default 30
	// Codec is the visual sample entry fourcc: "avc1" (default), "avc3",
	// "hvc1", "hev1", "mp4v", "vp08", "vp09", "av01", or any other fourcc
	// (written without a codec configuration box).
	Codec string
	Audio bool // adds an audio track
	// AudioCodec is the audio sample entry fourcc: "mp4a" (AAC, default),
	// "Opus", "ac-3", or any other fourcc.
	AudioCodec string
	MoovAtEnd  bool // ftyp, mdat, moov (as cameras write) instead of "fast start"
	// Fragmented writes an fMP4 (as browser MediaRecorder and CMAF/DASH
	// packagers do): empty sample tables, mvex/mehd/trex, then a moof+mdat
	// pair per two seconds of media. MoovAtEnd is ignored.
	Fragmented bool
	QuickTime  bool // ftyp major brand "qt  ", i.e. a .mov file
	// KeyframeInterval, when > 0, writes a sync sample table (stss) with a
	// keyframe every KeyframeInterval seconds of video, as encoders with a
	// fixed GOP do; 0 writes no stss (every sample is a sync sample).
	// Progressive files only.
	KeyframeInterval float64
	// Rotation, when 90, 180 or 270, writes the video track header's
	// display matrix turning the Width x Height picture that many degrees
	// clockwise, as a phone shooting upright does.
	Rotation int
}

func (o MP4Options) withDefaults() MP4Options {
	if !(o.Duration > 0) || math.IsInf(o.Duration, 0) {
		o.Duration = 5
	}
	o.Duration = math.Min(o.Duration, 24*3600)
	if o.Width <= 0 {
		o.Width = 320
	}
	if o.Height <= 0 {
		o.Height = 240
	}
	o.Width, o.Height = min(o.Width, 8192), min(o.Height, 8192)
	if !(o.FPS > 0) || math.IsInf(o.FPS, 0) {
		o.FPS = 30
	}
	o.FPS = math.Min(o.FPS, 1000)
	if len(o.Codec) != 4 {
		o.Codec = "avc1"
	}
	if len(o.AudioCodec) != 4 {
		o.AudioCodec = "mp4a"
	}
	return o
}

// Timescales of the generated tracks: 90 kHz is the usual video clock and
// 48 kHz the usual audio sample rate.
const (
	videoTimescale = 90000
	audioTimescale = 48000
	movieTimescale = 1000
	fragmentSecs   = 2
)

// mp4Track plans one track of a generated file.
type mp4Track struct {
	id         uint32
	video      bool
	fourcc     string
	timescale  uint32
	delta      uint32 // ticks per sample
	count      uint32 // samples
	sampleSize uint32 // bytes per sample
	offset     uint64 // file offset of the track's (single) chunk
}

func (t *mp4Track) ticks() uint64 { return uint64(t.count) * uint64(t.delta) }
func (t *mp4Track) bytes() uint64 { return uint64(t.count) * uint64(t.sampleSize) }

// firstSampleAt returns the index of the first sample starting at or after
// sec seconds.
func (t *mp4Track) firstSampleAt(sec float64) uint32 {
	i := math.Ceil(sec*float64(t.timescale)/float64(t.delta) - 1e-9)
	return uint32(min(math.Max(i, 0), float64(t.count)))
}

// audioFrameTicks is the samples-per-frame of each audio codec at 48 kHz.
func audioFrameTicks(fourcc string) uint32 {
	switch fourcc {
	case "Opus":
		return 960
	case "ac-3":
		return 1536
	}
	return 1024
}

func planTracks(o MP4Options, videoSampleSize, audioSampleSize uint32) []*mp4Track {
	delta := uint32(math.Max(1, math.Round(videoTimescale/o.FPS)))
	frames := uint32(math.Max(1, math.Round(o.Duration*o.FPS)))
	tracks := []*mp4Track{{
		id: 1, video: true, fourcc: o.Codec, timescale: videoTimescale,
		delta: delta, count: frames, sampleSize: videoSampleSize,
	}}
	if o.Audio {
		ad := audioFrameTicks(o.AudioCodec)
		tracks = append(tracks, &mp4Track{
			id: 2, fourcc: o.AudioCodec, timescale: audioTimescale, delta: ad,
			count:      uint32(math.Max(1, math.Round(o.Duration*audioTimescale/float64(ad)))),
			sampleSize: audioSampleSize,
		})
	}
	return tracks
}

// MP4 returns a small, structurally valid MP4 (or MOV) file. Samples are
// one byte each, so a 60 s file with audio is a few kilobytes; the sample
// tables describe the duration, size and frame rate asked for.
func MP4(opts MP4Options) []byte {
	o := opts.withDefaults()
	if o.Fragmented {
		return fragmentedMP4(o)
	}
	tracks := planTracks(o, 1, 1)
	var payload uint64
	for _, t := range tracks {
		payload += t.bytes()
	}
	head, tail := progressiveMP4(o, tracks, payload)
	out := make([]byte, 0, uint64(len(head)+len(tail))+payload)
	out = append(out, head...)
	for i := uint64(0); i < payload; i++ {
		out = append(out, byte(i*7+1)) // arbitrary, deterministic "media"
	}
	return append(out, tail...)
}

// LargeMP4 returns a virtual MP4 whose mdat holds mdatSize bytes of zeros
// that are synthesised on read instead of stored: a gigabyte-sized upload
// for benchmarks that costs a few kilobytes of memory. MoovAtEnd and the
// codec options apply; Fragmented is ignored.
func LargeMP4(opts MP4Options, mdatSize int64) *SparseFile {
	o := opts.withDefaults()
	o.Fragmented = false
	const audioSampleSize = 384 // ~144 kbit/s AAC
	probe := planTracks(o, 1, audioSampleSize)
	var audioBytes uint64
	if len(probe) > 1 {
		audioBytes = probe[1].bytes()
	}
	videoSize := uint64(1)
	if uint64(max(mdatSize, 0)) > audioBytes {
		videoSize = max(1, (uint64(mdatSize)-audioBytes)/uint64(probe[0].count))
	}
	tracks := planTracks(o, uint32(min(videoSize, math.MaxUint32)), audioSampleSize)
	payload := uint64(0)
	for _, t := range tracks {
		payload += t.bytes()
	}
	payload = max(payload, uint64(max(mdatSize, 0))) // padding after the samples
	head, tail := progressiveMP4(o, tracks, payload)
	return &SparseFile{head: head, fill: int64(payload), tail: tail}
}

// progressiveMP4 lays out a non-fragmented file whose mdat payload is
// payload bytes (video chunk first, then audio) and returns the bytes
// before and after that payload.
func progressiveMP4(o MP4Options, tracks []*mp4Track, payload uint64) (head, tail []byte) {
	ftyp := ftypBox(o)
	mdatHdr := mdatHeader(payload)
	place := func(start uint64) {
		for _, t := range tracks {
			t.offset = start
			start += t.bytes()
		}
	}
	if o.MoovAtEnd {
		place(uint64(len(ftyp) + len(mdatHdr)))
		return append(ftyp, mdatHdr...), moovBox(o, tracks)
	}
	// Fast start: the chunk offsets depend on the moov size, which does not
	// depend on their values (co64 is chosen from the payload size alone).
	place(0)
	moovLen := len(moovBox(o, tracks))
	place(uint64(len(ftyp) + moovLen + len(mdatHdr)))
	head = append(append(ftyp, moovBox(o, tracks)...), mdatHdr...)
	return head, nil
}

func mdatHeader(payload uint64) []byte {
	if payload+8 <= math.MaxUint32 {
		return box32(payload+8, "mdat")
	}
	h := []byte{0, 0, 0, 1, 'm', 'd', 'a', 't'}
	return appendU64(h, payload+16)
}

func box32(size uint64, typ string) []byte {
	return []byte{byte(size >> 24), byte(size >> 16), byte(size >> 8), byte(size), typ[0], typ[1], typ[2], typ[3]}
}

func appendU64(b []byte, v uint64) []byte {
	return append(b, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func appendU32(b []byte, v uint32) []byte {
	return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// boxWriter writes boxes through go-mp4's Writer and Marshal, remembering
// the first error so call sites stay linear.
type boxWriter struct {
	ws  *seekbuf.Buffer
	w   *mp4.Writer
	ctx mp4.Context
	err error
}

func newBoxWriter(ctx mp4.Context) *boxWriter {
	ws := &seekbuf.Buffer{}
	return &boxWriter{ws: ws, w: mp4.NewWriter(ws), ctx: ctx}
}

func (b *boxWriter) start(typ mp4.BoxType) {
	if b.err == nil {
		_, b.err = b.w.StartBox(&mp4.BoxInfo{Type: typ})
	}
}

func (b *boxWriter) end() {
	if b.err == nil {
		_, b.err = b.w.EndBox()
	}
}

// fields marshals a box payload (without header) into the open box.
func (b *boxWriter) fields(box mp4.IImmutableBox) {
	if b.err == nil {
		_, b.err = mp4.Marshal(b.w, box, b.ctx)
	}
}

// leaf writes a complete box with no children.
func (b *boxWriter) leaf(box mp4.IImmutableBox) {
	b.start(box.GetType())
	b.fields(box)
	b.end()
}

func (b *boxWriter) raw(p []byte) {
	if b.err == nil {
		_, b.err = b.w.Write(p)
	}
}

func (b *boxWriter) bytes() []byte {
	if b.err != nil {
		// Only reachable through a bug in this package: the boxes written
		// are fixed shapes that go-mp4 always marshals.
		panic("mediatest: writing MP4 boxes: " + b.err.Error())
	}
	return b.ws.Bytes()
}

func ftypBox(o MP4Options) []byte {
	ftyp := &mp4.Ftyp{MajorBrand: [4]byte{'i', 's', 'o', 'm'}, MinorVersion: 0x200}
	brands := []string{"isom", "iso2", "mp41"}
	switch {
	case o.QuickTime:
		ftyp.MajorBrand, ftyp.MinorVersion, brands = mp4.BrandQT(), 0x20050300, []string{"qt  "}
	case o.Fragmented:
		ftyp.MajorBrand, brands = [4]byte{'i', 's', 'o', '5'}, []string{"iso5", "iso6", "mp41"}
	}
	if o.Codec == "avc1" || o.Codec == "avc3" {
		brands = append(brands, "avc1")
	}
	for _, b := range brands {
		ftyp.AddCompatibleBrand([4]byte{b[0], b[1], b[2], b[3]})
	}
	bw := newBoxWriter(mp4.Context{})
	bw.leaf(ftyp)
	return bw.bytes()
}

func ctxFor(o MP4Options) mp4.Context {
	return mp4.Context{IsQuickTimeCompatible: o.QuickTime}
}

// rotationMatrix turns a w x h picture (16.16) deg degrees clockwise.
func rotationMatrix(deg int, w, h int32) [9]int32 {
	const one = 0x00010000
	switch deg {
	case 90:
		return [9]int32{0, one, 0, -one, 0, 0, h, 0, 0x40000000}
	case 180:
		return [9]int32{-one, 0, 0, 0, -one, 0, w, h, 0x40000000}
	case 270:
		return [9]int32{0, -one, 0, one, 0, 0, 0, w, 0x40000000}
	}
	return identityMatrix()
}

// identityMatrix is the unity transformation matrix of mvhd and tkhd.
func identityMatrix() [9]int32 {
	return [9]int32{0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000}
}

// moovBox writes the movie header. For fragmented files the sample tables
// are empty and mvex describes the fragments.
func moovBox(o MP4Options, tracks []*mp4Track) []byte {
	bw := newBoxWriter(ctxFor(o))
	movieDur := uint64(0)
	for _, t := range tracks {
		movieDur = max(movieDur, scaleTicks(t.ticks(), t.timescale, movieTimescale))
	}
	bw.start(mp4.BoxTypeMoov())
	mvhdDur := movieDur
	if o.Fragmented {
		mvhdDur = 0 // as fragmenting muxers write it: the length is in mehd
	}
	bw.leaf(&mp4.Mvhd{
		Timescale: movieTimescale, DurationV0: uint32(min(mvhdDur, math.MaxUint32-1)),
		Rate: 0x00010000, Volume: 0x0100, Matrix: identityMatrix(), NextTrackID: uint32(len(tracks) + 1),
	})
	for _, t := range tracks {
		trakBox(bw, o, t)
	}
	if o.Fragmented {
		bw.start(mp4.BoxTypeMvex())
		bw.leaf(&mp4.Mehd{FragmentDurationV0: uint32(min(movieDur, math.MaxUint32-1))})
		for _, t := range tracks {
			bw.leaf(&mp4.Trex{TrackID: t.id, DefaultSampleDescriptionIndex: 1,
				DefaultSampleDuration: t.delta, DefaultSampleSize: t.sampleSize})
		}
		bw.end()
	}
	bw.end()
	return bw.bytes()
}

func scaleTicks(ticks uint64, from, to uint32) uint64 {
	return uint64(math.Round(float64(ticks) * float64(to) / float64(from)))
}

func trakBox(bw *boxWriter, o MP4Options, t *mp4Track) {
	frag := o.Fragmented
	trackDur, mediaDur := scaleTicks(t.ticks(), t.timescale, movieTimescale), t.ticks()
	if frag {
		trackDur, mediaDur = 0, 0
	}
	bw.start(mp4.BoxTypeTrak())
	tkhd := &mp4.Tkhd{TrackID: t.id, DurationV0: uint32(min(trackDur, math.MaxUint32-1)), Matrix: identityMatrix()}
	tkhd.SetFlags(0x000003) // enabled, in movie
	if t.video {
		tkhd.Width, tkhd.Height = uint32(o.Width)<<16, uint32(o.Height)<<16
		tkhd.Matrix = rotationMatrix(o.Rotation, int32(o.Width)<<16, int32(o.Height)<<16)
	} else {
		tkhd.Volume, tkhd.AlternateGroup = 0x0100, 1
	}
	bw.leaf(tkhd)
	bw.start(mp4.BoxTypeMdia())
	bw.leaf(&mp4.Mdhd{Timescale: t.timescale, DurationV0: uint32(min(mediaDur, math.MaxUint32-1)),
		Language: [3]byte{'u' - 0x60, 'n' - 0x60, 'd' - 0x60}})
	hdlr := &mp4.Hdlr{HandlerType: [4]byte{'s', 'o', 'u', 'n'}, Name: "SoundHandler"}
	if t.video {
		hdlr = &mp4.Hdlr{HandlerType: [4]byte{'v', 'i', 'd', 'e'}, Name: "VideoHandler"}
	}
	bw.leaf(hdlr)
	bw.start(mp4.BoxTypeMinf())
	if t.video {
		vmhd := &mp4.Vmhd{}
		vmhd.SetFlags(1)
		bw.leaf(vmhd)
	} else {
		bw.leaf(&mp4.Smhd{})
	}
	bw.start(mp4.BoxTypeDinf())
	bw.start(mp4.BoxTypeDref())
	bw.fields(&mp4.Dref{EntryCount: 1})
	url := &mp4.Url{}
	url.SetFlags(1) // media data in this file
	bw.leaf(url)
	bw.end() // dref
	bw.end() // dinf
	bw.start(mp4.BoxTypeStbl())
	bw.start(mp4.BoxTypeStsd())
	bw.fields(&mp4.Stsd{EntryCount: 1})
	if t.video {
		visualEntry(bw, o)
	} else {
		audioEntry(bw, o)
	}
	bw.end() // stsd
	if frag {
		bw.leaf(&mp4.Stts{})
		bw.leaf(&mp4.Stsc{})
		bw.leaf(&mp4.Stsz{})
		bw.leaf(&mp4.Stco{})
	} else {
		bw.leaf(&mp4.Stts{EntryCount: 1, Entries: []mp4.SttsEntry{{SampleCount: t.count, SampleDelta: t.delta}}})
		if t.video && o.KeyframeInterval > 0 {
			bw.leaf(keyframeTable(o, t))
		}
		bw.leaf(&mp4.Stsc{EntryCount: 1, Entries: []mp4.StscEntry{{FirstChunk: 1, SamplesPerChunk: t.count, SampleDescriptionIndex: 1}}})
		bw.leaf(&mp4.Stsz{SampleSize: t.sampleSize, SampleCount: t.count})
		if t.offset > math.MaxUint32 {
			bw.leaf(&mp4.Co64{EntryCount: 1, ChunkOffset: []uint64{t.offset}})
		} else {
			bw.leaf(&mp4.Stco{EntryCount: 1, ChunkOffset: []uint32{uint32(t.offset)}})
		}
	}
	bw.end() // stbl
	bw.end() // minf
	bw.end() // mdia
	bw.end() // trak
}

// keyframeTable lists a sync sample (1-based) every KeyframeInterval
// seconds of t, starting with the first sample.
func keyframeTable(o MP4Options, t *mp4Track) *mp4.Stss {
	stss := &mp4.Stss{}
	// At least one frame apart, so the loop advances.
	every := math.Max(o.KeyframeInterval, float64(t.delta)/float64(t.timescale))
	for k := 0; ; k++ {
		i := t.firstSampleAt(float64(k) * every)
		if i >= t.count {
			break
		}
		if n := len(stss.SampleNumber); n > 0 && stss.SampleNumber[n-1] == i+1 {
			continue
		}
		stss.SampleNumber = append(stss.SampleNumber, i+1)
	}
	stss.EntryCount = uint32(len(stss.SampleNumber))
	return stss
}

// isVisualEntryType and isAudioEntryType report the sample entry types
// go-mp4 registers with the VisualSampleEntry and AudioSampleEntry layouts;
// other fourccs are marshalled through a proxy.
func isVisualEntryType(fourcc string) bool {
	switch fourcc {
	case "avc1", "encv", "hev1", "hvc1", "mp4v", "vp08", "vp09", "av01":
		return true
	}
	return false
}

func isAudioEntryType(fourcc string) bool {
	switch fourcc {
	case "mp4a", "enca", "Opus", "ac-3":
		return true
	}
	return false
}

// visualEntry writes the video sample entry and its configuration box.
func visualEntry(bw *boxWriter, o MP4Options) {
	typ := mp4.StrToBoxType(o.Codec)
	vse := &mp4.VisualSampleEntry{
		SampleEntry:     mp4.SampleEntry{AnyTypeBox: mp4.AnyTypeBox{Type: typ}, DataReferenceIndex: 1},
		Width:           uint16(o.Width),
		Height:          uint16(o.Height),
		Horizresolution: 0x00480000, // 72 dpi
		Vertresolution:  0x00480000,
		FrameCount:      1,
		Depth:           0x0018,
		PreDefined3:     -1,
	}
	name := "mediatest"
	vse.Compressorname[0] = byte(len(name))
	copy(vse.Compressorname[1:], name)
	bw.start(typ)
	if !isVisualEntryType(o.Codec) {
		// The layout is the same for every codec; marshal through a
		// registered type and keep the real fourcc in the header.
		vse.SetType(mp4.BoxTypeAvc1())
	}
	bw.fields(vse)
	switch o.Codec {
	case "avc1", "avc2", "avc3", "avc4":
		bw.leaf(avcConfig(o.Width, o.Height))
	case "hvc1", "hev1":
		hvcc := &mp4.HvcC{
			ConfigurationVersion: 1, GeneralProfileIdc: 1, GeneralLevelIdc: 93,
			Reserved1: 0xF, Reserved2: 0x3F, Reserved3: 0x3F, ChromaFormatIdc: 1,
			Reserved4: 0x1F, Reserved5: 0x1F, LengthSizeMinusOne: 3,
		}
		hvcc.GeneralProfileCompatibility[1] = true // Main
		bw.leaf(hvcc)
	case "mp4v":
		bw.leaf(esdsBox(0x20, 4, []byte{0x00, 0x00, 0x01, 0xB0, 0x01})) // MPEG-4 Visual, VOS start
	case "vp08", "vp09":
		vpcc := &mp4.VpcC{Level: 31, BitDepth: 8, ChromaSubsampling: 1,
			ColourPrimaries: 1, TransferCharacteristics: 1, MatrixCoefficients: 1}
		vpcc.SetVersion(1)
		bw.leaf(vpcc)
	case "av01":
		bw.leaf(&mp4.Av1C{Marker: 1, Version: 1, SeqLevelIdx0: 4, ChromaSubsamplingX: 1, ChromaSubsamplingY: 1})
	}
	bw.end()
}

// audioEntry writes the audio sample entry and its configuration box.
func audioEntry(bw *boxWriter, o MP4Options) {
	typ := mp4.StrToBoxType(o.AudioCodec)
	ase := &mp4.AudioSampleEntry{
		SampleEntry:  mp4.SampleEntry{AnyTypeBox: mp4.AnyTypeBox{Type: typ}, DataReferenceIndex: 1},
		ChannelCount: 2,
		SampleSize:   16,
		SampleRate:   audioTimescale << 16,
	}
	bw.start(typ)
	if !isAudioEntryType(o.AudioCodec) {
		ase.SetType(mp4.BoxTypeMp4a())
	}
	bw.fields(ase)
	switch o.AudioCodec {
	case "mp4a":
		bw.leaf(esdsBox(0x40, 5, []byte{0x11, 0x90})) // AAC LC, 48 kHz, stereo
	case "Opus":
		bw.leaf(&mp4.DOps{OutputChannelCount: 2, PreSkip: 312, InputSampleRate: audioTimescale})
	case "ac-3":
		bw.leaf(&mp4.Dac3{Bsid: 8, Acmod: 2, BitRateCode: 10})
	}
	bw.end()
}

// esdsBox builds an ES descriptor box (ISO/IEC 14496-1 §7.2.6.5) for the
// given object type and stream type with a decoder-specific payload.
func esdsBox(oti byte, streamType int8, dsi []byte) *mp4.Esds {
	const dcdFixed = 13 // DecoderConfigDescriptor fields
	dcdSize := uint32(dcdFixed + 2 + len(dsi))
	esSize := 3 + (2 + dcdSize) + (2 + 1)
	esds := &mp4.Esds{Descriptors: []mp4.Descriptor{
		{Tag: mp4.ESDescrTag, Size: esSize, ESDescriptor: &mp4.ESDescriptor{ESID: 1}},
		{Tag: mp4.DecoderConfigDescrTag, Size: dcdSize, DecoderConfigDescriptor: &mp4.DecoderConfigDescriptor{
			ObjectTypeIndication: oti, StreamType: streamType, Reserved: true,
			BufferSizeDB: 0x1800, MaxBitrate: 128000, AvgBitrate: 128000,
		}},
		{Tag: mp4.DecSpecificInfoTag, Size: uint32(len(dsi)), Data: dsi},
		{Tag: mp4.SLConfigDescrTag, Size: 1, Data: []byte{0x02}},
	}}
	return esds
}

// fragmentedMP4 writes ftyp, moov (with mvex) and one moof+mdat pair per
// fragmentSecs of media.
func fragmentedMP4(o MP4Options) []byte {
	tracks := planTracks(o, 1, 1)
	out := append(ftypBox(o), moovBox(o, tracks)...)
	seq := uint32(0)
	for start := 0.0; start < o.Duration; start += fragmentSecs {
		type run struct {
			t           *mp4Track
			first, last uint32
		}
		var runs []run
		var payload uint64
		for _, t := range tracks {
			first, last := t.firstSampleAt(start), t.firstSampleAt(start+fragmentSecs)
			if last > first {
				runs = append(runs, run{t, first, last})
				payload += uint64(last-first) * uint64(t.sampleSize)
			}
		}
		if len(runs) == 0 {
			break
		}
		seq++
		// Two passes: trun data offsets are relative to the moof start and
		// so depend on the moof size, which does not depend on them.
		build := func(moofLen uint64) []byte {
			bw := newBoxWriter(ctxFor(o))
			bw.start(mp4.BoxTypeMoof())
			bw.leaf(&mp4.Mfhd{SequenceNumber: seq})
			dataOff := moofLen + 8
			for _, r := range runs {
				bw.start(mp4.BoxTypeTraf())
				tfhd := &mp4.Tfhd{TrackID: r.t.id, DefaultSampleDuration: r.t.delta, DefaultSampleSize: r.t.sampleSize}
				tfhd.SetFlags(0x020000 | 0x000008 | 0x000010) // default-base-is-moof, duration, size
				bw.leaf(tfhd)
				tfdt := &mp4.Tfdt{BaseMediaDecodeTimeV1: uint64(r.first) * uint64(r.t.delta)}
				tfdt.SetVersion(1)
				bw.leaf(tfdt)
				// go-mp4 wants one entry per sample even when the entries
				// carry no fields.
				trun := &mp4.Trun{SampleCount: r.last - r.first, DataOffset: int32(dataOff),
					Entries: make([]mp4.TrunEntry, r.last-r.first)}
				trun.SetFlags(0x000001)
				if r.t.video && seq == 1 {
					// The first video run lists each duration, as some
					// muxers always do; later runs use the tfhd default.
					trun.AddFlag(0x000100)
					for i := range trun.Entries {
						trun.Entries[i].SampleDuration = r.t.delta
					}
				}
				bw.leaf(trun)
				bw.end()
				dataOff += uint64(r.last-r.first) * uint64(r.t.sampleSize)
			}
			bw.end()
			return bw.bytes()
		}
		moof := build(uint64(len(build(0))))
		out = append(out, moof...)
		out = append(out, mdatHeader(payload)...)
		for i := uint64(0); i < payload; i++ {
			out = append(out, byte(i*7+1))
		}
	}
	return out
}

// SparseFile is a virtual file: head bytes, then fill zero bytes that are
// never stored, then tail bytes. It implements io.ReaderAt.
type SparseFile struct {
	head []byte
	fill int64
	tail []byte
}

// Size returns the virtual file's length in bytes.
func (f *SparseFile) Size() int64 { return int64(len(f.head)) + f.fill + int64(len(f.tail)) }

// Synthetic returns the offset and length of the zero-filled region, the
// part that stands for media payload (mdat content, a SimpleBlock's frame).
func (f *SparseFile) Synthetic() (off, n int64) { return int64(len(f.head)), f.fill }

// ReadAt implements io.ReaderAt, synthesising the zero-filled middle.
func (f *SparseFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("mediatest: negative offset")
	}
	size := f.Size()
	if off >= size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < size {
		var k int
		switch h, mid := int64(len(f.head)), int64(len(f.head))+f.fill; {
		case off < h:
			k = copy(p[n:], f.head[off:])
		case off < mid:
			k = int(min(int64(len(p)-n), mid-off))
			clear(p[n : n+k])
		default:
			k = copy(p[n:], f.tail[off-mid:])
		}
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
