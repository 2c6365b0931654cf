package memsync

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestProfileNeedsFiveMemories(t *testing.T) {
	h := newHarness(t, Options{})
	h.store("k", "I'm a carpenter. I love jazz. I live in Denver.")
	for _, p := range []string{"/v1/profile", "/profile", "/v1/users/profile"} {
		res := h.do(http.MethodGet, p, "k", nil)
		if res.status != http.StatusNotFound || res.errorCode() != "PROFILE_NOT_FOUND" || res.details()["suggestion"] == nil {
			t.Errorf("%s: %d %s", p, res.status, res.raw)
		}
	}
	res := h.do(http.MethodGet, "/v1/profile/bio", "k", nil)
	if res.status != http.StatusNotFound || res.errorCode() != "BIO_NOT_FOUND" || res.details()["current_memory_count"] != 3.0 {
		t.Errorf("bio: %d %s", res.status, res.raw)
	}
	// Five memories in a single category: a profile, but still no bio.
	h2 := newHarness(t, Options{})
	h2.store("k", "I work at Acme. I manage the sales team. I interview new hires. I lead our quarterly review. I report to the CEO.")
	if res := h2.do(http.MethodGet, "/v1/profile", "k", nil); res.status != http.StatusOK {
		t.Fatalf("profile with 5 memories: %d %s", res.status, res.raw)
	}
	res = h2.do(http.MethodGet, "/v1/profile/bio", "k", nil)
	if res.status != http.StatusNotFound || !strings.Contains(res.details()["suggestion"].(string), "2 categories") {
		t.Errorf("bio with one category: %d %s", res.status, res.raw)
	}
}

func TestProfileAndBio(t *testing.T) {
	h := newHarness(t, Options{})
	h.seedProfile("k")
	res := h.do(http.MethodGet, "/v1/profile?include=bio,categories,insights,stats,traits", "k", nil)
	d := res.data()
	if res.status != http.StatusOK || !strings.HasPrefix(d["user_id"].(string), "user_") {
		t.Fatalf("profile: %d %s", res.status, res.raw)
	}
	for _, section := range []string{"bio", "categories", "insights", "stats", "traits", "privacy_settings"} {
		if d[section] == nil {
			t.Errorf("profile misses %s", section)
		}
	}
	if cats := d["categories"].(map[string]any); cats["career"].(map[string]any)["title"] != "Software Engineer" {
		t.Errorf("career profile = %v", cats["career"])
	}
	res = h.do(http.MethodGet, "/v1/profile?category=travel", "k", nil)
	if cats := res.data()["categories"].(map[string]any); len(cats) != 1 || cats["travel"] == nil || res.data()["insights"] != nil {
		t.Errorf("category filter / default include: %s", res.raw)
	}

	bio := h.do(http.MethodGet, "/v1/profile/bio", "k", nil).data()
	text := bio["bio"].(string)
	if !strings.Contains(text, "software engineer") || bio["format"] != "full" || bio["style"] != "narrative" {
		t.Fatalf("bio = %v", bio)
	}
	if bio["word_count"].(float64) != float64(len(strings.Fields(text))) {
		t.Errorf("word_count %v for %d words", bio["word_count"], len(strings.Fields(text)))
	}
	short := h.do(http.MethodGet, "/profile/bio?format=short", "k", nil).data()
	if short["word_count"].(float64) > 50 || short["word_count"].(float64) >= bio["word_count"].(float64) {
		t.Errorf("short bio not shorter: %v", short)
	}
	bullets := h.do(http.MethodGet, "/v1/profile/bio?format=bullets", "k", nil).data()["bio"].(string)
	if !strings.HasPrefix(bullets, "• ") {
		t.Errorf("bullets bio = %q", bullets)
	}
	if again := h.do(http.MethodGet, "/v1/profile/bio", "k", nil).data()["bio"]; again != text {
		t.Error("bio changed between two reads")
	}
	if hits := h.do(http.MethodPost, "/v1/memories/search", "k", map[string]any{"query": "hobbies"}).data(); hits["user_bio"] != text {
		t.Errorf("search user_bio = %v", hits["user_bio"])
	}

	// Explicit refreshes: at most one per 10 minutes.
	if res := h.do(http.MethodGet, "/v1/profile/bio?refresh=true", "k", nil); res.status != http.StatusOK {
		t.Fatalf("first refresh: %d", res.status)
	}
	res = h.do(http.MethodGet, "/v1/profile/bio?refresh=true", "k", nil)
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "600" {
		t.Fatalf("second refresh: %d %s %v", res.status, res.raw, res.header)
	}
	h.clk.Advance(10 * time.Minute)
	if res := h.do(http.MethodGet, "/v1/profile/bio?refresh=true", "k", nil); res.status != http.StatusOK {
		t.Fatalf("refresh after cooldown: %d", res.status)
	}

	// Manual bio, then the guide's PUT.
	res = h.do(http.MethodPatch, "/v1/profile/bio", "k", map[string]any{"bio": "Engineer and hiker.", "format": "full", "style": "professional"})
	if d := res.data(); d["is_manual"] != true || d["character_count"] != 19.0 || d["word_count"] != 3.0 {
		t.Fatalf("manual bio: %s", res.raw)
	}
	if got := h.do(http.MethodGet, "/v1/profile/bio", "k", nil).data()["bio"]; got != "Engineer and hiker." {
		t.Errorf("bio after manual update = %v", got)
	}
	h.do(http.MethodPut, "/v1/users/bio", "k", map[string]any{"user_bio": "Set from the guide."})
	if got := h.do(http.MethodGet, "/v1/users/profile", "k", nil).data()["user_bio"]; got != "Set from the guide." {
		t.Errorf("guide profile user_bio = %v", got)
	}
	res = h.do(http.MethodPatch, "/v1/profile/bio", "k", map[string]any{"regenerate": true, "format": "professional", "style": "formal"})
	if d := res.data(); d["is_manual"] != false || !strings.HasPrefix(d["bio"].(string), "The individual") {
		t.Errorf("regenerated bio = %s", res.raw)
	}
}

func TestDeleteCascadeUpdatesProfile(t *testing.T) {
	h := newHarness(t, Options{})
	h.seedProfile("k")
	h.do(http.MethodGet, "/v1/profile?include=insights", "k", nil)
	id := h.do(http.MethodGet, "/v1/memories?page_size=100", "k", nil).body["data"].([]any)[0].(map[string]any)["id"].(string)
	res := h.do(http.MethodDelete, "/memories/"+id+"?cascade=true", "k", nil)
	c := res.data()["cascade_deletions"].(map[string]any)
	if c["profile_updates"].(float64) < 1 || c["embeddings"] != 1.0 {
		t.Errorf("cascade_deletions = %v", c)
	}
}
