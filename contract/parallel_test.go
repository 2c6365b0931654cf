package contract

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/memharness/memharness/mock"
)

// startSharedMock serves one in-process mock as a remote target (a mock
// started elsewhere): "a private mock" then means the shared target
// itself, as with the built binary, so scenarios meet each other there.
func startSharedMock(t *testing.T, o mock.Options) *httptest.Server {
	t.Helper()
	srv, err := mock.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	return hs
}

// TestConcurrentRunOnASharedMock is the acceptance run in small:
// the control-plane and limits features at --concurrency 8 against one
// shared mock, with limits and credits on, then off (where the scenarios
// that need them skip themselves instead of failing).
func TestConcurrentRunOnASharedMock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scenarios")
	}
	tests := []struct {
		name        string
		limitsOff   bool
		wantSkipped []string
	}{
		{name: "limits and credits on"},
		{name: "limits and credits off", limitsOff: true,
			wantSkipped: []string{"Downloads are limited to 12 a minute: needs rate limits", "Metered calls are charged to the account: needs credits"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := InProcessOptions(0)
			if tt.limitsOff {
				o.RateLimits, o.CreditsOff = "off", true
			}
			hs := startSharedMock(t, o)
			var out bytes.Buffer
			tags := "@control,@limits"
			if raceEnabled {
				tags += " && ~" + TagTiming
			}
			s, err := NewSuite(context.Background(), Config{
				TargetURL: hs.URL, APIKey: "sk-shared",
				Options: godog.Options{Tags: tags, Output: &out, Format: "progress", Strict: true,
					NoColors: true, Concurrency: 8},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if status := s.Run(); status != 0 {
				t.Fatalf("concurrent run failed:\n%s", out.String())
			}
			for _, w := range tt.wantSkipped {
				if !strings.Contains(out.String(), w) {
					t.Errorf("the skip report lacks %q:\n%s", w, out.String())
				}
			}
			if !tt.limitsOff && strings.Contains(out.String(), "needs rate limits") {
				t.Errorf("a scenario skipped on a mock with limits on:\n%s", out.String())
			}
		})
	}
}

// TestSerialScenariosRunAlone checks the gate: an @serial scenario holds
// every other scenario off, and waits for those already running.
func TestSerialScenariosRunAlone(t *testing.T) {
	s := &Suite{memories: &Target{Name: "not a mock"}}
	newW := func(tags ...string) *world {
		w := &world{s: s, tags: map[string]bool{}}
		for _, tg := range tags {
			w.tags[tg] = true
		}
		return w
	}
	ctx := context.Background()
	plainBefore, plainAfter := s.gate(newW())
	serialBefore, serialAfter := s.gate(newW(TagSerial))

	if _, err := plainBefore(ctx, &godog.Scenario{}); err != nil {
		t.Fatal(err)
	}
	if s.par.serial.TryLock() {
		t.Fatal("a serial scenario could start beside a running one")
	}
	if _, err := plainAfter(ctx, &godog.Scenario{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := serialBefore(ctx, &godog.Scenario{}); err != nil {
		t.Fatal(err)
	}
	if s.par.serial.TryRLock() {
		t.Fatal("a scenario could start beside a serial one")
	}
	if _, err := serialAfter(ctx, &godog.Scenario{}, nil); err != nil {
		t.Fatal(err)
	}
	if !s.par.serial.TryLock() {
		t.Fatal("the serial scenario did not release the gate")
	}
	s.par.serial.Unlock()
}

// TestConfigSkip reads the target's /_mock/config once and skips only the
// scenarios whose needs it does not meet.
func TestConfigSkip(t *testing.T) {
	calls := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Path != "/_mock/config" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"rate_limits":"off","credits":true}`))
	}))
	defer hs.Close()
	s := &Suite{memories: &Target{Name: hs.URL, BaseURL: hs.URL, Mock: true}}
	ctx := context.Background()
	if why := s.configSkip(ctx, map[string]bool{TagNeedsRateLimits: true}); !strings.Contains(why, "--rate-limits off") {
		t.Fatalf("rate-limit scenario: %q", why)
	}
	if why := s.configSkip(ctx, map[string]bool{TagNeedsCredits: true}); why != "" {
		t.Fatalf("credits scenario skipped on a mock with credits on: %q", why)
	}
	if why := s.configSkip(ctx, map[string]bool{"@smoke": true}); why != "" {
		t.Fatalf("untagged scenario skipped: %q", why)
	}
	if calls != 1 {
		t.Fatalf("config read %d times, want once", calls)
	}
	w := &world{s: s, tags: map[string]bool{TagNeedsRateLimits: true}, scenario: "limited"}
	before, _ := s.gate(w)
	if _, err := before(ctx, &godog.Scenario{}); !errors.Is(err, godog.ErrSkip) {
		t.Fatalf("gate: %v, want a skip", err)
	}
}
