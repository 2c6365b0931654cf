package memsync

import (
	"fmt"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v6"
)

// stepDuration is how long each documented processing step takes on the injected clock; an
// integration completes after four steps.
const stepDuration = 2 * time.Second

// Processing steps per integration type (integration-status page).
var integrationSteps = map[string][]string{
	"social": {"authentication", "discovery", "extraction", "processing"},
	"file":   {"upload", "parsing", "chunking", "memory_creation"},
	"chat":   {"validation", "conversation_detection", "content_extraction", "memory_creation"},
}

// integration is one asynchronous import. Its progress is a pure function of the clock; its
// memories are created, all at once, when the clock passes its completion time (settle).
type integration struct {
	ID       string
	Kind     string
	Platform string
	created  time.Time
	agentID  string
	threadID string

	itemsTotal int
	itemErrs   []itemError // non-fatal, spread over the run
	failAt     int         // index of the failing step, -1 when it succeeds
	failCode   string
	failMsg    string

	drafts []intDraft
	done   bool
	memIDs []string

	// reference-response details
	filename      string
	fileSize      int64
	pages         int
	textLen       int
	chunks        int
	messages      int
	conversations int
	topics        []string
	start, end    time.Time
}

// itemError is a non-fatal problem with one imported item, reported by the status endpoint
// once the run has reached it.
type itemError struct {
	id, message, code, item string
	at                      time.Duration // offset from creation
}

// intDraft is a fact an integration will store, with the metadata that goes with it
// (page_number, conversation_topic, ...).
type intDraft struct {
	draft
	meta map[string]any
}

// total is the duration of a successful run: one step duration per documented step.
func (in *integration) total() time.Duration {
	return time.Duration(len(integrationSteps[in.Kind])) * stepDuration
}

// failTime is when a failing run stops: at the end of its failing step.
func (in *integration) failTime() time.Time {
	return in.created.Add(time.Duration(in.failAt+1) * stepDuration)
}

// finishTime is when the run completes or fails.
func (in *integration) finishTime() time.Time {
	if in.failAt >= 0 {
		return in.failTime()
	}
	return in.created.Add(in.total())
}

// settle completes every integration of u whose time has come, creating its memories with the
// completion time as created_at. Handlers call it before reading the user's state, so what a
// client sees depends only on the clock, never on goroutine timing.
func (s *Server) settle(u *user, now time.Time) {
	for _, in := range u.intOrder {
		if in.done || now.Before(in.finishTime()) {
			continue
		}
		in.done = true
		if in.failAt >= 0 {
			continue
		}
		at := in.finishTime()
		for _, d := range in.drafts {
			meta := map[string]any{"integration_id": in.ID, "platform": in.Platform}
			for k, v := range d.meta {
				meta[k] = v
			}
			if m, isNew := s.addDraft(u, d.draft, "integration", in.agentID, in.threadID, meta, at); isNew {
				in.memIDs = append(in.memIDs, m.ID)
			}
		}
	}
}

// addIntegration registers a run for u; its memories default to the agent "<platform>-integration"
// and to the integration id as thread, like the search page's example.
func (s *Server) addIntegration(u *user, in *integration) {
	if in.agentID == "" {
		in.agentID = in.Platform + "-integration"
	}
	if in.threadID == "" {
		in.threadID = in.ID
	}
	u.integrations[in.ID] = in
	u.intOrder = append(u.intOrder, in)
}

// faker is a per-integration generator: the same seed and id always give the same content.
func (s *Server) faker(id string) *gofakeit.Faker {
	return gofakeit.New(int64(hash64(s.seed, id) >> 1))
}

// ----- social -----

// socialSettings is import_settings of the social integration (defaults from its page).
type socialSettings struct {
	Posts       bool `json:"posts"`
	Connections bool `json:"connections"`
	Activities  bool `json:"activities"`
	Messages    bool `json:"messages"`
}

