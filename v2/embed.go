package v2

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"unicode"
)

// The mock's embeddings live in one semantic space for every model: a
// vector is the weighted sum of one dense pseudo-random direction per term
// (seeded by the term alone), L2-normalised. Texts, images and videos that
// share words therefore point the same way (cosine("beach", a beach video)
// is well above cosine("beach", a mountain video)), unrelated inputs are
// near-orthogonal, and the first k components of a longer vector are the
// k-dimensional vector before normalisation, as with Matryoshka-trained
// models such as gemini-embedding-001. Real models share no space across
// families; the mock's does so that cross-modal similarity can be tested.

// Embedding dimensions: multimodalembedding@001 answers 1408 (Vertex AI's
// documented size), gemini-embedding-001 3072 by default (Google's default;
// `dimensionality` 128–3072), mobileclip 512 [UNCERTAIN: the vendor's page
// gives no size; MobileCLIP's image encoders output 512].
const (
	dimsMultimodal   = 1408
	dimsGeminiText   = 3072
	dimsMobileCLIP   = 512
	minDimensonality = 128
)

// embedStopWords carry no content (articles, pronouns, auxiliaries and the
// generated transcripts' camera talk).
var embedStopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but of in on at to for with from by as into onto over under
		is are was were be been being it its this that these those there here he she they them his her their we you
		i me my our your not no so then than too very can will just do does did has have had while when where who what
		which how all some any each one two up down out off about after before again also only same such own more most
		other s t`) {
		m[w] = true
	}
	return m
}()

// embedTerms are the content words of text with their counts, lower-cased
// and folded to a simple singular ("beaches" -> "beach").
func embedTerms(texts ...string) map[string]int {
	out := map[string]int{}
	for _, t := range texts {
		for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			w = singular(w)
			if len(w) < 2 || embedStopWords[w] {
				continue
			}
			out[w]++
		}
	}
	return out
}

func singular(w string) string {
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 4 && (strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") ||
		strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes")):
		return w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") &&
		!strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

// embedWeights turns counts into weights (1 + ln tf), with boost added to
// the terms of `boosted` (a medium's keywords: what it is about).
func embedWeights(counts map[string]int, boosted []string, boost float64) map[string]float64 {
	out := make(map[string]float64, len(counts))
	for t, n := range counts {
		out[t] = 1 + math.Log(float64(n))
	}
	for t := range embedTerms(boosted...) {
		out[t] += boost
	}
	return out
}

// embedVector builds the dims-long unit vector of weighted terms. An input
// without content words gets the direction of the empty term, so the
// vector is still a unit vector.
func embedVector(weights map[string]float64, dims int) []float32 {
	if len(weights) == 0 {
		weights = map[string]float64{"": 1}
	}
	acc := make([]float64, dims)
	for term, w := range weights {
		h := fnv.New64a()
		_, _ = h.Write([]byte(term))
		r := rand.New(rand.NewPCG(h.Sum64(), 0x9e3779b97f4a7c15))
		for j := range acc {
			// Uniform in [-1, 1): the sum over terms is dense like a real
			// embedding, and distinct terms are nearly orthogonal.
			acc[j] += w * (float64(r.Uint64()>>11)/(1<<52) - 1)
		}
	}
	var norm float64
	for _, v := range acc {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	out := make([]float32, dims)
	for j, v := range acc {
		out[j] = float32(v / norm)
	}
	return out
}
