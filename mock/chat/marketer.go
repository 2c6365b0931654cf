package chat

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseFilters extracts the "@creator" and "#hashtag" filters the Video
// Marketer docs describe ("What does @theshowlorios recently talk about?").
// Names come back without the sigil, lower-cased (TikTok handles and tags
// match case-insensitively), de-duplicated, in prompt order. A sigil counts
// only at the start of a word, so "me@example.com" and "C#" are not filters;
// a handle's trailing dots ("@nike.") are sentence punctuation.
func ParseFilters(prompt string) (creators, hashtags []string) {
	seen := map[string]bool{}
	prev := ' '
	for i := 0; i < len(prompt); {
		r, n := utf8.DecodeRuneInString(prompt[i:])
		if (r == '@' || r == '#') && !isNameRune(prev) {
			j := i + n
			for j < len(prompt) {
				c, m := utf8.DecodeRuneInString(prompt[j:])
				if !isNameRune(c) && !(r == '@' && c == '.') {
					break
				}
				j += m
			}
			name := strings.ToLower(strings.TrimRight(prompt[i+n:j], "."))
			if name != "" && !seen[string(r)+name] {
				seen[string(r)+name] = true
				if r == '@' {
					creators = append(creators, name)
				} else {
					hashtags = append(hashtags, name)
				}
			}
			prev = ' ' // "#nba#minnesota" is two tags
			i = j
			continue
		}
		prev = r
		i += n
	}
	return creators, hashtags
}

func isNameRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// creator is a post's "@handle" (or its name when the library has no
// blogger_id).
func creator(v Video) string {
	if b := strings.TrimSpace(v.Meta["blogger_id"]); b != "" {
		return "@" + strings.TrimPrefix(b, "@")
	}
	return "\"" + v.Name + "\""
}

// postTags lists a post's hashtags from Meta hash_tag ("#nba#minnesota").
func postTags(v Video) []string {
	var out []string
	for _, t := range strings.Split(v.Meta["hash_tag"], "#") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, "#"+t)
		}
	}
	return out
}

func pct(num, den int64) string {
	if den <= 0 {
		return "n/a"
	}
	return strconv.FormatFloat(float64(num)*100/float64(den), 'f', 1, 64) + "%"
}

