package chat

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/memharness/memharness/mock/model"
)

// gen holds one Generate call's state.
type gen struct {
	req    Request
	intent Intent
	r      *rng
	refs   *refBuilder
	b      strings.Builder
	// moments are the timestamps the content cites, in citation order, for
	// the thinking step that explains the answer.
	moments []string
}

// Generate writes a grounded answer to req. It never fails: an empty video
// list or empty transcripts give an answer that says so.
func Generate(req Request) Answer {
	g := write(req)
	ans := Answer{Intent: g.intent, Content: strings.TrimRight(g.b.String(), " \n"), Refs: g.refs.build()}
	if req.Kind != Personal {
		ans.Thinkings = g.thinkings(ans.Refs)
	}
	in := []string{req.Prompt}
	for _, t := range req.History {
		in = append(in, t.Content)
	}
	for _, v := range req.Videos {
		in = append(in, v.Name)
		for _, s := range v.Visual {
			in = append(in, s.Text)
		}
		for _, s := range v.Audio {
			in = append(in, s.Text)
		}
	}
	out := []string{ans.Content}
	for _, t := range ans.Thinkings {
		out = append(out, t.Title, t.Content)
	}
	ans.InputTokens, ans.OutputTokens = estimateTokens(in...), estimateTokens(out...)
	return ans
}

// Content is the Content of Generate(req) alone, without the refs,
// thinkings and token estimates Generate derives from it (for callers
// that meter tokens themselves, like the v2 chat completions).
func Content(req Request) string {
	return strings.TrimRight(write(req).b.String(), " \n")
}

// write runs the generator for req: the answer text is in g.b.
func write(req Request) *gen {
	g := &gen{req: req, intent: DetectIntent(req.Prompt), r: newRNG(req.Seed, req.Prompt), refs: newRefBuilder(req.Videos)}
	switch {
	case len(req.Videos) == 0:
		g.noVideos()
	case req.Kind == Marketer:
		g.marketer()
	case req.Kind == Personal && g.intent == Generic:
		g.generic(true)
	default:
		g.byIntent()
	}
	return g
}

func (g *gen) byIntent() {
	switch g.intent {
	case Summary:
		g.summary()
	case Highlights:
		g.highlights()
	case Chapters:
		g.chapters()
	case Editing:
		g.editing()
	case Hashtags:
		g.hashtags()
	case TikTok:
		g.tiktok()
	case Audience:
		g.audience()
	default:
		g.generic(false)
	}
}

func (g *gen) printf(format string, args ...any) { fmt.Fprintf(&g.b, format, args...) }

func (g *gen) multi() bool { return len(g.req.Videos) > 1 }

// plural is "video" or "videos" for headings. The vendor's sample answers
// say "the video" for one video even when the question says "these videos";
// only the summary heading follows the question (see summary).
func (g *gen) plural() string {
	if g.multi() {
		return "videos"
	}
	return "video"
}

// label starts a per-video section in multi-video answers ("**Video 2:** name").
func (g *gen) label(i int) {
	if g.multi() {
		g.printf("**Video %d:** %s\n\n", i+1, g.req.Videos[i].Name)
	}
}

// primary returns the transcript the answer is built on (visual, or audio
// for a video without visual segments) and the matching cite function.
func (g *gen) primary(i int) ([]model.Segment, func(model.Segment)) {
	v := g.req.Videos[i]
	if len(v.Visual) > 0 {
		return v.Visual, func(s model.Segment) { g.cite(i, s, RefVisualTS) }
	}
	return v.Audio, func(s model.Segment) { g.cite(i, s, RefAudioTS) }
}

func (g *gen) cite(i int, s model.Segment, typ string) {
	if typ == RefAudioTS {
		g.refs.audio(i, s)
	} else {
		g.refs.visual(i, s)
	}
	t := ts(s.Start)
	for _, m := range g.moments {
		if m == t {
			return
		}
	}
	if len(g.moments) < 6 {
		g.moments = append(g.moments, t)
	}
}

func (g *gen) citeAudio(i int, s model.Segment) { g.cite(i, s, RefAudioTS) }

