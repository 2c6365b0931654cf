package content

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/mock/model"
)

// Mode says what a search ranks.
type Mode int

const (
	// ByVideo ranks clips cut from visual segments (search_type BY_VIDEO).
	ByVideo Mode = iota
	// ByClip is the newer name of ByVideo (search_type BY_CLIP).
	ByClip
	// ByAudio ranks spoken lines of audio transcripts (BY_AUDIO).
	ByAudio
	// ByImage ranks image documents by name and caption (BY_IMAGE).
	ByImage
)

// ParseMode maps a search_type value (BY_VIDEO, BY_CLIP, BY_AUDIO,
// BY_IMAGE; case-insensitive) to a Mode.
func ParseMode(searchType string) (Mode, bool) {
	switch strings.ToUpper(strings.TrimSpace(searchType)) {
	case "BY_VIDEO":
		return ByVideo, true
	case "BY_CLIP":
		return ByClip, true
	case "BY_AUDIO":
		return ByAudio, true
	case "BY_IMAGE":
		return ByImage, true
	}
	return ByVideo, false
}

// Search limits (OAS: top_k default 100, range 1-1000).
const (
	DefaultTopK = 100
	MaxTopK     = 1000
	// DefaultRadiusKm is how close a geo filter's point must be; the vendor
	// describes latitude+longitude filtering as "about 20 km".
	DefaultRadiusKm = 20.0
)

// BM25 parameters and the weights of the normalised score (see Search).
const (
	bm25K1      = 1.2
	bm25B       = 0.75
	weightCover = 0.65
	weightExtra = 0.10
	weightName  = 0.25

	maxClipSeconds = 30.0 // merged clips stay at most this long
	maxClipUnits   = 10   // and span at most this many segments
	mergeRatio     = 0.8  // neighbours must score at least this share of the clip's best segment
)

// Threshold returns the minimum score of a filtering_level: low 0.15,
// medium 0.225, high 0.4 (the OAS's thresholds). An empty level means no
// filtering (0, true); an unknown level returns (0, false).
func Threshold(level string) (float64, bool) {
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "":
		return 0, true
	case "low":
		return 0.15, true
	case "medium":
		return 0.225, true
	case "high":
		return 0.4, true
	}
	return 0, false
}

// Doc is one searchable video or image, owned by a namespace the caller
// chooses (for example account + "\x00" + unique_id). Only parsed media
// should be added. The index keeps the Doc (and shares its slices), so the
// caller must not modify them afterwards.
type Doc struct {
	Namespace string
	VideoNo   string // video or image id; unique within the namespace
	Name      string // file / video name; its words boost ranking
	Image     bool   // an image: searched by ByImage only
	Caption   string // images: the generated caption
	// Visual and Audio are the transcripts of a video (Visual may also hold
	// an image's description).
	Visual, Audio []model.Segment
	Tags          []string
	CameraModel   string
	DatetimeTaken time.Time // zero: unknown
	Lat, Lon      *float64  // nil: unknown
}

// Query is one search.
type Query struct {
	Namespace string
	Text      string // the prompt; stop words are ignored
	Mode      Mode
	TopK      int     // <= 0: DefaultTopK; capped at MaxTopK
	MinScore  float64 // see Threshold
	// Filters; zero values mean "no filter".
	VideoNos    []string
	Tag         string    // case-insensitive, one of the doc's tags
	CameraModel string    // case-insensitive, equal to the doc's camera model
	TakenAfter  time.Time // DatetimeTaken at or after
	Lat, Lon    *float64  // both set: within RadiusKm of the doc's position
	RadiusKm    float64   // <= 0: DefaultRadiusKm
}

// Hit is one search result. For ByVideo/ByClip it is a clip made of one or
// more adjacent matching visual segments; for ByAudio one spoken line; for
// ByImage one image (Start = End = 0).
type Hit struct {
	VideoNo string
	Name    string
	Start   float64
	End     float64
	Score   float64 // in [0, 1]
	Text    string  // the matching segment text(s), or the image caption
}

// TranscriptHit is one audio line that contains a substring query.
type TranscriptHit struct {
	VideoNo string
	Name    string
	Index   int // segment index in the audio transcript
	Start   float64
	End     float64
	Text    string
	Speaker string
}

