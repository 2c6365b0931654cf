package content

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
)

// rng is a small deterministic random source. It only uses PCG.Uint64, whose
// output is specified, and derives everything else itself, so results do not
// depend on how a Go release implements rand.Rand's helpers.
type rng struct{ src *rand.PCG }

// newRNG seeds a PCG from two FNV-1a hashes of seed, the given string parts
// and a salt, so different objects (and different uses for one object) get
// independent streams.
func newRNG(seed int64, parts ...string) *rng {
	return &rng{src: rand.NewPCG(hashParts(seed, 0x9e3779b97f4a7c15, parts), hashParts(seed, 0xc2b2ae3d27d4eb4f, parts))}
}

// hashParts hashes seed, salt and parts (each followed by a 0 byte so that
// ("ab","c") and ("a","bc") differ).
func hashParts(seed int64, salt uint64, parts []string) uint64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(seed))
	binary.LittleEndian.PutUint64(b[8:], salt)
	_, _ = h.Write(b[:])
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// intn returns a number in [0, n); n <= 0 yields 0.
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.src.Uint64() % uint64(n))
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// chance reports true with probability pct/100.
func (r *rng) chance(pct int) bool { return r.intn(100) < pct }

// pick returns a random element of list ("" for an empty list).
func (r *rng) pick(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[r.intn(len(list))]
}

// digits returns n random decimal digits, the first one non-zero.
func (r *rng) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		if i == 0 {
			b[i] = byte('1' + r.intn(9))
		} else {
			b[i] = byte('0' + r.intn(10))
		}
	}
	return string(b)
}

// chars returns n random characters drawn from alphabet.
func (r *rng) chars(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.intn(len(alphabet))]
	}
	return string(b)
}

// shuffle permutes list in place (Fisher-Yates).
func shuffle[T any](r *rng, list []T) {
	for i := len(list) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		list[i], list[j] = list[j], list[i]
	}
}
