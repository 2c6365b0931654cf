// Package stubs keeps user stubs (WireMock stubs, MockServer
// expectations): answers a test fixes for requests the generator would
// never produce. A stub names an operation, optionally a matcher (the
// request-verification matcher of toolkit/verify), an answer, a priority,
// how many times it answers before it expires, and an optional scenario
// state for sequences such as "first call 0429, then success".
//
// The registry only decides which stub answers a journal entry; how the
// answer is written is the surface's business.
package stubs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/toolkit/verify"
)

// StartedState is the state every scenario is in until a stub moves it (as
// in WireMock).
const StartedState = "Started"

// DefaultPriority is the priority of a stub that sets none. Lower numbers
// win.
const DefaultPriority = 5

// Stub is one user stub.
type Stub struct {
	// ID is assigned by Add unless given.
	ID string `json:"id"`
	// Operation is the operationId the stub answers (required).
	Operation string `json:"operation"`
	// Match narrows the requests; nil takes every request of Operation.
	// Its count fields are ignored.
	Match *verify.Matcher `json:"match,omitempty"`
	// Answer is what the stub answers.
	Answer Answer `json:"answer"`
	// Priority orders stubs that match the same request: lower wins, then
	// the newest.
	Priority int `json:"priority,omitempty"`
	// Times, when set, is how many requests the stub answers before it
	// expires.
	Times *int `json:"times,omitempty"`
	// Scenario, RequiredState and NewState chain stubs: the stub answers
	// only while its scenario is in RequiredState (when set) and moves it
	// to NewState (when set) after answering.
	Scenario      string `json:"scenario,omitempty"`
	RequiredState string `json:"required_state,omitempty"`
	NewState      string `json:"new_state,omitempty"`
	// Unchecked skips the check of the answer against the spec.
	Unchecked bool `json:"unchecked,omitempty"`

	// Used counts the requests the stub answered.
	Used int `json:"used"`

	seq uint64
}

// Answer is what a stub answers. Code and Msg give a business error in
// the mock's error style; Data a success envelope around it; Body a raw
// JSON body written as is; Events a text/event-stream. Status, Headers
// and DelayMS apply to each.
type Answer struct {
	Code    string            `json:"code,omitempty"`
	Msg     string            `json:"msg,omitempty"`
	Data    any               `json:"data,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
	Status  int               `json:"status,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	DelayMS float64           `json:"delay_ms,omitempty"`
	Events  []Event           `json:"events,omitempty"`
}

// Event is one server-sent event of a stubbed stream, sent after DelayMS.
// Event, when set, is written as the event's name (an "event:" line), for
// streams whose events are named (the v2 agent's started, progress, ...).
type Event struct {
	Event   string          `json:"event,omitempty"`
	Data    json.RawMessage `json:"data"`
	DelayMS float64         `json:"delay_ms,omitempty"`
}

// ErrBadStub wraps every validation error of Add.
var ErrBadStub = errors.New("bad stub")

// ErrUnknownStub is returned by Delete for an id not registered.
var ErrUnknownStub = errors.New("unknown stub")

// Checker validates a stub's answer against the API description; it
// names the violation.
type Checker func(*Stub) error

// Registry holds stubs; it is safe for concurrent use.
type Registry struct {
	mu     sync.Mutex
	stubs  []*Stub
	states map[string]string
	seq    uint64
	check  Checker
}

// New returns an empty registry; check (may be nil) vets every stub whose
// Unchecked is false.
func New(check Checker) *Registry {
	return &Registry{states: map[string]string{}, check: check}
}

// SetChecker replaces the checker: the registry is shared by the surfaces
// of a platform, and the server that knows their descriptions sets it.
func (r *Registry) SetChecker(check Checker) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.check = check
}