func (g *gen) noVideos() {
	switch g.req.Kind {
	case Marketer:
		g.printf("I couldn't find any posts in the public video pool that match this request. Try another creator (@name) or hashtag (#tag).")
	case Personal:
		g.printf("I couldn't find any media in your library that could answer this yet. Upload some videos or photos and ask again.")
	default:
		g.printf("No videos were provided, so there is nothing to analyse.")
	}
}

const noTranscript = "No transcript is available for this video yet."

// summary follows the seed: "Here are the summaries of the videos:" and a
// "**Video N:**" paragraph per video.
func (g *gen) summary() {
	if g.multi() || strings.Contains(strings.ToLower(g.req.Prompt), "videos") {
		g.printf("Here are the summaries of the videos:\n")
	} else {
		g.printf("Here is the summary of the video:\n")
	}
	for i, v := range g.req.Videos {
		g.printf("\n**Video %d:** ", i+1)
		segs, cite := g.primary(i)
		if len(segs) == 0 {
			g.printf("%s\n", noTranscript)
			continue
		}
		g.printf("This video, \"%s\", runs %s.", v.Name, humanDuration(v.Duration))
		idx := g.r.spread(len(segs), 4)
		for j, k := range idx {
			s := segs[k]
			cite(s)
			switch {
			case j == 0:
				g.printf(" At %s, %s", ts(s.Start), dot(mid(gist(s.Text, 24))))
			case j == len(idx)-1:
				g.printf(" It closes at %s, where %s", ts(s.Start), dot(mid(gist(s.Text, 20))))
			default:
				g.printf(" "+g.r.pick([]string{"Around %s, %s", "At %s, %s", "By %s, %s"}), ts(s.Start), dot(mid(gist(s.Text, 20))))
			}
		}
		if len(v.Visual) > 0 && len(v.Audio) > 0 {
			s := v.Audio[g.r.intn(len(v.Audio))]
			g.citeAudio(i, s)
			g.printf(" The audio includes: \"%s\" (%s).", quote(s.Text, 20), ts(s.Start))
		}
		g.printf("\n")
	}
}

// uniqueTitle makes repeated titles distinct ("Stadium Crowd (2)").
func uniqueTitle(seen map[string]int, t string) string {
	seen[t]++
	if n := seen[t]; n > 1 {
		return t + " (" + strconv.Itoa(n) + ")"
	}
	return t
}

// highlights follows the seed: "Here are the highlights of the video:" and
// "*   **Title:** 00:00:31–00:00:37" bullets, plus commentary moments from
// the audio track.
func (g *gen) highlights() {
	g.printf("Here are the highlights of the %s:\n\n", g.plural())
	for i, v := range g.req.Videos {
		g.label(i)
		segs, cite := g.primary(i)
		if len(segs) == 0 {
			g.printf("*   %s\n\n", noTranscript)
			continue
		}
		k := min(max(len(segs)/2, 1), 6)
		seen := map[string]int{}
		for _, j := range g.r.spread(len(segs), k) {
			s := segs[j]
			cite(s)
			g.printf("*   **%s:** %s — %s\n", uniqueTitle(seen, segmentTitle(s)), span(s), gist(s.Text, 16))
		}
		if len(v.Visual) > 0 && len(v.Audio) > 0 {
			var spans []string
			for _, j := range g.r.spread(len(v.Audio), 3) {
				g.citeAudio(i, v.Audio[j])
				spans = append(spans, span(v.Audio[j]))
			}
			g.printf("*   **Commentary Moments:** %s\n", strings.Join(spans, ", "))
		}
		g.printf("\n")
	}
}

