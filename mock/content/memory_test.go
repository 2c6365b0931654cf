package content

import (
	"fmt"
	"regexp"
	"testing"
	"time"
)

func TestMemoryIndex(t *testing.T) {
	m := NewMemoryIndex(1)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := m.Add("a", []Memory{
		{Role: "user", Content: "I parked the car on level three of the airport garage", MemoriesAt: base},
		{Role: "user", Content: "My sister's birthday is on March 3rd, she likes chocolate cake", MemoriesAt: base.Add(time.Hour)},
		{Role: "Tester", Content: "The meeting about the garden project moved to Friday", Tags: []string{"work"}, MemoriesAt: base.Add(2 * time.Hour)},
		{Role: "user", Content: "Bought a new bicycle helmet", Tags: []string{"car"}, MemoriesAt: base.Add(3 * time.Hour)},
	})
	m.Add("b", []Memory{{Role: "user", Content: "car car car", MemoriesAt: base}})
	idRe := regexp.MustCompile(`^[1-9]\d{17}$`)
	seen := map[string]bool{}
	for _, id := range ids {
		if !idRe.MatchString(id) || seen[id] {
			t.Fatalf("bad id %q", id)
		}
		seen[id] = true
	}
	if again := NewMemoryIndex(1).Add("a", []Memory{{Content: "x"}}); again[0] != ids[0] {
		t.Fatalf("ids not deterministic: %s vs %s", again[0], ids[0])
	}

	list, total := m.List("a", 1, 3)
	if total != 4 || len(list) != 3 || list[0].ID != ids[3] || list[2].ID != ids[1] {
		t.Fatalf("list: %d %+v", total, list)
	}
	if list, _ := m.List("a", 2, 3); len(list) != 1 || list[0].ID != ids[0] {
		t.Fatalf("page 2: %+v", list)
	}
	if list, total := m.List("none", 1, 10); list != nil || total != 0 {
		t.Fatal("unknown namespace listed")
	}

	tests := []struct {
		query string
		first string
		total int
	}{
		{query: "where did I park the car?", first: ids[0], total: 2}, // tag "car" matches the helmet memory too
		{query: "sister birthday cake", first: ids[1], total: 1},
		{query: "work meeting", first: ids[2], total: 1},
		{query: "the of and", total: 0},
	}
	for _, tc := range tests {
		hits, total := m.Search("a", tc.query, 1, 10)
		if total != tc.total || len(hits) != tc.total {
			t.Fatalf("%q: total %d hits %+v", tc.query, total, hits)
		}
		if tc.total == 0 {
			continue
		}
		if hits[0].ID != tc.first {
			t.Fatalf("%q: first %+v", tc.query, hits[0])
		}
		for i, h := range hits {
			if h.Score <= 0 || h.Score > 1 || (i > 0 && h.Score > hits[i-1].Score) {
				t.Fatalf("%q: scores %+v", tc.query, hits)
			}
		}
	}
	if hits, _ := m.Search("b", "airport garage", 1, 10); len(hits) != 0 {
		t.Fatal("namespaces leak")
	}
	// pagination of search
	var many []Memory
	for i := 0; i < 30; i++ {
		many = append(many, Memory{Content: fmt.Sprintf("note %d about tea", i), MemoriesAt: base.Add(time.Duration(i) * time.Minute)})
	}
	m.Add("c", many)
	p1, total := m.Search("c", "tea", 1, 20)
	p2, _ := m.Search("c", "tea", 2, 20)
	if total != 30 || len(p1) != 20 || len(p2) != 10 || p1[0].Content != "note 29 about tea" {
		t.Fatalf("search pages: %d %d %d %q", total, len(p1), len(p2), p1[0].Content)
	}
	if m.Len("c") != 30 {
		t.Fatal("len")
	}
}
