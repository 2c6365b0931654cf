package memsync

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/memharness/memharness/toolkit/fixtures"
)

// ErrFixture wraps every refusal of CheckFixtureMemories and
// LoadFixtureMemories (errors.Is).
var ErrFixture = errors.New("memsync fixture refused")

// fixtureError names the memory (file:line and field path) and the problem.
func fixtureError(m fixtures.Memory, field, format string, args ...any) error {
	where := m.Where
	if where == "" {
		where = "manifest"
	}
	path := m.Field
	if field != "" {
		path += "." + field
	}
	return fmt.Errorf("%s: %s: %w: %s", where, path, ErrFixture, fmt.Sprintf(format, args...))
}

// CheckFixtureMemories reports what LoadFixtureMemories would refuse,
// storing nothing: a key this MemSync does not accept (--api-keys) or
// whose key is revoked or expired, an id another memory already has, or
// metadata that is not JSON.
func (s *Server) CheckFixtureMemories(m fixtures.Manifest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.prepareFixtureMemories(m, s.clk.Now())
	return err
}

// LoadFixtureMemories stores the MemSync memories of a fixture manifest
// (each account's memories go to its api_key's user, created on first use
// as for a request), all or none. Fields a fixture leaves empty are filled
// as for an extracted memory: categories and type detected from the text,
// importance scored, created now, updated = created.
func (s *Server) LoadFixtureMemories(m fixtures.Manifest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	prepared, err := s.prepareFixtureMemories(m, now)
	if err != nil {
		return err
	}
	for _, p := range prepared {
		k, aerr := s.st.userFor(p.key, now)
		if aerr != nil {
			// prepareFixtureMemories checked the key under the same lock.
			return fmt.Errorf("%w: api_key %s: %s", ErrFixture, p.key, aerr.Message)
		}
		u := s.st.users[k.userID]
		for _, mem := range p.memories {
			if mem.ID == "" {
				mem.ID = s.st.newMemoryID()
			}
			s.st.addMemory(u, mem)
		}
		s.persistUser(u)
	}
	return nil
}

// preparedMemories are one account's memories, ready to store.
type preparedMemories struct {
	key      string
	memories []*memory
}

// prepareFixtureMemories validates and builds the memories of m. It runs
// with s.mu held and changes nothing.
func (s *Server) prepareFixtureMemories(m fixtures.Manifest, now time.Time) ([]preparedMemories, error) {
	var out []preparedMemories
	ids := map[string]bool{}
	for _, a := range m.Accounts {
		if len(a.Memories) == 0 {
			continue
		}
		if why := s.st.keyRefusal(a.APIKey, now); why != "" {
			return nil, fixtureError(a.Memories[0], "", "api_key %q cannot hold MemSync memories: %s", a.APIKey, why)
		}
		p := preparedMemories{key: a.APIKey}
		for _, fm := range a.Memories {
			mem, err := s.fixtureMemory(fm, now)
			if err != nil {
				return nil, err
			}
			if s.st.restoredFixture(a.APIKey, mem) {
				continue
			}
			if mem.ID != "" {
				if _, taken := s.st.memOwner[mem.ID]; taken || ids[mem.ID] {
					return nil, fixtureError(fm, "id", "memory %s already exists", mem.ID)
				}
				ids[mem.ID] = true
			}
			p.memories = append(p.memories, mem)
		}
		out = append(out, p)
	}
	return out, nil
}

