package memsync

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"
)

var memIDRe = regexp.MustCompile(`^mem_[0-9a-f]{12}$`)

func TestQuickStartStoredAndFoundFirst(t *testing.T) {
	h := newHarness(t, Options{})
	res := h.do(http.MethodPost, "/v1/memories", "key-a", quickStart())
	if res.status != http.StatusOK || res.body["status"] != "success" || res.body["timestamp"] == nil {
		t.Fatalf("store: %d %s", res.status, res.raw)
	}
	d := res.data()
	if d["success"] != true || d["memories_created"].(float64) != 1 {
		t.Fatalf("store result: %s", res.raw)
	}
	mem := d["memories"].([]any)[0].(map[string]any)
	if !memIDRe.MatchString(mem["id"].(string)) {
		t.Errorf("id %q is not mem_ + 12 hex", mem["id"])
	}
	if mem["memory"] != "Is a software engineer who loves hiking" || mem["type"] != "semantic" {
		t.Errorf("memory = %v", mem)
	}
	if got := fmt.Sprint(mem["categories"]); got != "[career interests]" {
		t.Errorf("categories = %s, want [career interests]", got)
	}
	// Other facts to rank against.
	h.store("key-a", "I have two cats named Luna and Max.")
	h.store("key-a", "I'm planning a trip to Japan next month.")
	h.store("key-a", "I invest in index funds for retirement.")

	for _, rerank := range []bool{false, true} {
		res = h.do(http.MethodPost, "/v1/memories/search", "key-a", map[string]any{
			"query": "What does the user do for work?", "limit": 5, "rerank": rerank})
		if res.status != http.StatusOK {
			t.Fatalf("search: %d %s", res.status, res.raw)
		}
		hits := res.data()["memories"].([]any)
		first := hits[0].(map[string]any)
		if first["id"] != mem["id"] {
			t.Fatalf("rerank=%v: first hit %v, want the quick-start memory", rerank, first["memory"])
		}
		dist := first["vector_distance"].(float64)
		if dist < 0 || dist >= 1 {
			t.Errorf("vector_distance %v not in [0,1)", dist)
		}
		for i := 1; i < len(hits); i++ {
			prev, cur := hits[i-1].(map[string]any), hits[i].(map[string]any)
			key := "vector_distance"
			if rerank {
				key = "rerank_score"
				if cur[key].(float64) > prev[key].(float64) {
					t.Errorf("hits not ordered by rerank_score: %v", hits)
				}
			} else if cur[key].(float64) < prev[key].(float64) {
				t.Errorf("hits not ordered by vector_distance: %v", hits)
			}
		}
		if _, has := first["rerank_score"]; has != rerank {
			t.Errorf("rerank=%v but rerank_score present=%v", rerank, has)
		}
	}
}

func TestSearchFilters(t *testing.T) {
	h := newHarness(t, Options{})
	h.do(http.MethodPost, "/v1/memories", "k", quickStart())
	h.store("k", "I love cooking Italian food on weekends.")
	tests := []struct {
		name string
		body map[string]any
		want int
	}{
		{name: "category career", body: map[string]any{"query": "job", "categories": []string{"career"}}, want: 1},
		{name: "category travel", body: map[string]any{"query": "job", "categories": []string{"travel"}}, want: 0},
		{name: "agent", body: map[string]any{"query": "food", "agent_id": "my-chatbot"}, want: 1},
		{name: "thread", body: map[string]any{"query": "food", "thread_id": "thread"}, want: 1},
		{name: "limit", body: map[string]any{"query": "food", "limit": 1}, want: 1},
		{name: "all", body: map[string]any{"query": "food"}, want: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.do(http.MethodPost, "/v1/memories/search", "k", tc.body)
			if got := len(res.data()["memories"].([]any)); got != tc.want {
				t.Fatalf("%d hits, want %d: %s", got, tc.want, res.raw)
			}
		})
	}
	res := h.do(http.MethodPost, "/v1/memories/search", "k", map[string]any{"query": "x", "include_bio": false})
	if _, has := res.data()["user_bio"]; has {
		t.Error("include_bio=false still returned user_bio")
	}
	res = h.do(http.MethodPost, "/v1/memories/search", "empty-user", map[string]any{"query": "x"})
	if res.status != http.StatusNotFound || res.errorCode() != "NO_MEMORIES_FOUND" {
		t.Errorf("search without memories: %d %s", res.status, res.raw)
	}
}