type fieldKind int

const (
	fVisual fieldKind = iota
	fAudio
	fImage
	nFields
)

// unit is one retrievable piece of text: a segment, or a whole image.
type unit struct {
	doc    uint32
	seg    uint32
	length uint32 // number of terms
}

// posting carries the unit's length too, so scoring does not have to look
// the unit up (one less random memory access per posting).
type posting struct {
	unit   uint32
	tf     uint16
	length uint16 // unit length, saturated at 65535
}

func sat16(n int) uint16 { return uint16(min(n, math.MaxUint16)) }

type fieldIndex struct {
	units    []unit
	postings map[string][]posting // sorted by unit
	live     int
	totalLen int
}

type docEntry struct {
	doc       Doc
	first     [nFields]uint32
	count     [nFields]uint32
	nameTerms []string
	// audioLower holds the lower-cased audio lines. (Searching line by line
	// measured faster than one Contains over a joined transcript: short
	// haystacks take the vectorised brute-force path.)
	audioLower []string
}

type nsIndex struct {
	docs      []*docEntry // nil once removed
	byNo      map[string]uint32
	order     []uint32 // live doc ids sorted by VideoNo
	fields    [nFields]fieldIndex
	names     map[string][]uint32 // name/tag term -> doc ids, sorted
	deadUnits int
}

// Index is an in-memory inverted index over documents in namespaces. It is
// safe for concurrent use: searches share a read lock, Add and Remove take
// the write lock.
type Index struct {
	mu   sync.RWMutex
	ns   map[string]*nsIndex
	free chan *scratch // reusable search buffers (a sync.Pool would be emptied by every GC)
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{ns: map[string]*nsIndex{}, free: make(chan *scratch, 8)}
}

func newNS() *nsIndex {
	n := &nsIndex{byNo: map[string]uint32{}, names: map[string][]uint32{}}
	for i := range n.fields {
		n.fields[i].postings = map[string][]posting{}
	}
	return n
}

// Add indexes doc, replacing any document with the same namespace and
// VideoNo.
func (ix *Index) Add(doc Doc) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ns := ix.ns[doc.Namespace]
	if ns == nil {
		ns = newNS()
		ix.ns[doc.Namespace] = ns
	}
	if id, ok := ns.byNo[doc.VideoNo]; ok {
		ns.remove(id)
	}
	ns.add(doc)
	ns.maybeCompact()
}

// Remove drops the document videoNo from namespace and reports whether it
// was there.
func (ix *Index) Remove(namespace, videoNo string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ns := ix.ns[namespace]
	if ns == nil {
		return false
	}
	id, ok := ns.byNo[videoNo]
	if !ok {
		return false
	}
	ns.remove(id)
	if len(ns.byNo) == 0 {
		delete(ix.ns, namespace)
		return true
	}
	ns.maybeCompact()
	return true
}

// RemoveNamespace drops every document of namespace.
func (ix *Index) RemoveNamespace(namespace string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	delete(ix.ns, namespace)
}

// Len returns the number of documents in namespace.
func (ix *Index) Len(namespace string) int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ns := ix.ns[namespace]; ns != nil {
		return len(ns.byNo)
	}
	return 0
}

// unitTexts returns the texts a document contributes to field f.
func unitTexts(d *Doc, f fieldKind) []string {
	switch f {
	case fVisual:
		if d.Image {
			return nil
		}
		out := make([]string, len(d.Visual))
		for i, s := range d.Visual {
			out[i] = s.Text
		}
		return out
	case fAudio:
		if d.Image {
			return nil
		}
		out := make([]string, len(d.Audio))
		for i, s := range d.Audio {
			out[i] = s.Text
		}
		return out
	default:
		if !d.Image {
			return nil
		}
		parts := []string{strings.Join(NameWords(d.Name), " "), d.Caption}
		for _, s := range d.Visual {
			parts = append(parts, s.Text)
		}
		return []string{strings.Join(parts, " ")}
	}
}

// docNameTerms are the terms of the name and tags, which boost ranking.
func docNameTerms(d *Doc) []string {
	parts := NameWords(d.Name)
	for _, t := range d.Tags {
		parts = append(parts, words(t)...)
	}
	return uniqueTerms(strings.Join(parts, " "))
}

