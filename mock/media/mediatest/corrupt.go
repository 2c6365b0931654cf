package mediatest

import "math/rand/v2"

// CorruptName is a plausible file name for Corrupt's bytes: uploads are
// judged by content, not by extension.
const CorruptName = "holiday.mp4"

// Corrupt returns 4 KiB of deterministic garbage that no container parser
// accepts: it starts with no known magic number or plausible box header.
func Corrupt() []byte {
	rng := rand.New(rand.NewPCG(0xBAD, 0xF00D))
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	// 0xDE.. as an ISO box size is 3.7 GB, and "\x7fGRB" is no box type or
	// EBML ID, so the header cannot be mistaken for a real one.
	copy(b, []byte{0xDE, 0xAD, 0xBE, 0xEF, 0x7F, 'G', 'R', 'B'})
	return b
}