// validate checks a stub's shape.
func (s *Stub) validate() error {
	if strings.TrimSpace(s.Operation) == "" {
		return fmt.Errorf("%w: operation is required", ErrBadStub)
	}
	if s.Match != nil && s.Match.Operation != "" && s.Match.Operation != s.Operation {
		return fmt.Errorf("%w: match.operation %q differs from operation %q", ErrBadStub, s.Match.Operation, s.Operation)
	}
	if s.Times != nil && *s.Times < 1 {
		return fmt.Errorf("%w: times must be at least 1", ErrBadStub)
	}
	a := s.Answer
	kinds := 0
	for _, set := range []bool{a.Code != "" || a.Msg != "", a.Data != nil, len(a.Body) > 0, len(a.Events) > 0} {
		if set {
			kinds++
		}
	}
	if kinds == 0 {
		return fmt.Errorf("%w: answer needs code and msg, data, body or events", ErrBadStub)
	}
	if kinds > 1 {
		return fmt.Errorf("%w: answer takes one of code/msg, data, body or events", ErrBadStub)
	}
	if a.Status != 0 && (a.Status < 100 || a.Status > 599) {
		return fmt.Errorf("%w: answer.status %d is not an HTTP status", ErrBadStub, a.Status)
	}
	if a.DelayMS < 0 {
		return fmt.Errorf("%w: answer.delay_ms must not be negative", ErrBadStub)
	}
	if len(a.Body) > 0 && !json.Valid(a.Body) {
		return fmt.Errorf("%w: answer.body is not JSON", ErrBadStub)
	}
	for i, e := range a.Events {
		if e.DelayMS < 0 || len(e.Data) == 0 || !json.Valid(e.Data) {
			return fmt.Errorf("%w: answer.events[%d] needs JSON data and a non-negative delay_ms", ErrBadStub, i)
		}
		if strings.ContainsAny(e.Event, "\r\n") {
			return fmt.Errorf("%w: answer.events[%d].event must be one line", ErrBadStub, i)
		}
	}
	if s.Match != nil {
		m := *s.Match
		m.Operation, m.Count, m.AtLeast, m.AtMost = "", nil, nil, nil
		if _, err := verify.Find(nil, m); err != nil {
			return fmt.Errorf("%w: match: %v", ErrBadStub, err)
		}
	}
	return nil
}

// Add validates and registers stubs, all or none, and returns them with
// their ids.
func (r *Registry) Add(list ...Stub) ([]Stub, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	taken := map[string]bool{}
	for _, s := range r.stubs {
		taken[s.ID] = true
	}
	prepared := make([]*Stub, 0, len(list))
	for i := range list {
		s := list[i]
		s.Used, s.seq = 0, 0
		if s.Priority == 0 {
			s.Priority = DefaultPriority
		}
		where := "stub " + strconv.Itoa(i)
		if s.ID != "" {
			where = "stub " + strconv.Quote(s.ID)
			if taken[s.ID] {
				return nil, fmt.Errorf("%s: %w: id already registered", where, ErrBadStub)
			}
		}
		if err := s.validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if r.check != nil && !s.Unchecked {
			if err := r.check(&s); err != nil {
				return nil, fmt.Errorf("%s: %w: %v (set \"unchecked\": true to keep it anyway)", where, ErrBadStub, err)
			}
		}
		if s.ID != "" {
			taken[s.ID] = true
		}
		prepared = append(prepared, &s)
	}
	out := make([]Stub, 0, len(prepared))
	for _, s := range prepared {
		r.seq++
		s.seq = r.seq
		for n := r.seq; s.ID == ""; n++ {
			if id := "stub-" + strconv.FormatUint(n, 10); !taken[id] {
				s.ID = id
			}
		}
		taken[s.ID] = true
		r.stubs = append(r.stubs, s)
		out = append(out, s.copy())
	}
	return out, nil
}

func (s *Stub) copy() Stub {
	cp := *s
	if s.Times != nil {
		t := *s.Times
		cp.Times = &t
	}
	return cp
}

