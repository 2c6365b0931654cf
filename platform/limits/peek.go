package limits

import (
	"hash/maphash"
	"maps"
	"slices"
	"time"
)

// BucketState is what one of an account's rate-limit buckets holds right
// now, for the dashboard: a read, never a take.
type BucketState struct {
	// Group is the bucket's name: a group, or an operationId with an
	// override of its own.
	Group string `json:"group"`
	// Limit is the bucket's rate as ParseLimit reads it ("10/s").
	Limit string `json:"limit"`
	// Burst is the bucket's size.
	Burst int `json:"burst"`
	// Remaining is the number of whole requests it would accept now.
	Remaining int `json:"remaining"`
	// Tokens is the exact fill, for a gauge.
	Tokens float64 `json:"tokens"`
	// FullAt is when it will be full again (now when it is full).
	FullAt time.Time `json:"full_at"`
	// Used is false when the account never used the group (or its bucket
	// refilled and was dropped): the bucket is full.
	Used bool `json:"used"`
}

// Peek reports the state of every limited bucket of account, sorted by
// name, without taking a token or creating a bucket. Unused groups are
// reported full.
func (l *Limiter) Peek(account string) []BucketState {
	now := l.clk.Now()
	lims := l.Limits()
	out := make([]BucketState, 0, len(lims))
	for _, name := range slices.Sorted(maps.Keys(lims)) {
		lim := lims[name]
		if lim.Unlimited() {
			continue
		}
		st := BucketState{Group: name, Limit: lim.String(), Burst: lim.burst(),
			Remaining: lim.burst(), Tokens: float64(lim.burst()), FullAt: now}
		if b := l.lookup(account, name); b != nil {
			b.mu.Lock()
			at := now
			if at.Before(b.last) {
				at = b.last
			}
			tokens := b.lim.TokensAt(at)
			b.mu.Unlock()
			st.Used, st.Tokens = true, max(tokens, 0)
			st.Remaining = int(st.Tokens)
			if gap := float64(st.Burst) - tokens; gap > 0 {
				st.FullAt = at.Add(durationCeil(gap / b.ratePS))
			}
		}
		out = append(out, st)
	}
	return out
}

// lookup returns the bucket of (account, key) if it exists.
func (l *Limiter) lookup(account, key string) *bucket {
	// The same shard choice as Limiter.bucket.
	h := maphash.String(l.seed, account) ^ maphash.String(l.seed, key)*0x9e3779b97f4a7c15
	s := &l.shards[h%nShards]
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[bucketKey{account: account, key: key}]
}
