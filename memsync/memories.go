package memsync

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// draft is a fact about to become a memory.
type draft struct {
	text        string
	subjectless bool
	cats        []string
	typ         string
}

// extract turns free text into facts: one per informative sentence, first-person sentences
// rewritten as facts about the user, categorised and typed by keywords.
func (s *Server) extract(text string) []draft {
	var out []draft
	for _, sent := range sentences(text) {
		if !s.lex.informative(sent) {
			continue
		}
		fact, subjectless := rewriteFact(sent)
		if len(words(fact)) < 2 {
			continue
		}
		cats := s.lex.detect(fact)
		if len(cats) == 0 {
			// Why: a first-person statement with no topical keyword is about the person
			// ("Is really excited"), which the docs file under identity.
			cats = []string{"identity"}
		}
		out = append(out, draft{text: fact, subjectless: subjectless, cats: cats, typ: s.lex.memoryType(sent)})
	}
	return out
}

// importance is a deterministic score in [0.5, 0.95]: facts touching more categories, and
// lasting facts, weigh more.
func (s *Server) importance(text string, cats []string, typ string) float64 {
	x := 0.5 + 0.08*float64(min(len(cats), 3)) + float64(hash64(s.seed, text)%10)/100
	if typ == "semantic" {
		x += 0.05
	}
	return round(min(x, 0.95), 2)
}

// addDraft stores a draft for u unless the same fact is already known. It reports whether a new
// memory was created.
func (s *Server) addDraft(u *user, d draft, source, agent, thread string, meta map[string]any, at time.Time) (*memory, bool) {
	if m := u.findDuplicate(d.text); m != nil {
		return m, false
	}
	m := &memory{
		ID: s.st.newMemoryID(), Text: d.text, Categories: d.cats, Type: d.typ, Source: source,
		AgentID: agent, ThreadID: thread, Metadata: maps.Clone(meta),
		Importance: s.importance(d.text, d.cats, d.typ), CreatedAt: at, UpdatedAt: at,
		subjectless: d.subjectless, terms: s.lex.terms(d.text, d.cats),
	}
	if m.Metadata == nil {
		m.Metadata = map[string]any{}
	}
	s.st.addMemory(u, m)
	return m, true
}

// rankCategories orders the categories of a set of memories by frequency, then enum order.
func rankCategories(mems []*memory) []string {
	count := map[string]int{}
	for _, m := range mems {
		for _, c := range m.Categories {
			count[c]++
		}
	}
	out := []string{}
	for _, c := range categories {
		if count[c] > 0 {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return count[b] - count[a] })
	return out
}

// storeRequest is the store-memories page's body.
type storeRequest struct {
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	AgentID  string         `json:"agent_id"`
	ThreadID string         `json:"thread_id"`
	Source   string         `json:"source"`
	Metadata map[string]any `json:"metadata"`
}

// storedMemory is a memory as the store answer shows it.
type storedMemory struct {
	ID         string   `json:"id"`
	Memory     string   `json:"memory"`
	Categories []string `json:"categories"`
	Type       string   `json:"type"`
	CreatedAt  string   `json:"created_at"`
}

// storeMemories extracts and stores the facts of a conversation's user messages.
func (s *Server) storeMemories(cl *call) (result, error) {
	var req storeRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	u := cl.user
	var created []*memory
	chars := 0
	for _, msg := range req.Messages {
		chars += len(msg.Content)
		// Why: memories are facts about the user; assistant turns only give context.
		if msg.Role != "user" {
			continue
		}
		for _, d := range s.extract(msg.Content) {
			if m, isNew := s.addDraft(u, d, req.Source, req.AgentID, req.ThreadID, req.Metadata, cl.now); isNew {
				created = append(created, m)
			}
		}
	}
	out := make([]storedMemory, 0, len(created))
	for _, m := range created {
		out = append(out, storedMemory{ID: m.ID, Memory: m.Text, Categories: m.Categories, Type: m.Type,
			CreatedAt: formatTime(m.CreatedAt)})
	}
	// A deterministic stand-in for the LLM extraction time the real service reports.
	secs := 0.3 + 0.15*float64(len(created)) + float64(chars)/5000
	return ok(map[string]any{
		"success":             true,
		"memories_created":    len(created),
		"processing_time":     fmt.Sprintf("%.1fs", min(secs, 30)),
		"categories_detected": rankCategories(created),
		"memories":            out,
	})
}

