package memsync

import (
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
)

// memPersister is a Persister in a map, standing in for the mock's bbolt records.
type memPersister struct {
	mu   sync.Mutex
	recs map[string]map[string][]byte
	puts int
}

func newMemPersister() *memPersister { return &memPersister{recs: map[string]map[string][]byte{}} }

func (p *memPersister) PutRecord(kind, id string, raw []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.recs[kind] == nil {
		p.recs[kind] = map[string][]byte{}
	}
	p.recs[kind][id] = slices.Clone(raw)
	p.puts++
	return nil
}

func (p *memPersister) DeleteRecord(kind, id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.recs[kind], id)
	return nil
}

func (p *memPersister) EachRecord(kind string, fn func(id string, raw []byte) bool) error {
	p.mu.Lock()
	recs := maps.Clone(p.recs[kind])
	p.mu.Unlock()
	for _, id := range slices.Sorted(maps.Keys(recs)) {
		if !fn(id, recs[id]) {
			break
		}
	}
	return nil
}

func (p *memPersister) count(kind string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.recs[kind])
}

// answers are the responses a restored server must repeat byte for byte.
func answers(h *harness, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		out[k+" list"] = string(h.do(http.MethodGet, "/v1/memories?page_size=100", k, nil).raw)
		out[k+" search"] = string(h.do(http.MethodPost, "/v1/memories/search", k, map[string]any{
			"query": "what does the user do for work and fun", "limit": 10, "rerank": true}).raw)
		out[k+" keys"] = string(h.do(http.MethodGet, "/v1/api-keys", k, nil).raw)
	}
	return out
}

// TestRestoredServerAnswersAlike: memories added, updated and deleted, keys created and revoked,
// then a new Server on the same Persister lists, searches and lists keys exactly as the first.
func TestRestoredServerAnswersAlike(t *testing.T) {
	p := newMemPersister()
	h := newHarness(t, Options{Persister: p})
	ids := h.store("k", "I work as a nurse. I enjoy painting. I live in Boston.")
	h.store("k", "I'm learning Spanish through an online course.")
	h.store("other", "I'm a software engineer who loves hiking.")
	if res := h.do(http.MethodPatch, "/v1/memories/"+ids[0], "k", map[string]any{
		"content": "Works as a head nurse at Boston General", "importance": 0.9,
		"metadata": map[string]any{"ward": "ICU"}}); res.status != http.StatusOK {
		t.Fatalf("update: %d %s", res.status, res.raw)
	}
	if res := h.do(http.MethodDelete, "/v1/memories/"+ids[1], "k", nil); res.status != http.StatusOK {
		t.Fatalf("delete: %d %s", res.status, res.raw)
	}
	created := h.do(http.MethodPost, "/v1/api-keys", "k", map[string]any{"name": "ci", "scopes": []string{"memories:read"}}).data()
	revoked := h.do(http.MethodPost, "/v1/api-keys", "k", map[string]any{"name": "old"}).data()
	if res := h.do(http.MethodDelete, "/v1/api-keys/"+revoked["api_key_id"].(string), "k", nil); res.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", res.status, res.raw)
	}
	newKey := created["key"].(string)
	// The first pass uses newKey (its last_used changes); the second is the settled answer.
	answers(h, "k", "other", newKey)
	want := answers(h, "k", "other", newKey)
	if n := p.count(recUser); n != 2 {
		t.Fatalf("%d user records, want 2", n)
	}

	h2 := newHarness(t, Options{Persister: p})
	got := answers(h2, "k", "other", newKey)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s after restore:\n got %s\nwant %s", name, got[name], w)
		}
	}
	if res := h2.do(http.MethodGet, "/v1/memories", revoked["key"].(string), nil); res.status != http.StatusUnauthorized {
		t.Errorf("revoked key after restore: %d", res.status)
	}
	if res := h2.do(http.MethodPost, "/v1/memories", newKey, chatBody()); res.status != http.StatusForbidden {
		t.Errorf("read-only key writes after restore: %d %s", res.status, res.raw)
	}
	// Ids minted after the restart are new ones: the generator continues where it stopped.
	fresh := h2.store("k", "I adopted a cat named Miso.")
	if slices.Contains(ids, fresh[0]) {
		t.Errorf("new memory id %s repeats an id from before the restart %v", fresh[0], ids)
	}
	again := h2.do(http.MethodPost, "/v1/api-keys", "k", map[string]any{"name": "again"}).data()
	if again["key"] == newKey || again["key"] == revoked["key"] || again["api_key_id"] == created["api_key_id"] {
		t.Errorf("new key %v repeats a key from before the restart", again)
	}
}

