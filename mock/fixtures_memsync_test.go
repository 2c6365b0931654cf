package mock

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/memharness/memharness/memsync"
)

// withMemSync attaches a MemSync mock on the test server's clock, as the
// mockserver binary does, and returns its handler.
func withMemSync(t *testing.T, ts *testServer, seed int64) (*memsync.Server, http.Handler) {
	t.Helper()
	ms, err := memsync.New(memsync.Options{Clock: ts.srv.Clock(), Seed: seed, Journal: ts.srv.Platform().Journal})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ms.Close() })
	if err := ts.srv.AttachMemSync(ms); err != nil {
		t.Fatal(err)
	}
	return ms, ms.Handler()
}

// memsyncCall sends a JSON request to the MemSync handler.
func memsyncCall(t *testing.T, h http.Handler, method, path, key string, body any) map[string]any {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("X-API-Key", key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
	}
	return out
}

const memoryFixture = `{"accounts":[{"api_key":"sk-ms","credits":10,
  "videos":[{"name":"ridge","visual":[{"start":0,"end":5,"text":"a golden eagle circles the ridge"}]}],
  "memories":[
    {"id":"mem_00000000beef","memory":"Watches golden eagles from the ridge every spring","categories":["interests"],"metadata":{"binoculars":"10x42"}},
    {"memory":"Works as a park ranger in the Rockies"}]}]}`