// socialDrafts synthesises what a profile would yield: facts built from platform-flavoured
// templates filled by a seeded faker.
func (s *Server) socialDrafts(in *integration, set socialSettings) {
	f := s.faker(in.ID)
	h := hash64(s.seed, in.ID)
	var facts []string
	add := func(on bool, fs ...string) {
		if on {
			facts = append(facts, fs...)
		}
	}
	switch in.Platform {
	case "linkedin":
		add(set.Posts,
			fmt.Sprintf("Works as a %s at %s", f.JobTitle(), f.Company()),
			fmt.Sprintf("Shared a post about %s strategy at work", strings.ToLower(f.BuzzWord())),
			fmt.Sprintf("Has professional experience with %s", f.ProgrammingLanguage()),
			fmt.Sprintf("Completed a certification course in %s", f.ProgrammingLanguage()))
		add(set.Connections,
			fmt.Sprintf("Connected with %s, a colleague from %s", f.Name(), f.Company()),
			fmt.Sprintf("Has a professional network of %d connections", 100+h%900))
		add(set.Activities, fmt.Sprintf("Is interested in %s", strings.ToLower(f.Hobby())))
		add(set.Messages, fmt.Sprintf("Discussed a job opportunity with %s", f.Name()))
	case "twitter":
		add(set.Posts,
			fmt.Sprintf("Is passionate about %s", strings.ToLower(f.Hobby())),
			fmt.Sprintf("Enjoys traveling to %s", f.Country()),
			fmt.Sprintf("Is learning %s", f.ProgrammingLanguage()))
		add(set.Connections, fmt.Sprintf("Follows %s, a friend from %s", f.Name(), f.City()))
		add(set.Activities, fmt.Sprintf("Enjoys %s", strings.ToLower(f.Hobby())))
		add(set.Messages, fmt.Sprintf("Chats with friends about %s", strings.ToLower(f.Hobby())))
	default: // reddit
		add(set.Posts,
			fmt.Sprintf("Is interested in %s and posts about it", strings.ToLower(f.Hobby())),
			fmt.Sprintf("Asked for advice about a monthly budget for %s", strings.ToLower(f.Hobby())),
			fmt.Sprintf("Shared a guide about learning %s", f.ProgrammingLanguage()))
		add(set.Connections, fmt.Sprintf("Is a fan of the %s community", strings.ToLower(f.Hobby())))
		add(set.Activities, fmt.Sprintf("Upvotes posts about %s, a favorite hobby", strings.ToLower(f.Hobby())))
		add(set.Messages, fmt.Sprintf("Messages friends about %s", strings.ToLower(f.Hobby())))
	}
	for _, fact := range facts {
		cats := s.lex.detect(fact)
		if len(cats) == 0 {
			cats = []string{"identity"}
		}
		in.drafts = append(in.drafts, intDraft{draft: draft{text: fact, subjectless: true, cats: cats,
			typ: s.lex.memoryType(fact)}})
	}
	in.itemsTotal = 40 + int(h%110)
	for i := 0; i < int(h>>8%4); i++ {
		in.itemErrs = append(in.itemErrs, itemError{id: fmt.Sprintf("err_%03d", i+1),
			message: "Failed to parse post content", code: "PARSE_ERROR",
			item: "post_" + digest(s.seed, in.ID+fmt.Sprint(i))[:6],
			at:   stepDuration*2 + time.Duration(i+1)*stepDuration/5})
	}
}

// socialRequest is the reference page's social integration body.
type socialRequest struct {
	Platform       string         `json:"platform"`
	AuthToken      string         `json:"auth_token"`
	ImportSettings socialSettings `json:"import_settings"`
	AutoSync       bool           `json:"auto_sync"`
}

// createSocialIntegration connects an account: the answer says "syncing", the run goes through
// the four social steps, and the memories arrive at the end.
func (s *Server) createSocialIntegration(cl *call) (result, error) {
	req := socialRequest{ImportSettings: socialSettings{Posts: true, Connections: true}}
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	in := &integration{ID: "int_" + req.Platform + "_" + s.st.hexID(8), Kind: "social", Platform: req.Platform,
		created: cl.now, failAt: -1}
	s.socialDrafts(in, req.ImportSettings)
	tok := strings.ToLower(req.AuthToken)
	if strings.HasPrefix(tok, "invalid") || strings.HasPrefix(tok, "expired") {
		// Why: lets clients exercise the failure path deterministically.
		in.failAt, in.failCode, in.failMsg = 0, "AUTHENTICATION_ERROR", "The "+req.Platform+" access token was rejected"
	}
	s.addIntegration(cl.user, in)
	var next *string
	if req.AutoSync {
		next = timePtr(cl.now.Add(24 * time.Hour))
	}
	return ok(map[string]any{
		"integration_id": in.ID, "platform": in.Platform, "status": "syncing",
		"import_stats": map[string]int{"total_items": 0, "imported_memories": 0, "skipped_items": 0, "errors": 0},
		"last_sync":    nil, "next_sync": next,
	})
}

