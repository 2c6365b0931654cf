package v2

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	mp4 "github.com/abema/go-mp4"

	"github.com/memharness/memharness/internal/seekbuf"
	"github.com/memharness/memharness/mock/media"
)

// errNotCuttable marks media the MP4 cutter cannot index: another
// container, a fragmented MP4, a file without a video track or with
// inconsistent sample tables. Callers fall back to a documented behaviour.
var errNotCuttable = errors.New("v2: media cannot be cut")

// maxCutSamples bounds the sample tables the cutter holds (about 9 hours of
// 30 fps video with audio); larger files are not cut.
const maxCutSamples = 2_000_000

// cutSource is a progressive MP4 (or MOV) indexed sample by sample: what
// is needed to pick the samples of a time range and to rewrite the sample
// tables around them. Nothing is re-encoded.
type cutSource struct {
	r          io.ReadSeeker
	at         io.ReaderAt
	movieScale uint32
	tracks     []*cutTrack
}

// cutTrack is one track's samples.
type cutTrack struct {
	handler   string // "vide", "soun", …
	timescale uint32
	// matrix, width and height are the track header's display matrix and
	// presentation size (16.16 fixed point).
	matrix        [9]int32
	width, height uint32
	stsd          []byte   // the raw stsd box: two sources join only when equal
	starts        []uint64 // decode time of each sample, in timescale ticks
	deltas        []uint32
	sizes         []uint32
	offsets       []uint64
	sync          []bool  // nil: every sample is a sync sample (no stss)
	ctts          []int64 // nil: no composition offsets
	cttsV1        bool

	// raw tables while parsing
	stts  *mp4.Stts
	rctts *mp4.Ctts
	stsc  *mp4.Stsc
	stsz  *mp4.Stsz
	stco  []uint64
	stss  *mp4.Stss
}

func (t *cutTrack) video() bool { return t.handler == "vide" }

// seconds converts ticks of the track to seconds.
func (t *cutTrack) seconds(ticks uint64) float64 { return float64(ticks) / float64(t.timescale) }

// indexMP4 reads the sample tables of a progressive MP4.
func indexMP4(f interface {
	io.ReadSeeker
	io.ReaderAt
}) (*cutSource, error) {
	src := &cutSource{r: f, at: f}
	var cur *cutTrack
	fragmented := false
	_, err := mp4.ReadBoxStructure(f, func(h *mp4.ReadHandle) (any, error) {
		switch h.BoxInfo.Type {
		case mp4.BoxTypeMoov(), mp4.BoxTypeMdia(), mp4.BoxTypeMinf(), mp4.BoxTypeStbl():
			return h.Expand()
		case mp4.BoxTypeTrak():
			cur = &cutTrack{}
			src.tracks = append(src.tracks, cur)
			return h.Expand()
		case mp4.BoxTypeMoof(), mp4.BoxTypeMvex():
			fragmented = true
			return nil, nil
		}
		switch h.BoxInfo.Type {
		case mp4.BoxTypeMvhd(), mp4.BoxTypeTkhd(), mp4.BoxTypeMdhd(), mp4.BoxTypeHdlr(), mp4.BoxTypeStsd(), mp4.BoxTypeStts(),
			mp4.BoxTypeCtts(), mp4.BoxTypeStsc(), mp4.BoxTypeStsz(), mp4.BoxTypeStco(), mp4.BoxTypeCo64(), mp4.BoxTypeStss():
		default:
			return nil, nil
		}
		if len(h.Path) < 2 {
			return nil, nil
		}
		box, _, err := h.ReadPayload()
		if err != nil {
			return nil, err
		}
		switch b := box.(type) {
		case *mp4.Mvhd:
			src.movieScale = b.Timescale
		}
		if cur == nil {
			return nil, nil
		}
		switch b := box.(type) {
		case *mp4.Tkhd:
			cur.matrix, cur.width, cur.height = b.Matrix, b.Width, b.Height
		case *mp4.Mdhd:
			cur.timescale = b.Timescale
		case *mp4.Hdlr:
			if h.Path[len(h.Path)-2] == mp4.BoxTypeMdia() {
				cur.handler = string(b.HandlerType[:])
			}
		case *mp4.Stsd:
			raw := make([]byte, h.BoxInfo.Size)
			if _, err := f.ReadAt(raw, int64(h.BoxInfo.Offset)); err != nil {
				return nil, err
			}
			cur.stsd = raw
		case *mp4.Stts:
			cur.stts = b
		case *mp4.Ctts:
			cur.rctts = b
		case *mp4.Stsc:
			cur.stsc = b
		case *mp4.Stsz:
			cur.stsz = b
		case *mp4.Stco:
			cur.stco = make([]uint64, len(b.ChunkOffset))
			for i, o := range b.ChunkOffset {
				cur.stco[i] = uint64(o)
			}
		case *mp4.Co64:
			cur.stco = b.ChunkOffset
		case *mp4.Stss:
			cur.stss = b
		}
		return nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotCuttable, err)
	}
	if fragmented || src.movieScale == 0 {
		return nil, errNotCuttable
	}
	hasVideo := false
	total := 0
	for _, t := range src.tracks {
		if err := t.build(); err != nil {
			return nil, err
		}
		total += len(t.sizes)
		hasVideo = hasVideo || (t.video() && len(t.sizes) > 0)
		if total > maxCutSamples {
			return nil, errNotCuttable
		}
	}
	if !hasVideo {
		return nil, errNotCuttable
	}
	return src, nil
}