func (ns *nsIndex) add(doc Doc) {
	id := uint32(len(ns.docs))
	e := &docEntry{doc: doc, nameTerms: docNameTerms(&doc)}
	for f := fieldKind(0); f < nFields; f++ {
		fi := &ns.fields[f]
		texts := unitTexts(&doc, f)
		e.first[f] = uint32(len(fi.units))
		e.count[f] = uint32(len(texts))
		for seg, text := range texts {
			u := uint32(len(fi.units))
			ts := terms(text)
			fi.units = append(fi.units, unit{doc: id, seg: uint32(seg), length: uint32(len(ts))})
			fi.live++
			fi.totalLen += len(ts)
			tf := map[string]uint32{}
			for _, t := range ts {
				tf[t]++
			}
			for t, n := range tf {
				fi.postings[t] = append(fi.postings[t], posting{unit: u, tf: sat16(int(n)), length: sat16(len(ts))})
			}
		}
	}
	if !doc.Image {
		e.audioLower = make([]string, len(doc.Audio))
		for i, s := range doc.Audio {
			e.audioLower[i] = strings.ToLower(s.Text)
		}
	}
	for _, t := range e.nameTerms {
		ns.names[t] = append(ns.names[t], id)
	}
	ns.docs = append(ns.docs, e)
	ns.byNo[doc.VideoNo] = id
	i, _ := slices.BinarySearchFunc(ns.order, doc.VideoNo, func(x uint32, no string) int {
		return strings.Compare(ns.docs[x].doc.VideoNo, no)
	})
	ns.order = slices.Insert(ns.order, i, id)
}

func (ns *nsIndex) remove(id uint32) {
	e := ns.docs[id]
	for f := fieldKind(0); f < nFields; f++ {
		fi := &ns.fields[f]
		texts := unitTexts(&e.doc, f)
		for seg, text := range texts {
			u := e.first[f] + uint32(seg)
			for _, t := range uniqueTerms(text) {
				list := fi.postings[t]
				if i, ok := slices.BinarySearchFunc(list, u, func(p posting, u uint32) int { return cmpU32(p.unit, u) }); ok {
					list = slices.Delete(list, i, i+1)
				}
				if len(list) == 0 {
					delete(fi.postings, t)
				} else {
					fi.postings[t] = list
				}
			}
			fi.live--
			fi.totalLen -= int(fi.units[u].length)
			ns.deadUnits++
		}
	}
	for _, t := range e.nameTerms {
		list := ns.names[t]
		if i, ok := slices.BinarySearch(list, id); ok {
			list = slices.Delete(list, i, i+1)
		}
		if len(list) == 0 {
			delete(ns.names, t)
		} else {
			ns.names[t] = list
		}
	}
	if i, ok := slices.BinarySearchFunc(ns.order, e.doc.VideoNo, func(x uint32, no string) int {
		return strings.Compare(ns.docs[x].doc.VideoNo, no)
	}); ok {
		ns.order = slices.Delete(ns.order, i, i+1)
	}
	delete(ns.byNo, e.doc.VideoNo)
	ns.docs[id] = nil
}