func TestListPagesSeeEveryMemoryOnce(t *testing.T) {
	h := newHarness(t, Options{})
	want := map[string]bool{}
	for i := 0; i < 57; i++ {
		for _, id := range h.store("k", fmt.Sprintf("I have visited city number %d on a trip.", i)) {
			want[id] = true
		}
	}
	if len(want) != 57 {
		t.Fatalf("stored %d memories, want 57", len(want))
	}
	seen := map[string]int{}
	page := 1
	for {
		res := h.do(http.MethodGet, fmt.Sprintf("/v1/memories?page=%d&page_size=10", page), "k", nil)
		p := res.body["pagination"].(map[string]any)
		if p["page"].(float64) != float64(page) || p["total_items"].(float64) != 57 || p["total_pages"].(float64) != 6 {
			t.Fatalf("pagination = %v", p)
		}
		if p["has_previous"] != (page > 1) {
			t.Errorf("page %d: has_previous = %v", page, p["has_previous"])
		}
		for _, m := range res.body["data"].([]any) {
			seen[m.(map[string]any)["id"].(string)]++
		}
		if p["has_next"] != true {
			break
		}
		page++
		if page > 10 {
			t.Fatal("has_next never became false")
		}
	}
	if page != 6 {
		t.Errorf("last page = %d, want 6", page)
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("memory %s seen %d times", id, seen[id])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("saw %d distinct memories, want %d", len(seen), len(want))
	}
	res := h.do(http.MethodGet, "/v1/memories", "k", nil)
	if n := len(res.body["data"].([]any)); n != 20 {
		t.Errorf("default page size gave %d items, want 20", n)
	}
	res = h.do(http.MethodGet, "/v1/memories?page=99", "k", nil)
	if n := len(res.body["data"].([]any)); n != 0 || res.body["pagination"].(map[string]any)["has_next"] != false {
		t.Errorf("page past the end: %s", res.raw)
	}
}

func TestValidationErrors(t *testing.T) {
	h := newHarness(t, Options{})
	valid := quickStart()
	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		wantCode   string
		wantField  string
		wantReason string
	}{
		{name: "no messages", method: http.MethodPost, path: "/v1/memories",
			body:     map[string]any{"messages": []any{}, "agent_id": "a", "thread_id": "t", "source": "chat"},
			wantCode: "VALIDATION_ERROR", wantField: "messages", wantReason: "At least one message is required"},
		{name: "missing agent", method: http.MethodPost, path: "/v1/memories",
			body:     map[string]any{"messages": valid["messages"], "thread_id": "t", "source": "chat"},
			wantCode: "VALIDATION_ERROR", wantField: "agent_id", wantReason: "Field required"},
		{name: "bad role", method: http.MethodPost, path: "/v1/memories",
			body:     map[string]any{"messages": []any{map[string]any{"role": "bot", "content": "x"}}, "agent_id": "a", "thread_id": "t", "source": "s"},
			wantCode: "VALIDATION_ERROR", wantField: "messages.0.role"},
		{name: "limit zero", method: http.MethodPost, path: "/v1/memories/search",
			body: map[string]any{"query": "x", "limit": 0}, wantCode: "VALIDATION_ERROR", wantField: "limit", wantReason: "Must be between 1 and 100"},
		{name: "limit too big", method: http.MethodPost, path: "/v1/memories/search",
			body: map[string]any{"query": "x", "limit": 101}, wantCode: "VALIDATION_ERROR", wantField: "limit", wantReason: "Must be between 1 and 100"},
		{name: "limit not integer", method: http.MethodPost, path: "/v1/memories/search",
			body: map[string]any{"query": "x", "limit": 2.5}, wantCode: "VALIDATION_ERROR", wantField: "limit"},
		{name: "unknown category", method: http.MethodPost, path: "/v1/memories/search",
			body: map[string]any{"query": "x", "categories": []string{"sports"}}, wantCode: "VALIDATION_ERROR", wantField: "categories.0"},
		{name: "not json", method: http.MethodPost, path: "/v1/memories", body: "{nope", wantCode: "VALIDATION_ERROR", wantField: "body"},
		{name: "not an object", method: http.MethodPost, path: "/v1/memories", body: "[1,2]", wantCode: "VALIDATION_ERROR", wantField: "body"},
		{name: "empty body", method: http.MethodPost, path: "/v1/memories/search", body: "", wantCode: "VALIDATION_ERROR", wantField: "body"},
		{name: "page not a number", method: http.MethodGet, path: "/v1/memories?page=abc", wantCode: "VALIDATION_ERROR", wantField: "page"},
		{name: "page size 101", method: http.MethodGet, path: "/v1/memories?page_size=101", wantCode: "VALIDATION_ERROR", wantField: "page_size"},
		{name: "bio format", method: http.MethodGet, path: "/v1/profile/bio?format=haiku", wantCode: "INVALID_FORMAT", wantField: "format"},
		{name: "profile include", method: http.MethodGet, path: "/v1/profile?include=bio,secrets", wantCode: "VALIDATION_ERROR", wantField: "include"},
		{name: "bio too long", method: http.MethodPatch, path: "/v1/profile/bio",
			body: map[string]any{"bio": string(make([]rune, 501))}, wantCode: "BIO_TOO_LONG", wantField: "bio"},
		{name: "delete cascade not bool", method: http.MethodDelete, path: "/v1/memories/mem_000000000000?cascade=maybe",
			wantCode: "VALIDATION_ERROR", wantField: "cascade"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.do(tc.method, tc.path, "k", tc.body)
			if res.status != http.StatusBadRequest || res.errorCode() != tc.wantCode {
				t.Fatalf("%d %s, want 400 %s", res.status, res.raw, tc.wantCode)
			}
			d := res.details()
			if d["field"] != tc.wantField {
				t.Errorf("field = %v, want %s", d["field"], tc.wantField)
			}
			if tc.wantReason != "" && d["reason"] != tc.wantReason {
				t.Errorf("reason = %v, want %s", d["reason"], tc.wantReason)
			}
			if res.body["status"] != "error" || res.body["timestamp"] == nil {
				t.Errorf("not the error envelope: %s", res.raw)
			}
		})
	}
	res := h.do(http.MethodPatch, "/v1/profile/bio", "k", map[string]any{"bio": string(make([]rune, 650))})
	if d := res.details(); d["max_length"] != 500.0 || d["current_length"] != 650.0 {
		t.Errorf("BIO_TOO_LONG details = %v", d)
	}
	res = h.do(http.MethodGet, "/v1/profile/bio?format=haiku", "k", nil)
	if fmt.Sprint(res.details()["valid_formats"]) != "[full short bullets professional]" {
		t.Errorf("INVALID_FORMAT details = %v", res.details())
	}
}