// build expands the run-length tables into per-sample arrays and drops the
// raw tables.
func (t *cutTrack) build() error {
	if t.timescale == 0 || t.stts == nil || t.stsz == nil || t.stsc == nil || t.stsd == nil {
		return errNotCuttable
	}
	n := int(t.stsz.SampleCount)
	if n > maxCutSamples {
		return errNotCuttable
	}
	t.sizes = make([]uint32, n)
	for i := range t.sizes {
		if t.stsz.SampleSize != 0 {
			t.sizes[i] = t.stsz.SampleSize
		} else if i < len(t.stsz.EntrySize) {
			t.sizes[i] = t.stsz.EntrySize[i]
		} else {
			return errNotCuttable
		}
	}
	t.starts, t.deltas = make([]uint64, 0, n), make([]uint32, 0, n)
	var now uint64
	for _, e := range t.stts.Entries {
		for k := uint32(0); k < e.SampleCount && len(t.deltas) < n; k++ {
			t.starts = append(t.starts, now)
			t.deltas = append(t.deltas, e.SampleDelta)
			now += uint64(e.SampleDelta)
		}
	}
	if len(t.deltas) != n {
		return errNotCuttable
	}
	// Chunk offsets: stsc runs give the samples per chunk; samples of a
	// chunk follow each other.
	if len(t.stco) > n {
		return errNotCuttable // more chunks than samples
	}
	t.offsets = make([]uint64, 0, n)
	entries := t.stsc.Entries
	e := -1 // the stsc run in force, advanced as the chunks go by
	for ci := range t.stco {
		chunk := uint32(ci + 1)
		for e+1 < len(entries) && entries[e+1].FirstChunk <= chunk {
			e++
		}
		per := uint32(0)
		if e >= 0 {
			per = entries[e].SamplesPerChunk
		}
		off := t.stco[ci]
		for k := uint32(0); k < per && len(t.offsets) < n; k++ {
			t.offsets = append(t.offsets, off)
			off += uint64(t.sizes[len(t.offsets)-1])
		}
	}
	if len(t.offsets) != n {
		return errNotCuttable
	}
	if t.stss != nil {
		t.sync = make([]bool, n)
		for _, s := range t.stss.SampleNumber {
			if s >= 1 && int(s) <= n {
				t.sync[s-1] = true
			}
		}
	}
	if t.rctts != nil {
		t.cttsV1 = t.rctts.GetVersion() == 1
		t.ctts = make([]int64, 0, n)
		for _, e := range t.rctts.Entries {
			v := int64(e.SampleOffsetV0)
			if t.cttsV1 {
				v = int64(e.SampleOffsetV1)
			}
			for k := uint32(0); k < e.SampleCount && len(t.ctts) < n; k++ {
				t.ctts = append(t.ctts, v)
			}
		}
		for len(t.ctts) < n {
			t.ctts = append(t.ctts, 0)
		}
	}
	t.stts, t.rctts, t.stsc, t.stsz, t.stco, t.stss = nil, nil, nil, nil, nil, nil
	return nil
}

// videoTrack is the first video track with samples.
func (s *cutSource) videoTrack() *cutTrack {
	for _, t := range s.tracks {
		if t.video() && len(t.sizes) > 0 {
			return t
		}
	}
	return nil
}

// keyframes are the start times (seconds) of the video track's sync
// samples, ascending; every sample when the file has no stss.
func (s *cutSource) keyframes() []float64 {
	v := s.videoTrack()
	out := make([]float64, 0, 64)
	for i, st := range v.starts {
		if v.sync == nil || v.sync[i] {
			out = append(out, v.seconds(st))
		}
	}
	return out
}

