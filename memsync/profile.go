package memsync

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Documented generation rules (get-profile and get-bio pages).
const (
	minProfileMemories = 5
	minBioCategories   = 2
	profileMaxAge      = 24 * time.Hour
	bioTTL             = 7 * 24 * time.Hour
	bioRefreshCooldown = 10 * time.Minute
	// bioRefreshDelta new memories count as "significant" and regenerate the bio.
	bioRefreshDelta = 5
)

// live returns the memories of a snapshot that still exist.
func (snap *snapshot) live(u *user) []*memory {
	if snap == nil {
		return nil
	}
	out := make([]*memory, 0, len(snap.memIDs))
	for _, id := range snap.memIDs {
		if m, ok := u.memories[id]; ok {
			out = append(out, m)
		}
	}
	return out
}

// takeSnapshot records the user's current memories as the basis of a generated profile or bio.
func takeSnapshot(u *user, now time.Time) *snapshot {
	ids := make([]string, 0, len(u.list))
	for _, m := range u.list {
		ids = append(ids, m.ID)
	}
	return &snapshot{at: now, memIDs: ids, count: len(u.list)}
}

// profileSnapshot returns the generated profile, generating it when there is none yet, when
// refresh is asked, or when it is a day old and memories changed. Nil means "not yet generated".
func profileSnapshot(u *user, now time.Time, refresh bool) *snapshot {
	if len(u.memories) < minProfileMemories {
		return nil
	}
	snap := u.profile
	if snap == nil || refresh || len(snap.live(u)) < minProfileMemories ||
		(now.Sub(snap.at) >= profileMaxAge && snap.count != len(u.memories)) {
		u.profile = takeSnapshot(u, now)
	}
	return u.profile
}

// bioEligible applies the documented requirements: at least 5 memories across at least 2
// categories.
func bioEligible(u *user) *apiError {
	n := len(u.memories)
	if n < minProfileMemories {
		return errBioNotFound(n, "Store at least 5 memories to generate a bio")
	}
	if len(rankCategories(u.list)) < minBioCategories {
		return errBioNotFound(n, "Store memories in at least 2 categories to generate a bio")
	}
	return nil
}

// bioSnapshot returns the generated bio, regenerating it when asked (at most once per 10
// minutes), when it is stale (7 days) or when enough new memories arrived.
func bioSnapshot(u *user, now time.Time, refresh bool) (*snapshot, error) {
	if err := bioEligible(u); err != nil {
		return nil, err
	}
	if refresh && !u.lastBioRefresh.IsZero() && now.Sub(u.lastBioRefresh) < bioRefreshCooldown {
		return nil, errRateLimited("Too many bio generation requests", 0, u.lastBioRefresh.Add(bioRefreshCooldown), now)
	}
	snap := u.bio
	n := len(u.memories)
	if snap == nil || refresh || !now.Before(snap.at.Add(bioTTL)) || n-snap.count >= bioRefreshDelta ||
		len(snap.live(u)) < minProfileMemories {
		u.bio = takeSnapshot(u, now)
		if refresh {
			u.lastBioRefresh = now
		}
	}
	return u.bio, nil
}

// userBio is the bio shown in search results and the guide profile: the manual bio, else the
// generated one once it can exist, else "".
func (s *Server) userBio(u *user, now time.Time) string {
	if u.manual != nil {
		return u.manual.text
	}
	snap, err := bioSnapshot(u, now, false)
	if err != nil {
		return ""
	}
	if r := &u.rendered; r.snap == snap && r.version == u.version {
		return r.text
	}
	text, _ := s.renderBio(withoutPrivate(snap.live(u)), "full", "narrative")
	u.rendered.snap, u.rendered.version, u.rendered.text = snap, u.version, text
	return text
}

// withoutPrivate leaves out private memories, which bios exclude unless asked (get-bio page).
func withoutPrivate(mems []*memory) []*memory {
	return filterCategories(mems, nil, []string{"private"})
}

// filterCategories keeps memories having one of include (when given) and none of exclude.
func filterCategories(mems []*memory, include, exclude []string) []*memory {
	out := make([]*memory, 0, len(mems))
	for _, m := range mems {
		if len(include) > 0 && !slices.ContainsFunc(m.Categories, func(c string) bool { return slices.Contains(include, c) }) {
			continue
		}
		if slices.ContainsFunc(m.Categories, func(c string) bool { return slices.Contains(exclude, c) }) {
			continue
		}
		out = append(out, m)
	}
	return out
}