func TestUpdateDeleteAndBatch(t *testing.T) {
	h := newHarness(t, Options{})
	ids := h.store("k", "I work as a nurse. I enjoy painting. I live in Boston.")
	if len(ids) != 3 {
		t.Fatalf("got %d memories, want 3", len(ids))
	}
	res := h.do(http.MethodPatch, "/v1/memories/"+ids[0], "k", map[string]any{
		"content": "Works as a head nurse at Boston General", "category": "career", "memory_type": "episodic",
		"importance": 0.9, "metadata": map[string]any{"location": "Boston", "participants": []string{"Ann"}}})
	d := res.data()
	if res.status != http.StatusOK || d["content"] != "Works as a head nurse at Boston General" || d["category"] != "career" ||
		d["memory_type"] != "episodic" || d["importance"] != 0.9 {
		t.Fatalf("update: %d %s", res.status, res.raw)
	}
	if emb, _ := d["embeddings"].([]any); len(emb) != 32 {
		t.Errorf("embeddings has %d values, want 32", len(emb))
	}
	res = h.do(http.MethodPatch, "/v1/memories/"+ids[0], "k", map[string]any{"category": "sports"})
	if res.status != http.StatusBadRequest || res.errorCode() != "INVALID_CATEGORY" || len(res.details()["valid_categories"].([]any)) != 10 {
		t.Errorf("invalid category: %d %s", res.status, res.raw)
	}
	res = h.do(http.MethodPatch, "/v1/memories/mem_ffffffffffff", "k", map[string]any{"content": "x"})
	if res.status != http.StatusNotFound || res.errorCode() != "MEMORY_NOT_FOUND" || res.details()["memory_id"] != "mem_ffffffffffff" {
		t.Errorf("update unknown: %d %s", res.status, res.raw)
	}

	res = h.do(http.MethodDelete, "/v1/memories/"+ids[0]+"?backup=false", "k", nil)
	if d := res.data(); res.status != http.StatusOK || d["success"] != true || d["backup_id"] != nil || d["memory_id"] != ids[0] {
		t.Fatalf("delete: %d %s", res.status, res.raw)
	}
	res = h.do(http.MethodDelete, "/v1/memories/"+ids[0], "k", nil)
	if res.status != http.StatusNotFound {
		t.Errorf("second delete: %d", res.status)
	}

	res = h.do(http.MethodPost, "/v1/memories/batch-delete", "k", map[string]any{"memory_ids": []string{ids[1], "mem_ffffffffffff"}})
	if res.status != http.StatusNotFound || res.errorCode() != "MEMORY_NOT_FOUND" {
		t.Fatalf("batch with unknown id: %d %s", res.status, res.raw)
	}
	if n := h.do(http.MethodGet, "/v1/memories", "k", nil).body["pagination"].(map[string]any)["total_items"]; n != 2.0 {
		t.Fatalf("a failed batch deleted something: %v memories left, want 2", n)
	}
	res = h.do(http.MethodPost, "/memories/batch-delete", "k", map[string]any{"memory_ids": []string{ids[1], ids[2]}, "cascade": true})
	if d := res.data(); res.status != http.StatusOK || d["deleted_count"] != 2.0 || d["backup_id"] == nil {
		t.Fatalf("batch: %d %s", res.status, res.raw)
	}
}

