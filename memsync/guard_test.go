package memsync

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/platform"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/toolkit/stubs"
)

// guarded is a harness whose server applies a platform's guard, as
// AttachMemSync sets it up in the mockserver process.
func guarded(t *testing.T) (*harness, *platform.Platform) {
	t.Helper()
	h := newHarness(t, Options{})
	p, err := platform.New(platform.Options{Clock: h.clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	h.srv.UseGuard(p)
	return h, p
}

// forcedRequest is a request of key with an X-Mock-Force header.
func forcedRequest(method, target, key, force, body string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	req.Header.Set(limits.ForceHeader, force)
	return req
}

// TestForceAnswersInMemSyncsEnvelope: X-Mock-Force answers with MemSync's
// own statuses and error codes (each answer validated against
// memsync.yaml by the harness), and a code MemSync has no counterpart for
// is refused as a bad header.
func TestForceAnswersInMemSyncsEnvelope(t *testing.T) {
	h, _ := guarded(t)
	h.store("sk-a", "I'm a software engineer who loves hiking")
	search := `{"query":"hiking"}`
	for _, tt := range []struct {
		name, method, target, force string
		status                      int
		code                        string
		detail                      string // a details key and value, "k=v"
	}{
		{name: "429", method: http.MethodPost, target: "/v1/memories/search", force: "0429", status: 429, code: "RATE_LIMIT_EXCEEDED", detail: "limit=50"},
		{name: "three-digit 429", method: http.MethodPost, target: "/v1/memories/search", force: "429", status: 429, code: "RATE_LIMIT_EXCEEDED", detail: "retry_after=50"},
		{name: "401", method: http.MethodPost, target: "/v1/memories/search", force: "401", status: 401, code: "AUTHENTICATION_ERROR", detail: "reason=Forced by X-Mock-Force"},
		{name: "403 names the scope", method: http.MethodPost, target: "/v1/memories/search", force: "0403", status: 403, code: "FORBIDDEN", detail: "required_scope=memories:read"},
		{name: "400", method: http.MethodPost, target: "/v1/memories/search", force: "400", status: 400, code: "VALIDATION_ERROR", detail: "reason=Forced by X-Mock-Force"},
		{name: "409 on delete", method: http.MethodDelete, target: "/v1/memories/mem_000000000000", force: "409", status: 409, code: "DELETION_CONFLICT", detail: "processing_status=embedding_generation"},
		{name: "402 has no counterpart", method: http.MethodPost, target: "/v1/memories/search", force: "402", status: 400, code: "VALIDATION_ERROR", detail: "field=X-Mock-Force"},
		{name: "malformed header", method: http.MethodPost, target: "/v1/memories/search", force: "0429,reset", status: 400, code: "VALIDATION_ERROR", detail: "field=X-Mock-Force"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := search
			if tt.method == http.MethodDelete {
				body = ""
			}
			res := h.send(forcedRequest(tt.method, tt.target, "sk-a", tt.force, body), []byte(body))
			if res.status != tt.status || res.errorCode() != tt.code {
				t.Fatalf("%d %s, want %d %s: %s", res.status, res.errorCode(), tt.status, tt.code, res.raw)
			}
			k, v, _ := strings.Cut(tt.detail, "=")
			if got := res.details()[k]; got == nil || !strings.Contains(fmt.Sprint(got), v) {
				t.Fatalf("details.%s = %v, want %q: %s", k, got, v, res.raw)
			}
			if tt.status == 429 && res.header.Get("Retry-After") != "50" {
				t.Fatalf("Retry-After %q, want 50 (t0 is 10 s into its minute)", res.header.Get("Retry-After"))
			}
		})
	}
	// Nothing forced: the real answer.
	if res := h.do(http.MethodPost, "/v1/memories/search", "sk-a", map[string]any{"query": "hiking"}); res.status != http.StatusOK {
		t.Fatalf("unforced: %d %s", res.status, res.raw)
	}
}

// TestForceWinsOverStubs: a stub answers the request until X-Mock-Force
// asks for something else, as on the other surfaces.
func TestForceWinsOverStubs(t *testing.T) {
	h, _ := guarded(t)
	reg := stubs.New(h.srv.CheckStub)
	h.srv.UseStubs(reg)
	h.store("sk-a", "I'm a software engineer who loves hiking")
	if _, err := reg.Add(stubs.Stub{Operation: "searchMemories", Answer: stubs.Answer{Data: map[string]any{"memories": []any{}}}}); err != nil {
		t.Fatal(err)
	}
	body := `{"query":"hiking"}`
	if res := h.send(forcedRequest(http.MethodPost, "/v1/memories/search", "sk-a", "", body), []byte(body)); res.status != http.StatusOK || len(res.data()["memories"].([]any)) != 0 {
		t.Fatalf("stub: %d %s", res.status, res.raw)
	}
	res := h.send(forcedRequest(http.MethodPost, "/v1/memories/search", "sk-a", "0429", body), []byte(body))
	if res.status != http.StatusTooManyRequests || res.errorCode() != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("force over the stub: %d %s", res.status, res.raw)
	}
}

