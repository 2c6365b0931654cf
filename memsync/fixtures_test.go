package memsync

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/memharness/memharness/toolkit/fixtures"
)

const memoryManifest = `
accounts:
  - api_key: sk-mem
    memories:
      - id: mem_0123456789ab
        memory: Loves hiking in the Alps with their dog
        categories: [interests, travel]
        type: semantic
        source: chat
        agent_id: agent-7
        thread_id: th-1
        importance: 0.8
        metadata: {mood: happy, visits: 3}
        created: 2025-03-01T09:00:00Z
        updated: 2025-03-02T09:00:00Z
      - memory: Works as a nurse at the city hospital
`

func parseManifest(t *testing.T, src string) fixtures.Manifest {
	t.Helper()
	m, err := fixtures.Parse("mem.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFixtureMemoriesAreSearchedAndListed: fixture memories are the user's
// memories: search ranks them, the list shows them with every field as
// given, and what the fixture left empty is filled as for an extracted
// memory.
func TestFixtureMemoriesAreSearchedAndListed(t *testing.T) {
	h := newHarness(t, Options{Seed: 1})
	if err := h.srv.LoadFixtureMemories(parseManifest(t, memoryManifest)); err != nil {
		t.Fatal(err)
	}
	res := h.do(http.MethodPost, "/v1/memories/search", "sk-mem", map[string]any{"query": "hiking in the mountains"})
	hits, _ := res.data()["memories"].([]any)
	if res.status != http.StatusOK || len(hits) == 0 || hits[0].(map[string]any)["id"] != "mem_0123456789ab" {
		t.Fatalf("search: %d %s", res.status, res.raw)
	}
	list := h.do(http.MethodGet, "/v1/memories", "sk-mem", nil)
	items, _ := list.body["data"].([]any)
	if len(items) != 2 {
		t.Fatalf("list: %s", list.raw)
	}
	// Newest first: the second fixture memory was stored last.
	nurse, hike := items[0].(map[string]any), items[1].(map[string]any)
	want := map[string]any{"id": "mem_0123456789ab", "memory": "Loves hiking in the Alps with their dog", "type": "semantic",
		"source": "chat", "agent_id": "agent-7", "thread_id": "th-1", "importance": 0.8,
		"created_at": "2025-03-01T09:00:00Z", "updated_at": "2025-03-02T09:00:00Z"}
	for k, v := range want {
		if hike[k] != v {
			t.Errorf("%s = %v, want %v", k, hike[k], v)
		}
	}
	if !reflect.DeepEqual(hike["categories"], []any{"interests", "travel"}) || !reflect.DeepEqual(hike["metadata"], map[string]any{"mood": "happy", "visits": 3.0}) {
		t.Errorf("categories %v metadata %v", hike["categories"], hike["metadata"])
	}
	if id, _ := nurse["id"].(string); !strings.HasPrefix(id, "mem_") || len(id) != 16 {
		t.Errorf("minted id %q", id)
	}
	if cats, _ := nurse["categories"].([]any); len(cats) == 0 || cats[0] != "career" {
		t.Errorf("detected categories %v, want career first", nurse["categories"])
	}
	if nurse["created_at"] != "2025-03-20T10:00:10Z" || nurse["updated_at"] != nurse["created_at"] {
		t.Errorf("default times %v %v, want the clock's now", nurse["created_at"], nurse["updated_at"])
	}
}

// TestFixtureMemoriesExportLoadRoundTrip: what ExportMemories writes loads
// into a fresh MemSync (another seed) as the same memories.
func TestFixtureMemoriesExportLoadRoundTrip(t *testing.T) {
	a := newHarness(t, Options{Seed: 1})
	if err := a.srv.LoadFixtureMemories(parseManifest(t, memoryManifest)); err != nil {
		t.Fatal(err)
	}
	// A memory the API extracted, not the fixture: it must survive too.
	a.store("sk-mem", "I just started learning Japanese every evening.")
	first := a.srv.ExportMemories("sk-mem")
	if len(first) != 3 {
		t.Fatalf("exported %d memories, want 3", len(first))
	}
	raw, err := fixtures.Marshal(fixtures.Manifest{Accounts: []fixtures.Account{{APIKey: "sk-mem", Memories: first}}})
	if err != nil {
		t.Fatal(err)
	}
	b := newHarness(t, Options{Seed: 99})
	if err := b.srv.LoadFixtureMemories(parseManifest(t, string(raw))); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	second := b.srv.ExportMemories("sk-mem")
	for i := range second {
		second[i].Where, second[i].Field = "", ""
	}
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("round trip differs:\n%+v\n%+v", first, second)
	}
	if got := b.srv.ExportMemories("sk-never-seen"); len(got) != 0 {
		t.Fatalf("a key never seen exports %v", got)
	}
}

// TestBadFixtureMemoriesLoadNothing: refusals name the memory's line and
// field, and no memory of the manifest is stored.
func TestBadFixtureMemoriesLoadNothing(t *testing.T) {
	for _, tt := range []struct {
		name  string
		opts  Options
		src   string
		where string
	}{
		{name: "id taken", src: "accounts:\n  - api_key: sk-a\n    memories:\n      - memory: Plays chess on Sundays\n  - api_key: sk-b\n    memories:\n      - id: mem_0123456789ab\n        memory: Has a cat\n",
			where: "mem.yaml:7: accounts[1].memories[0].id"},
		{name: "key not accepted", opts: Options{APIKeys: []string{"sk-only"}}, src: "accounts:\n  - api_key: sk-only\n    memories:\n      - memory: Plays chess\n  - api_key: sk-other\n    memories:\n      - memory: Has a cat\n",
			where: "mem.yaml:7: accounts[1].memories[0]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.opts)
			if tt.name == "id taken" {
				if err := h.srv.LoadFixtureMemories(parseManifest(t, "accounts:\n  - api_key: sk-c\n    memories:\n      - {id: mem_0123456789ab, memory: Owns a bike}\n")); err != nil {
					t.Fatal(err)
				}
			}
			m := parseManifest(t, tt.src)
			if err := h.srv.CheckFixtureMemories(m); !errors.Is(err, ErrFixture) || !strings.Contains(err.Error(), tt.where) {
				t.Fatalf("check: %v, want a refusal at %s", err, tt.where)
			}
			err := h.srv.LoadFixtureMemories(m)
			if !errors.Is(err, ErrFixture) || !strings.Contains(err.Error(), tt.where) {
				t.Fatalf("load: %v, want a refusal at %s", err, tt.where)
			}
			first := m.Accounts[0].APIKey
			if got := h.srv.ExportMemories(first); len(got) != 0 {
				t.Fatalf("a refused manifest stored %v for %s", got, first)
			}
		})
	}
}