// maybeCompact rebuilds the namespace once most of its unit slots belong to
// removed documents, so memory does not grow with churn.
func (ns *nsIndex) maybeCompact() {
	total := 0
	for _, f := range ns.fields {
		total += len(f.units)
	}
	if ns.deadUnits < 4096 || ns.deadUnits*2 < total {
		return
	}
	fresh := newNS()
	for _, e := range ns.docs {
		if e != nil {
			fresh.add(e.doc)
		}
	}
	*ns = *fresh
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scratch holds per-search accumulators indexed by unit id (and name
// scores indexed by document id), reused so a search allocates little.
type scratch struct {
	acc     []accum
	flag    []uint8
	touched []uint32
	cands   []cand
	name    []float64
	named   []uint32
	scores  []float64
}

type accum struct{ cover, extra float64 }

type cand struct {
	unit  uint32
	score float64
}

func (ix *Index) getScratch(units, docs int) *scratch {
	var sc *scratch
	select {
	case sc = <-ix.free:
	default:
		sc = &scratch{}
	}
	if len(sc.acc) < units {
		sc.acc = make([]accum, units)
		sc.flag = make([]uint8, units)
	}
	if len(sc.name) < docs {
		sc.name = make([]float64, docs)
	}
	sc.touched = sc.touched[:0]
	sc.cands = sc.cands[:0]
	sc.named = sc.named[:0]
	return sc
}

func (ix *Index) putScratch(sc *scratch) {
	for _, u := range sc.touched {
		sc.acc[u], sc.flag[u] = accum{}, 0
	}
	for _, d := range sc.named {
		sc.name[d] = 0
	}
	select {
	case ix.free <- sc:
	default: // enough buffers kept already
	}
}

// Search ranks the namespace's documents for q and returns at most TopK
// hits with Score >= MinScore, best first (ties: VideoNo, then Start).
//
// Scoring: every query term t gets the BM25 weight idf(t) = ln(1 + (N - n_t
// + 0.5) / (n_t + 0.5)) over the units (segments or images) of the searched
// field, and a unit's BM25 term frequency part tfn = tf(k1+1) / (tf +
// k1(1 - b + b·len/avglen)) with k1 = 1.2, b = 0.75. The score is then
// normalised by the query's own total weight W = Σ idf(t), so it is stable
// in [0, 1] whatever the corpus size:
//
//	score = 0.65·Σ idf·min(tfn,1)/W + 0.10·Σ idf·min(tfn-1,1)⁺/W + 0.25·Σ_{t in name or tags} idf/W
//
// A unit containing every query term once at average length scores 0.65; a
// video whose name or tags contain the words gets up to 0.25 more, so a
// video named after the query ranks first. A document that matches only by
// name yields one hit at its first segment.
func (ix *Index) Search(q Query) []Hit {
	qterms := uniqueTerms(q.Text)
	if len(qterms) == 0 {
		return nil
	}
	topK := q.TopK
	if topK <= 0 {
		topK = DefaultTopK
	}
	topK = min(topK, MaxTopK)
	f := fVisual
	switch q.Mode {
	case ByAudio:
		f = fAudio
	case ByImage:
		f = fImage
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	ns := ix.ns[q.Namespace]
	if ns == nil {
		return nil
	}
	fi := &ns.fields[f]
	if fi.live == 0 {
		return nil
	}
	n := float64(fi.live)
	avg := float64(fi.totalLen) / n
	if avg <= 0 {
		avg = 1
	}
	weights := make([]float64, len(qterms))
	var total float64
	for i, t := range qterms {
		nt := float64(len(fi.postings[t]))
		weights[i] = math.Log(1 + (n-nt+0.5)/(nt+0.5))
		total += weights[i]
	}

	sc := ix.getScratch(len(fi.units), len(ns.docs))
	defer ix.putScratch(sc)
	// BM25 length normalisation k1·(1 - b + b·len/avg) = normA + normB·len
	normA, normB := bm25K1*(1-bm25B), bm25K1*bm25B/avg
	for i, t := range qterms {
		w := weights[i]
		for _, p := range fi.postings[t] {
			u := p.unit
			tf := float64(p.tf)
			// explicit float64 conversions stop the compiler from fusing
			// multiply-adds, keeping scores identical across platforms
			norm := normA + float64(normB*float64(p.length))
			tfn := float64(tf*(bm25K1+1)) / (tf + norm)
			a := &sc.acc[u]
			if a.cover == 0 {
				sc.touched = append(sc.touched, u)
			}
			a.cover += float64(w * min(tfn, 1))
			if tfn > 1 {
				a.extra += float64(w * min(tfn-1, 1))
			}
		}
	}
	for i, t := range qterms {
		for _, d := range ns.names[t] {
			if sc.name[d] == 0 {
				sc.named = append(sc.named, d)
			}
			sc.name[d] += weights[i]
		}
	}
	// documents that match by name only: one candidate at their first unit
	if len(sc.named) > 0 {
		var ids []uint32
		for _, d := range sc.named {
			e := ns.docs[d]
			if e.count[f] == 0 {
				continue
			}
			matched := false
			for u := e.first[f]; u < e.first[f]+e.count[f] && !matched; u++ {
				matched = sc.acc[u].cover > 0
			}
			if !matched {
				ids = append(ids, d)
			}
		}
		slices.Sort(ids)
		for _, d := range ids {
			u := ns.docs[d].first[f]
			sc.touched = append(sc.touched, u)
			sc.flag[u] = 2 // name-only: never merged with neighbours
		}
	}

	allowed := ix.filter(q, ns)
	score := func(u uint32) float64 {
		a := sc.acc[u]
		s := float64(weightCover*a.cover) + float64(weightExtra*a.extra) + float64(weightName*sc.name[fi.units[u].doc])
		return math.Min(1, s/total)
	}
	for _, u := range sc.touched {
		if !allowed(fi.units[u].doc) {
			continue
		}
		if s := score(u); s > 0 && s >= q.MinScore {
			sc.cands = append(sc.cands, cand{unit: u, score: s})
		}
	}
	if len(sc.cands) == 0 {
		return nil
	}

	// Only the best candidates can seed the top-K clips: each clip consumes
	// at most maxClipUnits candidates, so the maxClipUnits·K best (plus
	// ties) give exactly the same clips as the full list, for less heap work.
	perClip := 1
	if f == fVisual {
		perClip = maxClipUnits
	}
	if limit := perClip*topK + 64; len(sc.cands) > limit {
		sc.scores = sc.scores[:0]
		for _, c := range sc.cands {
			sc.scores = append(sc.scores, c.score)
		}
		cut := nthLargest(sc.scores, limit-1)
		kept := sc.cands[:0]
		for _, c := range sc.cands {
			if c.score >= cut {
				kept = append(kept, c)
			}
		}
		sc.cands = kept
	}

	less := func(a, b cand) bool { // a ranks before b
		if a.score != b.score {
			return a.score > b.score
		}
		da, db := ns.docs[fi.units[a.unit].doc], ns.docs[fi.units[b.unit].doc]
		if c := strings.Compare(da.doc.VideoNo, db.doc.VideoNo); c != 0 {
			return c < 0
		}
		return a.unit < b.unit
	}
	h := candHeap{items: sc.cands, less: less}
	h.init()
	var hits []Hit
	for len(hits) < topK && len(h.items) > 0 {
		c := h.pop()
		if sc.flag[c.unit] == 1 {
			continue // already part of an earlier clip
		}
		first, last := c.unit, c.unit
		sc.flag[c.unit] = 1
		if f == fVisual {
			// Merge adjacent matching segments of the same video into one
			// clip, as long as they match about as well as the best one and
			// the clip stays short: the vendor returns clips of seconds, not
			// whole videos.
			segs := ns.docs[fi.units[c.unit].doc].doc.Visual
			mergeable := func(v, a, b uint32) bool {
				if fi.units[v].doc != fi.units[c.unit].doc || sc.acc[v].cover == 0 || sc.flag[v] != 0 {
					return false
				}
				if b-a+1 > maxClipUnits || segs[fi.units[b].seg].End-segs[fi.units[a].seg].Start > maxClipSeconds {
					return false
				}
				s := score(v)
				return s >= q.MinScore && s >= mergeRatio*c.score
			}
			for first > 0 && mergeable(first-1, first-1, last) {
				first--
				sc.flag[first] = 1
			}
			for int(last)+1 < len(fi.units) && mergeable(last+1, first, last+1) {
				last++
				sc.flag[last] = 1
			}
		}
		hits = append(hits, ns.hit(f, fi, first, last, c.score))
	}
	return hits
}

// hit builds the Hit for units first..last of one document.
func (ns *nsIndex) hit(f fieldKind, fi *fieldIndex, first, last uint32, score float64) Hit {
	e := ns.docs[fi.units[first].doc]
	h := Hit{VideoNo: e.doc.VideoNo, Name: e.doc.Name, Score: score}
	switch f {
	case fImage:
		h.Text = e.doc.Caption
		if h.Text == "" && len(e.doc.Visual) > 0 {
			h.Text = e.doc.Visual[0].Text
		}
	default:
		segs := e.doc.Visual
		if f == fAudio {
			segs = e.doc.Audio
		}
		a, b := segs[fi.units[first].seg], segs[fi.units[last].seg]
		h.Start, h.End = a.Start, b.End
		texts := make([]string, 0, last-first+1)
		for u := first; u <= last; u++ {
			texts = append(texts, segs[fi.units[u].seg].Text)
		}
		h.Text = strings.Join(texts, " ")
	}
	return h
}

// filter returns the document predicate of q's filters, memoised per doc.
func (ix *Index) filter(q Query, ns *nsIndex) func(doc uint32) bool {
	geo := q.Lat != nil && q.Lon != nil
	if len(q.VideoNos) == 0 && q.Tag == "" && q.CameraModel == "" && q.TakenAfter.IsZero() && !geo {
		return func(uint32) bool { return true }
	}
	var nos map[string]struct{}
	if len(q.VideoNos) > 0 {
		nos = setOf(q.VideoNos...)
	}
	radius := q.RadiusKm
	if radius <= 0 {
		radius = DefaultRadiusKm
	}
	memo := map[uint32]bool{}
	return func(id uint32) bool {
		if ok, seen := memo[id]; seen {
			return ok
		}
		d := &ns.docs[id].doc
		ok := true
		if nos != nil && !has(nos, d.VideoNo) {
			ok = false
		}
		if ok && q.Tag != "" {
			ok = slices.ContainsFunc(d.Tags, func(t string) bool { return strings.EqualFold(strings.TrimSpace(t), strings.TrimSpace(q.Tag)) })
		}
		if ok && q.CameraModel != "" {
			ok = strings.EqualFold(strings.TrimSpace(d.CameraModel), strings.TrimSpace(q.CameraModel))
		}
		if ok && !q.TakenAfter.IsZero() {
			ok = !d.DatetimeTaken.IsZero() && !d.DatetimeTaken.Before(q.TakenAfter)
		}
		if ok && geo {
			ok = d.Lat != nil && d.Lon != nil && DistanceKm(*q.Lat, *q.Lon, *d.Lat, *d.Lon) <= radius
		}
		memo[id] = ok
		return ok
	}
}

// DistanceKm is the great-circle (haversine) distance between two points.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthRadiusKm = 6371.0
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// nthLargest returns the k-th largest value (0-based) of xs, reordering xs
// (quickselect with a median-of-three pivot; deterministic).
func nthLargest(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		// order xs[lo] >= xs[mid] >= xs[hi], then use xs[mid] as the pivot
		if xs[mid] > xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] > xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] > xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] > pivot {
				i++
			}
			for xs[j] < pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

// candHeap is a binary heap ordered by less (the best candidate on top).
type candHeap struct {
	items []cand
	less  func(a, b cand) bool
}

func (h *candHeap) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *candHeap) pop() cand {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	if last > 0 {
		h.down(0)
	}
	return top
}