// frameRate is the video track's mean frame rate.
func (s *cutSource) frameRate() float64 {
	v := s.videoTrack()
	end := v.starts[len(v.starts)-1] + uint64(v.deltas[len(v.deltas)-1])
	if end == 0 {
		return 0
	}
	return float64(len(v.starts)) / v.seconds(end)
}

// compatible reports whether o's tracks can be joined after s's: same
// track count, handlers, timescales and sample descriptions.
func (s *cutSource) compatible(o *cutSource) bool {
	if len(s.tracks) != len(o.tracks) {
		return false
	}
	for i, t := range s.tracks {
		u := o.tracks[i]
		if t.handler != u.handler || t.timescale != u.timescale || !bytes.Equal(t.stsd, u.stsd) ||
			(t.sync == nil) != (u.sync == nil) || (t.ctts == nil) != (u.ctts == nil) {
			return false
		}
	}
	return true
}

// cutPiece is a time range [From, To) of a source. From should be a
// keyframe time, so that the piece starts decodable.
type cutPiece struct {
	Src      *cutSource
	From, To float64
}

// span is a run of samples of one track of one source.
type span struct {
	src         *cutSource
	t           *cutTrack
	first, last int // [first, last)
}

// sampleRange is the samples of t starting in [from, to) seconds.
func sampleRange(t *cutTrack, from, to float64) (int, int) {
	lo := uint64(math.Round(from * float64(t.timescale)))
	hi := uint64(math.Round(to * float64(t.timescale)))
	first := sort.Search(len(t.starts), func(i int) bool { return t.starts[i] >= lo })
	last := sort.Search(len(t.starts), func(i int) bool { return t.starts[i] >= hi })
	return first, last
}

// outTrack is one track of the file being written.
type outTrack struct {
	tmpl  *cutTrack
	spans []span
	count int
	ticks uint64
	bytes uint64
}

// remuxOptions changes the written file beyond the cut.
type remuxOptions struct {
	// turn rotates the video tracks' display by this many degrees
	// clockwise (0, 90, 180, 270) on top of the template's own rotation:
	// the track header's matrix changes, the pixels do not.
	turn int
}

// remuxMP4 writes a progressive MP4 holding the pieces one after the other
// (ftyp, moov, mdat; one chunk per track), with the first piece's file as
// the template: its boxes are copied, except the sample tables, the
// durations and the edit lists, which are rewritten. It returns the
// written duration in seconds.
func remuxMP4(pieces []cutPiece, w io.Writer) (float64, error) {
	return remuxMP4With(pieces, w, remuxOptions{})
}

// displaySize is the template's video size as players show it: the track
// header's presentation size turned by its matrix and by turn more
// degrees. ok is false without a video track header size.
func (s *cutSource) displaySize(turn int) (w, h int, ok bool) {
	v := s.videoTrack()
	if v == nil || v.width>>16 == 0 || v.height>>16 == 0 {
		return 0, 0, false
	}
	w, h = int(v.width>>16), int(v.height>>16)
	if deg := (media.MatrixRotation(v.matrix) + turn) % 360; deg == 90 || deg == 270 {
		w, h = h, w
	}
	return w, h, true
}

