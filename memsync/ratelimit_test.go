package memsync

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestRateLimitWindows(t *testing.T) {
	tests := []struct {
		name   string
		limit  int
		method string
		path   string
		body   func() any
	}{
		{name: "standard", limit: 100, method: http.MethodGet, path: "/v1/memories"},
		{name: "search", limit: 50, method: http.MethodPost, path: "/v1/memories/search",
			body: func() any { return map[string]any{"query": "hiking"} }},
		{name: "integrations", limit: 10, method: http.MethodPost, path: "/v1/integrations/chat",
			body: func() any { return chatBody() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			if tc.name == "search" {
				// A memory to find, stored with the standard group's budget.
				h.do(http.MethodPost, "/v1/memories", "k", quickStart())
			}
			send := func() *response {
				var b any
				if tc.body != nil {
					b = tc.body()
				}
				return h.do(tc.method, tc.path, "k", b)
			}
			windowEnd := t0.Truncate(time.Minute).Add(time.Minute)
			for i := 1; i <= tc.limit; i++ {
				res := send()
				if res.status != http.StatusOK {
					t.Fatalf("request %d: %d %s", i, res.status, res.raw)
				}
				if got := res.header.Get("X-RateLimit-Limit"); got != strconv.Itoa(tc.limit) {
					t.Fatalf("X-RateLimit-Limit = %s, want %d", got, tc.limit)
				}
				if got := res.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(tc.limit-i) {
					t.Fatalf("request %d: X-RateLimit-Remaining = %s, want %d", i, got, tc.limit-i)
				}
				if got := res.header.Get("X-RateLimit-Reset"); got != strconv.FormatInt(windowEnd.Unix(), 10) {
					t.Fatalf("X-RateLimit-Reset = %s, want %d", got, windowEnd.Unix())
				}
			}
			h.clk.Advance(20 * time.Second) // still the same window
			res := send()
			if res.status != http.StatusTooManyRequests || res.errorCode() != "RATE_LIMIT_EXCEEDED" {
				t.Fatalf("request %d: %d %s, want 429", tc.limit+1, res.status, res.raw)
			}
			wantWait := int(windowEnd.Sub(h.clk.Now()).Seconds())
			if got := res.header.Get("Retry-After"); got != strconv.Itoa(wantWait) {
				t.Errorf("Retry-After = %s, want %d", got, wantWait)
			}
			if got := res.header.Get("X-RateLimit-Remaining"); got != "0" {
				t.Errorf("X-RateLimit-Remaining = %s, want 0", got)
			}
			if d := res.details(); d["limit"] != float64(tc.limit) || d["reset_time"] != formatTime(windowEnd) {
				t.Errorf("details = %v", d)
			}
			// Other groups keep their own budget.
			if tc.name != "standard" {
				if res := h.do(http.MethodGet, "/v1/memories", "k", nil); res.status != http.StatusOK {
					t.Errorf("standard request after %s exhausted: %d", tc.name, res.status)
				}
			}
			h.clk.Advance(time.Minute)
			res = send()
			if res.status != http.StatusOK {
				t.Fatalf("after a minute: %d %s", res.status, res.raw)
			}
			if got := res.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(tc.limit-1) {
				t.Errorf("new window: X-RateLimit-Remaining = %s, want %d", got, tc.limit-1)
			}
		})
	}
}

func TestRateLimitsOff(t *testing.T) {
	h := newHarness(t, Options{RateLimits: Bool(false)})
	for i := 0; i < 120; i++ {
		res := h.do(http.MethodGet, "/v1/memories", "k", nil)
		if res.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, res.status)
		}
		if res.header.Get("X-RateLimit-Limit") != "" {
			t.Fatal("rate-limit headers with limits off")
		}
	}
}

func TestLimiterWindowAlignment(t *testing.T) {
	l := newLimiter()
	at := time.Date(2025, 1, 1, 0, 0, 59, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if _, _, ok := l.take("k", "g", 3, at); !ok {
			t.Fatalf("take %d refused", i)
		}
	}
	if _, reset, ok := l.take("k", "g", 3, at); ok || !reset.Equal(at.Add(time.Second)) {
		t.Fatalf("4th take: ok=%v reset=%v", ok, reset)
	}
	if rem, _, ok := l.take("k", "g", 3, at.Add(time.Second)); !ok || rem != 2 {
		t.Fatalf("next window: ok=%v remaining=%d", ok, rem)
	}
}
