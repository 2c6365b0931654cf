package mock

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
)

// ids mints identifiers in the documented formats from a generator seeded
// by --seed, so a fresh mock replays the same ids for the same calls.
type ids struct {
	mu  sync.Mutex
	rnd *rand.Rand
}

func newIDs(seed int64) *ids {
	return &ids{rnd: rand.New(rand.NewPCG(uint64(seed), 0x6d656d6f72696573))}
}

// digits18 returns 18 digits starting with 5 or 6, like the vendor's
// snowflake-style numbers (VI568102998803353600).
func (g *ids) digits18() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return fmt.Sprintf("%d%017d", 5+g.rnd.IntN(2), g.rnd.Int64N(1e17))
}

// video returns a private video number: VI + 18 digits.
func (g *ids) video() string { return "VI" + g.digits18() }

// public returns a public video number: PI- + 18 digits.
func (g *ids) public() string { return "PI-" + g.digits18() }

// number returns an 18-digit id (sessions, images, memories).
func (g *ids) number() string { return g.digits18() }

// folder returns a folder id: 9 digits, small enough to survive clients
// that parse JSON numbers as doubles.
func (g *ids) folder() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return 100_000_000 + g.rnd.Int64N(900_000_000)
}

// task returns a task id: a UUID, "_", and 32 hex digits that are the same
// for every task of one account, as the vendor's examples show.
func (g *ids) task(account string) string {
	g.mu.Lock()
	var b [16]byte
	for i := range b {
		b[i] = byte(g.rnd.UintN(256))
	}
	g.mu.Unlock()
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	sum := md5.Sum([]byte(account))
	return fmt.Sprintf("%s-%s-%s-%s-%s_%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32], hex.EncodeToString(sum[:]))
}

// hexName returns 32 hex digits, the vendor's internal video names.
func (g *ids) hexName() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return fmt.Sprintf("%016x%016x", g.rnd.Uint64(), g.rnd.Uint64())
}