// remuxMP4With is remuxMP4 with options.
func remuxMP4With(pieces []cutPiece, w io.Writer, opt remuxOptions) (float64, error) {
	if len(pieces) == 0 {
		return 0, errNotCuttable
	}
	tmpl := pieces[0].Src
	outs := make([]*outTrack, len(tmpl.tracks))
	for i, t := range tmpl.tracks {
		outs[i] = &outTrack{tmpl: t}
	}
	for _, p := range pieces {
		if p.Src != tmpl && !tmpl.compatible(p.Src) {
			return 0, errNotCuttable
		}
		for i, t := range p.Src.tracks {
			first, last := sampleRange(t, p.From, p.To)
			if last <= first {
				continue
			}
			o := outs[i]
			o.spans = append(o.spans, span{src: p.Src, t: t, first: first, last: last})
			o.count += last - first
			for k := first; k < last; k++ {
				o.ticks += uint64(t.deltas[k])
				o.bytes += uint64(t.sizes[k])
			}
		}
	}
	var payload uint64
	for _, o := range outs {
		payload += o.bytes
	}
	if payload+8 > math.MaxUint32 {
		return 0, errNotCuttable // the mock cuts parts under 4 GiB
	}
	movieTicks := uint64(0)
	for _, o := range outs {
		movieTicks = max(movieTicks, o.ticks*uint64(tmpl.movieScale)/uint64(o.tmpl.timescale))
	}
	// Two passes: the chunk offsets depend on the head's size, which does
	// not depend on their values (stco entries are fixed-size).
	head, err := writeHead(tmpl, outs, movieTicks, 0, opt)
	if err != nil {
		return 0, err
	}
	head, err = writeHead(tmpl, outs, movieTicks, uint64(len(head))+8, opt)
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(head); err != nil {
		return 0, err
	}
	mdat := []byte{byte((payload + 8) >> 24), byte((payload + 8) >> 16), byte((payload + 8) >> 8), byte(payload + 8), 'm', 'd', 'a', 't'}
	if _, err := w.Write(mdat); err != nil {
		return 0, err
	}
	for _, o := range outs {
		for _, sp := range o.spans {
			// Contiguous samples are copied as one range.
			k := sp.first
			for k < sp.last {
				off, n := sp.t.offsets[k], uint64(sp.t.sizes[k])
				k++
				for k < sp.last && sp.t.offsets[k] == off+n {
					n += uint64(sp.t.sizes[k])
					k++
				}
				if _, err := io.Copy(w, io.NewSectionReader(sp.src.at, int64(off), int64(n))); err != nil {
					return 0, err
				}
			}
		}
	}
	return float64(movieTicks) / float64(tmpl.movieScale), nil
}

// writeHead writes ftyp and moov with the new sample tables; base is the
// file offset of the mdat payload.
func writeHead(tmpl *cutSource, outs []*outTrack, movieTicks, base uint64, opt remuxOptions) ([]byte, error) {
	ws := &seekbuf.Buffer{}
	w := mp4.NewWriter(ws)
	offsets := make([]uint64, len(outs))
	next := base
	for i, o := range outs {
		offsets[i] = next
		next += o.bytes
	}
	trak := -1
	writeBox := func(box mp4.IImmutableBox, ctx mp4.Context) error {
		if _, err := w.StartBox(&mp4.BoxInfo{Type: box.GetType()}); err != nil {
			return err
		}
		if _, err := mp4.Marshal(w, box, ctx); err != nil {
			return err
		}
		_, err := w.EndBox()
		return err
	}
	_, err := mp4.ReadBoxStructure(tmpl.r, func(h *mp4.ReadHandle) (any, error) {
		typ := h.BoxInfo.Type
		ctx := h.BoxInfo.Context
		depth := len(h.Path)
		switch {
		case depth == 1 && typ == mp4.BoxTypeFtyp():
			return nil, w.CopyBox(tmpl.r, &h.BoxInfo)
		case depth == 1 && typ != mp4.BoxTypeMoov():
			return nil, nil // mdat, free, …: the new mdat follows
		case typ == mp4.BoxTypeMvex(), typ == mp4.BoxTypeEdts():
			return nil, nil // edit lists would point into the old timeline
		case typ == mp4.BoxTypeMoov(), typ == mp4.BoxTypeTrak(), typ == mp4.BoxTypeMdia(), typ == mp4.BoxTypeMinf():
			if typ == mp4.BoxTypeTrak() {
				trak++
			}
			if _, err := w.StartBox(&mp4.BoxInfo{Type: typ}); err != nil {
				return nil, err
			}
			if _, err := h.Expand(); err != nil {
				return nil, err
			}
			_, err := w.EndBox()
			return nil, err
		case typ == mp4.BoxTypeMvhd(), typ == mp4.BoxTypeTkhd(), typ == mp4.BoxTypeMdhd():
			box, _, err := h.ReadPayload()
			if err != nil {
				return nil, err
			}
			switch b := box.(type) {
			case *mp4.Mvhd:
				b.DurationV0, b.DurationV1 = uint32(min(movieTicks, math.MaxUint32)), movieTicks
			case *mp4.Tkhd:
				if trak >= 0 && trak < len(outs) {
					o := outs[trak]
					d := o.ticks * uint64(tmpl.movieScale) / uint64(o.tmpl.timescale)
					b.DurationV0, b.DurationV1 = uint32(min(d, math.MaxUint32)), d
					if opt.turn%360 != 0 && o.tmpl.video() {
						// Orientation without re-encoding: the display
						// matrix turns the picture, as a phone's does.
						deg := (media.MatrixRotation(b.Matrix) + opt.turn) % 360
						b.Matrix = media.RotationMatrix(deg, b.Width>>16, b.Height>>16)
					}
				}
			case *mp4.Mdhd:
				if trak >= 0 && trak < len(outs) {
					d := outs[trak].ticks
					b.DurationV0, b.DurationV1 = uint32(min(d, math.MaxUint32)), d
				}
			}
			return nil, writeBox(box, ctx)
		case typ == mp4.BoxTypeStbl():
			if trak < 0 || trak >= len(outs) {
				return nil, w.CopyBox(tmpl.r, &h.BoxInfo)
			}
			return nil, writeStbl(w, outs[trak], offsets[trak], ctx, writeBox)
		}
		return nil, w.CopyBox(tmpl.r, &h.BoxInfo)
	})
	if err != nil {
		return nil, err
	}
	return ws.Bytes(), nil
}