// guideRequest is the body of the guides' /v1/integrations/index/{social,file,chat}.
type guideRequest struct {
	Type     string         `json:"type"`
	Username string         `json:"username"`
	URL      string         `json:"url"`
	AgentID  string         `json:"agent_id"`
	ThreadID string         `json:"thread_id"`
	Config   map[string]any `json:"config"`
	Data     *struct {
		Conversations []struct {
			ID       string `json:"id"`
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
			Timestamp string `json:"timestamp"`
		} `json:"conversations"`
	} `json:"data"`
}

// indexSocialGuide is the guides' social import ({type, username, ...} -> {task_id}).
func (s *Server) indexSocialGuide(cl *call) (result, error) {
	var req guideRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	platform := strings.ToLower(req.Type)
	in := &integration{ID: "task_" + s.st.hexID(12), Kind: "social", Platform: platform, created: cl.now,
		failAt: -1, agentID: req.AgentID, threadID: req.ThreadID}
	set := socialSettings{Posts: true, Connections: true, Activities: true}
	if v, ok := req.Config["include_connections"].(bool); ok {
		set.Connections = v
	}
	if v, ok := req.Config["include_posts"].(bool); ok {
		set.Posts = v
	}
	s.socialDrafts(in, set)
	u := strings.ToLower(req.Username)
	if strings.HasPrefix(u, "invalid") || strings.HasPrefix(u, "notfound") {
		in.failAt, in.failCode, in.failMsg = 1, "USERNAME_NOT_FOUND", "No "+platform+" profile named "+req.Username
	}
	s.addIntegration(cl.user, in)
	return ok(map[string]any{"task_id": in.ID})
}

// ----- files -----

// fileRequest holds the non-file fields of the multipart file integration.
type fileRequest struct {
	Category       string         `json:"category"`
	ExtractMode    string         `json:"extract_mode"`
	ChunkSize      int            `json:"chunk_size"`
	Overlap        int            `json:"overlap"`
	AutoCategorize bool           `json:"auto_categorize"`
	Metadata       map[string]any `json:"metadata"`
}

// documentDrafts picks the facts of a document according to the extraction mode.
func (s *Server) documentDrafts(in *integration, text string, req fileRequest) {
	type fact struct {
		draft
		offset int
		hits   int
	}
	var facts []fact
	offset := 0
	sents := sentences(text)
	for i, sent := range sents {
		if i >= 2000 {
			break
		}
		pos := strings.Index(text[offset:], sent)
		if pos >= 0 {
			offset += pos
		}
		if !s.lex.informative(sent) {
			continue
		}
		t, subjectless := rewriteFact(sent)
		detected := s.lex.detect(t)
		cats := detected
		if !req.AutoCategorize || len(cats) == 0 {
			cats = []string{req.Category}
			if req.Category == "" {
				cats = []string{"learning"}
			}
		}
		facts = append(facts, fact{draft: draft{text: t, subjectless: subjectless, cats: cats, typ: s.lex.memoryType(sent)},
			offset: offset, hits: len(detected)})
	}
	switch req.ExtractMode {
	case "comprehensive":
		facts = facts[:min(len(facts), 50)]
	case "highlights":
		slices.SortStableFunc(facts, func(a, b fact) int { return b.hits - a.hits })
		facts = facts[:min(len(facts), 5)]
		slices.SortStableFunc(facts, func(a, b fact) int { return a.offset - b.offset })
	case "summary":
		if len(facts) > 1 {
			joined := facts[0].text + ". " + facts[1].text
			if len(joined) > 300 {
				joined = joined[:300]
				joined = strings.ToValidUTF8(joined, "")
			}
			facts[0].text = joined
			facts[0].subjectless = false
		}
		facts = facts[:min(len(facts), 1)]
	default: // smart: the passages that carry a topic
		var keep []fact
		for _, f := range facts {
			if f.hits > 0 {
				keep = append(keep, f)
			}
		}
		if len(keep) == 0 {
			keep = facts[:min(len(facts), 5)]
		}
		facts = keep[:min(len(keep), 20)]
	}
	for _, f := range facts {
		page := 1
		if len(text) > 0 && in.pages > 1 {
			page = 1 + f.offset*in.pages/len(text)
		}
		in.drafts = append(in.drafts, intDraft{draft: f.draft, meta: map[string]any{"page_number": min(page, in.pages),
			"filename": in.filename}})
	}
}

