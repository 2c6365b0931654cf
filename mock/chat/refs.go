package chat

import (
	"sort"

	"github.com/memharness/memharness/mock/model"
)

// maxRefItems caps the evidence listed per video; the vendor's ref messages
// carry a handful of items, not the whole transcript.
const maxRefItems = 12

// refBuilder collects the segments an answer cites, per video, and turns
// them into Refs. Only segments taken from the input transcripts can be
// cited, which is what keeps every ref grounded.
type refBuilder struct {
	videos []Video
	items  [][]RefItem
	seen   []map[segKey]bool
}

type segKey struct {
	start, end float64
	typ        string
}

func newRefBuilder(videos []Video) *refBuilder {
	rb := &refBuilder{videos: videos, items: make([][]RefItem, len(videos)), seen: make([]map[segKey]bool, len(videos))}
	for i := range rb.seen {
		rb.seen[i] = map[segKey]bool{}
	}
	return rb
}

func (rb *refBuilder) add(vi int, s model.Segment, typ string) {
	if vi < 0 || vi >= len(rb.videos) {
		return
	}
	k := segKey{s.Start, s.End, typ}
	if rb.seen[vi][k] {
		return
	}
	rb.seen[vi][k] = true
	rb.items[vi] = append(rb.items[vi], RefItem{VideoNo: rb.videos[vi].VideoNo, Start: s.Start, End: s.End, Type: typ, Text: s.Text})
}

// visual cites a visual transcript segment.
func (rb *refBuilder) visual(vi int, s model.Segment) { rb.add(vi, s, RefVisualTS) }

// audio cites an audio transcript segment.
func (rb *refBuilder) audio(vi int, s model.Segment) { rb.add(vi, s, RefAudioTS) }

// build returns one Ref per video that has citations, in video order. Items
// are in time order (visual before audio at the same start), capped at
// maxRefItems, and led by a keyframe at the earliest cited visual segment's
// start, as in the vendor's sample (keyframe, then visual_ts, then audio_ts).
func (rb *refBuilder) build() []Ref {
	var refs []Ref
	for vi, items := range rb.items {
		if len(items) == 0 {
			continue
		}
		sorted := append([]RefItem(nil), items...)
		sort.SliceStable(sorted, func(i, j int) bool {
			if sorted[i].Start != sorted[j].Start {
				return sorted[i].Start < sorted[j].Start
			}
			return sorted[i].Type == RefVisualTS && sorted[j].Type != RefVisualTS
		})
		if len(sorted) > maxRefItems-1 {
			sorted = sorted[:maxRefItems-1]
		}
		out := make([]RefItem, 0, len(sorted)+1)
		for _, it := range sorted {
			if it.Type == RefVisualTS {
				out = append(out, RefItem{VideoNo: it.VideoNo, Start: it.Start, Type: RefKeyframe})
				break
			}
		}
		out = append(out, sorted...)
		v := rb.videos[vi]
		refs = append(refs, Ref{Video: Video{VideoNo: v.VideoNo, Name: v.Name, Duration: v.Duration}, Items: out})
	}
	return refs
}