// listedMemory is a memory as the paginated list shows it.
type listedMemory struct {
	ID         string         `json:"id"`
	Memory     string         `json:"memory"`
	Categories []string       `json:"categories"`
	Type       string         `json:"type"`
	Source     string         `json:"source"`
	AgentID    string         `json:"agent_id"`
	ThreadID   string         `json:"thread_id"`
	Importance float64        `json:"importance"`
	Metadata   map[string]any `json:"metadata"`
	CreatedAt  string         `json:"created_at"`
	UpdatedAt  string         `json:"updated_at"`
}

// listed converts a memory to its list shape.
func listed(m *memory) listedMemory {
	return listedMemory{ID: m.ID, Memory: m.Text, Categories: m.Categories, Type: m.Type, Source: m.Source,
		AgentID: m.AgentID, ThreadID: m.ThreadID, Importance: m.Importance, Metadata: m.Metadata,
		CreatedAt: formatTime(m.CreatedAt), UpdatedAt: formatTime(m.UpdatedAt)}
}

// listMemories pages through the user's memories, newest first, in the seed 004 shape.
func (s *Server) listMemories(cl *call) (result, error) {
	page := intParam(cl.query, "page", 1)
	size := intParam(cl.query, "page_size", 20)
	agent, _ := cl.query["agent_id"].(string)
	thread, _ := cl.query["thread_id"].(string)
	cat, _ := cl.query["category"].(string)
	var all []*memory
	for i := len(cl.user.list) - 1; i >= 0; i-- {
		m := cl.user.list[i]
		if (agent != "" && m.AgentID != agent) || (thread != "" && m.ThreadID != thread) ||
			(cat != "" && !slices.Contains(m.Categories, cat)) {
			continue
		}
		all = append(all, m)
	}
	total := len(all)
	pages := (total + size - 1) / size
	data := []listedMemory{}
	if from := (page - 1) * size; from < total {
		for _, m := range all[from:min(from+size, total)] {
			data = append(data, listed(m))
		}
	}
	body := map[string]any{
		"data": data,
		"pagination": map[string]any{
			"page": page, "page_size": size, "total_items": total, "total_pages": pages,
			"has_next": page < pages, "has_previous": page > 1,
		},
	}
	if s.envelope {
		body["status"] = "success"
		body["timestamp"] = formatTime(cl.now)
	}
	return result{Status: http.StatusOK, Body: body, Bare: true}, nil
}

// intParam reads a validated integer parameter, clamped so that page arithmetic cannot overflow.
func intParam(q map[string]any, name string, def int) int {
	const limit = 1 << 30
	v, ok := q[name].(float64)
	if !ok {
		return def
	}
	return int(max(min(v, limit), -limit))
}

// boolParam reads a validated boolean parameter.
func boolParam(q map[string]any, name string, def bool) bool {
	if v, ok := q[name].(bool); ok {
		return v
	}
	return def
}

// searchRequest is the search page's body, defaults filled by validation.
type searchRequest struct {
	Query      string   `json:"query"`
	Limit      int      `json:"limit"`
	Categories []string `json:"categories"`
	Rerank     bool     `json:"rerank"`
	IncludeBio bool     `json:"include_bio"`
	AgentID    string   `json:"agent_id"`
	ThreadID   string   `json:"thread_id"`
}

