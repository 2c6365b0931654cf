package memsync

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Persister is a kind-keyed record area that keeps MemSync state across restarts
// (Options.Persister). The mock's store records (store.Records: the bbolt store of --data-dir)
// satisfy it as they are. Implementations must be safe for concurrent use.
type Persister interface {
	// PutRecord stores raw under kind/id, replacing any previous value.
	PutRecord(kind, id string, raw []byte) error
	// DeleteRecord removes kind/id; a missing record is not an error.
	DeleteRecord(kind, id string) error
	// EachRecord calls fn for every record of kind until fn returns false.
	EachRecord(kind string, fn func(id string, raw []byte) bool) error
}

// Record kinds: one snapshot per user, rewritten whole after each change of that user, and the
// id generator's position, so ids minted after a restart do not repeat earlier ones.
const (
	recUser  = "memsync-user"
	recState = "memsync-state"
	recRNG   = "rng"
)

// userRecord is a user as persisted: the memories in the order they were stored, the keys
// (created ones included) and the hand-written bio. Generated profiles and bios are caches and
// are generated again; the search index is rebuilt from the memories; integrations in flight are
// not kept.
type userRecord struct {
	ID             string         `json:"id"`
	Memories       []memoryRecord `json:"memories"`
	Keys           []keyRecord    `json:"keys"`
	Manual         *manualRecord  `json:"manual,omitempty"`
	LastBioRefresh time.Time      `json:"last_bio_refresh,omitzero"`
}

// memoryRecord is one persisted memory.
type memoryRecord struct {
	ID          string         `json:"id"`
	Text        string         `json:"text"`
	Categories  []string       `json:"categories"`
	Type        string         `json:"type"`
	Source      string         `json:"source,omitempty"`
	AgentID     string         `json:"agent_id,omitempty"`
	ThreadID    string         `json:"thread_id,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	Importance  float64        `json:"importance"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Subjectless bool           `json:"subjectless,omitempty"`
}