var bioOpeners = map[string]string{
	"career": "Professionally, ", "interests": "In their free time, ",
	"relationships": "When it comes to the people around them, ", "health": "On the health side, ",
	"finance": "Financially, ", "learning": "As a learner, ", "travel": "When it comes to travel, ",
	"productivity": "In how they work, ",
}

var themeNames = map[string]string{
	"identity": "Personal Background", "career": "Career and Work", "interests": "Hobbies and Interests",
	"relationships": "Relationships", "health": "Health and Wellness", "finance": "Personal Finance",
	"learning": "Continuous Learning", "travel": "Travel", "productivity": "Productivity",
	"private": "Private Matters",
}

// orderForProse groups memories by primary category (enum order), most important first.
func orderForProse(mems []*memory) []*memory {
	out := slices.Clone(mems)
	rank := func(c string) int { return slices.Index(categories, c) }
	slices.SortStableFunc(out, func(a, b *memory) int {
		if d := rank(a.Categories[0]) - rank(b.Categories[0]); d != 0 {
			return d
		}
		switch {
		case a.Importance > b.Importance:
			return -1
		case a.Importance < b.Importance:
			return 1
		}
		return int(a.seq) - int(b.seq)
	})
	return out
}

// renderBio writes a bio from memories, deterministically: one sentence per fact, grouped by
// category, shaped by format (full, short, bullets, professional) and style (narrative, factual,
// casual, formal). It returns the text and the memories used.
func (s *Server) renderBio(mems []*memory, format, style string) (string, []*memory) {
	if format == "professional" {
		if pro := filterCategories(mems, []string{"career", "learning", "productivity"}, nil); len(pro) > 0 {
			mems = pro
		}
	}
	mems = orderForProse(mems)
	switch format {
	case "short":
		var pick []*memory
		seen := map[string]bool{}
		for _, m := range mems {
			if !seen[m.Categories[0]] && len(pick) < 3 {
				seen[m.Categories[0]] = true
				pick = append(pick, m)
			}
		}
		mems = pick
	case "bullets":
		mems = mems[:min(len(mems), 8)]
		lines := make([]string, 0, len(mems))
		for _, m := range mems {
			lines = append(lines, "• "+upperFirst(strings.TrimRight(m.Text, ". ")))
		}
		return strings.Join(lines, "\n"), mems
	case "professional":
		mems = mems[:min(len(mems), 6)]
	default:
		mems = mems[:min(len(mems), 12)]
	}
	subject := map[string]string{"casual": "This person", "formal": "The individual", "professional": "The individual"}[style]
	if subject == "" {
		subject = "The user"
	}
	var parts []string
	prev := ""
	for _, m := range mems {
		var sent string
		if m.subjectless {
			sent = subject + " " + lowerFirst(m.Text)
		} else {
			sent = m.Text
		}
		if opener := bioOpeners[m.Categories[0]]; style == "narrative" && opener != "" && prev != "" && prev != m.Categories[0] {
			sent = opener + lowerFirst(sent)
		}
		prev = m.Categories[0]
		parts = append(parts, sentence(sent))
	}
	limit := map[string]int{"short": 50, "professional": 120}[format]
	if limit == 0 {
		limit = 200
	}
	text := ""
	used := mems[:0:0]
	for i, p := range parts {
		next := strings.TrimSpace(text + " " + p)
		if i > 0 && len(strings.Fields(next)) > limit {
			break
		}
		text = next
		used = append(used, mems[i])
	}
	if style == "casual" && text != "" {
		text = "Quick take: " + text
	}
	return text, used
}

// themes names the main themes of memories, from their five most frequent categories.
func themes(mems []*memory) []string {
	cats := rankCategories(mems)
	out := make([]string, 0, 5)
	for _, c := range cats[:min(len(cats), 5)] {
		out = append(out, themeNames[c])
	}
	return out
}

// bioConfidence grows with the evidence behind a bio.
func bioConfidence(n int, format string) float64 {
	c := 0.6 + 0.04*float64(min(n, 8))
	if format == "short" {
		c -= 0.03
	}
	return round(min(c, 0.95), 2)
}