// fixtureMemory builds one memory, filling what the fixture leaves empty.
func (s *Server) fixtureMemory(fm fixtures.Memory, now time.Time) (*memory, error) {
	cats := append([]string(nil), fm.Categories...)
	if len(cats) == 0 {
		cats = s.lex.detect(fm.Memory)
		if len(cats) == 0 {
			// As extract: a fact with no topical keyword is about the person.
			cats = []string{"identity"}
		}
	}
	typ := fm.Type
	if typ == "" {
		typ = s.lex.memoryType(fm.Memory)
	}
	imp := s.importance(fm.Memory, cats, typ)
	if fm.Importance != nil {
		imp = *fm.Importance
	}
	// Metadata as a store request would have it: decoded JSON (numbers
	// float64), so a fixture and an API-made memory answer alike.
	meta := map[string]any{}
	if len(fm.Metadata) > 0 {
		raw, err := json.Marshal(fm.Metadata)
		if err != nil {
			return nil, fixtureError(fm, "metadata", "metadata is not JSON: %v", err)
		}
		if err := json.Unmarshal(raw, &meta); err != nil {
			return nil, fixtureError(fm, "metadata", "metadata is not a JSON object: %v", err)
		}
	}
	created := fm.CreatedTime()
	if created.IsZero() {
		created = now
	}
	updated := fm.UpdatedTime()
	if updated.IsZero() {
		updated = created
	}
	return &memory{
		ID: fm.ID, Text: fm.Memory, Categories: cats, Type: typ, Source: fm.Source, AgentID: fm.AgentID,
		ThreadID: fm.ThreadID, Metadata: meta, Importance: imp, CreatedAt: created.UTC(), UpdatedAt: updated.UTC(),
		terms: s.lex.terms(fm.Memory, cats),
	}, nil
}

// keyRefusal says why key cannot own memories ("" when it can): a key
// this MemSync does not accept, or a revoked or expired one.
func (st *state) keyRefusal(key string, now time.Time) string {
	if k, ok := st.keys[key]; ok {
		if status := k.status(now); status != "active" {
			return "the key is " + status
		}
		return ""
	}
	if !st.open && !st.allowed[key] {
		return "the key is not one of the accepted keys (--api-keys)"
	}
	return ""
}

// ExportMemories returns the memories of key's user in the fixture
// format, in the order they were stored, with every field explicit, so
// LoadFixtureMemories on a fresh MemSync gives the same memories. A key
// never seen has none.
func (s *Server) ExportMemories(key string) []fixtures.Memory {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.st.keys[key]
	if !ok {
		return nil
	}
	u := s.st.users[k.userID]
	if u == nil {
		return nil
	}
	out := make([]fixtures.Memory, 0, len(u.list))
	for _, m := range u.list {
		imp := m.Importance
		fm := fixtures.Memory{
			ID: m.ID, Memory: m.Text, Categories: append([]string(nil), m.Categories...), Type: m.Type,
			Source: m.Source, AgentID: m.AgentID, ThreadID: m.ThreadID, Importance: &imp,
			Created: formatTime(m.CreatedAt), Updated: formatTime(m.UpdatedAt),
		}
		if len(m.Metadata) > 0 {
			fm.Metadata = cloneJSON(m.Metadata)
		}
		out = append(out, fm)
	}
	return out
}

// cloneJSON deep-copies decoded JSON metadata, so the caller may keep it.
func cloneJSON(m map[string]any) map[string]any {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	var out map[string]any
	if json.Unmarshal(raw, &out) != nil {
		return nil
	}
	return out
}

// Reset forgets every user, key, memory and integration and every
// rate-limit window, as POST /_mock/reset does for the Memories.ai mock of
// the same process; the keys of Options.APIKeys stay accepted.
func (s *Server) Reset() {
	s.mu.Lock()
	keys := make([]string, 0, len(s.st.allowed))
	for k := range s.st.allowed {
		keys = append(keys, k)
	}
	s.st = newState(s.seed, keys)
	s.forgetUsers(nil)
	s.mu.Unlock()
	s.limiter.forget(func(string) bool { return true })
}

// ForgetKey forgets the user key belongs to: its memories, integrations,
// profile, bio and every key of it (created ones included), and the
// rate-limit windows of those keys, as POST /_mock/reset?api_key=K does
// for its account. Other users are untouched. It reports whether there
// was such a user.
func (s *Server) ForgetKey(key string) bool {
	s.mu.Lock()
	k, ok := s.st.keys[key]
	if !ok {
		s.mu.Unlock()
		return false
	}
	u := s.st.users[k.userID]
	gone := map[string]bool{}
	if u != nil {
		for id := range u.memories {
			delete(s.st.memOwner, id)
		}
		for _, uk := range u.keys {
			delete(s.st.keys, uk.Key)
			delete(s.st.keyIDs, uk.ID)
			gone[uk.Key] = true
		}
		delete(s.st.users, u.id)
		s.forgetUsers([]string{u.id})
	}
	s.mu.Unlock()
	s.limiter.forget(func(key string) bool { return gone[key] })
	return true
}
