package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// MaxBodyBytes is the largest request or answer body the journal keeps
// whole; a larger one is kept as its size and SHA-256, so a journal of
// DefaultSize entries stays bounded in memory.
const MaxBodyBytes = 64 << 10

// Digest stands for a body the journal did not keep: a request or answer
// body over MaxBodyBytes, or a binary answer.
type Digest struct {
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// Capture encodes a decoded request body for an Entry: the JSON itself up
// to MaxBodyBytes, else its digest. A nil body or one that does not encode
// gives neither.
func Capture(body any) (json.RawMessage, *Digest) {
	if body == nil {
		return nil, nil
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, nil
	}
	if len(raw) > MaxBodyBytes {
		sum := sha256.Sum256(raw)
		return nil, &Digest{Size: len(raw), SHA256: hex.EncodeToString(sum[:])}
	}
	return raw, nil
}

// KeyID fingerprints an API key: the first 16 hex digits of its SHA-256.
// Two keys with the same prefix get different KeyIDs; the key itself
// cannot be read back from it.
func KeyID(key string) string {
	if key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// SameKey reports whether e was sent with key: by KeyID when the surface
// recorded one, else by the shortened APIKey.
func (e Entry) SameKey(key string) bool {
	if e.KeyID != "" {
		return e.KeyID == KeyID(key)
	}
	return e.APIKey == Fingerprint(key)
}

// Remove deletes the entries for which drop returns true and reports how
// many it deleted; the others keep their order and numbers.
func (j *Journal) Remove(drop func(Entry) bool) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	size := j.next
	if j.full {
		size = len(j.buf)
	}
	kept := make([]Entry, 0, size)
	for i := size - 1; i >= 0; i-- { // oldest first
		idx := (j.next - 1 - i + len(j.buf)) % len(j.buf)
		if !drop(j.buf[idx]) {
			kept = append(kept, j.buf[idx])
		}
	}
	clear(j.buf)
	copy(j.buf, kept)
	j.next, j.full = len(kept)%len(j.buf), len(kept) == len(j.buf)
	return size - len(kept)
}

// ForgetKey deletes the entries sent with key (a per-account reset, or
// DELETE /_mock/requests?api_key=K).
func (j *Journal) ForgetKey(key string) int {
	return j.Remove(func(e Entry) bool { return e.SameKey(key) })
}

// Size returns the journal's capacity.
func (j *Journal) Size() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.buf)
}