// getBio answers the bio in the requested format and style: the manual bio when one is set,
// otherwise the generated one.
func (s *Server) getBio(cl *call) (result, error) {
	u := cl.user
	format, _ := cl.query["format"].(string)
	style, _ := cl.query["style"].(string)
	refresh := boolParam(cl.query, "refresh", false)
	exclude := []string{"private"}
	if csv, _ := cl.query["exclude_categories"].(string); csv != "" {
		exclude = append(exclude, strings.Split(csv, ",")...)
	}
	if u.manual != nil && refresh && !u.manual.locked {
		u.manual = nil // an explicit refresh replaces a manual bio that is not locked
	}
	if m := u.manual; m != nil {
		all := filterCategories(u.list, nil, exclude)
		return ok(map[string]any{
			"bio": m.text, "format": m.format, "style": m.style,
			"word_count": len(strings.Fields(m.text)), "character_count": utf8.RuneCountInString(m.text),
			"confidence": 1.0, "source_memories": len(all), "categories_included": rankCategories(all),
			"key_themes": themes(all), "generated_at": formatTime(m.updatedAt),
			"expires_at": formatTime(m.updatedAt.Add(bioTTL)),
		})
	}
	snap, err := bioSnapshot(u, cl.now, refresh)
	if err != nil {
		return result{}, err
	}
	mems := filterCategories(snap.live(u), nil, exclude)
	if len(mems) == 0 {
		return result{}, errBioNotFound(len(u.memories), "No memories left after excluding categories")
	}
	text, used := s.renderBio(mems, format, style)
	return ok(map[string]any{
		"bio": text, "format": format, "style": style,
		"word_count": len(strings.Fields(text)), "character_count": utf8.RuneCountInString(text),
		"confidence": bioConfidence(len(used), format), "source_memories": len(mems),
		"categories_included": rankCategories(used), "key_themes": themes(used),
		"generated_at": formatTime(snap.at), "expires_at": formatTime(snap.at.Add(bioTTL)),
	})
}

// bioUpdateRequest is the update-bio page's body.
type bioUpdateRequest struct {
	Bio               *string  `json:"bio"`
	Format            string   `json:"format"`
	Style             string   `json:"style"`
	Regenerate        bool     `json:"regenerate"`
	ManualOverride    bool     `json:"manual_override"`
	IncludeCategories []string `json:"include_categories"`
	ExcludeCategories []string `json:"exclude_categories"`
}

// bioUpdateBody is the update-bio answer.
func bioUpdateBody(text, format, style string, manual bool, at time.Time) map[string]any {
	return map[string]any{
		"bio": text, "format": format, "style": style, "word_count": len(strings.Fields(text)),
		"character_count": utf8.RuneCountInString(text), "is_manual": manual, "updated_at": formatTime(at),
	}
}

// updateBio sets a manual bio (bio given), regenerates one (regenerate), or re-renders the
// current bio in another format or style.
func (s *Server) updateBio(cl *call) (result, error) {
	var req bioUpdateRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	u := cl.user
	format, style := req.Format, req.Style
	if format == "" {
		format = "full"
	}
	if style == "" {
		style = "narrative"
	}
	switch {
	case req.Bio != nil:
		u.manual = &manualBio{text: *req.Bio, format: format, style: style, locked: req.ManualOverride, updatedAt: cl.now}
		return ok(bioUpdateBody(*req.Bio, format, style, true, cl.now))
	case !req.Regenerate && u.manual != nil:
		if req.Format != "" {
			u.manual.format = format
		}
		if req.Style != "" {
			u.manual.style = style
		}
		u.manual.locked = u.manual.locked || req.ManualOverride
		u.manual.updatedAt = cl.now
		return ok(bioUpdateBody(u.manual.text, u.manual.format, u.manual.style, true, cl.now))
	}
	if err := bioEligible(u); err != nil {
		return result{}, err
	}
	if req.Regenerate {
		u.manual = nil
		u.bio = takeSnapshot(u, cl.now)
	}
	snap, err := bioSnapshot(u, cl.now, false)
	if err != nil {
		return result{}, err
	}
	exclude := req.ExcludeCategories
	if !slices.Contains(req.IncludeCategories, "private") {
		exclude = append(exclude, "private")
	}
	mems := filterCategories(snap.live(u), req.IncludeCategories, exclude)
	if len(mems) == 0 {
		return result{}, errBioNotFound(len(u.memories), "No memories match the requested categories")
	}
	text, _ := s.renderBio(mems, format, style)
	return ok(bioUpdateBody(text, format, style, false, cl.now))
}