// TestFixturesLoadAndExportMemSyncMemories: a manifest's memories land in
// the MemSync mock (search and list find them), export writes them back,
// and loading the export into a fresh pair of mocks gives the same
// manifest.
func TestFixturesLoadAndExportMemSyncMemories(t *testing.T) {
	a := newTestServer(t, Options{})
	_, msA := withMemSync(t, a, 1)
	rec := a.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(memoryFixture))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"memories":2`) {
		t.Fatalf("load: %d %s", rec.Code, rec.Body.String())
	}
	search := memsyncCall(t, msA, http.MethodPost, "/v1/memories/search", "sk-ms", map[string]any{"query": "eagles"})
	hits, _ := search["data"].(map[string]any)["memories"].([]any)
	if len(hits) == 0 || hits[0].(map[string]any)["id"] != "mem_00000000beef" {
		t.Fatalf("MemSync search does not find the fixture memory first: %v", search)
	}
	list := memsyncCall(t, msA, http.MethodGet, "/v1/memories", "sk-ms", nil)
	if items, _ := list["data"].([]any); len(items) != 2 {
		t.Fatalf("MemSync list: %v", list)
	}

	first := a.json(http.MethodGet, "/_mock/export?api_key=sk-ms", "", nil)
	acct := first["accounts"].([]any)[0].(map[string]any)
	mems, _ := acct["memories"].([]any)
	if len(mems) != 2 || mems[0].(map[string]any)["id"] != "mem_00000000beef" {
		t.Fatalf("export memories: %v", acct["memories"])
	}
	if only := a.json(http.MethodGet, "/_mock/export?api_key=sk-ms&unique_id=default", "", nil); only["accounts"].([]any)[0].(map[string]any)["memories"] != nil {
		t.Fatalf("a namespace's export carries MemSync memories: %v", only)
	}

	raw, _ := json.Marshal(first)
	b := newTestServer(t, Options{Seed: 7})
	withMemSync(t, b, 7)
	if rec := b.do(http.MethodPost, "/_mock/fixtures", "", "application/json", bytes.NewReader(raw)); rec.Code != http.StatusOK {
		t.Fatalf("load export: %d %s", rec.Code, rec.Body.String())
	}
	if second := b.json(http.MethodGet, "/_mock/export?api_key=sk-ms", "", nil); !reflect.DeepEqual(first, second) {
		x, _ := json.MarshalIndent(first, "", " ")
		y, _ := json.MarshalIndent(second, "", " ")
		t.Fatalf("round trip differs:\n%s\n---\n%s", x, y)
	}
}

// TestBadMemSyncFixtureLoadsNothing: a memory MemSync refuses (an id
// already taken) or one no MemSync can take fails the whole manifest,
// named by line and field; the videos of the manifest are not loaded
// either.
func TestBadMemSyncFixtureLoadsNothing(t *testing.T) {
	ts := newTestServer(t, Options{})
	clash := "{\"accounts\":[{\"api_key\":\"sk-bad\",\n\"videos\":[{\"name\":\"v\"}],\n\"memories\":[{\"memory\":\"Likes tea\"},\n {\"id\":\"mem_00000000beef\",\"memory\":\"Likes coffee\"}]}]}"

	// No MemSync in this process.
	rec := ts.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(clash))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "request body:3: accounts[0].memories[0]") || !strings.Contains(rec.Body.String(), "no MemSync mock runs") {
		t.Fatalf("without MemSync: %d %s", rec.Code, rec.Body.String())
	}

	_, h := withMemSync(t, ts, 1)
	if rec := ts.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(memoryFixture)); rec.Code != http.StatusOK {
		t.Fatalf("load: %d %s", rec.Code, rec.Body.String())
	}
	rec = ts.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(clash))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "request body:4: accounts[0].memories[1].id") || !strings.Contains(rec.Body.String(), "already exists") {
		t.Fatalf("id clash: %d %s", rec.Code, rec.Body.String())
	}
	list := ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-bad", map[string]any{"page": 1, "size": 20})
	if vs, _ := data(list)["videos"].([]any); len(vs) != 0 {
		t.Fatalf("a refused manifest left %d videos", len(vs))
	}
	if got := memsyncCall(t, h, http.MethodGet, "/v1/memories", "sk-bad", nil); len(got["data"].([]any)) != 0 {
		t.Fatalf("a refused manifest left memories: %v", got)
	}

	// A shape error: the control plane's schema (FixtureMemory) names the
	// field.
	bad := "{\"accounts\":[{\"api_key\":\"sk-bad\",\n\"memories\":[{\"memory\":\"Likes tea\",\"categories\":[\"hobbies\"]}]}]}"
	rec = ts.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(bad))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "accounts.0.memories.0.categories.0") {
		t.Fatalf("bad category: %d %s", rec.Code, rec.Body.String())
	}
}

// TestStartupFixtureMemoriesWaitForMemSync: --fixtures manifests with
// memories load them once MemSync is attached, and fail start-up, naming
// the file and line, when no MemSync runs.
func TestStartupFixtureMemoriesWaitForMemSync(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mem.yaml")
	if err := os.WriteFile(file, []byte("accounts:\n  - api_key: sk-boot\n    memories:\n      - memory: Runs a marathon every autumn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, Options{Fixtures: []string{file}})
	_, h := withMemSync(t, ts, 1)
	if got := memsyncCall(t, h, http.MethodGet, "/v1/memories", "sk-boot", nil); len(got["data"].([]any)) != 1 {
		t.Fatalf("start-up memories: %v", got)
	}

	off := newTestServer(t, Options{Fixtures: []string{file}})
	err := off.srv.AttachMemSync(nil)
	if err == nil || !strings.Contains(err.Error(), file+":4: accounts[0].memories[0]") {
		t.Fatalf("no MemSync: %v", err)
	}
}

// TestResetReachesMemSync: POST /_mock/reset?api_key=K forgets that key's
// MemSync user and no other; POST /_mock/reset forgets every one; the
// same manifest, fixed ids included, loads again after each.
func TestResetReachesMemSync(t *testing.T) {
	ts := newTestServer(t, Options{})
	_, h := withMemSync(t, ts, 1)
	load := func() {
		t.Helper()
		if rec := ts.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(memoryFixture)); rec.Code != http.StatusOK {
			t.Fatalf("load: %d %s", rec.Code, rec.Body.String())
		}
	}
	count := func(key string) int {
		t.Helper()
		return len(memsyncCall(t, h, http.MethodGet, "/v1/memories", key, nil)["data"].([]any))
	}
	load()
	memsyncCall(t, h, http.MethodPost, "/v1/memories", "sk-bystander", map[string]any{"agent_id": "a", "thread_id": "t", "source": "chat",
		"messages": []map[string]string{{"role": "user", "content": "I grow tomatoes on my balcony."}}})
	if count("sk-ms") != 2 || count("sk-bystander") != 1 {
		t.Fatalf("before reset: %d and %d memories", count("sk-ms"), count("sk-bystander"))
	}
	if rec := ts.do(http.MethodPost, "/_mock/reset?api_key=sk-ms", "", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("scoped reset: %d %s", rec.Code, rec.Body.String())
	}
	if count("sk-ms") != 0 || count("sk-bystander") != 1 {
		t.Fatalf("after the scoped reset: %d and %d memories", count("sk-ms"), count("sk-bystander"))
	}
	load()
	if rec := ts.do(http.MethodPost, "/_mock/reset", "", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("reset: %d %s", rec.Code, rec.Body.String())
	}
	if count("sk-ms") != 0 || count("sk-bystander") != 0 {
		t.Fatalf("after the global reset: %d and %d memories", count("sk-ms"), count("sk-bystander"))
	}
	load()
}