// TestResetAndForgetKeyDropRecords: ForgetKey deletes its user's record, Reset every record,
// and a read-only request writes none.
func TestResetAndForgetKeyDropRecords(t *testing.T) {
	p := newMemPersister()
	h := newHarness(t, Options{Persister: p})
	h.store("a", "I work as a nurse.")
	h.store("b", "I love chess.")
	puts := p.puts
	h.do(http.MethodGet, "/v1/memories", "a", nil)
	if p.puts != puts {
		t.Errorf("a list wrote %d records", p.puts-puts)
	}
	if !h.srv.ForgetKey("a") {
		t.Fatal("ForgetKey: no user")
	}
	if n := p.count(recUser); n != 1 {
		t.Errorf("%d user records after ForgetKey, want 1", n)
	}
	h2 := newHarness(t, Options{Persister: p})
	if res := h2.do(http.MethodGet, "/v1/memories", "a", nil); res.body["pagination"].(map[string]any)["total_items"] != 0.0 {
		t.Errorf("forgotten user after restart: %s", res.raw)
	}
	if res := h2.do(http.MethodGet, "/v1/memories", "b", nil); res.body["pagination"].(map[string]any)["total_items"] != 1.0 {
		t.Errorf("kept user after restart: %s", res.raw)
	}
	h2.srv.Reset()
	if n, s := p.count(recUser), p.count(recState); n != 0 || s != 0 {
		t.Errorf("after Reset: %d user and %d state records, want none", n, s)
	}
	h3 := newHarness(t, Options{Persister: p})
	if res := h3.do(http.MethodPost, "/v1/memories/search", "b", map[string]any{"query": "chess"}); res.errorCode() != "NO_MEMORIES_FOUND" {
		t.Errorf("search after Reset and restart: %d %s", res.status, res.raw)
	}
}

// TestFixtureMemoriesSurviveARestart: the same manifest loaded again at start neither doubles
// nor refuses the memories it made, and an edit made to one since is kept.
func TestFixtureMemoriesSurviveARestart(t *testing.T) {
	p := newMemPersister()
	m := parseManifest(t, memoryManifest)
	h := newHarness(t, Options{Persister: p})
	if err := h.srv.LoadFixtureMemories(m); err != nil {
		t.Fatal(err)
	}
	if res := h.do(http.MethodPatch, "/v1/memories/mem_0123456789ab", "sk-mem", map[string]any{"importance": 0.3}); res.status != http.StatusOK {
		t.Fatalf("update: %d %s", res.status, res.raw)
	}
	want := answers(h, "sk-mem")

	h2 := newHarness(t, Options{Persister: p})
	if err := h2.srv.LoadFixtureMemories(m); err != nil {
		t.Fatalf("load again after restart: %v", err)
	}
	got := answers(h2, "sk-mem")
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s after restart:\n got %s\nwant %s", name, got[name], w)
		}
	}
	// Without a restore the manifest's ids are taken, as before.
	if err := h2.srv.LoadFixtureMemories(parseManifest(t, `
accounts:
  - api_key: sk-new
    memories:
      - id: mem_0123456789ab
        memory: Plays the cello
`)); err == nil {
		t.Error("another user's fixture reused a restored id")
	}
}
