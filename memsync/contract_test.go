package memsync

import (
	"fmt"
	"net/http"
	"sort"
	"testing"

	"github.com/memharness/memharness/openapi"
)

// TestSpecSweep sends one valid request to every operation of memsync.yaml and validates the
// answer against it (the harness does so for every response, status included). An operation
// added to the spec without an entry here turns the test red.
func TestSpecSweep(t *testing.T) {
	for _, envelope := range []bool{true, false} {
		name := "enveloped"
		if !envelope {
			name = "bare"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Options{Envelope: Bool(envelope), RateLimits: Bool(false)})
			const key = "sweep"
			h.seedProfile(key)
			n := 0
			memID := func() string {
				n++
				return h.store(key, fmt.Sprintf("I'm a sweep fact number %d about cooking pasta.", n))[0]
			}
			chat := h.do(http.MethodPost, "/v1/integrations/chat", key, chatBody()).data()["integration_id"].(string)
			extra := h.do(http.MethodPost, "/v1/api-keys", key, map[string]any{"name": "extra"}).data()["api_key_id"].(string)
			extra2 := h.do(http.MethodPost, "/v1/api-keys", key, map[string]any{"name": "extra2"}).data()["api_key_id"].(string)
			txt := []byte("I am a potter in Kyoto. I love tea ceremonies.")
			calls := map[string]func() *response{
				"storeMemories": func() *response { return h.do(http.MethodPost, "/v1/memories", key, quickStart()) },
				"listMemories":  func() *response { return h.do(http.MethodGet, "/v1/memories?page=1&page_size=2", key, nil) },
				"searchMemories": func() *response {
					return h.do(http.MethodPost, "/v1/memories/search", key, map[string]any{"query": "work", "rerank": true})
				},
				"batchDeleteMemories": func() *response {
					return h.do(http.MethodPost, "/v1/memories/batch-delete", key, map[string]any{"memory_ids": []string{memID()}})
				},
				"batchDeleteMemoriesUnprefixed": func() *response {
					return h.do(http.MethodPost, "/memories/batch-delete", key, map[string]any{"memory_ids": []string{memID()}, "cascade": true})
				},
				"updateMemory": func() *response {
					return h.do(http.MethodPatch, "/v1/memories/"+memID(), key, map[string]any{"content": "Cooks pasta", "category": "interests"})
				},
				"updateMemoryUnprefixed": func() *response {
					return h.do(http.MethodPatch, "/memories/"+memID(), key, map[string]any{"importance": 0.4})
				},
				"deleteMemory":           func() *response { return h.do(http.MethodDelete, "/v1/memories/"+memID()+"?cascade=true", key, nil) },
				"deleteMemoryUnprefixed": func() *response { return h.do(http.MethodDelete, "/memories/"+memID()+"?backup=false", key, nil) },
				"getProfile": func() *response {
					return h.do(http.MethodGet, "/v1/profile?include=bio,categories,insights,stats,traits", key, nil)
				},
				"getProfileUnprefixed": func() *response { return h.do(http.MethodGet, "/profile?refresh=true", key, nil) },
				"getUserProfileGuide":  func() *response { return h.do(http.MethodGet, "/v1/users/profile", key, nil) },
				"getBio":               func() *response { return h.do(http.MethodGet, "/v1/profile/bio?format=short&style=factual", key, nil) },
				"getBioUnprefixed": func() *response {
					return h.do(http.MethodGet, "/profile/bio?exclude_categories=travel,health", key, nil)
				},
				"updateBio": func() *response {
					return h.do(http.MethodPatch, "/v1/profile/bio", key, map[string]any{"regenerate": true, "format": "bullets"})
				},
				"updateBioUnprefixed": func() *response {
					return h.do(http.MethodPatch, "/profile/bio", key, map[string]any{"bio": "Potter and tea lover.", "manual_override": true})
				},
				"putUserBioGuide": func() *response {
					return h.do(http.MethodPut, "/v1/users/bio", key, map[string]any{"user_bio": "Guide bio."})
				},
				"createSocialIntegration": func() *response {
					return h.do(http.MethodPost, "/v1/integrations/social", key, map[string]any{"platform": "twitter", "auth_token": "tok"})
				},
				"createSocialIntegrationUnprefixed": func() *response {
					return h.do(http.MethodPost, "/integrations/social", key, map[string]any{"platform": "reddit", "auth_token": "tok", "auto_sync": false})
				},
				"createFileIntegration": func() *response {
					return h.upload("/v1/integrations/files", key, "a.txt", txt, map[string]string{"category": "interests", "chunk_size": "20", "overlap": "5"})
				},
				"createFileIntegrationUnprefixed": func() *response {
					return h.upload("/integrations/files", key, "a.md", txt, map[string]string{"extract_mode": "summary"})
				},
				"createChatIntegration": func() *response { return h.do(http.MethodPost, "/v1/integrations/chat", key, chatBody()) },
				"createChatIntegrationUnprefixed": func() *response {
					b := chatBody()
					b["extract_mode"] = "all"
					return h.do(http.MethodPost, "/integrations/chat", key, b)
				},
				"indexSocialGuide": func() *response {
					return h.do(http.MethodPost, "/v1/integrations/index/social", key, map[string]any{"type": "REDDIT", "username": "someone"})
				},
				"indexFileGuide": func() *response {
					return h.do(http.MethodPost, "/v1/integrations/index/file", key, map[string]any{"type": "FILE", "url": "https://x.test/cv.docx"})
				},
				"indexChatGuide": func() *response {
					return h.do(http.MethodPost, "/v1/integrations/index/chat", key, map[string]any{"type": "CHATGPT", "url": "https://x.test/export.json"})
				},
				"getIntegrationStatus": func() *response {
					return h.do(http.MethodGet, "/v1/integrations/"+chat+"/status?include_logs=true", key, nil)
				},
				"getIntegrationStatusUnprefixed": func() *response {
					h.clk.Advance(stepDuration * 5)
					return h.do(http.MethodGet, "/integrations/"+chat+"/status?include_logs=true&include_errors=false", key, nil)
				},
				"getTaskStatusGuide": func() *response { return h.do(http.MethodGet, "/v1/integrations/status/"+chat, key, nil) },
				"createApiKey": func() *response {
					return h.do(http.MethodPost, "/v1/api-keys", key, map[string]any{"name": "k", "scopes": []string{"profile:read"}, "expires_in": 60})
				},
				"createApiKeyUnprefixed": func() *response { return h.do(http.MethodPost, "/api-keys", key, map[string]any{"name": "k2"}) },
				"listApiKeys":            func() *response { return h.do(http.MethodGet, "/v1/api-keys?limit=2&offset=1", key, nil) },
				"listApiKeysUnprefixed":  func() *response { return h.do(http.MethodGet, "/api-keys?status=active", key, nil) },
				"deleteApiKey":           func() *response { return h.do(http.MethodDelete, "/v1/api-keys/"+extra, key, nil) },
				"deleteApiKeyUnprefixed": func() *response { return h.do(http.MethodDelete, "/api-keys/"+extra2, key, nil) },
				"healthcheck":            func() *response { return h.do(http.MethodGet, "/healthcheck", "", nil) },
			}
			spec, err := openapi.MemSync()
			if err != nil {
				t.Fatal(err)
			}
			ids := openapi.OperationIDs(spec)
			for _, id := range ids {
				call, ok := calls[id]
				if !ok {
					t.Errorf("operation %s has no sweep request", id)
					continue
				}
				res := call()
				if res.status >= 300 {
					t.Errorf("%s: %d %s", id, res.status, res.raw)
				}
			}
			// Error answers are validated too.
			h.do(http.MethodGet, "/v1/memories", "", nil)
			h.do(http.MethodPatch, "/v1/memories/mem_000000000000", key, map[string]any{"category": "x"})
			h.do(http.MethodGet, "/v1/integrations/nope/status", key, nil)
			var missing []string
			for _, id := range ids {
				if !h.checked[id] {
					missing = append(missing, id)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("responses never validated for %v", missing)
			}
		})
	}
}

func TestEveryOperationRouted(t *testing.T) {
	spec, err := openapi.MemSync()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if got, want := len(srv.Operations()), len(openapi.OperationIDs(spec)); got != want {
		t.Errorf("%d operations routed, spec has %d", got, want)
	}
	for _, id := range srv.Operations() {
		op := srv.ops[id]
		if op.id != "healthcheck" && (op.group == "" || !op.auth) {
			t.Errorf("%s: rate-limit group %q, auth %v", id, op.group, op.auth)
		}
	}
}
