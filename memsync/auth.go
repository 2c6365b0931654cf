package memsync

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// Documented limits per user per minute (API reference overview, seed 004).
const (
	limitStandard     = 100
	limitSearch       = 50
	limitIntegrations = 10
)

// groupLimit is the per-minute budget of a rate-limit group (0: unlimited).
func groupLimit(group string) int {
	switch group {
	case "standard":
		return limitStandard
	case "search":
		return limitSearch
	case "integrations":
		return limitIntegrations
	}
	return 0
}

// presentedKey is the key of a request: X-API-Key (documented), else an Authorization bearer
// token (older docs, the guides and the API-key pages send one).
func presentedKey(cl *call) string {
	if k := strings.TrimSpace(cl.c.GetHeader("X-API-Key")); k != "" {
		return k
	}
	auth := strings.TrimSpace(cl.c.GetHeader("Authorization"))
	if len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

// authenticate resolves the key of the request. Operations without security (healthcheck)
// still check a key that is sent, because the authentication guide validates keys that way.
func (s *Server) authenticate(cl *call) error {
	key := presentedKey(cl)
	if key == "" {
		if cl.op.auth {
			return errAuth("Missing X-API-Key header")
		}
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !cl.op.auth {
		// Validate without creating an account for a key that is only being checked.
		if k, found := s.st.keys[key]; found {
			if st := k.status(cl.now); st != "active" {
				return errAuth("API key is " + st)
			}
			return nil
		}
		if !s.st.open && !s.st.allowed[key] {
			return errAuth("API key not found")
		}
		return nil
	}
	k, err := s.st.userFor(key, cl.now)
	if err != nil {
		return err
	}
	k.LastUsed = cl.now
	cl.key = k
	return nil
}

// rateLimit applies the fixed one-minute window of the operation's group for the request's key
// and sets the X-RateLimit-* headers.
func (s *Server) rateLimit(cl *call) error {
	limit := groupLimit(cl.op.group)
	if !s.limits || cl.key == nil || limit == 0 {
		return nil
	}
	remaining, reset, allowed := s.limiter.take(cl.key.Key, cl.op.group, limit, cl.now)
	h := cl.c.Writer.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if !allowed {
		return errRateLimited("Rate limit exceeded", limit, reset, cl.now)
	}
	return nil
}

// limiter counts requests in fixed one-minute windows aligned on the minute (Unix time), per
// key and group; X-RateLimit-Reset names the end of the window.
type limiter struct {
	mu      sync.Mutex
	windows map[limitKey]*window
}

// limitKey identifies one budget: a key's usage of one group.
type limitKey struct{ key, group string }

// window is the count of one fixed one-minute window.
type window struct {
	start int64 // Unix seconds, a multiple of 60
	count int
}

// newLimiter returns an empty limiter.
func newLimiter() *limiter { return &limiter{windows: map[limitKey]*window{}} }

// take counts one request if the window has room. It returns the requests left after this one,
// the end of the window, and whether the request is allowed. Refused requests are not counted.
func (l *limiter) take(key, group string, limit int, now time.Time) (int, time.Time, bool) {
	start := now.Unix() - mod(now.Unix(), 60)
	reset := time.Unix(start+60, 0).UTC()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.windows) > 100_000 {
		// Why: bound memory under key-spraying load; stale windows are worthless anyway.
		for k, w := range l.windows {
			if w.start < start {
				delete(l.windows, k)
			}
		}
	}
	k := limitKey{key, group}
	w := l.windows[k]
	if w == nil || w.start != start {
		w = &window{start: start}
		l.windows[k] = w
	}
	if w.count >= limit {
		return 0, reset, false
	}
	w.count++
	return limit - w.count, reset, true
}

// mod is the non-negative remainder, so windows before 1970 align too.
func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// forget drops the windows of the keys drop selects.
func (l *limiter) forget(drop func(key string) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.windows {
		if drop(k.key) {
			delete(l.windows, k)
		}
	}
}