// chapters follows the seed: "Here's a breakdown of the video:" and
// "**Chapter N: Title (start – end)**" with a description line.
func (g *gen) chapters() {
	g.printf("Here's a breakdown of the %s:\n\n", g.plural())
	for i, v := range g.req.Videos {
		g.label(i)
		segs, cite := g.primary(i)
		if len(segs) == 0 {
			g.printf("%s\n\n", noTranscript)
			continue
		}
		n := len(segs)
		if n > 3 {
			n = 3 + g.r.intn(min(n-3, 3)+1)
		}
		seen := map[string]int{}
		for c := 0; c < n; c++ {
			group := segs[c*len(segs)/n : (c+1)*len(segs)/n]
			first, last := group[0], group[len(group)-1]
			// Chapters are contiguous, as in the seed: each runs to the
			// start of the next; the last ends with its last segment.
			end := last.End
			if c+1 < n {
				end = segs[(c+1)*len(segs)/n].Start
			}
			title := segmentTitle(first)
			if c == 0 && n >= 3 {
				title = "Introduction"
			}
			cite(first)
			g.printf("**Chapter %d: %s (%s – %s)**  \n", c+1, uniqueTitle(seen, title), ts(first.Start), ts(end))
			g.printf("%s", dot(gist(first.Text, 24)))
			if len(group) > 1 {
				cite(last)
				g.printf(" Then, %s", dot(mid(gist(last.Text, 16))))
			}
			if len(v.Visual) > 0 {
				for _, a := range v.Audio {
					if a.Start >= first.Start && a.Start < end {
						g.citeAudio(i, a)
						g.printf(" Narration: \"%s\" (%s).", quote(a.Text, 14), ts(a.Start))
						break
					}
				}
			}
			g.printf("\n\n")
		}
	}
}

// editing follows the seed's four sections (Content Structure, Screenshots,
// Rhythm, Audience Experience), anchored on real moments of each video.
func (g *gen) editing() {
	g.printf("Here are some editing suggestions for the %s:\n\n", g.plural())
	for i, v := range g.req.Videos {
		g.label(i)
		segs, cite := g.primary(i)
		if len(segs) == 0 {
			g.printf("%s\n\n", noTranscript)
			continue
		}
		idx := g.r.spread(len(segs), 4)
		for len(idx) < 4 {
			idx = append(idx, idx[len(idx)-1])
		}
		a, b, c, d := segs[idx[0]], segs[idx[1]], segs[idx[2]], segs[idx[3]]
		for _, s := range []model.Segment{a, b, c, d} {
			cite(s)
		}
		g.printf("**Content Structure:**\n\n")
		g.printf("*   **Opening Hook:** Start with the moment at %s (%s). Then return to the beginning to build context.\n", ts(c.Start), gist(c.Text, 14))
		if len(segs) >= 4 {
			lo, hi := segs[len(segs)/3], segs[2*len(segs)/3]
			cite(lo)
			cite(hi)
			g.printf("*   **Tighten the Middle:** Condense %s–%s so the story keeps moving toward the key moment.\n", ts(lo.Start), ts(hi.End))
		}
		g.printf("*   **Emphasize the Key Moment:** Add a title card or graphic at %s, where %s\n", ts(b.Start), dot(mid(gist(b.Text, 14))))
		g.printf("*   **Strong Ending:** Close on %s (%s) and trim anything that follows it.\n\n", ts(d.Start), gist(d.Text, 12))

		g.printf("**Screenshots:**\n\n")
		g.printf("*   **Close-ups:** Grab a frame at %s — %s\n", ts(a.Start), dot(gist(a.Text, 12)))
		g.printf("*   **Wide Shots:** Use %s to establish the setting before the action.\n", ts(b.Start))
		g.printf("*   **Slow Motion:** Slow down %s to let the key action land.\n", span(c))
		g.printf("*   **Reactions:** Cut to a reaction right after %s.\n\n", ts(c.End))

		g.printf("**Rhythm:**\n\n")
		g.printf("*   **Build-up:** Increase the cut frequency between %s and %s.\n", ts(a.Start), ts(c.Start))
		g.printf("*   **Dramatic Pause:** Hold the shot at %s for a beat before moving on.\n", ts(c.End))
		avg := 0.0
		for _, s := range segs {
			avg += s.End - s.Start
		}
		avg /= float64(len(segs))
		g.printf("*   **Variation:** The video has %d segments averaging %s seconds; alternate shorter cuts with the longer shots.\n\n", len(segs), strconv.FormatFloat(avg, 'f', 1, 64))

		g.printf("**Audience Experience:**\n\n")
		g.printf("*   **Context:** Open with a caption that explains what \"%s\" is about.\n", v.Name)
		g.printf("*   **Emotion:** Let the moment at %s breathe with music rather than cutting away.\n", ts(b.Start))
		if len(v.Visual) > 0 && len(v.Audio) > 0 {
			s := v.Audio[g.r.intn(len(v.Audio))]
			g.citeAudio(i, s)
			g.printf("*   **Sound Design:** Keep the line \"%s\" (%s) clearly audible over the music.\n", quote(s.Text, 14), ts(s.Start))
		} else {
			g.printf("*   **Sound Design:** Layer music and ambient sound to carry the pacing.\n")
		}
		g.printf("*   **Call to Action:** End with a prompt for comments or shares.\n\n")
	}
}

