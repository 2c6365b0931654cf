package v2

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/content"
)

// agentState is the Visual Agents' state on the surface: the public
// library's search index (built once, on first use) and the screenplay
// tasks. Its zero value is ready.
type agentState struct {
	pubOnce sync.Once
	pub     *publicIndex

	spMu        sync.Mutex
	spLoaded    bool
	screenplays map[string]*screenplayTask
}

// reset forgets the screenplay tasks (their records are reset with the
// store) and stops their pending webhooks.
func (a *agentState) reset(*Surface) {
	a.spMu.Lock()
	defer a.spMu.Unlock()
	for _, t := range a.screenplays {
		t.stop()
	}
	a.screenplays, a.spLoaded = map[string]*screenplayTask{}, true
}

// publicIndex is the seeded public library (the PI- videos v1's public
// search serves), indexed per platform.
type publicIndex struct {
	videos map[string]*content.PublicVideo
	idx    *content.Index
	newest int64 // latest publish time (Unix s): the library's snapshot time
}

// agentPlatforms are the platforms of the public library, in the default
// search order; twitter is accepted and finds nothing.
var agentPlatforms = []string{"tiktok", "youtube", "instagram"}

func (s *Surface) publicLibrary() *publicIndex {
	s.agents.pubOnce.Do(func() {
		p := &publicIndex{videos: map[string]*content.PublicVideo{}, idx: content.NewIndex()}
		lib := content.PublicLibrary(s.o.Seed, s.o.PublicLibrarySize)
		for i := range lib {
			v := &lib[i]
			p.videos[v.VideoNo] = v
			p.idx.Add(v.Doc(strings.ToLower(v.Platform)))
			p.newest = max(p.newest, v.PublishTime)
		}
		s.agents.pub = p
	})
	return s.agents.pub
}

// agentRequest is a validated /queries/stream body.
type agentRequest struct {
	query, clarification string
	maxSteps, maxResults int
	clarify              bool
	platforms            []string
	timeFrame            string
}

// timeFrames are the accepted windows (the doc shows past_24h and
// past_week; the others complete the series [UNCERTAIN]).
var timeFrames = map[string]time.Duration{
	"past_24h": 24 * time.Hour, "past_48h": 48 * time.Hour, "past_week": 7 * 24 * time.Hour,
	"past_month": 30 * 24 * time.Hour, "past_year": 365 * 24 * time.Hour, "all_time": 0,
}

func parseAgentRequest(cl *call) agentRequest {
	r := agentRequest{query: cl.str("query"), clarification: cl.str("clarification"), maxSteps: 10, maxResults: 10,
		clarify: true, timeFrame: cl.str("time_frame")}
	if v, ok := cl.num("max_steps"); ok {
		r.maxSteps = int(v)
	}
	if v, ok := cl.num("max_results"); ok {
		r.maxResults = int(v)
	}
	if v, ok := cl.body["enable_clarification"].(bool); ok {
		r.clarify = v
	}
	if ps, ok := cl.body["platforms"].([]any); ok {
		seen := map[string]bool{}
		for _, p := range ps {
			if name, ok := p.(string); ok && !seen[name] {
				seen[name] = true
				r.platforms = append(r.platforms, name)
			}
		}
	}
	if len(r.platforms) == 0 {
		r.platforms = agentPlatforms
	}
	return r
}

// ambiguous is the mock's clarification rule: a query with fewer than
// three content words (stop words and digits aside) is too vague to search
// well — "cats", "nike shoes".
func ambiguous(q string) bool { return len(content.NameWords(q)) < 3 }

// foundVideo is one video a tool found.
type foundVideo struct {
	id, platform string
	score        float64
	start, end   float64
	text         string
	pub          *content.PublicVideo // nil: the caller's asset
	asset        *Asset
}

// agentTool is one planned tool call.
type agentTool struct {
	name, platform string // platform "" is the caller's library
}

// hQueriesStream is POST /queries/stream, the Video Searching Agent.
func (s *Surface) hQueriesStream(cl *call) (any, error) {
	req := parseAgentRequest(cl)
	st := &agentStream{s: s, ctx: cl.c.Request.Context(), knobs: s.streamKnobs(), ping: s.o.AgentPingInterval}
	if st.ping <= 0 {
		st.ping = 15 * time.Second
	}
	w := cl.c.Writer
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	st.sink = chat.NewHTTPSink(w)
	s.runAgent(cl, st, req)
	return written, nil
}

