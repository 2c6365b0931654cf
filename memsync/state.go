package memsync

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"time"
)

// allScopes are the scopes a key may carry; a key created without scopes, and every key given
// in Options.APIKeys or first seen in open mode, holds all of them.
var allScopes = []string{"memories:read", "memories:write", "profile:read", "profile:write",
	"integrations:read", "integrations:write"}

// state is everything the emulator remembers. It is guarded by Server.mu.
type state struct {
	seed int64
	rng  *rand.Rand
	pcg  *rand.PCG // rng's source, persisted so ids minted after a restart are new ones

	// open: any non-empty key is accepted (Options.APIKeys empty).
	open    bool
	allowed map[string]bool

	users  map[string]*user   // by user id
	keys   map[string]*apiKey // by key string
	keyIDs map[string]*apiKey // by api_key_id

	memOwner map[string]string // memory id -> user id, to tell 403 from 404

	// restored holds the ids of memories read back from Options.Persister, so the --fixtures
	// manifests loaded again at start do not repeat (or refuse) memories they made before.
	restored map[string]bool
}

// user is one MemSync account: its memories, integrations, keys, profile and bio.
type user struct {
	id string

	memories map[string]*memory
	list     []*memory          // insertion order
	byText   map[string]*memory // normalised text -> memory, for de-duplication
	seq      uint64
	df       map[string]int // document frequency of terms, for TF-IDF

	integrations map[string]*integration
	intOrder     []*integration

	keys []*apiKey

	profile *snapshot // cached generated profile
	bio     *snapshot // cached generated bio
	manual  *manualBio
	// lastBioRefresh is when an explicit refresh last regenerated the bio (10-minute cooldown).
	lastBioRefresh time.Time

	// version counts changes to the memories; rendered caches the default bio text of a
	// snapshot at a version, since every search shows it.
	version  uint64
	rendered struct {
		snap    *snapshot
		version uint64
		text    string
	}
}

// memory is one stored fact.
type memory struct {
	ID         string
	Text       string
	Categories []string
	Type       string
	Source     string
	AgentID    string
	ThreadID   string
	Metadata   map[string]any
	Importance float64
	CreatedAt  time.Time
	UpdatedAt  time.Time

	seq uint64
	// subjectless marks a fact rewritten from the first person ("Loves hiking"), so generated
	// prose can put a subject in front of it.
	subjectless bool
	terms       map[string]int
}

// apiKey is one credential.
type apiKey struct {
	ID        string
	Key       string
	Name      string
	Scopes    []string
	userID    string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: active
	LastUsed  time.Time
	seq       int
}

// allows reports whether the key holds scope (a key without scopes holds all).
func (k *apiKey) allows(scope string) bool {
	return len(k.Scopes) == 0 || slices.Contains(k.Scopes, scope)
}

// status is active, expired or revoked at now.
func (k *apiKey) status(now time.Time) string {
	switch {
	case !k.RevokedAt.IsZero():
		return "revoked"
	case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
		return "expired"
	}
	return "active"
}

// snapshot is a generated profile or bio: which memories it was made from, and when.
type snapshot struct {
	at     time.Time
	memIDs []string
	count  int // user's memory count at generation
}

// manualBio is a bio written by hand (PATCH /profile/bio with bio, PUT /v1/users/bio).
type manualBio struct {
	text      string
	format    string
	style     string
	locked    bool // manual_override: never regenerated automatically
	updatedAt time.Time
}

// newState returns an empty state; keys, when given, are the only bootstrap keys accepted.
func newState(seed int64, keys []string) *state {
	pcg := newPCG(seed)
	st := &state{
		seed:     seed,
		rng:      rand.New(pcg),
		pcg:      pcg,
		restored: map[string]bool{},
		open:     len(keys) == 0,
		allowed:  map[string]bool{},
		users:    map[string]*user{},
		keys:     map[string]*apiKey{},
		keyIDs:   map[string]*apiKey{},
		memOwner: map[string]string{},
	}
	for _, k := range keys {
		if k != "" {
			st.allowed[k] = true
		}
	}
	return st
}

