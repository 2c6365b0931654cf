package mock

import (
	"net/http"
	"strings"
	"testing"
)

// TestStubsAnswerMemSyncRequests: with the MemSync mock attached, POST
// /_mock/stubs takes MemSync operations (checked against memsync.yaml),
// MemSync requests are answered by them, and a scoped reset removes a
// key's stubs there too.
func TestStubsAnswerMemSyncRequests(t *testing.T) {
	ts := newTestServer(t, Options{})
	if rec := ts.addStub(t, `{"operation":"searchMemories","answer":{"data":{"memories":[]}}}`); rec.Code != http.StatusBadRequest {
		t.Fatalf("a MemSync stub without MemSync in the process: %d %s", rec.Code, rec.Body.String())
	}
	_, h := withMemSync(t, ts, 1)
	rec := ts.addStub(t, `{"operation":"searchMemories","answer":{"data":{"memories":"none"}}}`)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "/data/memories") {
		t.Fatalf("spec-breaking MemSync stub: %d %s", rec.Code, rec.Body.String())
	}
	rec = ts.addStub(t, `{"operation":"searchMemories","match":{"api_key":"sk-ms-stub"},"answer":{"code":"RATE_LIMIT_EXCEEDED","msg":"Rate limit exceeded","status":429}}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
	}
	search := func(key string) map[string]any {
		return memsyncCall(t, h, http.MethodPost, "/v1/memories/search", key, map[string]any{"query": "anything"})
	}
	if got := search("sk-ms-stub"); got["error"].(map[string]any)["code"] != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("stubbed: %v", got)
	}
	if got := search("sk-ms-other"); got["error"] != nil && got["error"].(map[string]any)["code"] == "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("a stub for another key answered: %v", got)
	}
	found := ts.json(http.MethodPost, "/_mock/requests/find", "", map[string]any{"operation": "searchMemories", "api_key": "sk-ms-stub", "code": map[string]any{"equals": "RATE_LIMIT_EXCEEDED"}})
	if found["count"] != 1.0 {
		t.Fatalf("journal of the stubbed MemSync answer: %v", found)
	}
	ts.json(http.MethodPost, "/_mock/reset?api_key=sk-ms-stub", "", nil)
	if got := search("sk-ms-stub"); got["error"] != nil && got["error"].(map[string]any)["code"] == "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("the key's stub survived its reset: %v", got)
	}
}