// runAgent plays the agent's steps on st; it returns as soon as the client
// is gone (every emit fails then).
func (s *Surface) runAgent(cl *call, st *agentStream, req agentRequest) {
	start := s.p.Clock.Now()
	session := dashed(s.ids.task())
	if st.emit("started", obj{{"session_id", session}, {"query", req.query}}) != nil {
		return
	}
	if req.clarify && req.clarification == "" && ambiguous(req.query) {
		if st.emit("progress", progress(1, req.maxSteps, "Analyzing the query")) != nil {
			return
		}
		topic := strings.TrimSpace(req.query)
		_ = st.emit("clarification_needed", obj{
			{"question", fmt.Sprintf("Your query %q is broad. What kind of %s videos are you looking for?", topic, topic)},
			{"options", []string{
				fmt.Sprintf("The most viewed %s videos on TikTok", topic),
				fmt.Sprintf("%s tutorials and how-tos on YouTube", topic),
				fmt.Sprintf("Recent %s posts from creators on Instagram", topic),
			}}})
		return
	}
	text := req.query
	if req.clarification != "" {
		text += " " + req.clarification
	}
	// Plan: the caller's library first, then one search per platform; one
	// step per tool plus the synthesis step, within max_steps.
	plan := []agentTool{{name: "video_search"}}
	for _, p := range req.platforms {
		plan = append(plan, agentTool{name: p + "_search", platform: p})
	}
	if len(plan) > req.maxSteps-1 {
		plan = plan[:max(req.maxSteps-1, 1)]
	}
	failAt := s.agentFailAt(session, st.knobs.FailProbability)
	var (
		found    []foundVideo
		details  []any
		used     []string
		invoked  = map[string]any{}
		searched []string
		inTok    int
		outTok   int
	)
	const systemPromptTokens = 800 // the agent's instructions and tool schemas, per model call [UNCERTAIN]
	for i, tool := range plan {
		where := "your library"
		if tool.platform != "" {
			where = platformTitle(tool.platform)
		}
		if st.emit("progress", progress(i+1, req.maxSteps, fmt.Sprintf("Searching %s for: %s", where, text))) != nil {
			return
		}
		input := obj{{"query", text}, {"max_results", req.maxResults}}
		if req.timeFrame != "" && tool.platform != "" {
			input = append(input, kv{"time_frame", req.timeFrame})
		}
		if st.emit("tool_call", obj{{"tool", tool.name}, {"input", input}}) != nil {
			return
		}
		var hits []foundVideo
		if tool.platform == "" {
			hits = s.searchLibrary(cl.account, text, req.maxResults)
		} else {
			hits = s.searchPublic(tool.platform, text, req.maxResults, req.timeFrame)
			searched = append(searched, tool.platform)
		}
		found = append(found, hits...)
		if st.emit("tool_result", obj{{"tool", tool.name}, {"success", true}, {"videos_found", len(hits)}}) != nil {
			return
		}
		if i == failAt {
			_ = st.emit("error", obj{{"code", "internal_error"},
				{"message", "The agent failed while processing the search results."}, {"details", obj{{"step", i + 1}}}})
			return
		}
		used = append(used, tool.name)
		invoked[tool.name] = 1
		result := fmt.Sprintf("Found %d videos", len(hits))
		if len(hits) == 1 {
			result = "Found 1 video"
		}
		details = append(details, obj{{"tool", tool.name}, {"input", input}, {"result", result}, {"success", true}})
		inTok += systemPromptTokens + agentTokens(text)
		for _, h := range hits {
			inTok += agentTokens(h.title(), h.text)
		}
		// The tool call's arguments as the model writes them: JSON, its
		// commas and colons separating words too.
		raw := getBuf()
		*raw, _ = appendJSON((*raw)[:0], input)
		outTok += (countFields(string(*raw), ",:")*13 + 9) / 10
		putBuf(raw)
	}
	steps := len(plan) + 1
	if st.emit("progress", progress(steps, req.maxSteps, "Analyzing the results and writing the answer")) != nil {
		return
	}
	sort.SliceStable(found, func(i, j int) bool {
		if found[i].score != found[j].score {
			return found[i].score > found[j].score
		}
		return found[i].views() > found[j].views()
	})
	creators := map[string]bool{}
	for _, f := range found {
		creators[f.creator()] = true
	}
	refs := make([]any, 0, req.maxResults)
	top := found
	if len(top) > req.maxResults {
		top = top[:req.maxResults]
	}
	conf := 0.0
	for _, f := range top {
		refs = append(refs, f.reference())
		conf += f.score
	}
	if len(top) > 0 {
		conf = math.Round(math.Min(1, 0.35+conf/float64(len(top)))*100) / 100
	}
	answer := agentAnswer(req.query, found, top, searched)
	inTok += systemPromptTokens + agentTokens(text)
	outTok += agentTokens(answer)
	fresh := req.timeFrame
	if fresh == "" {
		fresh = "all_time"
	}
	if searched == nil {
		searched = []string{}
	}
	// The pause before the last event is part of the run.
	if st.pace() != nil {
		return
	}
	elapsed := s.p.Clock.Now().Sub(start).Seconds()
	// Fields in the order of the doc's example.
	_ = st.send("complete", obj{
		{"session_id", session}, {"query", req.query}, {"answer", answer}, {"video_references", refs},
		{"creator_analyses", nil}, {"comparisons", nil}, {"platforms_searched", searched},
		{"total_videos_analyzed", len(found)}, {"total_creators_analyzed", len(creators)},
		{"confidence_score", conf}, {"data_freshness", fresh}, {"steps_taken", steps}, {"tools_used", used},
		{"tool_execution_details", details}, {"execution_time_seconds", math.Round(elapsed*10) / 10},
		{"usage_metrics", obj{
			{"token_usage", obj{{"input_tokens", inTok}, {"output_tokens", outTok}, {"total_tokens", inTok + outTok}}},
			{"gemini_calls", steps},
			{"tool_invocations", invoked},
		}},
	})
}