// putUserBioGuide is the guides' PUT /v1/users/bio {user_bio}: a manual bio.
func (s *Server) putUserBioGuide(cl *call) (result, error) {
	var req struct {
		UserBio string `json:"user_bio"`
	}
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	cl.user.manual = &manualBio{text: req.UserBio, format: "full", style: "narrative", updatedAt: cl.now}
	return ok(map[string]any{"user_bio": req.UserBio, "updated_at": formatTime(cl.now)})
}

// ----- profile -----

var insightTitles = map[string]string{
	"identity": "Clear Sense of Self", "career": "Strong Career Focus", "interests": "Diverse Personal Interests",
	"relationships": "Values Close Relationships", "health": "Health-Conscious Lifestyle",
	"finance": "Financially Minded", "learning": "Strong Learning Orientation",
	"travel": "Enjoys Exploring New Places", "productivity": "Organized and Productive",
	"private": "Shares Personal Matters",
}

var traitNames = map[string]string{
	"identity": "Self-aware", "career": "Ambitious", "interests": "Curious", "relationships": "Collaborative",
	"health": "Disciplined", "finance": "Prudent", "learning": "Growth-minded", "travel": "Adventurous",
	"productivity": "Organized", "private": "Reserved",
}

// byCategory groups memories by each of their categories.
func byCategory(mems []*memory) map[string][]*memory {
	out := map[string][]*memory{}
	for _, m := range mems {
		for _, c := range m.Categories {
			out[c] = append(out[c], m)
		}
	}
	return out
}