// createFileIntegration takes a document upload. The text is extracted now (so an unreadable file
// fails at the parsing step); memories are created when the run completes.
func (s *Server) createFileIntegration(cl *call) (result, error) {
	var req fileRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	if req.Overlap >= req.ChunkSize {
		return result{}, errValidation("overlap", "Must be smaller than chunk_size")
	}
	up := cl.file
	kind, supported := fileKind(up.filename, up.data)
	if !supported {
		return result{}, errInvalidFileType("Supported types are pdf, docx, txt, md, html")
	}
	text, pages := documentText(kind, up.data)
	in := &integration{ID: "file_int_" + s.st.hexID(8), Kind: "file", Platform: kind, created: cl.now, failAt: -1,
		filename: up.filename, fileSize: up.size, pages: pages, textLen: len([]rune(text))}
	if in.filename == "" {
		in.filename = "document." + kind
	}
	in.chunks = chunkCount(in.textLen, req.ChunkSize, req.Overlap)
	in.itemsTotal = in.chunks
	if text == "" {
		in.failAt, in.failCode, in.failMsg = 1, "PARSE_ERROR", "No text could be extracted from "+in.filename
	} else {
		s.documentDrafts(in, text, req)
	}
	s.addIntegration(cl.user, in)
	return ok(map[string]any{
		"integration_id": in.ID, "filename": in.filename, "file_size": in.fileSize, "status": "uploaded",
		"extraction_stats": map[string]any{"total_pages": in.pages, "text_length": in.textLen,
			"chunks_created": in.chunks, "memories_extracted": 0, "categories_detected": []string{}},
		"memories": []any{}, "created_at": formatTime(in.created), "completed_at": nil,
	})
}

// indexFileGuide takes a document URL. The mock never fetches it: the document is synthesised
// from the URL, deterministically (a resume-like text).
func (s *Server) indexFileGuide(cl *call) (result, error) {
	var req guideRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	name := req.URL
	if u, err := url.Parse(req.URL); err == nil && u.Path != "" {
		name = path.Base(u.Path)
	}
	kind, supported := fileKind(name, nil)
	if !supported || kind == "bin" {
		kind = "pdf"
	}
	id := "task_" + s.st.hexID(12)
	f := s.faker(id)
	text := strings.Join([]string{
		fmt.Sprintf("Worked as a %s at %s.", f.JobTitle(), f.Company()),
		fmt.Sprintf("Studied at %s and earned a degree.", f.School()),
		fmt.Sprintf("Skilled in %s and %s.", f.ProgrammingLanguage(), f.ProgrammingLanguage()),
		fmt.Sprintf("Enjoys %s in their free time.", strings.ToLower(f.Hobby())),
		fmt.Sprintf("Lives in %s.", f.City()),
	}, "\n")
	chunk := 1000
	if v, ok := req.Config["chunk_size"].(float64); ok && v >= 1 && v <= 1e6 {
		chunk = int(v)
	}
	in := &integration{ID: id, Kind: "file", Platform: kind, created: cl.now, failAt: -1, agentID: req.AgentID,
		threadID: req.ThreadID, filename: name, pages: 1, textLen: len(text)}
	in.chunks = chunkCount(in.textLen, chunk, min(200, chunk-1))
	in.itemsTotal = in.chunks
	s.documentDrafts(in, text, fileRequest{ExtractMode: "comprehensive", AutoCategorize: true})
	s.addIntegration(cl.user, in)
	return ok(map[string]any{"task_id": in.ID})
}

// ----- chat -----

// chatMessage is one entry of chat_data.
type chatMessage struct {
	Timestamp string `json:"timestamp"`
	Role      string `json:"role"`
	Content   string `json:"content"`
	MessageID string `json:"message_id"`
	at        time.Time
}

// chatRequest is the reference page's chat integration body (defaults from its page).
type chatRequest struct {
	Platform             string        `json:"platform"`
	ChatData             []chatMessage `json:"chat_data"`
	ExtractMode          string        `json:"extract_mode"`
	ConversationSettings struct {
		MinLength             int  `json:"min_length"`
		GroupByTopic          bool `json:"group_by_topic"`
		IncludeSystemMessages bool `json:"include_system_messages"`
		TimeGapThreshold      int  `json:"time_gap_threshold"`
	} `json:"conversation_settings"`
	AutoCategorize bool `json:"auto_categorize"`
}

