package memsync

import (
	"hash/fnv"
	"math"
	"strings"
)

// scorer ranks a user's memories against a query by cosine similarity of TF-IDF vectors
// (sublinear term frequency, smoothed inverse document frequency over the user's memories).
// Concept terms ("#career") make paraphrases meet: "What does the user do for work?" finds
// "Is a software engineer" through the career concept.
type scorer struct {
	n     int
	df    map[string]int
	idfs  map[string]float64 // memo: each term's idf is computed once per query
	query map[string]float64
	qnorm float64
}

// newScorer weighs the query terms against the user's document frequencies.
func newScorer(u *user, queryTerms map[string]int) *scorer {
	sc := &scorer{n: len(u.memories), df: u.df, query: map[string]float64{}, idfs: map[string]float64{}}
	for t, tf := range queryTerms {
		w := termWeight(t, tf) * sc.idf(t)
		sc.query[t] = w
		sc.qnorm += w * w
	}
	sc.qnorm = math.Sqrt(sc.qnorm)
	return sc
}

// conceptWeight makes a shared topic count as much as about two shared words: without it a
// paraphrase ("work" vs "engineer") scores far from the documented 0.3-0.6 "moderately relevant"
// band of vector_distance.
const conceptWeight = 2

// termWeight is the sublinear term frequency, boosted for concept terms.
func termWeight(t string, tf int) float64 {
	w := 1 + math.Log(float64(tf))
	if strings.HasPrefix(t, "#") {
		w *= conceptWeight
	}
	return w
}

// idf is the smoothed inverse document frequency of t among the user's memories.
func (sc *scorer) idf(t string) float64 {
	if v, ok := sc.idfs[t]; ok {
		return v
	}
	v := math.Log(float64(sc.n+1)/float64(sc.df[t]+1)) + 1
	sc.idfs[t] = v
	return v
}

// cosine returns the similarity of the query and a memory, in [0, 1].
func (sc *scorer) cosine(m *memory) float64 {
	if sc.qnorm == 0 || len(m.terms) == 0 {
		return 0
	}
	var dot, norm float64
	for t, tf := range m.terms {
		w := termWeight(t, tf) * sc.idf(t)
		norm += w * w
		if q, ok := sc.query[t]; ok {
			dot += q * w
		}
	}
	if norm == 0 {
		return 0
	}
	c := dot / (sc.qnorm * math.Sqrt(norm))
	return clamp01(c)
}

// coverage is the share of query terms the memory contains; the reranker blends it in to favour
// memories that answer every part of the question.
func (sc *scorer) coverage(m *memory) float64 {
	if len(sc.query) == 0 {
		return 0
	}
	hit := 0
	for t := range sc.query {
		if m.terms[t] > 0 {
			hit++
		}
	}
	return float64(hit) / float64(len(sc.query))
}

// embedding is a 32-dimension hashed bag-of-words vector, L2-normalised: what the update page
// returns as "embeddings" when the content changes.
func embedding(terms map[string]int) []float64 {
	const dims = 32
	v := make([]float64, dims)
	for t, tf := range terms {
		h := fnv.New32a()
		_, _ = h.Write([]byte(t))
		x := h.Sum32()
		w := 1 + math.Log(float64(tf))
		if x&0x80000000 != 0 {
			w = -w
		}
		v[x%dims] += w
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	norm = math.Sqrt(norm)
	for i := range v {
		if norm > 0 {
			v[i] = round(v[i]/norm, 4)
		}
	}
	return v
}

// clamp01 bounds x to [0, 1] (NaN -> 0).
func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}

// round rounds x to places decimals.
func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