func TestKeysAreIsolated(t *testing.T) {
	h := newHarness(t, Options{})
	ids := h.store("alice", "I'm a pilot who loves sailing.")
	res := h.do(http.MethodPost, "/v1/integrations/chat", "alice", chatBody())
	intID := res.data()["integration_id"].(string)

	if n := h.do(http.MethodGet, "/v1/memories", "bob", nil).body["pagination"].(map[string]any)["total_items"]; n != 0.0 {
		t.Errorf("bob sees %v memories", n)
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{name: "search", method: http.MethodPost, path: "/v1/memories/search", body: map[string]any{"query": "pilot"}, status: 404, code: "NO_MEMORIES_FOUND"},
		{name: "update", method: http.MethodPatch, path: "/v1/memories/" + ids[0], body: map[string]any{"content": "x"}, status: 403, code: "FORBIDDEN"},
		{name: "delete", method: http.MethodDelete, path: "/v1/memories/" + ids[0], status: 403, code: "FORBIDDEN"},
		{name: "batch", method: http.MethodPost, path: "/v1/memories/batch-delete", body: map[string]any{"memory_ids": ids}, status: 403, code: "FORBIDDEN"},
		{name: "integration", method: http.MethodGet, path: "/v1/integrations/" + intID + "/status", status: 404, code: "INTEGRATION_NOT_FOUND"},
		{name: "profile", method: http.MethodGet, path: "/v1/profile", status: 404, code: "PROFILE_NOT_FOUND"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.do(tc.method, tc.path, "bob", tc.body)
			if res.status != tc.status || res.errorCode() != tc.code {
				t.Fatalf("%d %s, want %d %s", res.status, res.raw, tc.status, tc.code)
			}
		})
	}
	// Limits are per key too.
	for i := 0; i < 9; i++ {
		h.do(http.MethodGet, "/v1/integrations/"+intID+"/status", "alice", nil)
	}
	if res := h.do(http.MethodGet, "/v1/integrations/"+intID+"/status", "alice", nil); res.status != http.StatusTooManyRequests {
		t.Fatalf("alice's 11th integration call: %d", res.status)
	}
	if res := h.do(http.MethodPost, "/v1/integrations/chat", "bob", chatBody()); res.status != http.StatusOK {
		t.Errorf("bob limited by alice's usage: %d", res.status)
	}
	if res := h.do(http.MethodGet, "/v1/memories/"+ids[0], "alice", nil); res.status != http.StatusNotFound {
		t.Errorf("GET of a memory path that the spec does not describe: %d", res.status)
	}
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t, Options{APIKeys: []string{"good"}})
	tests := []struct {
		name   string
		path   string
		key    string
		auth   string
		status int
	}{
		{name: "no key", path: "/v1/memories", status: 401},
		{name: "unknown key", path: "/v1/memories", key: "bad", status: 401},
		{name: "good key", path: "/v1/memories", key: "good", status: 200},
		{name: "bearer", path: "/v1/memories", auth: "Bearer good", status: 200},
		{name: "health without key", path: "/healthcheck", status: 200},
		{name: "health checks a given key", path: "/healthcheck", key: "bad", status: 401},
		{name: "health with good key", path: "/healthcheck", key: "good", status: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(http.MethodGet, tc.path, tc.key)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			res := h.send(req, nil)
			if res.status != tc.status {
				t.Fatalf("%d %s, want %d", res.status, res.raw, tc.status)
			}
			if tc.status == 401 {
				if res.errorCode() != "AUTHENTICATION_ERROR" || res.body["status"] != "error" {
					t.Errorf("not the documented error envelope: %s", res.raw)
				}
				if res.header.Get("X-RateLimit-Limit") != "" {
					t.Error("401 carries rate-limit headers")
				}
			}
		})
	}
}