// topicOf names a conversation by its most frequent content words ("Machine Learning Healthcare").
func (s *Server) topicOf(texts []string) string {
	count := map[string]int{}
	var order []string
	for _, t := range texts {
		for _, w := range words(t) {
			if s.lex.stop[w] || len(w) < 4 || genericWords[w] {
				continue
			}
			if count[w] == 0 {
				order = append(order, w)
			}
			count[w]++
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	if len(order) == 0 {
		return "General Conversation"
	}
	return titleCase(strings.Join(order[:min(len(order), 3)], " "))
}

// chatDrafts groups messages into conversations (split at gaps longer than the threshold) and
// extracts memories as the extraction mode asks.
func (s *Server) chatDrafts(in *integration, msgs []chatMessage, mode string, minLen, gap int, withSystem bool) {
	sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].at.Before(msgs[j].at) })
	in.messages = len(msgs)
	if len(msgs) > 0 {
		in.start, in.end = msgs[0].at, msgs[len(msgs)-1].at
	}
	var convs [][]chatMessage
	for i, m := range msgs {
		if i == 0 || m.at.Sub(msgs[i-1].at) > time.Duration(gap)*time.Second {
			convs = append(convs, nil)
		}
		convs[len(convs)-1] = append(convs[len(convs)-1], m)
	}
	in.conversations = len(convs)
	in.itemsTotal = len(msgs)
	for _, conv := range convs {
		var userTexts, all []string
		participants := []string{}
		for _, m := range conv {
			role := strings.ToLower(m.Role)
			if role == "system" && !withSystem {
				continue
			}
			if !slices.Contains(participants, m.Role) {
				participants = append(participants, m.Role)
			}
			all = append(all, m.Content)
			// Why: memories are about the user; assistant and system turns give context only.
			if role != "assistant" && role != "system" && len([]rune(m.Content)) >= minLen {
				userTexts = append(userTexts, m.Content)
			}
		}
		topic := s.topicOf(all)
		in.topics = append(in.topics, topic)
		meta := map[string]any{"conversation_topic": topic, "participants": participants,
			"start_time": formatTime(conv[0].at), "end_time": formatTime(conv[len(conv)-1].at)}
		var facts []draft
		for _, t := range userTexts {
			facts = append(facts, s.extract(t)...)
		}
		if len(facts) == 0 {
			continue
		}
		conversation := func() {
			texts := []string{}
			for _, f := range facts[:min(len(facts), 2)] {
				texts = append(texts, f.text)
			}
			text := "Discussed " + strings.ToLower(topic) + ": " + lowerFirst(strings.Join(texts, "; "))
			in.drafts = append(in.drafts, intDraft{draft: draft{text: text, cats: facts[0].cats, typ: "episodic"}, meta: meta})
		}
		switch mode {
		case "insights":
			for _, f := range facts {
				in.drafts = append(in.drafts, intDraft{draft: f, meta: meta})
			}
		case "topics":
			text := "Is interested in " + strings.ToLower(topic)
			in.drafts = append(in.drafts, intDraft{draft: draft{text: text, subjectless: true,
				cats: s.lex.detect(text + " " + facts[0].text), typ: "semantic"}, meta: meta})
		case "all":
			conversation()
			for _, f := range facts {
				in.drafts = append(in.drafts, intDraft{draft: f, meta: meta})
			}
		default:
			conversation()
		}
	}
	for i := range in.drafts {
		if len(in.drafts[i].cats) == 0 {
			in.drafts[i].cats = []string{"interests"}
		}
	}
}

// createChatIntegration imports a chat history; timestamps must be ISO 8601.
func (s *Server) createChatIntegration(cl *call) (result, error) {
	var req chatRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	for i := range req.ChatData {
		t, err := time.Parse(time.RFC3339, req.ChatData[i].Timestamp)
		if err != nil {
			return result{}, errValidation(fmt.Sprintf("chat_data.%d.timestamp", i), "Must be an ISO 8601 date-time")
		}
		req.ChatData[i].at = t.UTC()
	}
	in := &integration{ID: "chat_int_" + s.st.hexID(8), Kind: "chat", Platform: req.Platform, created: cl.now, failAt: -1}
	cs := req.ConversationSettings
	gap := min(cs.TimeGapThreshold, 10*365*24*3600) // keeps the Duration arithmetic in range
	s.chatDrafts(in, req.ChatData, req.ExtractMode, cs.MinLength, gap, cs.IncludeSystemMessages)
	s.addIntegration(cl.user, in)
	return ok(map[string]any{
		"integration_id": in.ID, "platform": in.Platform, "status": "processing",
		"processing_stats": map[string]any{"total_messages": in.messages, "conversations_identified": in.conversations,
			"memories_extracted": 0, "topics_detected": in.topics,
			"date_range": map[string]any{"start": formatTime(in.start), "end": formatTime(in.end)}},
		"memories": []any{},
	})
}

