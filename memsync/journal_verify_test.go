package memsync

import (
	"net/http"
	"testing"

	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/toolkit/verify"
)

// TestJournalEntriesAreVerifiable: MemSync requests carry what request
// verification matches on (the key's full fingerprint, the query, the
// body as sent without the defaults validation fills), so a test finds
// them by body and query as it finds v1 requests.
func TestJournalEntriesAreVerifiable(t *testing.T) {
	j := journal.New(10)
	h := newHarness(t, Options{Journal: j})
	h.do(http.MethodPost, "/v1/memories", "sk-verify-aaaa", quickStart())
	h.do(http.MethodPost, "/v1/memories/search", "sk-verify-aaaa", map[string]any{"query": "hiking"})
	h.do(http.MethodPost, "/v1/memories/search", "sk-verify-bbbb", map[string]any{"query": "hiking"})
	h.do(http.MethodGet, "/v1/memories?page_size=5", "sk-verify-aaaa", nil)

	for _, tt := range []struct {
		name string
		m    verify.Matcher
		want int
	}{
		{name: "body equals, full key", m: verify.Matcher{Operation: "searchMemories", APIKey: "sk-verify-aaaa", Body: map[string]*verify.Field{"query": verify.Eq("hiking")}}, want: 1},
		{name: "nested body", m: verify.Matcher{Operation: "storeMemories", Body: map[string]*verify.Field{"messages[0].role": verify.Eq("user"), "agent_id": verify.Eq("my-chatbot")}}, want: 1},
		{name: "a default the client did not send", m: verify.Matcher{Operation: "searchMemories", Body: map[string]*verify.Field{"limit": verify.Present(true)}}, want: 0},
		{name: "query", m: verify.Matcher{Operation: "listMemories", Query: map[string]*verify.Field{"page_size": verify.Eq("5")}}, want: 1},
		{name: "keys sharing a prefix differ", m: verify.Matcher{Surface: "memsync", APIKey: "sk-verify-bbbb"}, want: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := verify.Find(j.Last(0), tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if res.Count != tt.want {
				t.Fatalf("count %d, want %d (near misses %+v)", res.Count, tt.want, res.NearMisses)
			}
		})
	}
}