// videoTags returns a video's own hashtags (Meta hash_tag) followed by tags
// made from its transcript keywords, de-duplicated, at most n.
func videoTags(v Video, kws []keyword, n int) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if t == "" || seen[strings.ToLower(t)] || len(out) >= n {
			return
		}
		seen[strings.ToLower(t)] = true
		out = append(out, "#"+t)
	}
	for _, t := range strings.Split(v.Meta["hash_tag"], "#") {
		add(strings.TrimSpace(t))
	}
	for _, k := range kws {
		add(hashtag(k.display))
	}
	return out
}

// tagLines formats tags as the seed does: backticked, five per line, lines
// joined by a markdown hard break.
func tagLines(tags []string) string {
	var lines []string
	for i := 0; i < len(tags); i += 5 {
		var l []string
		for _, t := range tags[i:min(i+5, len(tags))] {
			l = append(l, "`"+t+"`")
		}
		lines = append(lines, strings.Join(l, " "))
	}
	return strings.Join(lines, "  \n")
}

// cleanName drops a file extension from a video name for use in titles.
func cleanName(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 5 {
		name = name[:i]
	}
	return strings.TrimSpace(strings.ReplaceAll(name, "_", " "))
}

func kwAt(kws []keyword, i int, fallback string) string {
	if i < len(kws) {
		return kws[i].display
	}
	return fallback
}

func plainAt(kws []keyword, i int, fallback string) string {
	if i < len(kws) {
		return kws[i].plain()
	}
	return fallback
}

// hashtags follows the seed: "**Suggested Video Titles:**" and "**Hashtags:**".
func (g *gen) hashtags() {
	for i, v := range g.req.Videos {
		g.label(i)
		segs, cite := g.primary(i)
		kws := keywords(8, v.Visual, v.Audio)
		k1, k2 := kwAt(kws, 0, "This Moment"), kwAt(kws, 1, "Everything")
		name := cleanName(v.Name)
		titles := []string{
			fmt.Sprintf("%s Like You've Never Seen It", k1),
			fmt.Sprintf("Inside %s: %s and %s", name, k1, k2),
			fmt.Sprintf("The %s Moment Everyone Is Talking About", k1),
			fmt.Sprintf("%s, %s and More: The Full Story", k1, k2),
			fmt.Sprintf("Why This %s Video Works", k2),
		}
		if len(segs) > 0 {
			s := segs[g.r.spread(len(segs), 1)[0]]
			cite(s)
			titles = append(titles, fmt.Sprintf("Wait for %s: %s", ts(s.Start), segmentTitle(s)))
		}
		g.printf("**Suggested Video Titles:**\n\n")
		for _, j := range g.r.perm(len(titles))[:5] {
			g.printf("*   %s\n", titles[j])
		}
		tags := videoTags(v, kws, 14)
		if len(tags) == 0 {
			tags = []string{"#Video"}
		}
		g.printf("\n**Hashtags:**\n\n%s\n\n", tagLines(tags))
	}
}

