package chat

import (
	"strings"
	"unicode"
)

// intentRules are tried in order; the first rule with a matching keyword
// wins. The order matters: the vendor's editing question mentions "audience
// experience" and its TikTok question mentions "titles", so those intents are
// tested before Audience and Hashtags.
var intentRules = [...]struct {
	intent   Intent
	keywords []string
}{
	{TikTok, []string{"tiktok", "tik tok"}},
	{Hashtags, []string{"hashtag", "hash tag", "titles", "title ideas", "topics"}},
	{Editing, []string{"editing", "edit ", "edits", "re-cut", "recut"}},
	{Highlights, []string{"highlight", "best moments", "key moments"}},
	{Chapters, []string{"chapter", "breakdown", "break down", "divide", "sections"}},
	{Audience, []string{"audience", "suitable for", "who is this for", "who would", "target viewers"}},
	{Summary, []string{"summar", "overview", "recap", "tl;dr", "what happens in"}},
}

// DetectIntent classifies a prompt by keywords (case-insensitive), following
// the vendor's sample questions; anything unrecognised is Generic.
func DetectIntent(prompt string) Intent {
	p := " " + strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, prompt)) + " "
	for _, rule := range intentRules {
		for _, k := range rule.keywords {
			if strings.Contains(p, k) {
				return rule.intent
			}
		}
	}
	return Generic
}