// keyRecord is one persisted API key.
type keyRecord struct {
	ID        string    `json:"id"`
	Key       string    `json:"key"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	Seq       int       `json:"seq"`
}

// manualRecord is a persisted hand-written bio.
type manualRecord struct {
	Text      string    `json:"text"`
	Format    string    `json:"format,omitempty"`
	Style     string    `json:"style,omitempty"`
	Locked    bool      `json:"locked,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// persistMark is what tells that a request changed a user beyond what its method says.
type persistMark struct {
	version    uint64
	manual     *manualBio
	bioRefresh time.Time
	keys       int
}

// markOf is u's persistMark now.
func markOf(u *user) persistMark {
	return persistMark{version: u.version, manual: u.manual, bioRefresh: u.lastBioRefresh, keys: len(u.keys)}
}

// persistUser writes u's snapshot and the id generator's position. It runs with s.mu held; a
// failure is logged, as the answer has already been decided in memory.
func (s *Server) persistUser(u *user) {
	if s.persist == nil || u == nil {
		return
	}
	rec := userRecord{ID: u.id, LastBioRefresh: u.lastBioRefresh}
	for _, m := range u.list {
		rec.Memories = append(rec.Memories, memoryRecord{
			ID: m.ID, Text: m.Text, Categories: m.Categories, Type: m.Type, Source: m.Source,
			AgentID: m.AgentID, ThreadID: m.ThreadID, Metadata: m.Metadata, Importance: m.Importance,
			CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Subjectless: m.subjectless,
		})
	}
	for _, k := range u.keys {
		rec.Keys = append(rec.Keys, keyRecord{ID: k.ID, Key: k.Key, Name: k.Name, Scopes: k.Scopes,
			CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, LastUsed: k.LastUsed, Seq: k.seq})
	}
	if mb := u.manual; mb != nil {
		rec.Manual = &manualRecord{Text: mb.text, Format: mb.format, Style: mb.style, Locked: mb.locked, UpdatedAt: mb.updatedAt}
	}
	raw, err := json.Marshal(rec)
	if err == nil {
		err = s.persist.PutRecord(recUser, u.id, raw)
	}
	if err == nil {
		err = s.persistRNG()
	}
	if err != nil {
		s.log.Error("memsync: persist user", "user", u.id, "err", err)
	}
}

// persistRNG writes the id generator's position.
func (s *Server) persistRNG() error {
	raw, err := s.st.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	return s.persist.PutRecord(recState, recRNG, raw)
}

// forgetUsers deletes the records of the given users (all of them when ids is nil) and, for a
// full reset, the generator's position. It runs with s.mu held.
func (s *Server) forgetUsers(ids []string) {
	if s.persist == nil {
		return
	}
	all := ids == nil
	if all {
		// Collect first: a store may not allow deleting while it iterates.
		if err := s.persist.EachRecord(recUser, func(id string, _ []byte) bool {
			ids = append(ids, id)
			return true
		}); err != nil {
			s.log.Error("memsync: list persisted users", "err", err)
		}
	}
	for _, id := range ids {
		if err := s.persist.DeleteRecord(recUser, id); err != nil {
			s.log.Error("memsync: forget persisted user", "user", id, "err", err)
		}
	}
	if all {
		if err := s.persist.DeleteRecord(recState, recRNG); err != nil {
			s.log.Error("memsync: forget generator state", "err", err)
		}
	}
}

// restore loads the persisted users into the (empty) state: memories re-indexed in their stored
// order, keys resolvable again, the id generator where it stopped. It runs before serving.
func (s *Server) restore() error {
	st := s.st
	var users []userRecord
	var bad error
	err := s.persist.EachRecord(recUser, func(id string, raw []byte) bool {
		var rec userRecord
		if uerr := json.Unmarshal(raw, &rec); uerr != nil {
			bad = fmt.Errorf("memsync: restore user %s: %w", id, uerr)
			return false
		}
		users = append(users, rec)
		return true
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return err
	}
	// Keys are numbered across users (seq orders listings); restore them in that order.
	type ownedKey struct {
		rec keyRecord
		u   *user
	}
	var keys []ownedKey
	for _, rec := range users {
		u := newUser(rec.ID)
		u.lastBioRefresh = rec.LastBioRefresh
		if mr := rec.Manual; mr != nil {
			u.manual = &manualBio{text: mr.Text, format: mr.Format, style: mr.Style, locked: mr.Locked, updatedAt: mr.UpdatedAt}
		}
		st.users[u.id] = u
		for _, mr := range rec.Memories {
			meta := mr.Metadata
			if meta == nil {
				meta = map[string]any{}
			}
			m := &memory{ID: mr.ID, Text: mr.Text, Categories: mr.Categories, Type: mr.Type, Source: mr.Source,
				AgentID: mr.AgentID, ThreadID: mr.ThreadID, Metadata: meta, Importance: mr.Importance,
				CreatedAt: mr.CreatedAt, UpdatedAt: mr.UpdatedAt, subjectless: mr.Subjectless,
				terms: s.lex.terms(mr.Text, mr.Categories)}
			st.addMemory(u, m)
			st.restored[m.ID] = true
		}
		for _, kr := range rec.Keys {
			keys = append(keys, ownedKey{kr, u})
		}
	}
	slices.SortStableFunc(keys, func(a, b ownedKey) int { return a.rec.Seq - b.rec.Seq })
	for _, ok := range keys {
		kr := ok.rec
		k := &apiKey{ID: kr.ID, Key: kr.Key, Name: kr.Name, Scopes: kr.Scopes, userID: ok.u.id,
			CreatedAt: kr.CreatedAt, ExpiresAt: kr.ExpiresAt, RevokedAt: kr.RevokedAt, LastUsed: kr.LastUsed, seq: kr.Seq}
		st.keys[k.Key] = k
		st.keyIDs[k.ID] = k
		ok.u.keys = append(ok.u.keys, k)
	}
	var rng []byte
	if err := s.persist.EachRecord(recState, func(id string, raw []byte) bool {
		if id == recRNG {
			rng = slices.Clone(raw)
		}
		return true
	}); err != nil {
		return fmt.Errorf("memsync: restore generator: %w", err)
	}
	if rng != nil {
		if err := st.pcg.UnmarshalBinary(rng); err != nil {
			return fmt.Errorf("memsync: restore generator: %w", err)
		}
	}
	if len(users) > 0 {
		s.log.Info("memsync restored", "users", len(users), "memories", len(st.memOwner),
			"keys", len(st.keys))
	}
	return nil
}

// newPCG is the id generator of a seed.
func newPCG(seed int64) *rand.PCG { return rand.NewPCG(uint64(seed), 0x6d656d73796e63) } // "memsync"

// restoredFixture reports whether a fixture memory for key is already there because it was
// restored from the Persister: the same id, or (without an id) the same fact, of the same user.
// Why: a mockserver restarted with the same --data-dir and --fixtures loads the manifests again;
// the memories they made the first time survive like any other (edits included) and are neither
// doubled nor refused as taken ids.
func (st *state) restoredFixture(key string, m *memory) bool {
	if len(st.restored) == 0 {
		return false
	}
	k, ok := st.keys[key]
	if !ok {
		return false
	}
	if m.ID != "" {
		return st.restored[m.ID] && st.memOwner[m.ID] == k.userID
	}
	u := st.users[k.userID]
	if u == nil {
		return false
	}
	d := u.findDuplicate(m.Text)
	return d != nil && st.restored[d.ID]
}
