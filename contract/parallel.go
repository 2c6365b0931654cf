package contract

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/cucumber/godog"
)

// Tags that govern how a scenario shares the target with the scenarios
// running beside it (--concurrency).
const (
	// TagSerial marks a scenario that changes state every account sees
	// (the mock's clock, global faults) or measures timing that scenarios
	// running beside it would disturb: it runs alone.
	TagSerial = "@serial"
	// TagNeedsRateLimits marks a scenario that expects rate limiting: it
	// skips itself on a mock started with --rate-limits off.
	TagNeedsRateLimits = "@needs-rate-limits"
	// TagNeedsCredits marks a scenario that expects metering: it skips
	// itself on a mock started with --credits off.
	TagNeedsCredits = "@needs-credits"
	// TagTiming marks a scenario that measures wall-clock pacing; under
	// the race detector's slowdown its margins do not hold, so the
	// package's own concurrent test leaves it out there.
	TagTiming = "@timing"
)

// mockConfig is what the suite reads of GET /_mock/config.
type mockConfig struct {
	RateLimits string `json:"rate_limits"`
	Credits    *bool  `json:"credits"`
}

// parallel holds the suite-wide state of concurrent runs: the lock that
// lets @serial scenarios run alone, and the target's configuration.
type parallel struct {
	serial sync.RWMutex

	once sync.Once
	cfg  *mockConfig // nil: not a mock, or no readable configuration
}

// targetConfig reads the Memories.ai target's /_mock/config once.
func (s *Suite) targetConfig(ctx context.Context) *mockConfig {
	s.par.once.Do(func() {
		t := s.memories
		if t == nil || !t.Mock {
			return
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.BaseURL+"/_mock/config", nil)
		if err != nil {
			return
		}
		if s.cfg.ControlToken != "" {
			req.Header.Set("X-Mock-Token", s.cfg.ControlToken)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer res.Body.Close()
		var c mockConfig
		if res.StatusCode == http.StatusOK && json.NewDecoder(res.Body).Decode(&c) == nil {
			s.par.cfg = &c
		}
	})
	return s.par.cfg
}

// configSkip returns why the scenario cannot run on this target's
// configuration ("" when it can).
func (s *Suite) configSkip(ctx context.Context, tags map[string]bool) string {
	if !tags[TagNeedsRateLimits] && !tags[TagNeedsCredits] {
		return ""
	}
	c := s.targetConfig(ctx)
	if c == nil {
		return ""
	}
	if tags[TagNeedsRateLimits] && c.RateLimits == "off" {
		return "needs rate limits; the target " + s.memories.Name + " runs with --rate-limits off (GET /_mock/config)"
	}
	if tags[TagNeedsCredits] && c.Credits != nil && !*c.Credits {
		return "needs credits; the target " + s.memories.Name + " runs with --credits off (GET /_mock/config)"
	}
	return ""
}

// gate returns the scenario hooks that make concurrent runs safe: an
// @serial scenario waits until it can run alone (and holds the others off
// while it runs); a scenario the target's configuration cannot serve
// skips itself, with the reason in the skip report. Register before on
// the scenario after the world's own Before hook.
func (s *Suite) gate(w *world) (before godog.BeforeScenarioHook, after godog.AfterScenarioHook) {
	var release func()
	before = func(ctx context.Context, sc *godog.Scenario) (context.Context, error) {
		if why := s.configSkip(ctx, w.tags); why != "" {
			return ctx, w.skip(why)
		}
		if w.tags[TagSerial] {
			s.par.serial.Lock()
			release = s.par.serial.Unlock
		} else {
			s.par.serial.RLock()
			release = s.par.serial.RUnlock
		}
		return ctx, nil
	}
	after = func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		if release != nil {
			release()
			release = nil
		}
		return ctx, nil
	}
	return before, after
}