func TestEnvelopeOff(t *testing.T) {
	h := newHarness(t, Options{Envelope: Bool(false)})
	res := h.do(http.MethodPost, "/v1/memories", "k", quickStart())
	if _, wrapped := res.body["data"]; wrapped || res.body["memories_created"] != 1.0 {
		t.Fatalf("bare store: %s", res.raw)
	}
	res = h.do(http.MethodPost, "/v1/memories/search", "k", map[string]any{"query": "hiking"})
	if _, ok := res.body["memories"].([]any); !ok {
		t.Fatalf("bare search: %s", res.raw)
	}
	res = h.do(http.MethodGet, "/v1/memories", "k", nil)
	if _, ok := res.body["status"]; ok || res.body["pagination"] == nil {
		t.Errorf("bare list: %s", res.raw)
	}
	res = h.do(http.MethodGet, "/v1/memories?page_size=0", "k", nil)
	if res.errorCode() != "VALIDATION_ERROR" || res.body["status"] != "error" {
		t.Errorf("errors keep the envelope: %s", res.raw)
	}
}

func TestUnknownRoute(t *testing.T) {
	h := newHarness(t, Options{})
	for _, p := range []string{"/v1/nothing", "/v2/memories", "/"} {
		res := h.do(http.MethodGet, p, "k", nil)
		if res.status != http.StatusNotFound || res.errorCode() != "RESOURCE_NOT_FOUND" {
			t.Errorf("%s: %d %s", p, res.status, res.raw)
		}
	}
	if res := h.do(http.MethodPut, "/v1/memories", "k", nil); res.status != http.StatusNotFound {
		t.Errorf("wrong method: %d", res.status)
	}
}

func TestDeterministicUnderSeed(t *testing.T) {
	run := func() string {
		h := newHarness(t, Options{Seed: 42})
		out := string(h.do(http.MethodPost, "/v1/memories", "k", quickStart()).raw)
		out += string(h.do(http.MethodPost, "/v1/integrations/social", "k", map[string]any{"platform": "twitter", "auth_token": "t"}).raw)
		h.clk.Advance(10 * time.Second)
		out += string(h.do(http.MethodGet, "/v1/memories?page_size=100", "k", nil).raw)
		return out
	}
	if a, b := run(), run(); a != b {
		t.Errorf("same seed, different answers:\n%s\n%s", a, b)
	}
	other := newHarness(t, Options{Seed: 7})
	a := other.do(http.MethodPost, "/v1/memories", "k", quickStart()).data()["memories"].([]any)[0].(map[string]any)["id"]
	b := newHarness(t, Options{Seed: 42}).do(http.MethodPost, "/v1/memories", "k", quickStart()).data()["memories"].([]any)[0].(map[string]any)["id"]
	if a == b {
		t.Errorf("seeds 7 and 42 minted the same id %v", a)
	}
}

func TestConcurrentClients(t *testing.T) {
	h := newHarness(t, Options{RateLimits: Bool(false)})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("user-%d", g%2)
			for i := 0; i < 20; i++ {
				h.do(http.MethodPost, "/v1/memories", key, map[string]any{
					"messages": []map[string]string{{"role": "user", "content": fmt.Sprintf("I play tennis with friend %d-%d.", g, i)}},
					"agent_id": "a", "thread_id": "t", "source": "chat"})
				h.do(http.MethodPost, "/v1/memories/search", key, map[string]any{"query": "tennis", "limit": 3})
				h.do(http.MethodGet, "/v1/memories?page_size=5", key, nil)
				if i%5 == 0 {
					h.do(http.MethodPost, "/v1/integrations/chat", key, chatBody())
					h.do(http.MethodGet, "/v1/profile", key, nil)
				}
			}
		}()
	}
	wg.Wait()
	for _, key := range []string{"user-0", "user-1"} {
		if n := h.do(http.MethodGet, "/v1/memories", key, nil).body["pagination"].(map[string]any)["total_items"]; n != 80.0 {
			t.Errorf("%s has %v memories, want 80", key, n)
		}
	}
}

func TestClosedServer(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, newRequest(http.MethodGet, "/healthcheck", ""))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("closed server answered %d", rec.Code)
	}
}

func TestHugeQueryNumbers(t *testing.T) {
	h := newHarness(t, Options{})
	h.store("k", "I am a chef in Lyon.")
	for _, p := range []string{
		"/v1/memories?page=9223372036854775807",
		"/v1/memories?page=99999999999999999999",
		"/v1/api-keys?offset=9223372036854775807",
		"/v1/memories?page=-1",
	} {
		res := h.do(http.MethodGet, p, "k", nil)
		if res.status != http.StatusOK && res.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", p, res.status, res.raw)
		}
	}
}