// writeStbl writes a sample table box for o: the template's stsd, then
// stts, ctts, stss, stsc, stsz and stco describing one chunk at off.
func writeStbl(w *mp4.Writer, o *outTrack, off uint64, ctx mp4.Context, writeBox func(mp4.IImmutableBox, mp4.Context) error) error {
	if _, err := w.StartBox(&mp4.BoxInfo{Type: mp4.BoxTypeStbl()}); err != nil {
		return err
	}
	if _, err := w.Write(o.tmpl.stsd); err != nil {
		return err
	}
	stts := &mp4.Stts{}
	stsz := &mp4.Stsz{EntrySize: make([]uint32, 0, o.count)}
	var stss *mp4.Stss
	if o.tmpl.sync != nil {
		stss = &mp4.Stss{}
	}
	var ctts *mp4.Ctts
	if o.tmpl.ctts != nil {
		ctts = &mp4.Ctts{}
		if o.tmpl.cttsV1 {
			ctts.SetVersion(1)
		}
	}
	n := uint32(0)
	for _, sp := range o.spans {
		t := sp.t
		for k := sp.first; k < sp.last; k++ {
			n++
			if l := len(stts.Entries); l > 0 && stts.Entries[l-1].SampleDelta == t.deltas[k] {
				stts.Entries[l-1].SampleCount++
			} else {
				stts.Entries = append(stts.Entries, mp4.SttsEntry{SampleCount: 1, SampleDelta: t.deltas[k]})
			}
			stsz.EntrySize = append(stsz.EntrySize, t.sizes[k])
			if stss != nil && (t.sync == nil || t.sync[k]) {
				stss.SampleNumber = append(stss.SampleNumber, n)
			}
			if ctts != nil {
				v := t.ctts[k]
				if l := len(ctts.Entries); l > 0 && cttsValue(ctts.Entries[l-1], o.tmpl.cttsV1) == v {
					ctts.Entries[l-1].SampleCount++
				} else {
					e := mp4.CttsEntry{SampleCount: 1}
					if o.tmpl.cttsV1 {
						e.SampleOffsetV1 = int32(v)
					} else {
						e.SampleOffsetV0 = uint32(v)
					}
					ctts.Entries = append(ctts.Entries, e)
				}
			}
		}
	}
	stts.EntryCount = uint32(len(stts.Entries))
	stsz.SampleCount = n
	// One size for every sample is written once, as muxers do.
	if len(stsz.EntrySize) > 0 {
		same := true
		for _, v := range stsz.EntrySize[1:] {
			if v != stsz.EntrySize[0] {
				same = false
				break
			}
		}
		if same {
			stsz.SampleSize, stsz.EntrySize = stsz.EntrySize[0], nil
		}
	}
	boxes := []mp4.IImmutableBox{stts}
	if ctts != nil {
		ctts.EntryCount = uint32(len(ctts.Entries))
		boxes = append(boxes, ctts)
	}
	if stss != nil {
		stss.EntryCount = uint32(len(stss.SampleNumber))
		boxes = append(boxes, stss)
	}
	stsc := &mp4.Stsc{}
	stco := &mp4.Stco{}
	if n > 0 {
		stsc.Entries = []mp4.StscEntry{{FirstChunk: 1, SamplesPerChunk: n, SampleDescriptionIndex: 1}}
		stco.ChunkOffset = []uint32{uint32(off)}
	}
	stsc.EntryCount, stco.EntryCount = uint32(len(stsc.Entries)), uint32(len(stco.ChunkOffset))
	boxes = append(boxes, stsc, stsz, stco)
	for _, b := range boxes {
		if err := writeBox(b, ctx); err != nil {
			return err
		}
	}
	_, err := w.EndBox()
	return err
}

func cttsValue(e mp4.CttsEntry, v1 bool) int64 {
	if v1 {
		return int64(e.SampleOffsetV1)
	}
	return int64(e.SampleOffsetV0)
}