// indexChatGuide is the guides' chat import: inline conversations (data) or an export URL.
func (s *Server) indexChatGuide(cl *call) (result, error) {
	var req guideRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	if req.URL == "" && req.Data == nil {
		return result{}, errValidation("data", "Either url or data is required")
	}
	in := &integration{ID: "task_" + s.st.hexID(12), Kind: "chat", Platform: strings.ToLower(req.Type), created: cl.now,
		failAt: -1, agentID: req.AgentID, threadID: req.ThreadID}
	var msgs []chatMessage
	if req.Data != nil {
		base := cl.now
		for ci, conv := range req.Data.Conversations {
			at := base.Add(time.Duration(ci) * 2 * time.Hour)
			if t, err := time.Parse(time.RFC3339, conv.Timestamp); err == nil {
				at = t.UTC()
			}
			for mi, m := range conv.Messages {
				msgs = append(msgs, chatMessage{Role: m.Role, Content: m.Content, at: at.Add(time.Duration(mi) * time.Second)})
			}
		}
	} else {
		// The mock never downloads the export: it synthesises one from the URL.
		f := s.faker(in.ID)
		for i := 0; i < 3; i++ {
			at := cl.now.Add(time.Duration(i) * 3 * time.Hour)
			msgs = append(msgs,
				chatMessage{Role: "user", Content: fmt.Sprintf("I'm working on a %s project about %s.", f.ProgrammingLanguage(), strings.ToLower(f.BuzzWord())), at: at},
				chatMessage{Role: "assistant", Content: "That sounds interesting! Tell me more.", at: at.Add(time.Second)},
				chatMessage{Role: "user", Content: fmt.Sprintf("I love %s on weekends.", strings.ToLower(f.Hobby())), at: at.Add(2 * time.Second)})
		}
	}
	s.chatDrafts(in, msgs, "insights", 0, 3600, false)
	s.addIntegration(cl.user, in)
	return ok(map[string]any{"task_id": in.ID})
}

// ----- status -----

// progress is the state of an integration at now.
type progress struct {
	status      string // pending | processing | completed | failed
	step        string
	stepIndex   int
	percentage  int
	elapsed     time.Duration
	finished    bool
	finishTime  time.Time
	estimatedAt *string
}

// progressAt derives status, step and percentage from the clock: step i runs from 2i to
// 2i+2 seconds after creation.
func (in *integration) progressAt(now time.Time) progress {
	steps := integrationSteps[in.Kind]
	elapsed := max(now.Sub(in.created), 0)
	p := progress{elapsed: elapsed}
	switch {
	case in.failAt >= 0 && !now.Before(in.failTime()):
		p.status, p.step, p.stepIndex = "failed", steps[in.failAt], in.failAt
		p.percentage = in.failAt * 100 / len(steps)
		p.finished, p.finishTime, p.elapsed = true, in.failTime(), in.failTime().Sub(in.created)
	case in.failAt < 0 && !now.Before(in.finishTime()):
		p.status, p.step, p.stepIndex, p.percentage = "completed", "completed", len(steps), 100
		p.finished, p.finishTime, p.elapsed = true, in.finishTime(), in.total()
	default:
		p.stepIndex = min(int(elapsed/stepDuration), len(steps)-1)
		p.status, p.step = "processing", steps[p.stepIndex]
		p.percentage = min(int(elapsed*100/in.total()), 99)
		p.estimatedAt = timePtr(in.created.Add(in.total()))
	}
	return p
}

// findIntegration looks up an integration of u; other users' runs are simply not found.
func (s *Server) findIntegration(u *user, id string) (*integration, error) {
	in, ok := u.integrations[id]
	if !ok {
		return nil, errIntegrationNotFound(id)
	}
	return in, nil
}

