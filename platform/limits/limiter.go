package limits

import (
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/memharness/memharness/internal/clock"
)

// Decision is the limiter's answer for one request.
type Decision struct {
	// Allowed is false when the request must be answered with 0429.
	Allowed bool
	// RetryAfter is how long until the same request would be allowed (0 when
	// Allowed).
	RetryAfter time.Duration
	// Limit is the sustained rate of the bucket in requests per second
	// (10 for 10 QPS, 0.2 for 12 QPM); 0 means the group is unlimited and
	// Remaining/Reset carry no information.
	Limit float64
	// Remaining is the number of whole requests the bucket would still accept
	// right now (after this one, when allowed).
	Remaining int
	// Reset is when the bucket will be full again.
	Reset time.Time
	// Group is the bucket's name: the group, or the operationId when it has
	// an override of its own.
	Group string
}

// DefaultMaxBuckets bounds the number of (account, group) buckets a Limiter
// keeps.
const DefaultMaxBuckets = 1 << 18

// idleEvict is the minimum idle time before a bucket may be dropped. A bucket
// idle for longer than it takes to refill completely is indistinguishable
// from a fresh one, so eviction after max(idleEvict, Every*Burst) never
// changes a decision.
const idleEvict = time.Minute

const nShards = 64

// route is where an operation's requests are counted.
type route struct {
	key   string
	limit Limit
}

type table struct {
	ops    map[string]route // operationId -> bucket
	groups map[string]Limit // group -> limit (for AllowGroup and unknown ops)
}

type bucketKey struct {
	account string
	key     string
}

type bucket struct {
	mu       sync.Mutex
	lim      *rate.Limiter
	limit    Limit
	ratePS   float64
	last     time.Time    // latest instant seen under mu
	lastUsed atomic.Int64 // unix nanos of the clock
}

type shard struct {
	mu        sync.RWMutex
	m         map[bucketKey]*bucket
	lastSweep time.Time
}

// Limiter applies a rate-limit table per (account, group). It is safe for
// concurrent use; buckets are created on first use and dropped once idle long
// enough to have refilled (or, under memory pressure, when more than the
// configured maximum exist).
type Limiter struct {
	clk      clock.Clock
	seed     maphash.Seed
	tab      atomic.Pointer[table]
	shards   [nShards]shard
	maxShard int
}

// NewLimiter returns a limiter for limits, keyed by group name or
// operationId (see LoadOverrides for how an operationId key splits that
// operation out of its group). Groups absent from limits are unlimited.
// A nil clk means the wall clock.
func NewLimiter(limits map[string]Limit, clk clock.Clock) *Limiter {
	if clk == nil {
		clk = clock.Real{}
	}
	l := &Limiter{clk: clk, seed: maphash.MakeSeed()}
	l.SetMaxBuckets(DefaultMaxBuckets)
	for i := range l.shards {
		l.shards[i].m = make(map[bucketKey]*bucket)
	}
	l.tab.Store(buildTable(limits))
	return l
}

func buildTable(limits map[string]Limit) *table {
	t := &table{ops: make(map[string]route, len(opGroups)), groups: make(map[string]Limit, len(limits))}
	for k, v := range limits {
		if !KnownOperation(k) {
			t.groups[k] = v
		}
	}
	for op, g := range opGroups {
		if v, ok := limits[op]; ok {
			t.ops[op] = route{key: op, limit: v}
		} else {
			t.ops[op] = route{key: g, limit: t.groups[g]}
		}
	}
	for op := range v2Ops {
		if v, ok := limits[op]; ok {
			t.ops[op] = route{key: op, limit: v}
		} else {
			g := V2Group(op)
			t.ops[op] = route{key: g, limit: t.groups[g]}
		}
	}
	return t
}

// SetMaxBuckets changes the bound on live buckets (minimum nShards).
func (l *Limiter) SetMaxBuckets(n int) {
	per := n / nShards
	if per < 1 {
		per = 1
	}
	for i := range l.shards {
		l.shards[i].mu.Lock()
	}
	l.maxShard = per
	for i := range l.shards {
		l.shards[i].mu.Unlock()
	}
}

// SetLimits replaces the table (for example when the control plane switches
// profile) and forgets every bucket.
func (l *Limiter) SetLimits(limits map[string]Limit) {
	l.tab.Store(buildTable(limits))
	l.Reset()
}

// Limits returns the effective limit of every group and of every operation
// that has an override of its own.
func (l *Limiter) Limits() map[string]Limit {
	t := l.tab.Load()
	out := make(map[string]Limit, len(t.groups))
	for g, v := range t.groups {
		out[g] = v
	}
	for op, r := range t.ops {
		if r.key == op {
			out[op] = r.limit
		}
	}
	return out
}

// Reset forgets every bucket (all accounts start full).
func (l *Limiter) Reset() {
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.mu.Unlock()
	}
}

