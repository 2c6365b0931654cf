package memsync

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/memharness/memharness/platform/journal"
)

// TestRequestsReachTheSharedJournal: with Options.Journal set, every
// request (successes and errors) is recorded with the memsync surface, the
// operation and the key's fingerprint.
func TestRequestsReachTheSharedJournal(t *testing.T) {
	j := journal.New(10)
	h := newHarness(t, Options{Journal: j})
	h.do(http.MethodPost, "/v1/memories", "key-a-0123456789", quickStart())
	h.do(http.MethodPost, "/v1/memories", "", quickStart())
	got := j.Last(0)
	if len(got) != 2 {
		t.Fatalf("journal has %d entries, want 2", len(got))
	}
	unauth, ok := got[0], got[1]
	if ok.Surface != "memsync" || ok.Method != http.MethodPost || ok.Path != "/v1/memories" ||
		ok.APIKey != "key-a-01…" || ok.Status >= 300 || ok.OperationID == "" {
		t.Fatalf("success entry %+v", ok)
	}
	if unauth.Status != http.StatusUnauthorized || unauth.Code == "OK" || unauth.APIKey != "" {
		t.Fatalf("error entry %+v", unauth)
	}
	// The answers as sent: the error envelope names its code.
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal(unauth.Answer, &env); err != nil || env.Error.Code != unauth.Code ||
		!strings.HasPrefix(unauth.AnswerType, "application/json") {
		t.Fatalf("error answer %s (%s): %v", unauth.Answer, unauth.AnswerType, err)
	}
	if len(ok.Answer) == 0 || !json.Valid(ok.Answer) {
		t.Fatalf("success answer %q", ok.Answer)
	}
}
