package content

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is one text memory as memories/add receives it.
type Memory struct {
	Role       string    `json:"role"`
	Content    string    `json:"content"`
	Tags       []string  `json:"tags,omitempty"`
	Lat        *float64  `json:"latitude,omitempty"`
	Lon        *float64  `json:"longitude,omitempty"`
	MemoriesAt time.Time `json:"memories_at"` // the caller sets "now" when the client gave none
}

// StoredMemory is a Memory with its id.
type StoredMemory struct {
	ID string `json:"id"` // 18 digits
	Memory
	seq uint64 // insertion order, breaks ties
}

// MemoryHit is one search result.
type MemoryHit struct {
	StoredMemory
	Score float64 `json:"score"` // in [0, 1]
}

// MemoryIndex stores text memories per namespace and ranks them with BM25.
// It is safe for concurrent use.
type MemoryIndex struct {
	mu   sync.RWMutex
	seed int64
	seq  uint64
	ids  map[string]struct{}
	ns   map[string]*memNS
}

type memNS struct {
	items    []StoredMemory
	postings map[string][]posting // unit = item index, sorted
	tags     map[string][]uint32  // tag term -> item indexes
	totalLen int
}

// NewMemoryIndex returns an empty store whose ids derive from seed.
func NewMemoryIndex(seed int64) *MemoryIndex {
	return &MemoryIndex{seed: seed, ids: map[string]struct{}{}, ns: map[string]*memNS{}}
}

// Add stores mems in namespace and returns their ids (18 digits, unique in
// the index, deterministic for a seed and the sequence of Add calls).
func (m *MemoryIndex) Add(namespace string, mems []Memory) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ns := m.ns[namespace]
	if ns == nil {
		ns = &memNS{postings: map[string][]posting{}, tags: map[string][]uint32{}}
		m.ns[namespace] = ns
	}
	ids := make([]string, 0, len(mems))
	for _, mem := range mems {
		m.seq++
		r := newRNG(m.seed, "memory", namespace, strconv.FormatUint(m.seq, 10))
		var id string
		for {
			id = r.digits(18)
			if _, dup := m.ids[id]; !dup {
				break
			}
		}
		m.ids[id] = struct{}{}
		mem.Tags = slices.Clone(mem.Tags)
		idx := uint32(len(ns.items))
		ns.items = append(ns.items, StoredMemory{ID: id, Memory: mem, seq: m.seq})
		ts := terms(mem.Content)
		ns.totalLen += len(ts)
		tf := map[string]uint32{}
		for _, t := range ts {
			tf[t]++
		}
		for t, n := range tf {
			ns.postings[t] = append(ns.postings[t], posting{unit: idx, tf: sat16(int(n)), length: sat16(len(ts))})
		}
		for _, t := range uniqueTerms(strings.Join(mem.Tags, " ")) {
			ns.tags[t] = append(ns.tags[t], idx)
		}
		ids = append(ids, id)
	}
	return ids
}

// Len returns the number of memories in namespace.
func (m *MemoryIndex) Len(namespace string) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if ns := m.ns[namespace]; ns != nil {
		return len(ns.items)
	}
	return 0
}

// pageBounds turns a 1-based page (< 1 means 1) and a size (<= 0 means 20,
// capped at 1000) into slice bounds over total items.
func pageBounds(page, pageSize, total int) (int, int) {
	if page < 1 {
		page = 1
	}
	if pageSize <= 0 {
		pageSize = 20
	}
	pageSize = min(pageSize, 1000)
	if page-1 > total/pageSize { // past the end (also avoids overflow on absurd pages)
		return total, total
	}
	from := min((page-1)*pageSize, total)
	return from, min(from+pageSize, total)
}

// newer reports whether a should be listed before b: later MemoriesAt
// first, then later insertion.
func newer(a, b *StoredMemory) bool {
	if !a.MemoriesAt.Equal(b.MemoriesAt) {
		return a.MemoriesAt.After(b.MemoriesAt)
	}
	return a.seq > b.seq
}

func cmpNewest(a, b *StoredMemory) int {
	switch {
	case newer(a, b):
		return -1
	case newer(b, a):
		return 1
	}
	return 0
}

// List returns one page of namespace's memories, newest first, and the total.
func (m *MemoryIndex) List(namespace string, page, pageSize int) ([]StoredMemory, int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ns := m.ns[namespace]
	if ns == nil {
		return nil, 0
	}
	all := slices.Clone(ns.items)
	slices.SortFunc(all, func(a, b StoredMemory) int { return cmpNewest(&a, &b) })
	from, to := pageBounds(page, pageSize, len(all))
	return all[from:to], len(all)
}

// Search ranks namespace's memories for query with BM25 (k1 1.2, b 0.75)
// over the content plus a tag boost, normalised like Index.Search so scores
// are in [0, 1]. Only memories sharing a term with the query are returned,
// best first (ties: newest first); total counts them all.
func (m *MemoryIndex) Search(namespace, query string, page, pageSize int) ([]MemoryHit, int) {
	qterms := uniqueTerms(query)
	m.mu.RLock()
	defer m.mu.RUnlock()
	ns := m.ns[namespace]
	if ns == nil || len(qterms) == 0 || len(ns.items) == 0 {
		return nil, 0
	}
	n := float64(len(ns.items))
	avg := math.Max(1, float64(ns.totalLen)/n)
	cover := map[uint32]float64{}
	extra := map[uint32]float64{}
	tagged := map[uint32]float64{}
	var total float64
	for _, t := range qterms {
		nt := float64(len(ns.postings[t]))
		w := math.Log(1 + (n-nt+0.5)/(nt+0.5))
		total += w
		for _, p := range ns.postings[t] {
			tf := float64(p.tf)
			norm := float64(bm25K1 * float64(1-bm25B+float64(bm25B*float64(p.length))/avg))
			tfn := float64(tf*(bm25K1+1)) / (tf + norm)
			cover[p.unit] += float64(w * min(tfn, 1))
			if tfn > 1 {
				extra[p.unit] += float64(w * min(tfn-1, 1))
			}
		}
		for _, i := range ns.tags[t] {
			tagged[i] += w
		}
	}
	var hits []MemoryHit
	for i := range ns.items {
		u := uint32(i)
		c, ok1 := cover[u]
		tg, ok2 := tagged[u]
		if !ok1 && !ok2 {
			continue
		}
		s := float64(weightCover*c) + float64(weightExtra*extra[u]) + float64(weightName*tg)
		hits = append(hits, MemoryHit{StoredMemory: ns.items[i], Score: math.Min(1, s/total)})
	}
	slices.SortFunc(hits, func(a, b MemoryHit) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return cmpNewest(&a.StoredMemory, &b.StoredMemory)
	})
	from, to := pageBounds(page, pageSize, len(hits))
	return hits[from:to], len(hits)
}