// Buckets reports how many buckets are alive.
func (l *Limiter) Buckets() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

// Sweep drops every bucket that has been idle long enough to have refilled
// (such a bucket is indistinguishable from a new one). Allow also sweeps a
// shard on its own at most once a minute, when it creates a bucket there.
func (l *Limiter) Sweep() {
	now := l.clk.Now()
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		s.lastSweep = now
		for k, b := range s.m {
			if b.evictable(now) {
				delete(s.m, k)
			}
		}
		s.mu.Unlock()
	}
}

func (b *bucket) evictable(now time.Time) bool {
	idle := time.Duration(now.UnixNano() - b.lastUsed.Load())
	return idle >= idleEvict && idle >= b.limit.Every*time.Duration(b.limit.burst())
}

// Allow takes one token from the bucket of (account, GroupOf(opID)) — or the
// operation's own bucket when it has an override — and reports the outcome.
func (l *Limiter) Allow(account, opID string) Decision {
	t := l.tab.Load()
	r, ok := t.ops[opID]
	if !ok {
		r = route{key: GroupOther, limit: t.groups[GroupOther]}
	}
	return l.allow(account, r)
}

// AllowGroup is Allow for an explicit group, for limits that depend on the
// request rather than the operation (the caption endpoints count against
// GroupHumanReID when the request carries `persons`).
func (l *Limiter) AllowGroup(account, group string) Decision {
	t := l.tab.Load()
	return l.allow(account, route{key: group, limit: t.groups[group]})
}

func (l *Limiter) allow(account string, r route) Decision {
	if r.limit.Unlimited() {
		return Decision{Allowed: true, Group: r.key}
	}
	now := l.clk.Now()
	b := l.bucket(account, r, now)
	b.lastUsed.Store(now.UnixNano())

	b.mu.Lock()
	// Concurrent callers may read the clock in one order and take the lock in
	// another; never let a bucket's time run backwards (x/time/rate would
	// then hand out the same interval twice).
	if now.Before(b.last) {
		now = b.last
	}
	b.last = now
	tokens := b.lim.TokensAt(now)
	d := Decision{Limit: b.ratePS, Group: r.key}
	if tokens >= 1 && b.lim.AllowN(now, 1) {
		tokens--
		d.Allowed = true
	} else {
		d.RetryAfter = b.waitFor(now, tokens)
	}
	b.mu.Unlock()

	if tokens > 0 {
		d.Remaining = int(tokens)
	}
	burst := float64(b.limit.burst())
	if tokens < burst {
		d.Reset = now.Add(durationCeil((burst - tokens) / b.ratePS))
	} else {
		d.Reset = now
	}
	return d
}

// waitFor returns the shortest wait after which one token is available.
// The float arithmetic of x/time/rate can leave a bucket a hair under one
// token at the computed instant, so the result is checked and nudged up.
// Called with b.mu held.
func (b *bucket) waitFor(now time.Time, tokens float64) time.Duration {
	d := durationCeil((1 - tokens) / b.ratePS)
	for i := 0; i < 64 && b.lim.TokensAt(now.Add(d)) < 1; i++ {
		d += time.Microsecond
	}
	return d
}

func durationCeil(seconds float64) time.Duration {
	if seconds <= 0 {
		return 0
	}
	ns := math.Ceil(seconds * float64(time.Second))
	if ns >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ns)
}

func (l *Limiter) bucket(account string, r route, now time.Time) *bucket {
	k := bucketKey{account: account, key: r.key}
	h := maphash.String(l.seed, account) ^ maphash.String(l.seed, r.key)*0x9e3779b97f4a7c15
	s := &l.shards[h%nShards]
	s.mu.RLock()
	b := s.m[k]
	s.mu.RUnlock()
	if b != nil {
		return b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b = s.m[k]; b != nil {
		return b
	}
	if len(s.m) >= l.maxShard || now.Sub(s.lastSweep) >= idleEvict {
		l.sweep(s, now)
	}
	b = &bucket{
		lim:    rate.NewLimiter(rate.Every(r.limit.Every), r.limit.burst()),
		limit:  r.limit,
		ratePS: r.limit.PerSecond(),
	}
	b.lastUsed.Store(now.UnixNano())
	s.m[k] = b
	return b
}

// sweep drops buckets that have refilled (lossless), then, if the shard is
// still full, arbitrary ones (lossy: such an account gets a fresh bucket).
// Called with s.mu held.
func (l *Limiter) sweep(s *shard, now time.Time) {
	s.lastSweep = now
	for k, b := range s.m {
		if b.evictable(now) {
			delete(s.m, k)
		}
	}
	if over := len(s.m) - l.maxShard*9/10; len(s.m) >= l.maxShard && over > 0 {
		for k := range s.m {
			if over <= 0 {
				break
			}
			delete(s.m, k)
			over--
		}
	}
}
