package stubs

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/toolkit/verify"
)

func req(op, key string, body any) journal.Entry {
	raw, _ := journal.Capture(body)
	return journal.Entry{OperationID: op, APIKey: journal.Fingerprint(key), KeyID: journal.KeyID(key), Body: raw}
}

func one(n int) *int { return &n }

func TestTimesPriorityAndMatch(t *testing.T) {
	r := New(nil)
	_, err := r.Add(
		Stub{ID: "any-search", Operation: "search", Answer: Answer{Data: []any{}}},
		Stub{ID: "boom", Operation: "search", Priority: 1, Times: one(1),
			Match:  &verify.Matcher{Body: map[string]*verify.Field{"search_param": verify.Contains("boom")}},
			Answer: Answer{Code: "0429", Msg: "Request has exceeded the limit."}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := r.Answer(req("search", "k", map[string]any{"search_param": "calm"})); !ok || st.ID != "any-search" {
		t.Fatalf("non-matching body: %v %v", st.ID, ok)
	}
	if st, ok := r.Answer(req("search", "k", map[string]any{"search_param": "big boom"})); !ok || st.ID != "boom" || st.Used != 1 {
		t.Fatalf("first boom: %+v %v", st, ok)
	}
	if st, ok := r.Answer(req("search", "k", map[string]any{"search_param": "big boom"})); !ok || st.ID != "any-search" {
		t.Fatalf("boom expired after times=1, want the general stub: %v", st.ID)
	}
	if _, ok := r.Answer(req("chat", "k", nil)); ok || r.Has("chat") || !r.Has("search") {
		t.Fatal("a stub answered another operation")
	}
	if got := r.List(); len(got) != 1 || got[0].Used != 2 {
		t.Fatalf("list after expiry: %+v", got)
	}
}

func TestNewestWinsAtEqualPriority(t *testing.T) {
	r := New(nil)
	if _, err := r.Add(Stub{ID: "old", Operation: "chat", Answer: Answer{Data: 1}}, Stub{ID: "new", Operation: "chat", Answer: Answer{Data: 2}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.Answer(req("chat", "k", nil)); st.ID != "new" {
		t.Fatalf("got %s, want the newest", st.ID)
	}
}

func TestScenarioStates(t *testing.T) {
	r := New(nil)
	_, err := r.Add(
		Stub{ID: "first", Operation: "search", Scenario: "retry", RequiredState: StartedState, NewState: "limited", Answer: Answer{Code: "0429", Msg: "Request has exceeded the limit."}},
		Stub{ID: "then", Operation: "search", Scenario: "retry", RequiredState: "limited", NewState: "done", Answer: Answer{Data: []any{}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for i := 0; i < 3; i++ {
		if st, ok := r.Answer(req("search", "k", nil)); ok {
			seq = append(seq, st.ID)
		} else {
			seq = append(seq, "-")
		}
	}
	if seq[0] != "first" || seq[1] != "then" || seq[2] != "-" {
		t.Fatalf("sequence %v, want first, then, then nothing", seq)
	}
	if r.States()["retry"] != "done" {
		t.Fatalf("states %v", r.States())
	}
	r.Reset()
	if len(r.States()) != 0 || len(r.List()) != 0 {
		t.Fatal("reset kept state")
	}
}

func TestAddIsAllOrNothing(t *testing.T) {
	checked := 0
	r := New(func(s *Stub) error {
		checked++
		if s.Answer.Code == "bad" {
			return errors.New("code bad is not in the spec")
		}
		return nil
	})
	_, err := r.Add(Stub{Operation: "search", Answer: Answer{Data: 1}}, Stub{Operation: "search", Answer: Answer{Code: "bad"}})
	if !errors.Is(err, ErrBadStub) || len(r.List()) != 0 {
		t.Fatalf("err %v, %d stubs kept", err, len(r.List()))
	}
	if _, err := r.Add(Stub{Operation: "search", Unchecked: true, Answer: Answer{Code: "bad"}}); err != nil {
		t.Fatalf("unchecked stub refused: %v", err)
	}
	if checked != 2 {
		t.Fatalf("checker ran %d times, want 2 (not for the unchecked stub)", checked)
	}
}

func TestValidation(t *testing.T) {
	for name, s := range map[string]Stub{
		"no operation":   {Answer: Answer{Data: 1}},
		"no answer":      {Operation: "search"},
		"two answers":    {Operation: "search", Answer: Answer{Data: 1, Code: "0001"}},
		"zero times":     {Operation: "search", Times: one(0), Answer: Answer{Data: 1}},
		"bad status":     {Operation: "search", Answer: Answer{Data: 1, Status: 42}},
		"bad body":       {Operation: "search", Answer: Answer{Body: json.RawMessage(`{`)}},
		"bad regex":      {Operation: "search", Match: &verify.Matcher{Body: map[string]*verify.Field{"a": verify.Matches("(")}}, Answer: Answer{Data: 1}},
		"other match op": {Operation: "search", Match: &verify.Matcher{Operation: "chat"}, Answer: Answer{Data: 1}},
	} {
		if _, err := New(nil).Add(s); !errors.Is(err, ErrBadStub) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	r := New(nil)
	if _, err := r.Add(Stub{ID: "x", Operation: "a", Answer: Answer{Data: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Add(Stub{ID: "x", Operation: "a", Answer: Answer{Data: 1}}); !errors.Is(err, ErrBadStub) {
		t.Fatalf("duplicate id: %v", err)
	}
	if err := r.Delete("nope"); !errors.Is(err, ErrUnknownStub) {
		t.Fatalf("delete unknown: %v", err)
	}
}

func TestParseForms(t *testing.T) {
	for _, src := range []string{
		`{"operation":"search","answer":{"code":"0429","msg":"m"},"times":1,"priority":1}`,
		`[{"operation":"search","answer":{"data":[]}}]`,
		`{"stubs":[{"operation":"search","answer":{"data":[]}}]}`,
	} {
		list, err := Parse([]byte(src))
		if err != nil || len(list) != 1 || list[0].Operation != "search" {
			t.Errorf("%s: %v %+v", src, err, list)
		}
	}
	if _, err := Parse([]byte(`"x"`)); !errors.Is(err, ErrBadStub) {
		t.Fatalf("string: %v", err)
	}
}

func TestForgetKey(t *testing.T) {
	r := New(nil)
	_, err := r.Add(
		Stub{Operation: "search", Match: &verify.Matcher{APIKey: "sk-a"}, Answer: Answer{Data: 1}},
		Stub{Operation: "search", Match: &verify.Matcher{APIKey: "sk-b"}, Answer: Answer{Data: 2}},
		Stub{Operation: "search", Answer: Answer{Data: 3}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.ForgetKey("sk-a"); n != 1 || len(r.List()) != 2 {
		t.Fatalf("forgot %d, left %d", n, len(r.List()))
	}
	if st, _ := r.Answer(req("search", "sk-a", nil)); st.Answer.Data != 3 {
		t.Fatalf("sk-a now gets %v, want the general stub", st.Answer.Data)
	}
}