// agentFailAt is the step after which an injected failure ends the stream
// (-1: none), drawn from the seed and the session.
func (s *Surface) agentFailAt(session string, p float64) int {
	if p <= 0 {
		return -1
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(session))
	rnd := rand.New(rand.NewPCG(uint64(s.o.Seed), h.Sum64()))
	if float64(rnd.Uint64()>>11)/(1<<53) < p {
		return 0
	}
	return -1
}

// searchPublic runs a platform search over the public library: the best
// clip of each matching video, newest window first applied.
func (s *Surface) searchPublic(platform, text string, limit int, frame string) []foundVideo {
	lib := s.publicLibrary()
	hits := lib.idx.Search(content.Query{Namespace: platform, Text: text, Mode: content.ByClip, TopK: 200, MinScore: 0.15})
	var since int64
	if d := timeFrames[frame]; d > 0 {
		since = lib.newest - int64(d/time.Second)
	}
	seen := map[string]bool{}
	var out []foundVideo
	for _, h := range hits {
		v := lib.videos[h.VideoNo]
		if v == nil || seen[h.VideoNo] || v.PublishTime < since {
			continue
		}
		seen[h.VideoNo] = true
		out = append(out, foundVideo{id: v.VideoNo, platform: platform, score: h.Score, start: h.Start, end: h.End,
			text: h.Text, pub: v})
		if len(out) == limit {
			break
		}
	}
	return out
}

// maxLibraryDocs bounds how many of the caller's assets one search indexes.
const maxLibraryDocs = 500

