package memsync

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/memharness/memharness/toolkit/stubs"
	"github.com/memharness/memharness/toolkit/verify"
)

// TestStubsAnswerInMemSyncsEnvelope: with UseStubs, a matching stub
// answers after validation in MemSync's own envelopes (every answer is
// checked against memsync.yaml by the harness); stubs that break the
// spec, or stream, are refused by CheckStub.
func TestStubsAnswerInMemSyncsEnvelope(t *testing.T) {
	h := newHarness(t, Options{})
	reg := stubs.New(h.srv.CheckStub)
	h.srv.UseStubs(reg)
	h.store("sk-a", "I'm a software engineer who loves hiking")

	for _, tt := range []struct {
		name string
		stub stubs.Stub
		want string
	}{
		{name: "data breaking the schema", stub: stubs.Stub{Operation: "searchMemories", Answer: stubs.Answer{Data: map[string]any{"memories": "none"}}},
			want: "searchMemories response schema at /data/memories"},
		{name: "events", stub: stubs.Stub{Operation: "searchMemories", Answer: stubs.Answer{Events: []stubs.Event{{Data: json.RawMessage(`{}`)}}}},
			want: "does not stream"},
		{name: "an operation of another API", stub: stubs.Stub{Operation: "search", Answer: stubs.Answer{Data: map[string]any{}}},
			want: "not an operation of memsync.yaml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := reg.Add(tt.stub); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Add: %v, want a refusal naming %q", err, tt.want)
			}
		})
	}

	times := 1
	if _, err := reg.Add(
		stubs.Stub{Operation: "searchMemories", Times: &times, Match: &verify.Matcher{Body: map[string]*verify.Field{"query": verify.Contains("boom")}},
			Answer: stubs.Answer{Code: "RATE_LIMIT_EXCEEDED", Msg: "Rate limit exceeded", Status: http.StatusTooManyRequests, Headers: map[string]string{"Retry-After": "7"}}},
		stubs.Stub{Operation: "searchMemories", Match: &verify.Matcher{Body: map[string]*verify.Field{"query": verify.Eq("quiet")}},
			Answer: stubs.Answer{Data: map[string]any{"memories": []any{}}}},
	); err != nil {
		t.Fatal(err)
	}
	res := h.do(http.MethodPost, "/v1/memories/search", "sk-a", map[string]any{"query": "boom"})
	if res.status != http.StatusTooManyRequests || res.errorCode() != "RATE_LIMIT_EXCEEDED" || res.header.Get("Retry-After") != "7" {
		t.Fatalf("stubbed error: %d %v %s", res.status, res.header, res.raw)
	}
	if res := h.do(http.MethodPost, "/v1/memories/search", "sk-a", map[string]any{"query": "boom"}); res.status != http.StatusOK {
		t.Fatalf("after the stub expired: %d %s", res.status, res.raw)
	}
	res = h.do(http.MethodPost, "/v1/memories/search", "sk-a", map[string]any{"query": "quiet"})
	if hits, ok := res.data()["memories"].([]any); res.status != http.StatusOK || !ok || len(hits) != 0 {
		t.Fatalf("stubbed data: %d %s", res.status, res.raw)
	}
	// A request the stub's matcher does not select gets the real answer.
	res = h.do(http.MethodPost, "/v1/memories/search", "sk-a", map[string]any{"query": "hiking"})
	if hits, _ := res.data()["memories"].([]any); len(hits) == 0 {
		t.Fatalf("real answer: %d %s", res.status, res.raw)
	}
}