// tiktok follows the seed: "**Video Title Ideas:**", "**Description:**",
// "**Tags:**" ending with #FYP.
func (g *gen) tiktok() {
	for i, v := range g.req.Videos {
		g.label(i)
		segs, cite := g.primary(i)
		kws := keywords(8, v.Visual, v.Audio)
		k1 := strings.ToUpper(kwAt(kws, 0, "this"))
		g.printf("**Video Title Ideas:**\n\n")
		g.printf("*   🤯 %s LIKE YOU'VE NEVER SEEN IT!\n", k1)
		var hook model.Segment
		if len(segs) > 0 {
			sp := g.r.spread(len(segs), 3)
			hook = segs[sp[len(sp)-1]]
			cite(hook)
			g.printf("*   Wait for %s… 😳\n", ts(hook.Start))
			g.printf("*   POV: %s\n", gist(hook.Text, 10))
		} else {
			g.printf("*   You won't BELIEVE this one!\n")
		}
		g.printf("\n**Description:**  \n")
		if len(segs) > 0 {
			g.printf("%s Watch until %s — that's the part everyone replays!\n\n", dot(gist(segs[0].Text, 40)), ts(hook.Start))
			cite(segs[0])
		} else {
			g.printf("Watch \"%s\" until the end!\n\n", v.Name)
		}
		tags := append(videoTags(v, kws, 9), "#Viral", "#FYP")
		g.printf("**Tags:**  \n%s\n\n", tagLines(tags))
	}
}

// audienceRules map transcript keywords to the audiences the seed's
// answer style lists ("Sports fans", "Track and field followers", ...).
var audienceRules = []struct {
	triggers  []string
	audiences []string
}{
	{[]string{"race", "athlete", "olympic", "olympics", "match", "goal", "score", "team", "player", "stadium", "ball", "record", "sprint", "medal"}, []string{"Sports fans", "Viewers who enjoy athletic achievement stories"}},
	{[]string{"cook", "cooking", "kitchen", "recipe", "food", "dish", "bake", "ingredients", "chef"}, []string{"Home cooks", "Food lovers looking for recipe ideas"}},
	{[]string{"music", "song", "guitar", "concert", "sing", "singer", "band", "dance", "stage"}, []string{"Music fans", "Viewers who enjoy live performances"}},
	{[]string{"beach", "mountain", "travel", "city", "street", "trip", "hotel", "ocean", "hiking"}, []string{"Travel enthusiasts", "Viewers planning their next trip"}},
	{[]string{"computer", "phone", "screen", "software", "device", "code", "laptop", "robot"}, []string{"Tech enthusiasts", "Product researchers"}},
	{[]string{"workout", "gym", "exercise", "fitness", "training", "yoga"}, []string{"Fitness enthusiasts", "People looking for training motivation"}},
	{[]string{"dog", "cat", "bird", "animal", "animals", "pet", "forest", "garden", "tree", "trees", "flowers"}, []string{"Nature and animal lovers", "Families"}},
	{[]string{"pipe", "tools", "wood", "planks", "repair", "build", "construction", "concrete", "fence", "wall"}, []string{"DIY and home-improvement viewers", "Tradespeople and builders"}},
	{[]string{"fashion", "outfit", "shoes", "sneaker", "style", "brand", "logo", "leather"}, []string{"Fashion followers", "Brand and marketing professionals"}},
}

// audience follows the seed: "This video is ideal for:" and a bullet list.
func (g *gen) audience() {
	if g.multi() {
		g.printf("These videos are ideal for:\n\n")
	} else {
		g.printf("This video is ideal for:\n\n")
	}
	for i, v := range g.req.Videos {
		if g.multi() {
			g.printf("**Video %d:** %s\n\n", i+1, v.Name)
		}
		kws := keywords(30, v.Visual, v.Audio)
		has := map[string]bool{}
		for _, k := range kws {
			has[k.key] = true
		}
		var out []string
		for _, rule := range audienceRules {
			for _, t := range rule.triggers {
				if has[t] {
					out = append(out, rule.audiences...)
					break
				}
			}
			if len(out) >= 4 {
				break
			}
		}
		if len(out) == 0 {
			out = []string{"General audiences", "Viewers who enjoy short, real-world footage"}
		}
		for _, a := range out {
			g.printf("*   %s\n", a)
		}
		segs, cite := g.primary(i)
		if len(segs) > 0 {
			s := segs[g.r.intn(len(segs))]
			cite(s)
			g.printf("*   Viewers interested in %s and %s (see %s: %s)\n", plainAt(kws, 0, "everyday scenes"), plainAt(kws, 1, "real-life moments"), ts(s.Start), gist(s.Text, 12))
		}
		g.printf("*   Audiences looking for %s moments\n\n", g.r.pick([]string{"emotional and motivational", "authentic, unscripted", "informative and visual", "fun, shareable"}))
	}
}