// insight is one derived insight of a profile.
type insight struct {
	InsightID   string  `json:"insight_id"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Category    string  `json:"category"`
	Confidence  float64 `json:"confidence"`
	GeneratedAt string  `json:"generated_at"`
	MemoryCount int     `json:"memory_count"`
}

// insights derives up to three insights: the categories with at least two memories.
func (s *Server) insights(u *user, snap *snapshot, mems []*memory) []insight {
	groups := byCategory(mems)
	out := []insight{}
	for _, c := range rankCategories(mems) {
		g := groups[c]
		if len(g) < 2 || len(out) == 3 {
			continue
		}
		out = append(out, insight{
			InsightID: "insight_" + digest(s.seed, u.id+"/"+c)[:6], Title: insightTitles[c],
			Description: fmt.Sprintf("%d memories point to %s, for example: %s", len(g),
				strings.ToLower(themeNames[c]), sentence(g[0].Text)),
			Category: c, Confidence: round(min(0.6+0.05*float64(len(g)), 0.95), 2),
			GeneratedAt: formatTime(snap.at), MemoryCount: len(g),
		})
	}
	return out
}

// insightsTouching returns the insights of a profile snapshot built on the categories of ids.
func (s *Server) insightsTouching(u *user, snap *snapshot, ids []string) []insight {
	var cats []string
	for _, id := range ids {
		if m, ok := u.memories[id]; ok {
			cats = append(cats, m.Categories...)
		}
	}
	var out []insight
	for _, in := range s.insights(u, snap, snap.live(u)) {
		if slices.Contains(cats, in.Category) {
			out = append(out, in)
		}
	}
	return out
}

var (
	titleRe = regexp.MustCompile(`(?i)\b(?:is an?|works as an?|as an?)\s+([A-Za-z][A-Za-z &/-]{2,40}?)(?:\s+(?:at|who|in|for|with|and|on)\b|[,.;]|$)`)
	nameRe  = regexp.MustCompile(`\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\b`)
)

var relationWords = map[string]bool{"wife": true, "husband": true, "partner": true, "mother": true,
	"father": true, "mom": true, "dad": true, "sister": true, "brother": true, "son": true,
	"daughter": true, "friend": true, "friends": true, "girlfriend": true, "boyfriend": true,
	"parents": true, "kids": true, "children": true, "family": true}

var networkWords = map[string]bool{"colleague": true, "colleagues": true, "team": true, "mentor": true,
	"mentors": true, "manager": true, "boss": true, "client": true, "clients": true, "coworker": true,
	"coworkers": true, "engineers": true}

var genericWords = map[string]bool{"works": true, "working": true, "work": true, "team": true,
	"company": true, "job": true, "leads": true, "lead": true, "recently": true, "currently": true,
	"loves": true, "enjoys": true, "their": true, "they": true, "them": true, "will": true, "being": true,
	"has": true, "was": true, "been": true}

// topWords counts words of mems accepted by keep and returns the n most frequent, title-cased.
func topWords(mems []*memory, n int, keep func(w string) bool) []string {
	count := map[string]int{}
	var order []string
	for _, m := range mems {
		for _, w := range words(m.Text) {
			if !keep(w) {
				continue
			}
			if count[w] == 0 {
				order = append(order, w)
			}
			count[w]++
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	out := []string{}
	for _, w := range order[:min(len(order), n)] {
		out = append(out, titleCase(w))
	}
	return out
}

// categoryProfile summarises one category; career, interests and relationships carry the extra
// fields of the get-profile example (title, key_skills, primary_interests, close_connections, ...).
func (s *Server) categoryProfile(c string, g []*memory) map[string]any {
	g = orderForProse(g)
	texts := make([]string, 0, 3)
	last := g[0].UpdatedAt
	for i, m := range g {
		if i < 3 {
			texts = append(texts, m.Text)
		}
		if m.UpdatedAt.After(last) {
			last = m.UpdatedAt
		}
	}
	p := map[string]any{"summary": joinFacts(texts), "memory_count": len(g), "last_updated": formatTime(last)}
	content := func(w string) bool { return len(w) > 3 && !s.lex.stop[w] && !genericWords[w] }
	switch c {
	case "career":
		title := "Professional"
		for _, m := range g {
			if mt := titleRe.FindStringSubmatch(m.Text); mt != nil {
				title = titleCase(strings.TrimSpace(mt[1]))
				break
			}
		}
		p["title"] = title
		p["key_skills"] = topWords(g, 3, content)
	case "interests":
		isInterest := func(w string) bool {
			return content(w) && slices.Contains(s.lex.cats[stem(w)], "interests") &&
				!slices.Contains([]string{"lov", "enjoi", "interest", "fun", "passion", "passionat", "fan", "favorit"}, stem(w))
		}
		p["primary_interests"] = topWords(g, 4, isInterest)
		var episodic []*memory
		for _, m := range g {
			if m.Type == "episodic" {
				episodic = append(episodic, m)
			}
		}
		p["emerging_interests"] = topWords(episodic, 3, isInterest)
	case "relationships":
		people := []string{}
		for _, m := range g {
			for _, n := range nameRe.FindAllString(m.Text, -1) {
				if strings.HasPrefix(m.Text, n) || slices.Contains([]string{"They", "Their", "The", "Has", "Is"}, n) || slices.Contains(people, n) {
					continue
				}
				people = append(people, n)
			}
		}
		people = append(people, topWords(g, 3, func(w string) bool { return relationWords[w] })...)
		p["close_connections"] = people[:min(len(people), 5)]
		p["professional_network"] = topWords(g, 3, func(w string) bool { return networkWords[w] })
	}
	return p
}

// stats is the statistics section of a profile.
func (s *Server) stats(mems []*memory) map[string]any {
	byCat := map[string]int{}
	byType := map[string]int{"semantic": 0, "episodic": 0}
	var imp float64
	var first, last time.Time
	participants, locations := map[string]int{}, map[string]int{}
	for i, m := range mems {
		for _, c := range m.Categories {
			byCat[c]++
		}
		byType[m.Type]++
		imp += m.Importance
		if i == 0 || m.CreatedAt.Before(first) {
			first = m.CreatedAt
		}
		if i == 0 || m.CreatedAt.After(last) {
			last = m.CreatedAt
		}
		if ps, ok := m.Metadata["participants"].([]any); ok {
			for _, p := range ps {
				if s, ok := p.(string); ok && s != "" {
					participants[s]++
				}
			}
		}
		if loc, ok := m.Metadata["location"].(string); ok && loc != "" {
			locations[loc]++
		}
	}
	avg := 0.0
	if len(mems) > 0 {
		avg = round(imp/float64(len(mems)), 2)
	}
	return map[string]any{
		"total_memories": len(mems), "by_category": byCat, "by_type": byType,
		"date_range":     map[string]any{"first_memory": formatTime(first), "last_memory": formatTime(last)},
		"avg_importance": avg, "top_participants": topKeys(participants, 5), "top_locations": topKeys(locations, 5),
	}
}

// topKeys returns the n most frequent keys, ties in alphabetical order.
func topKeys(m map[string]int, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	return keys[:min(len(keys), n)]
}

// traits derives up to five traits, one per leading category.
func (s *Server) traits(mems []*memory) []map[string]any {
	out := []map[string]any{}
	groups := byCategory(mems)
	for _, c := range rankCategories(mems) {
		if len(out) == 5 {
			break
		}
		n := len(groups[c])
		out = append(out, map[string]any{"trait": traitNames[c], "category": c, "evidence_count": n,
			"strength": round(min(0.5+0.5*float64(n)/float64(len(mems)), 0.95), 2)})
	}
	return out
}

// getProfile answers the reference profile with the sections named by include.
func (s *Server) getProfile(cl *call) (result, error) {
	u := cl.user
	snap := profileSnapshot(u, cl.now, boolParam(cl.query, "refresh", false))
	if snap == nil {
		return result{}, errProfileNotFound(len(u.memories))
	}
	mems := snap.live(u)
	include, _ := cl.query["include"].(string)
	sections := strings.Split(include, ",")
	body := map[string]any{
		"user_id": u.id,
		"privacy_settings": map[string]any{"bio_public": false, "categories_public": []string{},
			"insights_enabled": true, "trait_analysis_enabled": true},
		"last_updated": formatTime(snap.at),
	}
	if slices.Contains(sections, "bio") {
		summary, at, conf := "", snap.at, 1.0
		if u.manual != nil {
			summary, at = u.manual.text, u.manual.updatedAt
		} else {
			var used []*memory
			summary, used = s.renderBio(withoutPrivate(mems), "full", "narrative")
			conf = bioConfidence(len(used), "full")
		}
		body["bio"] = map[string]any{"summary": summary, "generated_at": formatTime(at), "confidence": conf,
			"word_count": len(strings.Fields(summary))}
	}
	if slices.Contains(sections, "categories") {
		only, _ := cl.query["category"].(string)
		cats := map[string]any{}
		for c, g := range byCategory(mems) {
			if only == "" || c == only {
				cats[c] = s.categoryProfile(c, g)
			}
		}
		body["categories"] = cats
	}
	if slices.Contains(sections, "insights") {
		body["insights"] = s.insights(u, snap, mems)
	}
	if slices.Contains(sections, "traits") {
		body["traits"] = s.traits(mems)
	}
	if slices.Contains(sections, "stats") {
		body["stats"] = s.stats(mems)
	}
	return ok(body)
}

var (
	likeRe    = regexp.MustCompile(`(?i)\b(?:loves?|enjoys?|likes?|adores?)\s+([^,.;]+)`)
	dislikeRe = regexp.MustCompile(`(?i)\b(?:hates?|dislikes?|doesn't like|does not like|can't stand)\s+([^,.;]+)`)
)

// getUserProfileGuide answers the guides' shape: {user_bio, profiles, insights.identity}.
func (s *Server) getUserProfileGuide(cl *call) (result, error) {
	u := cl.user
	snap := profileSnapshot(u, cl.now, false)
	if snap == nil {
		return result{}, errProfileNotFound(len(u.memories))
	}
	mems := snap.live(u)
	groups := byCategory(mems)
	profiles := map[string]string{}
	interests := []string{}
	for _, c := range categories {
		g := groups[c]
		if len(g) == 0 {
			continue
		}
		p := s.categoryProfile(c, g)
		profiles[c], _ = p["summary"].(string)
		if pi, ok := p["primary_interests"].([]string); ok {
			for _, x := range pi {
				interests = append(interests, strings.ToLower(x))
			}
		}
	}
	likes, dislikes := []string{}, []string{}
	totalWords := 0
	for _, m := range mems {
		totalWords += len(strings.Fields(m.Text))
		if mt := dislikeRe.FindStringSubmatch(m.Text); mt != nil {
			dislikes = append(dislikes, strings.TrimSpace(mt[1]))
		} else if mt := likeRe.FindStringSubmatch(m.Text); mt != nil {
			likes = append(likes, strings.TrimSpace(mt[1]))
		}
	}
	tone := "concise and direct"
	if len(mems) > 0 && totalWords/len(mems) > 10 {
		tone = "detailed and thoughtful, shares context freely"
	}
	topics := []string{}
	for _, t := range themes(mems) {
		topics = append(topics, strings.ToLower(t))
	}
	traits := []string{}
	for _, t := range s.traits(mems) {
		traits = append(traits, strings.ToLower(t["trait"].(string)))
	}
	return ok(map[string]any{
		"user_bio": s.userBio(u, cl.now),
		"profiles": profiles,
		"insights": map[string]any{"identity": map[string]any{
			"insights": map[string]any{"common_topics": topics, "communication_tone": tone,
				"interests": interests, "likes": likes, "dislikes": dislikes},
			"derived_traits": traits,
		}},
	})
}