// hexID returns n random hex digits from the seeded stream.
func (st *state) hexID(n int) string {
	b := make([]byte, (n+1)/2)
	for i := 0; i < len(b); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], st.rng.Uint64())
		copy(b[i:], w[:])
	}
	return hex.EncodeToString(b)[:n]
}

// newMemoryID mints `mem_` + 12 hex digits, never reusing a live id.
func (st *state) newMemoryID() string {
	for {
		id := "mem_" + st.hexID(12)
		if _, taken := st.memOwner[id]; !taken {
			return id
		}
	}
}

// userFor returns the user owning key, creating the account on first use of a bootstrap key.
func (st *state) userFor(key string, now time.Time) (*apiKey, *apiError) {
	if k, ok := st.keys[key]; ok {
		switch k.status(now) {
		case "revoked":
			return nil, errAuth("API key has been revoked")
		case "expired":
			return nil, errAuth("Token has expired")
		}
		return k, nil
	}
	if !st.open && !st.allowed[key] {
		return nil, errAuth("API key not found")
	}
	// Why: every distinct key is its own account, created on first use, like the Memories.ai
	// side of the mock.
	u := newUser("user_" + digest(st.seed, key)[:12])
	st.users[u.id] = u
	k := &apiKey{ID: "key_" + digest(st.seed, "id:"+key)[:12], Key: key, Name: "Default API Key",
		Scopes: append([]string(nil), allScopes...), userID: u.id, CreatedAt: now, seq: len(st.keys)}
	st.keys[key] = k
	st.keyIDs[k.ID] = k
	u.keys = append(u.keys, k)
	return k, nil
}

// newUser returns an account with no memories, keys or integrations.
func newUser(id string) *user {
	return &user{
		id:           id,
		memories:     map[string]*memory{},
		byText:       map[string]*memory{},
		df:           map[string]int{},
		integrations: map[string]*integration{},
	}
}

// digest is a stable hash of a seed and a string, as hex.
func digest(seed int64, s string) string {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil))
}

// hash64 is a stable 64-bit hash used to derive deterministic numbers from content.
func hash64(seed int64, s string) uint64 {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(s))
	return binary.LittleEndian.Uint64(h.Sum(nil))
}

// addMemory stores m for u, indexing its terms.
func (st *state) addMemory(u *user, m *memory) {
	u.seq++
	u.version++
	m.seq = u.seq
	u.memories[m.ID] = m
	u.list = append(u.list, m)
	u.byText[normalizeFact(m.Text)] = m
	st.memOwner[m.ID] = u.id
	for t := range m.terms {
		u.df[t]++
	}
}

// removeMemory deletes a memory of u.
func (st *state) removeMemory(u *user, id string) {
	m, ok := u.memories[id]
	if !ok {
		return
	}
	u.version++
	delete(u.memories, id)
	delete(st.memOwner, id)
	delete(st.restored, id)
	if n := normalizeFact(m.Text); u.byText[n] == m {
		delete(u.byText, n)
	}
	for t := range m.terms {
		if u.df[t]--; u.df[t] <= 0 {
			delete(u.df, t)
		}
	}
	u.list = slices.DeleteFunc(u.list, func(x *memory) bool { return x.ID == id })
}

// reindex replaces the terms of m after its content or categories changed.
func (u *user) reindex(m *memory, terms map[string]int) {
	u.version++
	for t := range m.terms {
		if u.df[t]--; u.df[t] <= 0 {
			delete(u.df, t)
		}
	}
	m.terms = terms
	for t := range terms {
		u.df[t]++
	}
}

// findDuplicate returns a memory of u with the same normalised text, if any: the extractor
// updates rather than repeats a fact it already knows.
func (u *user) findDuplicate(text string) *memory { return u.byText[normalizeFact(text)] }

// setText changes the content of m, keeping the de-duplication index current.
func (u *user) setText(m *memory, text string) {
	if n := normalizeFact(m.Text); u.byText[n] == m {
		delete(u.byText, n)
	}
	m.Text = text
	u.byText[normalizeFact(text)] = m
}