// List returns the registered stubs in the order they are tried.
func (r *Registry) List() []Stub {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sortLocked()
	out := make([]Stub, 0, len(r.stubs))
	for _, s := range r.stubs {
		out = append(out, s.copy())
	}
	return out
}

// States returns the scenario states that differ from StartedState.
func (r *Registry) States() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]string, len(r.states))
	for k, v := range r.states {
		out[k] = v
	}
	return out
}

func (r *Registry) sortLocked() {
	sort.SliceStable(r.stubs, func(i, j int) bool {
		if r.stubs[i].Priority != r.stubs[j].Priority {
			return r.stubs[i].Priority < r.stubs[j].Priority
		}
		return r.stubs[i].seq > r.stubs[j].seq
	})
}

// Delete removes one stub.
func (r *Registry) Delete(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, s := range r.stubs {
		if s.ID == id {
			r.stubs = append(r.stubs[:i], r.stubs[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrUnknownStub, id)
}

// ForgetKey removes the stubs that match only requests of key (their
// match names that api_key) and reports how many.
func (r *Registry) ForgetKey(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.stubs[:0]
	n := 0
	for _, s := range r.stubs {
		if s.Match != nil && s.Match.APIKey == key {
			n++
			continue
		}
		kept = append(kept, s)
	}
	clear(r.stubs[len(kept):])
	r.stubs = kept
	return n
}

// Reset removes every stub and scenario state.
func (r *Registry) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stubs, r.states = nil, map[string]string{}
}

// Has reports whether any stub answers operation; a request of another
// operation need not be described for Answer at all.
func (r *Registry) Has(operation string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.stubs {
		if s.Operation == operation {
			return true
		}
	}
	return false
}

// Answer finds the stub that answers e: the best-priority, newest stub of
// e's operation whose matcher and scenario state match. It counts the use,
// expires the stub after its Times, and moves its scenario.
func (r *Registry) Answer(e journal.Entry) (Stub, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.stubs) == 0 {
		return Stub{}, false
	}
	r.sortLocked()
	for i, s := range r.stubs {
		if s.Operation != e.OperationID {
			continue
		}
		if s.RequiredState != "" && r.state(s.Scenario) != s.RequiredState {
			continue
		}
		if s.Match != nil {
			m := *s.Match
			m.Operation, m.Count, m.AtLeast, m.AtMost = "", nil, nil, nil
			res, err := verify.Find([]journal.Entry{e}, m)
			if err != nil || res.Count != 1 {
				continue
			}
		}
		s.Used++
		if s.NewState != "" {
			r.states[s.Scenario] = s.NewState
		}
		out := s.copy()
		if s.Times != nil && s.Used >= *s.Times {
			r.stubs = append(r.stubs[:i], r.stubs[i+1:]...)
		}
		return out, true
	}
	return Stub{}, false
}

func (r *Registry) state(scenario string) string {
	if st, ok := r.states[scenario]; ok {
		return st
	}
	return StartedState
}

// Parse reads one stub, or a JSON array of stubs, or {"stubs": [...]}.
func Parse(raw []byte) ([]Stub, error) {
	trimmed := strings.TrimSpace(string(raw))
	switch {
	case strings.HasPrefix(trimmed, "["):
		var list []Stub
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadStub, err)
		}
		return list, nil
	case strings.HasPrefix(trimmed, "{"):
		var wrapper struct {
			Stubs []Stub `json:"stubs"`
		}
		if json.Unmarshal(raw, &wrapper) == nil && wrapper.Stubs != nil {
			return wrapper.Stubs, nil
		}
		var one Stub
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadStub, err)
		}
		return []Stub{one}, nil
	}
	return nil, fmt.Errorf("%w: want a JSON object or array", ErrBadStub)
}

// LoadFile reads stubs from a JSON file (--stubs).
func LoadFile(path string) ([]Stub, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	list, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return list, nil
}
