package v2

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"strconv"
	"sync"

	"github.com/memharness/memharness/internal/clock"
)

// idMint mints ids in the documented formats: assets `re_` + 18 digits
// (snowflake-like), frame groups `im_` + 18 digits, frames
// `imc_<parent digits>_<i>`, task ids 32 lowercase hex (uuid4 hex, no
// dashes). Ids are deterministic under the seed: the n-th id minted is the
// same on every run.
type idMint struct {
	mu   sync.Mutex
	seed int64
	n    uint64
	clk  clock.Clock
}

func newIDMint(seed int64, clk clock.Clock) *idMint { return &idMint{seed: seed, clk: clk} }

func (m *idMint) next(kind string) uint64 {
	m.mu.Lock()
	m.n++
	n := m.n
	m.mu.Unlock()
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(m.seed))
	binary.LittleEndian.PutUint64(b[8:], n)
	h.Write(b[:])
	h.Write([]byte(kind))
	return h.Sum64()
}

// digits18 is an 18-digit number that starts like the vendor's (6…).
func digits18(x uint64) string {
	return strconv.FormatUint(600_000_000_000_000_000+x%99_999_999_999_999_999, 10)
}

func (m *idMint) asset() string { return "re_" + digits18(m.next("asset")) }
func (m *idMint) group() string { return "im_" + digits18(m.next("group")) }

func (m *idMint) task() string {
	a, b := m.next("task-a"), m.next("task-b")
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], a)
	binary.BigEndian.PutUint64(buf[8:], b)
	buf[6] = buf[6]&0x0f | 0x40 // version 4
	buf[8] = buf[8]&0x3f | 0x80 // variant
	return hex.EncodeToString(buf[:])
}

func (m *idMint) token() string {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], m.next("token"))
	return hex.EncodeToString(buf[:])
}