// getIntegrationStatus answers the reference status shape, with errors (default) and logs
// (include_logs) reached so far.
func (s *Server) getIntegrationStatus(cl *call) (result, error) {
	in, err := s.findIntegration(cl.user, cl.path["integration_id"])
	if err != nil {
		return result{}, err
	}
	now := cl.now
	p := in.progressAt(now)
	steps := integrationSteps[in.Kind]
	processed := in.itemsTotal * p.percentage / 100
	var errs []map[string]any
	for _, e := range in.itemErrs {
		if p.elapsed >= e.at {
			errs = append(errs, map[string]any{"error_id": e.id, "message": e.message, "code": e.code,
				"timestamp": formatTime(in.created.Add(e.at)), "item_id": e.item})
		}
	}
	if p.status == "failed" {
		errs = append(errs, map[string]any{"error_id": fmt.Sprintf("err_%03d", len(errs)+1), "message": in.failMsg,
			"code": in.failCode, "timestamp": formatTime(p.finishTime)})
	}
	body := map[string]any{
		"integration_id": in.ID, "type": in.Kind, "platform": in.Platform, "status": p.status,
		"progress": map[string]any{"percentage": p.percentage, "current_step": p.step, "total_steps": len(steps),
			"estimated_completion": p.estimatedAt},
		"stats": map[string]any{"items_processed": processed, "items_total": in.itemsTotal,
			"memories_created": len(in.memIDs), "errors_count": len(errs),
			"processing_time": round(p.elapsed.Seconds(), 1)},
		"last_activity": formatTime(in.created.Add(p.elapsed)),
		"created_at":    formatTime(in.created),
		"completed_at":  nil,
	}
	if p.finished {
		body["completed_at"] = formatTime(p.finishTime)
	}
	if boolParam(cl.query, "include_errors", true) {
		if errs == nil {
			errs = []map[string]any{}
		}
		body["errors"] = errs
	}
	if boolParam(cl.query, "include_logs", false) {
		logs := []map[string]any{}
		for i := 0; i <= min(p.stepIndex, len(steps)-1); i++ {
			at := in.created.Add(time.Duration(i) * stepDuration)
			logs = append(logs, map[string]any{"timestamp": formatTime(at), "level": "info",
				"message": "Started " + strings.ReplaceAll(steps[i], "_", " "), "step": steps[i]})
		}
		for _, e := range in.itemErrs {
			if p.elapsed >= e.at {
				logs = append(logs, map[string]any{"timestamp": formatTime(in.created.Add(e.at)), "level": "warning",
					"message": e.message + " (" + e.item + ")", "step": steps[min(int(e.at/stepDuration), len(steps)-1)]})
			}
		}
		switch p.status {
		case "failed":
			logs = append(logs, map[string]any{"timestamp": formatTime(p.finishTime), "level": "error",
				"message": in.failMsg, "step": p.step})
		case "completed":
			logs = append(logs, map[string]any{"timestamp": formatTime(p.finishTime), "level": "info",
				"message": fmt.Sprintf("Completed: %d memories created", len(in.memIDs)), "step": steps[len(steps)-1]})
		}
		slices.SortStableFunc(logs, func(a, b map[string]any) int {
			return strings.Compare(a["timestamp"].(string), b["timestamp"].(string))
		})
		body["logs"] = logs
	}
	return ok(body)
}

// getTaskStatusGuide answers the guides' shape: {task_id, status, result, error_message}.
func (s *Server) getTaskStatusGuide(cl *call) (result, error) {
	in, err := s.findIntegration(cl.user, cl.path["task_id"])
	if err != nil {
		return result{}, err
	}
	p := in.progressAt(cl.now)
	body := map[string]any{"task_id": in.ID, "result": nil, "error_message": nil}
	switch p.status {
	case "completed":
		var mems []*memory
		for _, id := range in.memIDs {
			if m, ok := cl.user.memories[id]; ok {
				mems = append(mems, m)
			}
		}
		body["status"] = "SUCCESS"
		body["result"] = map[string]any{"indexed_items": in.itemsTotal,
			"processing_time": fmt.Sprintf("%.1fs", p.elapsed.Seconds()), "memories_created": len(in.memIDs),
			"categories_found": rankCategories(mems)}
	case "failed":
		body["status"] = "FAILED"
		body["error_message"] = in.failMsg
	default:
		body["status"] = "PROCESSING"
		if p.elapsed < stepDuration/2 {
			body["status"] = "PENDING"
		}
	}
	return ok(body)
}