// searchLibrary searches the caller's SUCCESS video and audio assets
// through their content model.
func (s *Surface) searchLibrary(account, text string, limit int) []foundVideo {
	now := s.p.Clock.Now()
	var idx *content.Index
	assets := map[string]*Asset{}
	for _, a := range s.assets.list(account) {
		if (a.Kind != KindVideo && a.Kind != KindAudio) || a.Status(now) != StatusSuccess {
			continue
		}
		if idx == nil {
			idx = content.NewIndex()
		}
		v := s.understand(chatSource{kind: a.Kind, id: a.ID, name: a.Filename, duration: a.Duration, hasAudio: a.HasAudio})
		d := content.Doc{Namespace: "library", VideoNo: a.ID, Name: a.Filename, Audio: v.Audio}
		if a.Kind == KindVideo {
			d.Visual = v.Visual
		}
		idx.Add(d)
		assets[a.ID] = a
		if len(assets) == maxLibraryDocs {
			break
		}
	}
	if idx == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []foundVideo
	// No score threshold here: a few assets make term weights (IDF)
	// meaningless, so any match counts; the public search keeps "low".
	for _, mode := range []content.Mode{content.ByClip, content.ByAudio} {
		for _, h := range idx.Search(content.Query{Namespace: "library", Text: text, Mode: mode, TopK: 100}) {
			if seen[h.VideoNo] {
				continue
			}
			seen[h.VideoNo] = true
			out = append(out, foundVideo{id: h.VideoNo, platform: "library", score: h.Score, start: h.Start, end: h.End,
				text: h.Text, asset: assets[h.VideoNo]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func (f foundVideo) title() string {
	if f.pub != nil {
		return f.pub.VideoName
	}
	return f.asset.Filename
}

func (f foundVideo) views() int64 {
	if f.pub != nil {
		return f.pub.ViewCount
	}
	return 0
}

func (f foundVideo) creator() string {
	if f.pub != nil {
		return "@" + f.pub.BloggerID
	}
	return "you"
}

// reference is the video_references entry of a found video, every value
// the library's.
func (f foundVideo) reference() obj {
	note := fmt.Sprintf("Shows %q (%s–%s)", clipText(f.text), mmss(f.start), mmss(f.end))
	if f.pub == nil {
		a := f.asset
		return obj{
			{"video_id", a.ID}, {"url", fmt.Sprintf("https://mavi-backend.memories.ai%s/%s/download", BasePath, a.ID)},
			{"title", a.Filename}, {"platform", "library"}, {"creator", "you"}, {"creator_url", nil}, {"thumbnail_url", nil},
			{"relevance_note", note}, {"views", 0}, {"likes", 0}, {"comments", 0}, {"engagement_rate", 0.0},
			{"duration", mmss(a.Duration)}, {"published_at", a.Created.UTC().Format(time.RFC3339)},
		}
	}
	v := f.pub
	rate := 0.0
	if v.ViewCount > 0 {
		rate = math.Round(float64(v.LikeCount+v.CommentCount+v.ShareCount)/float64(v.ViewCount)*10000) / 100
	}
	var creatorURL, thumb any
	switch f.platform {
	case "tiktok":
		creatorURL = "https://www.tiktok.com/@" + v.BloggerID
	case "youtube":
		creatorURL = "https://www.youtube.com/@" + v.BloggerID
		// YouTube serves every video's thumbnail at a fixed address.
		thumb = "https://i.ytimg.com/vi/" + v.VideoURL[strings.LastIndexByte(v.VideoURL, '/')+1:] + "/hqdefault.jpg"
	case "instagram":
		creatorURL = "https://www.instagram.com/" + v.BloggerID + "/"
	}
	return obj{
		{"video_id", v.VideoNo}, {"url", v.VideoURL}, {"title", v.VideoName}, {"platform", f.platform},
		{"creator", "@" + v.BloggerID}, {"creator_url", creatorURL}, {"thumbnail_url", thumb}, {"relevance_note", note},
		{"views", v.ViewCount}, {"likes", v.LikeCount}, {"comments", v.CommentCount}, {"engagement_rate", rate},
		{"duration", mmss(float64(v.Duration))}, {"published_at", time.Unix(v.PublishTime, 0).UTC().Format(time.RFC3339)},
	}
}

// agentAnswer writes the answer from the results only.
func agentAnswer(query string, found, top []foundVideo, searched []string) string {
	if len(found) == 0 {
		return fmt.Sprintf("I could not find videos matching %q on %s.", query, platformList(searched))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "I found %d videos matching %q", len(found), query)
	where := append([]string(nil), searched...)
	for _, f := range found {
		if f.pub == nil {
			where = append([]string{"your library"}, where...)
			break
		}
	}
	if len(where) > 0 {
		fmt.Fprintf(&b, " across %s", platformList(where))
	}
	b.WriteString(".")
	for i, f := range top {
		if i == 3 {
			break
		}
		if f.pub != nil {
			fmt.Fprintf(&b, " %q by @%s (%s views, %s) shows %q.", f.pub.VideoName, f.pub.BloggerID,
				humanCount(f.pub.ViewCount), platformTitle(f.platform), clipText(f.text))
		} else {
			fmt.Fprintf(&b, " Your upload %s shows %q at %s.", f.asset.Filename, clipText(f.text), mmss(f.start))
		}
	}
	return b.String()
}

func platformTitle(p string) string {
	switch p {
	case "tiktok":
		return "TikTok"
	case "youtube":
		return "YouTube"
	case "instagram":
		return "Instagram"
	case "twitter":
		return "Twitter"
	}
	return p
}

func platformList(ps []string) string {
	if len(ps) == 0 {
		return "your library"
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = platformTitle(p)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func humanCount(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// clipText shortens a matched segment text for a note.
func clipText(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= 120 {
		return s
	}
	n := 0
	for i := range s {
		if n == 117 {
			return s[:i] + "..."
		}
		n++
	}
	return s
}

// mmss formats seconds as m:ss (the doc's "0:45").
func mmss(sec float64) string {
	t := int(math.Max(0, math.Round(sec)))
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}

// dashed formats 32 hex digits as a dashed UUID.
func dashed(h string) string {
	if len(h) != 32 {
		return h
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// agentStream writes one agent stream: named events, paced on the mock
// clock, with pings while the agent is silent.
type agentStream struct {
	s     *Surface
	ctx   context.Context
	sink  chat.Sink
	knobs chat.Knobs
	ping  time.Duration
	sent  int
}

// emit waits (FirstEvent before the first event, PerChunk before the
// others), then writes `event: name` and one data line and flushes.
func (st *agentStream) emit(name string, data any) error {
	if err := st.pace(); err != nil {
		return err
	}
	return st.send(name, data)
}

// pace waits before the next event.
func (st *agentStream) pace() error {
	d := st.knobs.PerChunk
	if st.sent == 0 {
		d = st.knobs.FirstEvent
	}
	return st.wait(d)
}

// send writes one event at once, encoded in a pooled buffer: an open
// stream holds no encoding memory between its events.
func (st *agentStream) send(name string, data any) error {
	buf := getBuf()
	defer putBuf(buf)
	b := append((*buf)[:0], "event: "...)
	b = append(b, name...)
	b = append(b, "\ndata: "...)
	b, err := appendJSON(b, data)
	*buf = b
	if err != nil {
		return err
	}
	b = append(b, "\n\n"...)
	*buf = b
	return st.write(b)
}

// wait sleeps d on the mock clock, sending a ping after every full ping
// interval of silence, and fails as soon as the client or the surface is
// gone.
func (st *agentStream) wait(d time.Duration) error {
	for d > 0 {
		step := min(d, st.ping)
		select {
		case <-st.ctx.Done():
			return st.ctx.Err()
		case <-st.s.ctx.Done():
			return st.s.ctx.Err()
		case <-st.s.p.Clock.After(step):
		}
		d -= step
		if d > 0 {
			if err := st.write([]byte("event: ping\ndata: {}\n\n")); err != nil {
				return err
			}
		}
	}
	return st.ctx.Err()
}

func (st *agentStream) write(b []byte) error {
	if err := st.ctx.Err(); err != nil {
		return err
	}
	if _, err := st.sink.Write(b); err != nil {
		return err
	}
	st.sink.Flush()
	st.sent++
	return nil
}

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// obj is a JSON object written in the given member order: the events
// read like the vendor's examples (a map would sort the keys).
type obj []kv

// MarshalJSON implements json.Marshaler (appendJSON, HTML left
// unescaped). It never calls goccy/go-json, which is not safe to re-enter
// from a MarshalJSON that it called (it crashed under 1,000 concurrent
// streams).
func (o obj) MarshalJSON() ([]byte, error) {
	return o.appendTo(make([]byte, 0, 64*len(o)))
}

// progress is a progress event.
func progress(step, maxSteps int, msg string) obj {
	return obj{{"step", step}, {"max_steps", maxSteps}, {"message", msg}}
}
