package memsync

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAPIKeys(t *testing.T) {
	h := newHarness(t, Options{APIKeys: []string{"root"}})
	h.store("root", "I'm a teacher who loves chess.")
	res := h.do(http.MethodPost, "/v1/api-keys", "root", map[string]any{"name": "Production API Key", "expires_in": 3600})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.raw)
	}
	created := res.data()
	key := created["key"].(string)
	if !strings.HasPrefix(key, "memsync_sk_live_") || created["expires_at"] != formatTime(t0.Add(time.Hour)) {
		t.Errorf("created = %v", created)
	}
	// The new key is the same user.
	if n := h.do(http.MethodGet, "/v1/memories", key, nil).body["pagination"].(map[string]any)["total_items"]; n != 1.0 {
		t.Errorf("new key sees %v memories, want 1", n)
	}
	list := h.do(http.MethodGet, "/api-keys", "root", nil).data()
	if list["total"] != 2.0 || list["has_more"] != false {
		t.Errorf("list = %v", list)
	}
	rootID := list["api_keys"].([]any)[0].(map[string]any)["api_key_id"].(string)
	res = h.do(http.MethodDelete, "/v1/api-keys/"+rootID, "root", nil)
	if res.status != http.StatusForbidden || res.errorCode() != "CANNOT_DELETE_ACTIVE_KEY" {
		t.Errorf("delete own key: %d %s", res.status, res.raw)
	}
	res = h.do(http.MethodDelete, "/v1/api-keys/"+created["api_key_id"].(string), "root", nil)
	if res.status != http.StatusOK || res.data()["success"] != true {
		t.Fatalf("delete: %d %s", res.status, res.raw)
	}
	if res := h.do(http.MethodGet, "/v1/memories", key, nil); res.status != http.StatusUnauthorized {
		t.Errorf("revoked key: %d", res.status)
	}
	if res := h.do(http.MethodDelete, "/v1/api-keys/"+created["api_key_id"].(string), "root", nil); res.status != http.StatusNotFound || res.errorCode() != "API_KEY_NOT_FOUND" {
		t.Errorf("second delete: %d %s", res.status, res.raw)
	}
	if list := h.do(http.MethodGet, "/v1/api-keys?status=revoked", "root", nil).data(); list["total"] != 1.0 {
		t.Errorf("revoked keys = %v", list)
	}

	// Scopes and expiry.
	ro := h.do(http.MethodPost, "/v1/api-keys", "root", map[string]any{"name": "read only", "scopes": []string{"memories:read"}, "expires_in": 60}).data()["key"].(string)
	if res := h.do(http.MethodGet, "/v1/memories", ro, nil); res.status != http.StatusOK {
		t.Errorf("read-only key reading: %d", res.status)
	}
	res = h.do(http.MethodPost, "/v1/memories", ro, quickStart())
	if res.status != http.StatusForbidden || res.errorCode() != "FORBIDDEN" || res.details()["required_scope"] != "memories:write" {
		t.Errorf("read-only key writing: %d %s", res.status, res.raw)
	}
	h.clk.Advance(time.Minute)
	if res := h.do(http.MethodGet, "/v1/memories", ro, nil); res.status != http.StatusUnauthorized || res.details()["reason"] != "Token has expired" {
		t.Errorf("expired key: %d %s", res.status, res.raw)
	}
	if res := h.do(http.MethodPost, "/v1/api-keys", "root", map[string]any{"name": "x", "expires_in": 31536001}); res.status != http.StatusBadRequest {
		t.Errorf("expiry over a year: %d", res.status)
	}
	// Bearer auth, as the API-key pages show it.
	req := newRequest(http.MethodGet, "/v1/api-keys", "")
	req.Header.Set("Authorization", "Bearer root")
	if res := h.send(req, nil); res.status != http.StatusOK {
		t.Errorf("bearer: %d", res.status)
	}
}