// TestFaultsAndForcedFailures: a forced 500 or network failure and the
// configured faults (global and per account) answer MemSync's 500
// envelope; a forced reset drops the connection; a forced latency waits
// on the mock clock.
func TestFaultsAndForcedFailures(t *testing.T) {
	h, p := guarded(t)
	h.store("sk-a", "I'm a software engineer who loves hiking")
	h.store("sk-b", "I'm a teacher who loves sailing")
	body := `{"query":"hiking"}`
	internal := func(t *testing.T, key, force string) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.h.ServeHTTP(rec, forcedRequest(http.MethodPost, "/v1/memories/search", key, force, body))
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"code":"INTERNAL_ERROR"`) ||
			!strings.Contains(rec.Body.String(), `"status":"error"`) {
			t.Fatalf("%s %q: %d %s", key, force, rec.Code, rec.Body)
		}
	}
	t.Run("forced 500 and network", func(t *testing.T) {
		internal(t, "sk-a", "500")
		internal(t, "sk-a", "network")
	})
	t.Run("per-account fault", func(t *testing.T) {
		if err := p.SetAccountFaults("sk-b", map[string]limits.FaultSpec{"*": {ErrorRate: 1}}); err != nil {
			t.Fatal(err)
		}
		internal(t, "sk-b", "")
		if res := h.do(http.MethodPost, "/v1/memories/search", "sk-a", map[string]any{"query": "hiking"}); res.status != http.StatusOK {
			t.Fatalf("another account: %d %s", res.status, res.raw)
		}
		if err := p.SetAccountFaults("sk-b", nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("global fault", func(t *testing.T) {
		if err := p.Faults.Set(map[string]limits.FaultSpec{"*": {ErrorRate: 1}}); err != nil {
			t.Fatal(err)
		}
		internal(t, "sk-a", "")
		// A forced code wins over the random faults.
		res := h.send(forcedRequest(http.MethodPost, "/v1/memories/search", "sk-a", "429", body), []byte(body))
		if res.status != http.StatusTooManyRequests {
			t.Fatalf("forced code under a fault: %d %s", res.status, res.raw)
		}
		if err := p.Faults.Set(nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		srv := httptest.NewServer(h.h)
		defer srv.Close()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/memories/search", strings.NewReader(body))
		req.Header.Set("X-API-Key", "sk-a")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(limits.ForceHeader, "reset")
		res, err := srv.Client().Do(req)
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			t.Fatalf("reset answered %d %s", res.StatusCode, b)
		}
		if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("reset: %v", err)
		}
	})
	t.Run("latency waits on the mock clock", func(t *testing.T) {
		done := make(chan int, 1)
		go func() {
			rec := httptest.NewRecorder()
			h.h.ServeHTTP(rec, forcedRequest(http.MethodPost, "/v1/memories/search", "sk-a", "latency=2s", body))
			done <- rec.Code
		}()
		deadline := time.After(10 * time.Second)
		for h.clk.Waiters() == 0 {
			select {
			case code := <-done:
				t.Fatalf("answered %d before the clock moved", code)
			case <-deadline:
				t.Fatal("the request never waited on the clock")
			default:
			}
			runtime.Gosched()
		}
		h.clk.Advance(2 * time.Second)
		select {
		case code := <-done:
			if code != http.StatusOK {
				t.Fatalf("after the latency: %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("still waiting after the clock advanced")
		}
	})
}