func (h *candHeap) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		best := l
		if r := l + 1; r < n && h.less(h.items[r], h.items[l]) {
			best = r
		}
		if !h.less(h.items[best], h.items[i]) {
			return
		}
		h.items[i], h.items[best] = h.items[best], h.items[i]
		i = best
	}
}

// SearchTranscripts finds audio lines of the namespace's videos that
// contain query as a case-insensitive substring (the vendor's "exact"
// LIKE search), ordered by VideoNo then time. page is 1-based (< 1 means
// 1); pageSize <= 0 means 100 and is capped at 1000. total counts every
// match.
func (ix *Index) SearchTranscripts(namespace, query string, page, pageSize int) (hits []TranscriptHit, total int) {
	q := strings.ToLower(query)
	if strings.TrimSpace(q) == "" {
		return nil, 0
	}
	if page < 1 {
		page = 1
	}
	if pageSize <= 0 {
		pageSize = 100
	}
	pageSize = min(pageSize, 1000)
	from := math.MaxInt // absurd pages are simply past the end
	if page-1 <= math.MaxInt/pageSize-1 {
		from = (page - 1) * pageSize
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	ns := ix.ns[namespace]
	if ns == nil {
		return nil, 0
	}
	for _, id := range ns.order {
		e := ns.docs[id]
		for i, low := range e.audioLower {
			if !strings.Contains(low, q) {
				continue
			}
			if total >= from && len(hits) < pageSize {
				s := e.doc.Audio[i]
				hits = append(hits, TranscriptHit{VideoNo: e.doc.VideoNo, Name: e.doc.Name, Index: i,
					Start: s.Start, End: s.End, Text: s.Text, Speaker: s.Speaker})
			}
			total++
		}
	}
	return hits, total
}
