package verify

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/memharness/memharness/platform/journal"
)

func entry(op, key, uid string, body any, query url.Values) journal.Entry {
	raw, _ := journal.Capture(body)
	return journal.Entry{OperationID: op, APIKey: journal.Fingerprint(key), KeyID: journal.KeyID(key),
		UniqueID: uid, Body: raw, Query: query, Code: "0000", Status: 200, Method: "POST", Path: "/serve/api/v1/" + op}
}

func parse(t *testing.T, s string) Matcher {
	t.Helper()
	var m Matcher
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("matcher %s: %v", s, err)
	}
	return m
}

func journalOf() []journal.Entry {
	return []journal.Entry{ // newest first
		entry("search", "sk-test-user-1", "u1", map[string]any{"search_param": "eagle over the ridge", "search_type": "BY_VIDEO", "top_k": 5}, nil),
		entry("search", "sk-test-user-2", "u2", map[string]any{"search_param": "eagle", "search_type": "BY_AUDIO"}, nil),
		entry("list_videos", "sk-test-user-1", "u1", map[string]any{"page": 1, "size": 20}, url.Values{"x": {"1"}}),
		entry("delete_videos", "sk-test-user-1", "", []any{"VI1", "VI2"}, nil),
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		name    string
		matcher string
		count   int
		ok      bool
	}{
		{name: "issue example", matcher: `{"operation":"search","api_key":"sk-test-user-2","body":{"search_param":{"equals":"eagle"}}}`, count: 1, ok: true},
		{name: "shorthand equals", matcher: `{"operation":"search","body":{"search_param":"eagle"}}`, count: 1, ok: true},
		{name: "keys sharing a prefix are told apart", matcher: `{"api_key":"sk-test-user-1"}`, count: 3, ok: true},
		{name: "contains", matcher: `{"body":{"search_param":{"contains":"eagle"}}}`, count: 2, ok: true},
		{name: "regex", matcher: `{"body":{"search_type":{"matches":"^BY_(AUDIO|IMAGE)$"}}}`, count: 1, ok: true},
		{name: "present", matcher: `{"operation":"search","body":{"top_k":{"present":true}}}`, count: 1, ok: true},
		{name: "absent", matcher: `{"operation":"search","body":{"top_k":{"present":false}}}`, count: 1, ok: true},
		{name: "number equals string", matcher: `{"body":{"top_k":"5"}}`, count: 1, ok: true},
		{name: "array element by path", matcher: `{"body":{"[1]":"VI2"}}`, count: 1, ok: true},
		{name: "whole array body contains", matcher: `{"operation":"delete_videos","body":{"$":{"contains":"VI1"}}}`, count: 1, ok: true},
		{name: "unique_id", matcher: `{"unique_id":"u1"}`, count: 2, ok: true},
		{name: "query", matcher: `{"query":{"x":"1"}}`, count: 1, ok: true},
		{name: "exact count met", matcher: `{"operation":"search","count":2}`, count: 2, ok: true},
		{name: "exact count missed", matcher: `{"operation":"search","count":1}`, count: 2, ok: false},
		{name: "at most", matcher: `{"operation":"search","at_most":1}`, count: 2, ok: false},
		{name: "at least zero", matcher: `{"operation":"upload","at_least":0}`, count: 0, ok: true},
		{name: "nothing matches", matcher: `{"operation":"search","body":{"search_param":"falcon"}}`, count: 0, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Find(journalOf(), parse(t, tt.matcher))
			if err != nil {
				t.Fatal(err)
			}
			if res.Count != tt.count || res.OK != tt.ok || len(res.Requests) != tt.count {
				t.Fatalf("count %d ok %v (%d requests), want %d %v", res.Count, res.OK, len(res.Requests), tt.count, tt.ok)
			}
			if tt.ok && len(res.NearMisses) != 0 {
				t.Fatalf("near misses on success: %+v", res.NearMisses)
			}
		})
	}
}

func TestNearMissesRankedWithDifferences(t *testing.T) {
	res, err := Find(journalOf(), parse(t, `{"operation":"search","api_key":"sk-test-user-1","body":{"search_param":{"equals":"eagle"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 0 || res.OK || len(res.NearMisses) == 0 {
		t.Fatalf("want no match and near misses: %+v", res)
	}
	best := res.NearMisses[0]
	if len(best.Differences) != 1 {
		t.Fatalf("best near miss differs in %d fields, want 1: %+v", len(best.Differences), best.Differences)
	}
	d := best.Differences[0]
	// Both searches differ in one field; the tie goes to the newest.
	if d.Field != "body.search_param" || d.Actual != "eagle over the ridge" {
		t.Fatalf("difference = %+v, want body.search_param with the sent value", d)
	}
	if res.NearMisses[1].Differences[0].Field != "api_key" {
		t.Fatalf("second near miss = %+v, want the other key's search", res.NearMisses[1])
	}
	last := res.NearMisses[len(res.NearMisses)-1]
	if len(last.Differences) < 2 {
		t.Fatalf("worst near miss should differ more: %+v", last)
	}
}

func TestBadMatchers(t *testing.T) {
	for _, s := range []string{`{"body":{"a":{"matches":"("}}}`, `{"count":-1}`, `{"body":{"a[x]":1}}`, `{"body":{"a[1":1}}`, `{"body":{"":1}}`} {
		_, err := Find(nil, parse(t, s))
		if !errors.Is(err, ErrBadMatcher) {
			t.Errorf("%s: err = %v, want ErrBadMatcher", s, err)
		}
	}
}

func TestFieldJSONRoundTrip(t *testing.T) {
	m := Matcher{Operation: "search", Body: map[string]*Field{"a": Eq("x"), "b": Contains("y"), "c": Matches("z+"), "d": Present(false)}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Matcher
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"present":false`) || back.Body["d"].Present == nil || *back.Body["d"].Present {
		t.Fatalf("round trip lost present:false: %s", b)
	}
	if back.Body["a"].Equals != "x" || back.Body["c"].Matches != "z+" {
		t.Fatalf("round trip: %s", b)
	}
}

func TestLimitKeepsFullCount(t *testing.T) {
	var es []journal.Entry
	for i := 0; i < 30; i++ {
		es = append(es, entry("folders", "k", "", nil, nil))
	}
	res, err := Find(es, Matcher{Operation: "folders", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != 30 || len(res.Requests) != 10 {
		t.Fatalf("count %d, %d requests; want 30, 10", res.Count, len(res.Requests))
	}
}