// searchHit is a memory as the search answer shows it.
type searchHit struct {
	ID             string   `json:"id"`
	Memory         string   `json:"memory"`
	Categories     []string `json:"categories"`
	Type           string   `json:"type"`
	VectorDistance float64  `json:"vector_distance"`
	RerankScore    *float64 `json:"rerank_score,omitempty"`
	Source         string   `json:"source"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
	AgentID        string   `json:"agent_id"`
	ThreadID       string   `json:"thread_id"`
}

// searchMemories ranks the caller's memories against a query: by vector_distance ascending, or
// by rerank_score descending when rerank is on.
func (s *Server) searchMemories(cl *call) (result, error) {
	var req searchRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	u := cl.user
	if len(u.memories) == 0 {
		return result{}, errNoMemories()
	}
	sc := newScorer(u, s.lex.terms(req.Query, s.lex.detect(req.Query)))
	type scored struct {
		m           *memory
		cos, rerank float64
		score       float64
	}
	ranked := make([]scored, 0, len(u.list))
	for _, m := range u.list {
		if (req.AgentID != "" && m.AgentID != req.AgentID) || (req.ThreadID != "" && m.ThreadID != req.ThreadID) {
			continue
		}
		if len(req.Categories) > 0 && !slices.ContainsFunc(m.Categories, func(c string) bool { return slices.Contains(req.Categories, c) }) {
			continue
		}
		x := scored{m: m, cos: sc.cosine(m)}
		x.score = x.cos
		if req.Rerank {
			x.rerank = round(clamp01(0.65*x.cos+0.35*sc.coverage(m)), 4)
			x.score = x.rerank
		}
		ranked = append(ranked, x)
	}
	// Best first; ties go to the newer memory.
	slices.SortFunc(ranked, func(a, b scored) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		case a.m.seq > b.m.seq:
			return -1
		case a.m.seq < b.m.seq:
			return 1
		}
		return 0
	})
	hits := make([]searchHit, 0, min(len(ranked), req.Limit))
	for _, x := range ranked[:min(len(ranked), req.Limit)] {
		m := x.m
		h := searchHit{ID: m.ID, Memory: m.Text, Categories: m.Categories, Type: m.Type,
			VectorDistance: round(1-x.cos, 4), Source: m.Source, CreatedAt: formatTime(m.CreatedAt),
			UpdatedAt: formatTime(m.UpdatedAt), AgentID: m.AgentID, ThreadID: m.ThreadID}
		if req.Rerank {
			r := x.rerank
			h.RerankScore = &r
		}
		hits = append(hits, h)
	}
	body := map[string]any{"memories": hits}
	if req.IncludeBio {
		body["user_bio"] = s.userBio(u, cl.now)
	}
	return ok(body)
}

// ownedMemory finds a memory of the caller: 403 when it belongs to someone else (as the update
// and delete pages document), 404 when it does not exist.
func (s *Server) ownedMemory(u *user, id string) (*memory, error) {
	if m, found := u.memories[id]; found {
		return m, nil
	}
	if _, elsewhere := s.st.memOwner[id]; elsewhere {
		return nil, errMemoryForbidden(id)
	}
	return nil, errMemoryNotFound(id)
}

// updateRequest is the update-memory page's body; nil fields are left alone.
type updateRequest struct {
	Content    *string        `json:"content"`
	Metadata   map[string]any `json:"metadata"`
	Category   *string        `json:"category"`
	MemoryType *string        `json:"memory_type"`
	Importance *float64       `json:"importance"`
}

// updateMemory changes only the fields sent; new content gets new embeddings.
func (s *Server) updateMemory(cl *call) (result, error) {
	var req updateRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	u := cl.user
	m, err := s.ownedMemory(u, cl.path["memory_id"])
	if err != nil {
		return result{}, err
	}
	changed, contentChanged := false, false
	if req.Content != nil && *req.Content != m.Text {
		u.setText(m, *req.Content)
		m.subjectless = false
		changed, contentChanged = true, true
	}
	if req.Category != nil && (len(m.Categories) != 1 || m.Categories[0] != *req.Category) {
		m.Categories = []string{*req.Category}
		changed = true
	}
	if req.MemoryType != nil && *req.MemoryType != m.Type {
		m.Type = *req.MemoryType
		changed = true
	}
	if req.Importance != nil && *req.Importance != m.Importance {
		m.Importance = *req.Importance
		changed = true
	}
	if len(req.Metadata) > 0 {
		if m.Metadata == nil {
			m.Metadata = map[string]any{}
		}
		maps.Copy(m.Metadata, req.Metadata)
		changed = true
	}
	if changed {
		u.reindex(m, s.lex.terms(m.Text, m.Categories))
		m.UpdatedAt = cl.now
	}
	body := map[string]any{
		"memory_id": m.ID, "content": m.Text, "category": m.Categories[0], "memory_type": m.Type,
		"importance": m.Importance, "metadata": m.Metadata,
		"created_at": formatTime(m.CreatedAt), "updated_at": formatTime(m.UpdatedAt),
	}
	if contentChanged {
		body["embeddings"] = embedding(m.terms)
	}
	return ok(body)
}

// cascadeCounts is what deleting ids takes with it: one embedding each, and, with cascade, the
// generated profile and bio made from them (which are dropped so they regenerate).
func (s *Server) cascadeCounts(u *user, ids []string, cascade bool) map[string]int {
	out := map[string]int{"profile_updates": 0, "derived_insights": 0, "embeddings": len(ids)}
	if !cascade {
		return out
	}
	for _, snap := range []**snapshot{&u.profile, &u.bio} {
		if *snap == nil || !slices.ContainsFunc(ids, func(id string) bool { return slices.Contains((*snap).memIDs, id) }) {
			continue
		}
		out["profile_updates"]++
		if snap == &u.profile {
			out["derived_insights"] += len(s.insightsTouching(u, *snap, ids))
		}
		*snap = nil
	}
	return out
}

// deleteMemory removes one memory of the caller.
func (s *Server) deleteMemory(cl *call) (result, error) {
	u := cl.user
	id := cl.path["memory_id"]
	if _, err := s.ownedMemory(u, id); err != nil {
		return result{}, err
	}
	cascade := boolParam(cl.query, "cascade", false)
	counts := s.cascadeCounts(u, []string{id}, cascade)
	s.st.removeMemory(u, id)
	return ok(map[string]any{
		"success": true, "memory_id": id, "deleted_at": formatTime(cl.now),
		"cascade_deletions": counts, "backup_id": s.backupID(boolParam(cl.query, "backup", true)),
	})
}

// backupID mints the id of the compliance backup (kept 30 days per the docs; never restorable
// through the API, so the mock keeps only the id).
func (s *Server) backupID(backup bool) *string {
	if !backup {
		return nil
	}
	id := "backup_" + s.st.hexID(12)
	return &id
}

// batchDeleteRequest is the batch-delete body from the delete-memory page.
type batchDeleteRequest struct {
	MemoryIDs []string `json:"memory_ids"`
	Cascade   bool     `json:"cascade"`
	Backup    bool     `json:"backup"`
}

// batchDeleteMemories deletes all listed memories or none: an unknown id is 404, another user's
// is 403, and nothing is removed in either case.
func (s *Server) batchDeleteMemories(cl *call) (result, error) {
	var req batchDeleteRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	u := cl.user
	var ids, missing, foreign []string
	for _, id := range req.MemoryIDs {
		if slices.Contains(ids, id) {
			continue
		}
		ids = append(ids, id)
		if _, mine := u.memories[id]; mine {
			continue
		}
		if _, elsewhere := s.st.memOwner[id]; elsewhere {
			foreign = append(foreign, id)
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		e := errMemoryNotFound(missing[0])
		e.Details["memory_ids"] = missing
		return result{}, e
	}
	if len(foreign) > 0 {
		e := errMemoryForbidden(foreign[0])
		e.Details["memory_ids"] = foreign
		return result{}, e
	}
	counts := s.cascadeCounts(u, ids, req.Cascade)
	for _, id := range ids {
		s.st.removeMemory(u, id)
	}
	return ok(map[string]any{
		"success": true, "deleted_count": len(ids), "memory_ids": ids, "deleted_at": formatTime(cl.now),
		"cascade_deletions": counts, "backup_id": s.backupID(req.Backup),
	})
}

// healthcheck reports the service up.
func (s *Server) healthcheck(*call) (result, error) { return ok(map[string]any{"status": "ok"}) }

// joinFacts renders facts as sentences.
func joinFacts(texts []string) string {
	var b strings.Builder
	for i, t := range texts {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sentence(t))
	}
	return b.String()
}

// sentence capitalises t and ends it with a full stop.
func sentence(t string) string {
	t = strings.TrimSpace(t)
	if t == "" {
		return t
	}
	t = upperFirst(t)
	if !strings.ContainsAny(t[len(t)-1:], ".!?") {
		t += "."
	}
	return t
}