// match is a segment scored against the prompt.
type match struct {
	video int
	seg   model.Segment
	audio bool
	score int
}

// promptTerms are the prompt's salient words with a crude stem, for matching.
func promptTerms(prompt string) []string {
	var out []string
	for _, w := range words(prompt) {
		if len(w) < 3 || stopwords[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

func stem(w string) string {
	for _, suf := range []string{"ing", "es", "s", "ed"} {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			return strings.TrimSuffix(w, suf)
		}
	}
	return w
}

// matches scores every segment of every video by how many prompt terms it
// contains and returns the best (at most n, in video and time order).
func (g *gen) matches(n int) []match {
	terms := promptTerms(g.req.Prompt)
	if len(terms) == 0 {
		return nil
	}
	var all []match
	score := func(text string) int {
		set := map[string]bool{}
		for _, w := range words(text) {
			set[stem(w)] = true
		}
		c := 0
		for _, t := range terms {
			if set[t] {
				c++
			}
		}
		return c
	}
	for vi, v := range g.req.Videos {
		for _, s := range v.Visual {
			if c := score(s.Text); c > 0 {
				all = append(all, match{vi, s, false, c})
			}
		}
		for _, s := range v.Audio {
			if c := score(s.Text); c > 0 {
				all = append(all, match{vi, s, true, c})
			}
		}
	}
	// Best first; equal scores in video and time order (all is built in
	// that order and the sort is stable).
	sort.SliceStable(all, func(i, j int) bool { return all[i].score > all[j].score })
	if len(all) > n {
		all = all[:n]
	}
	return all
}

// bestSentence is the sentence of text that contains the most prompt terms
// (the first sentence when none does), so a matched segment is quoted where
// it answers the question.
func bestSentence(text string, terms []string) string {
	var best string
	bestScore := -1
	for _, sent := range sentences(text) {
		set := map[string]bool{}
		for _, w := range words(sent) {
			set[stem(w)] = true
		}
		c := 0
		for _, t := range terms {
			if set[t] {
				c++
			}
		}
		if c > bestScore {
			best, bestScore = sent, c
		}
	}
	return best
}

// sentences splits text after ". ", "! " and "? ".
func sentences(text string) []string {
	var out []string
	t := strings.TrimSpace(text)
	start := 0
	for i := 0; i+1 < len(t); i++ {
		if (t[i] == '.' || t[i] == '!' || t[i] == '?') && t[i+1] == ' ' && i-start > 2 {
			out = append(out, strings.TrimSpace(t[start:i+1]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(t[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// generic answers a free question from the segments that mention its terms,
// or describes the video when nothing matches. personal switches to the
// plain-text voice of the personal-media chat ("Based on your media").
func (g *gen) generic(personal bool) {
	found := g.matches(5)
	terms := promptTerms(g.req.Prompt)
	line := func(m match) {
		v := g.req.Videos[m.video]
		text := bestSentence(m.seg.Text, terms)
		var what string
		if m.audio {
			g.citeAudio(m.video, m.seg)
			what = "\"" + quote(text, 24) + "\""
		} else {
			g.cite(m.video, m.seg, RefVisualTS)
			what = dot(gist(text, 24))
		}
		switch {
		case personal:
			g.printf("- In \"%s\" at %s: %s\n", v.Name, span(m.seg), what)
		case g.multi():
			g.printf("*   **Video %d, %s:** %s\n", m.video+1, span(m.seg), what)
		default:
			g.printf("*   **%s:** %s\n", span(m.seg), what)
		}
	}
	if len(found) > 0 {
		if personal {
			v := g.req.Videos[found[0].video]
			g.printf("Based on your media, the best match is \"%s\" around %s.\n\n", v.Name, ts(found[0].seg.Start))
		} else {
			g.printf("Based on the %s, here is what I found:\n\n", g.plural())
		}
		for _, m := range found {
			line(m)
		}
		return
	}
	if personal {
		g.printf("I couldn't find anything that directly answers \"%s\" in your media. Here is what your most recent items show:\n\n", strings.TrimSpace(g.req.Prompt))
	} else {
		g.printf("I couldn't find a moment that directly answers \"%s\". Here is what the %s shows:\n\n", strings.TrimSpace(g.req.Prompt), g.plural())
	}
	for i, v := range g.req.Videos {
		segs := v.Visual
		audio := false
		if len(segs) == 0 {
			segs, audio = v.Audio, true
		}
		if len(segs) == 0 {
			continue
		}
		for _, j := range g.r.spread(len(segs), 3) {
			line(match{video: i, seg: segs[j], audio: audio})
		}
	}
}

// perm returns a permutation of [0, n) (Fisher–Yates on the request's rng).
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// intentLabels phrase what the user asked for in the first thinking step,
// as the vendor's sample does (`the user wants a "Video summary."`).
var intentLabels = map[Intent]string{
	Summary:    "Video summary",
	Highlights: "Highlights with timestamps",
	Chapters:   "Chapter breakdown",
	Editing:    "Editing suggestions",
	Hashtags:   "Titles and hashtags",
	TikTok:     "TikTok titles, description and tags",
	Audience:   "Audience analysis",
}

var intentSteps = map[Intent]string{
	Summary:    "Summarize the key content",
	Highlights: "Identify the key moments",
	Chapters:   "Segment the video into chapters",
	Editing:    "Review structure, shots and pacing",
	Hashtags:   "Extract themes for titles and hashtags",
	TikTok:     "Draft short-form copy",
	Audience:   "Infer the target audience",
	Generic:    "Find the relevant moments",
}

// thinkings are the reasoning steps streamed before the answer: the first
// fetches the videos (and carries the refs), the second explains the plan
// with the timestamps the content uses.
func (g *gen) thinkings(refs []Ref) []Thinking {
	if g.req.Kind == Marketer {
		return g.marketerThinkings(refs)
	}
	n := len(g.req.Videos)
	var first strings.Builder
	if l, ok := intentLabels[g.intent]; ok {
		article := "a"
		if strings.ContainsRune("AEIOU", rune(l[0])) {
			article = "an"
		}
		fmt.Fprintf(&first, "Okay, the user wants %s \"%s.\"", article, l)
	} else {
		fmt.Fprintf(&first, "Okay, the user asks: \"%s\".", strings.TrimSpace(g.req.Prompt))
	}
	if len(g.req.History) > 0 {
		fmt.Fprintf(&first, " This continues a conversation of %d earlier messages, so I'll keep that context in mind.", len(g.req.History))
	}
	switch n {
	case 0:
		first.WriteString(" No videos were selected, so there is nothing to fetch.")
	case 1:
		fmt.Fprintf(&first, " I've been given a selected video and need to fetch its detailed information to understand its content. This means I need to go through the visual and audio transcripts of \"%s\".", g.req.Videos[0].Name)
	default:
		fmt.Fprintf(&first, " I've been given %d selected videos and need to fetch their detailed information to understand their content. This means I need to go through the visual and audio transcripts of each one, starting with \"%s\".", n, g.req.Videos[0].Name)
	}
	out := []Thinking{{Title: "Based on selected videos, fetch detailed information", Content: first.String(), Refs: refs}}
	if n == 0 {
		return out
	}
	vis, aud := 0, 0
	for _, v := range g.req.Videos {
		vis += len(v.Visual)
		aud += len(v.Audio)
	}
	second := fmt.Sprintf("The transcripts hold %d visual and %d audio segments.", vis, aud)
	if len(g.moments) > 0 {
		second += fmt.Sprintf(" The moments at %s carry the answer, so I'll build the response around them and cite their timestamps.", joinAnd(g.moments))
	} else {
		second += " There is no transcript content to cite yet, so I'll say so plainly."
	}
	return append(out, Thinking{Title: intentSteps[g.intent], Content: second})
}

// joinAnd joins "a, b and c".
func joinAnd(list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}