// marketer writes the analysis in the shape of the vendor's Video Marketer
// sample (the @nike answer): an opening scene, "Quick facts" with the
// engagement counts, what the post shows, engagement and comparative
// context, implications and next moves, limitations, and a bottom line. The
// first video is the lead post; up to three others are the comparison set.
func (g *gen) marketer() {
	lead := g.req.Videos[0]
	who := creator(lead)
	views, hasViews := metaInt(lead, "view_count")
	likes, hasLikes := metaInt(lead, "like_count")
	shares, _ := metaInt(lead, "share_count")
	comments, _ := metaInt(lead, "comment_count")
	tags := postTags(lead)

	// Opening scene.
	if len(lead.Visual) > 0 {
		s := lead.Visual[0]
		g.cite(0, s, RefVisualTS)
		g.printf("Opening scene: %s posted \"%s\". It opens at %s: %s", who, lead.Name, ts(s.Start), dot(gist(s.Text, 24)))
	} else {
		g.printf("Opening scene: %s posted \"%s\".", who, lead.Name)
	}
	if len(tags) == 0 {
		g.printf(" No captioned hashtags.")
	}
	if len(lead.Audio) > 0 {
		s := lead.Audio[0]
		g.citeAudio(0, s)
		g.printf(" The voiceover starts with \"%s\" (%s).", quote(s.Text, 16), ts(s.Start))
	}
	g.printf("\n\n")

	// Quick facts, with the sample's spelling and its two-space hard breaks.
	hashtagsLine := "None"
	if len(tags) > 0 {
		hashtagsLine = strings.Join(tags, " ")
	}
	g.printf("Quick facts\n- Creator: %s  \n- Hashtags: %s  \n- view count: %s  \n- like count: %s  \n- share count: %s  \n- comment count: %s\n\n",
		who, hashtagsLine, counts(lead.Meta["view_count"]), counts(lead.Meta["like_count"]), counts(lead.Meta["share_count"]), counts(lead.Meta["comment_count"]))

	// What the post shows.
	g.printf("What the post shows (what we can say with confidence)\n")
	if len(lead.Visual) > 0 {
		idx := g.r.spread(len(lead.Visual), 3)
		for j, k := range idx {
			s := lead.Visual[k]
			g.cite(0, s, RefVisualTS)
			label := "Visual"
			if j > 0 {
				label = "Later"
			}
			g.printf("- %s: %s (%s).  \n", label, gist(s.Text, 22), span(s))
		}
	}
	if len(lead.Audio) > 0 {
		s := lead.Audio[g.r.intn(len(lead.Audio))]
		g.citeAudio(0, s)
		g.printf("- Audio: \"%s\" (%s).  \n", quote(s.Text, 20), span(s))
	}
	kws := keywords(5, lead.Visual, lead.Audio)
	if len(kws) > 0 {
		var ks []string
		for _, k := range kws {
			ks = append(ks, k.plain())
		}
		g.printf("- Themes: %s.  \n", joinAnd(ks))
	}
	if m := strings.TrimSpace(lead.Meta["music_name"]); m != "" {
		g.printf("- Sound: %s.\n", m)
	}
	g.printf("\n")

	// Engagement and comparative context.
	g.printf("Engagement and comparative context\n")
	if hasViews && hasLikes {
		g.printf("- Reach: %s views and %s likes (a %s like rate).  \n", compact(views), compact(likes), pct(likes, views))
		switch {
		case shares > comments*5:
			g.printf("- Share-heavy reaction: %s shares against %s comments suggests viewers are forwarding the post more than debating it.  \n", groupThousands(shares), groupThousands(comments))
		case comments > shares:
			g.printf("- Conversation-heavy reaction: %s comments against %s shares means the post invites discussion more than forwarding.  \n", groupThousands(comments), groupThousands(shares))
		default:
			g.printf("- Balanced reaction: %s shares and %s comments.  \n", groupThousands(shares), groupThousands(comments))
		}
	} else {
		g.printf("- Engagement counts are not available for this post.  \n")
	}
	if others := g.req.Videos[1:min(len(g.req.Videos), 4)]; len(others) > 0 {
		g.printf("- Relative performance compared with other posts in this set:\n")
		for oi, o := range others {
			ov, _ := metaInt(o, "view_count")
			ol, _ := metaInt(o, "like_count")
			desc := cleanName(o.Name)
			if len(o.Visual) > 0 {
				g.cite(oi+1, o.Visual[0], RefVisualTS)
				desc = gist(o.Visual[0].Text, 8)
			}
			cmp := "a similar"
			if hasViews && hasLikes && ov > 0 {
				lead, other := float64(likes)/float64(max(views, 1)), float64(ol)/float64(ov)
				switch {
				case other > lead*1.15:
					cmp = "a higher"
				case other < lead*0.85:
					cmp = "a lower"
				}
			}
			g.printf("  - %s (%s): %s views, %s likes, %s shares, %s comments — %s like rate (%s).  \n", creator(o), desc,
				counts(o.Meta["view_count"]), counts(o.Meta["like_count"]), counts(o.Meta["share_count"]), counts(o.Meta["comment_count"]), cmp, pct(ol, ov))
		}
	}
	g.printf("\n")

	// Implications.
	g.printf("Marketing implications & recommended next moves\n")
	if len(lead.Visual) > 0 {
		s := lead.Visual[len(lead.Visual)/2]
		g.cite(0, s, RefVisualTS)
		g.printf("- Build on the strongest moment: the shot at %s (%s) is the natural hook for cut-downs and paid placements.  \n", ts(s.Start), gist(s.Text, 12))
	}
	if shares > comments {
		g.printf("- Follow up quickly: convert share-driven interest into a product page or drop within 48–72 hours, before the speculation cools.  \n")
	} else {
		g.printf("- Keep the conversation going: reply to comments and post a follow-up that answers the most common questions.  \n")
	}
	if len(kws) > 0 {
		var ht []string
		for _, k := range kws[:min(3, len(kws))] {
			ht = append(ht, "#"+hashtag(k.display))
		}
		g.printf("- Tag deliberately: %s match what the video actually shows and widen discovery beyond %s's followers.  \n", strings.Join(ht, " "), who)
	}
	g.printf("- Use creators strategically: amplify the post through creators already covering %s in authentic contexts.\n\n", g.r.pick([]string{"this theme", "similar products", "the same audience"}))

	// Limitations.
	g.printf("Limitations / unknowns\n")
	g.printf("- Counts are a snapshot from the indexed post; audience demographics and paid reach are not visible.  \n")
	if len(lead.Audio) == 0 {
		g.printf("- No speech was transcribed, so the message relies on visuals alone.  \n")
	}
	if len(tags) == 0 {
		g.printf("- No hashtags or caption clues indicate campaign timing or partners.  \n")
	}
	g.printf("\n")

	// Bottom line.
	g.printf("Bottom line\n%s's post", who)
	if hasViews {
		g.printf(" reached %s views", compact(views))
	}
	if len(kws) > 0 {
		g.printf(" with content centred on %s", kws[0].plain())
	}
	g.printf(". A timely, detail-rich follow-up and creator amplification will turn that attention into conversions.")
}

// marketerThinkings mirror the sample's first step ("Break down the analysis
// request") followed by the search and the comparison.
func (g *gen) marketerThinkings(refs []Ref) []Thinking {
	creators, tags := ParseFilters(g.req.Prompt)
	var filters []string
	for _, c := range creators {
		filters = append(filters, "creator @"+c)
	}
	for _, t := range tags {
		filters = append(filters, "hashtag #"+t)
	}
	first := fmt.Sprintf("The user is asking: \"%s\". To answer this effectively, the first step is to determine which posts in the public video pool are relevant", strings.TrimSpace(g.req.Prompt))
	if len(filters) > 0 {
		first += ", filtered to " + joinAnd(filters)
	}
	first += ", and then what they show and how they perform."
	out := []Thinking{{Title: "Break down the analysis request", Content: first}}
	if len(g.req.Videos) == 0 {
		return out
	}
	var names []string
	for _, v := range g.req.Videos[:min(len(g.req.Videos), 4)] {
		names = append(names, creator(v)+" (\""+v.Name+"\")")
	}
	second := fmt.Sprintf("Found %d matching post(s): %s. Fetching their visual and audio transcripts and engagement counts.", len(g.req.Videos), joinAnd(names))
	out = append(out, Thinking{Title: "Search the public video pool", Content: second, Refs: refs})
	lead := g.req.Videos[0]
	views, _ := metaInt(lead, "view_count")
	likes, _ := metaInt(lead, "like_count")
	third := fmt.Sprintf("The lead post by %s has %s views and %s likes (%s like rate). I'll compare it with the rest of the set and turn the differences into recommendations.", creator(lead), counts(lead.Meta["view_count"]), counts(lead.Meta["like_count"]), pct(likes, views))
	return append(out, Thinking{Title: "Compare engagement and draw implications", Content: third})
}