// TestFixtureCategoriesAreMemSyncs: the fixture format's enums are the
// ones this emulator (and memsync.yaml) use.
func TestFixtureCategoriesAreMemSyncs(t *testing.T) {
	if !reflect.DeepEqual(fixtures.MemoryCategories, categories) {
		t.Fatalf("fixtures.MemoryCategories %v, memsync categories %v", fixtures.MemoryCategories, categories)
	}
	spec, err := testSpec()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{"category": fixtures.MemoryCategories, "memory_type": fixtures.MemoryTypes} {
		var enum []string
		for _, sc := range spec.Components.Schemas {
			if p := sc.Value.Properties[name]; p != nil && p.Value != nil && len(p.Value.Enum) > 0 {
				for _, v := range p.Value.Enum {
					enum = append(enum, v.(string))
				}
				break
			}
		}
		if !reflect.DeepEqual(enum, want) {
			t.Errorf("%s enum in memsync.yaml %v, fixtures %v", name, enum, want)
		}
	}
}

// TestResetAndForgetKey: Reset forgets every user; ForgetKey only the
// user of one key (with the keys it created), so the same fixture loads
// again afterwards.
func TestResetAndForgetKey(t *testing.T) {
	h := newHarness(t, Options{Seed: 1})
	m := parseManifest(t, memoryManifest)
	if err := h.srv.LoadFixtureMemories(m); err != nil {
		t.Fatal(err)
	}
	h.store("sk-other", "I love sailing on weekends.")
	created := h.do(http.MethodPost, "/v1/api-keys", "sk-mem", map[string]any{"name": "ci"})
	extra, _ := created.data()["key"].(string)
	if extra == "" {
		t.Fatalf("create key: %s", created.raw)
	}

	if !h.srv.ForgetKey("sk-mem") || h.srv.ForgetKey("sk-never-seen") {
		t.Fatal("ForgetKey reports the wrong users")
	}
	if got := h.srv.ExportMemories("sk-mem"); len(got) != 0 {
		t.Fatalf("forgotten user still has %v", got)
	}
	if got := h.srv.ExportMemories("sk-other"); len(got) == 0 {
		t.Fatal("another user was forgotten too")
	}
	if err := h.srv.LoadFixtureMemories(m); err != nil {
		t.Fatalf("reload after ForgetKey: %v", err)
	}
	// The key the forgotten user created is no longer theirs: in open
	// mode it is a new user's, who sees none of the reloaded memories.
	if res := h.do(http.MethodGet, "/v1/memories", extra, nil); res.status != http.StatusOK || res.body["pagination"].(map[string]any)["total_items"] != 0.0 {
		t.Fatalf("a key the forgotten user created still reaches their memories: %d %s", res.status, res.raw)
	}

	h.srv.Reset()
	for _, k := range []string{"sk-mem", "sk-other"} {
		if got := h.srv.ExportMemories(k); len(got) != 0 {
			t.Fatalf("after Reset %s has %v", k, got)
		}
	}
	if err := h.srv.LoadFixtureMemories(m); err != nil {
		t.Fatalf("reload after Reset: %v", err)
	}
}
