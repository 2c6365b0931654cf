package content

import (
	"strings"
	"unicode"
)

// stopWords are English function words that carry no search meaning. They
// are dropped from both indexed text and queries (and are the "English
// evidence" IsEnglish counts).
var stopWords = setOf(
	"a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
	"be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
	"can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "find", "for", "from", "further",
	"had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how",
	"i", "if", "in", "into", "is", "it", "its", "itself", "just", "let", "lets", "me", "more", "most", "my", "myself",
	"no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own",
	"please", "same", "she", "should", "show", "so", "some", "such", "than", "that", "the", "their", "theirs", "them",
	"themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up",
	"very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "whose", "why", "will",
	"with", "would", "you", "your", "yours", "yourself", "s", "t", "d", "ll", "m", "re", "ve", "don", "didn", "isn",
	"it's", "im", "ive", "youre", "thats", "dont", "cant", "also", "get", "got", "one", "two", "three", "really",
	"there's", "okay", "ok", "oh", "yeah", "gonna", "wanna",
)

// promptNoise are words of a transcription prompt that instruct rather than
// describe ("Describe the people and focus on clothing"); they do not steer
// the generated vocabulary.
var promptNoise = setOf(
	"describe", "description", "descriptions", "focus", "focusing", "mention", "mentions", "list", "identify",
	"include", "including", "transcribe", "transcription", "detail", "details", "detailed", "video", "videos",
	"scene", "scenes", "note", "pay", "attention", "explain", "summarize", "summarise", "summary", "clip", "clips",
	"footage", "frame", "frames", "every", "everything", "anything", "something", "things", "thing", "make", "sure",
	"use", "using", "write", "tell", "give", "provide", "look", "looking", "see", "seen", "shown", "appear",
	"appears", "like", "kind", "type", "specific", "specifically", "particular", "especially", "mainly", "content",
)

// fileNoise are file-name fragments that cameras and phones generate
// (IMG_0042, DSC01234, PXL_2024...) and container names; they say nothing
// about the content.
var fileNoise = setOf(
	"img", "image", "vid", "video", "mov", "mp", "mp4", "mkv", "avi", "webm", "dsc", "dscn", "dscf", "mvi", "pxl",
	"gopr", "gp", "dji", "vlc", "clip", "final", "copy", "edit", "edited", "export", "untitled", "new", "file",
	"screen", "recording", "record", "trim", "trimmed", "compressed", "hd", "fhd", "uhd", "fps", "raw", "version",
)

func setOf(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}

func has(set map[string]struct{}, w string) bool { _, ok := set[w]; return ok }

// words splits s into lower-case words of letters and digits. Apostrophes
// inside a word are dropped ("don't" -> "dont") so contractions stay one word.
func words(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case (r == '\'' || r == '’') && b.Len() > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
			// contraction: keep going
		default:
			flush()
		}
	}
	flush()
	return out
}

// terms turns text into the index's terms: words minus stop words, stemmed.
func terms(s string) []string {
	ws := words(s)
	out := ws[:0]
	for _, w := range ws {
		if has(stopWords, w) {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// uniqueTerms returns the distinct terms of s in first-seen order.
func uniqueTerms(s string) []string {
	ts := terms(s)
	seen := make(map[string]struct{}, len(ts))
	out := ts[:0]
	for _, t := range ts {
		if _, ok := seen[t]; ok {
			continue
		}
		seen[t] = struct{}{}
		out = append(out, t)
	}
	return out
}

// stem is a deliberately small suffix stripper (plural -s/-es/-ies, -ing,
// -ed, final -e) so "boats", "hiking" and "hiked" meet "boat" and "hike".
// It only has to be consistent between indexing and querying, not correct
// linguistics.
func stem(w string) string {
	if len(w) <= 3 || !isASCIILetters(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "zzes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ing") && len(w) >= 6:
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) >= 5 && !strings.HasSuffix(w, "eed"):
		w = undouble(w[:len(w)-2])
	}
	if len(w) > 3 && w[len(w)-1] == 'e' && w[len(w)-2] != 'e' {
		w = w[:len(w)-1]
	}
	return w
}

// undouble turns "runn" into "run" (but keeps "fall", "pass", "buzz").
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeioulsz", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

func isASCIILetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// NameWords returns the content words of a file or video name: the directory
// and a short extension are dropped, camelCase and separators split words,
// digits are dropped, and camera prefixes (IMG, DSC, PXL...) and stop words
// are removed. "beach_day-2024.mp4" gives ["beach", "day"].
func NameWords(name string) []string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i-1 <= 5 && isAlnum(name[i+1:]) {
		name = name[:i]
	}
	var parts []string
	var b strings.Builder
	var prev rune
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, b.String())
			b.Reset()
		}
	}
	for _, r := range name {
		switch {
		case unicode.IsLetter(r):
			if unicode.IsUpper(r) && prev != 0 && unicode.IsLower(prev) {
				flush() // camelCase boundary
			}
			b.WriteRune(unicode.ToLower(r))
		case (r == '\'' || r == '’') && b.Len() > 0:
		default:
			flush()
		}
		prev = r
	}
	flush()
	return filterWords(parts, fileNoise)
}

// promptWords returns the descriptive words of a transcription prompt.
func promptWords(prompt string) []string {
	return filterWords(words(prompt), promptNoise)
}

// filterWords drops stop words, words in extra, words shorter than two
// letters and pure numbers, and removes duplicates, keeping order.
func filterWords(ws []string, extra map[string]struct{}) []string {
	seen := map[string]struct{}{}
	var out []string
	for _, w := range ws {
		if len([]rune(w)) < 2 || has(stopWords, w) || has(extra, w) || isDigits(w) {
			continue
		}
		if _, ok := seen[w]; ok {
			continue
		}
		seen[w] = struct{}{}
		out = append(out, w)
	}
	return out
}

func isAlnum(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// titleCase upper-cases the first letter of every word except short joiners.
func titleCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		if i > 0 && (w == "a" || w == "an" || w == "the" || w == "of" || w == "at" || w == "on" || w == "in" || w == "and" || w == "with") {
			continue
		}
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		ws[i] = string(rs)
	}
	return strings.Join(ws, " ")
}

// capFirst upper-cases the first letter of a sentence.
func capFirst(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(s)
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}
