package chat

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/memharness/memharness/mock/model"
)

// rng draws only PCG.Uint64 and derives the rest itself, so answers do not
// depend on how a Go release implements rand.Rand's helpers.
type rng struct{ src *rand.PCG }

// newRNG seeds a PCG from the request seed and an FNV-1a hash of the prompt:
// the same question in the same seeded session gives the same answer, a
// different question a different one.
func newRNG(seed int64, prompt string) *rng {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	_, _ = h.Write(b[:])
	_, _ = h.Write([]byte(prompt))
	return &rng{src: rand.NewPCG(uint64(seed), h.Sum64())}
}

// intn returns a number in [0, n); n <= 0 yields 0.
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.src.Uint64() % uint64(n))
}

// pick returns one element of list ("" when empty).
func (r *rng) pick(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[r.intn(len(list))]
}

// ts formats seconds as the vendor's HH:MM:SS timestamps ("00:01:05"),
// truncating fractions so a timestamp never points past the segment start.
func ts(sec float64) string {
	const maxSec = 99*3600 + 59*60 + 59
	if sec < 0 || math.IsNaN(sec) {
		sec = 0
	}
	if sec > maxSec {
		sec = maxSec
	}
	s := int64(sec)
	var b [8]byte
	out := b[:0]
	for i, v := range [3]int64{s / 3600, s / 60 % 60, s % 60} {
		if i > 0 {
			out = append(out, ':')
		}
		if v < 10 {
			out = append(out, '0')
		}
		out = strconv.AppendInt(out, v, 10)
	}
	return string(out)
}

// span formats a segment's range the way the seed's highlight list does
// ("00:00:31–00:00:37", en dash).
func span(s model.Segment) string { return ts(s.Start) + "–" + ts(s.End) }

// humanDuration renders seconds as "1 minute 40 seconds".
func humanDuration(sec float64) string {
	s := int(sec)
	if s <= 0 {
		return "an unknown length"
	}
	unit := func(n int, name string) string {
		if n == 1 {
			return "1 " + name
		}
		return strconv.Itoa(n) + " " + name + "s"
	}
	var parts []string
	if h := s / 3600; h > 0 {
		parts = append(parts, unit(h, "hour"))
	}
	if m := s / 60 % 60; m > 0 {
		parts = append(parts, unit(m, "minute"))
	}
	if x := s % 60; x > 0 || len(parts) == 0 {
		parts = append(parts, unit(x, "second"))
	}
	return strings.Join(parts, " ")
}

// gist is the first sentence of a segment's text, at most maxWords words
// ("…" marks a cut), without its final full stop.
func gist(text string, maxWords int) string {
	t := strings.TrimSpace(text)
	for i := 0; i+1 < len(t); i++ {
		if (t[i] == '.' || t[i] == '!' || t[i] == '?') && t[i+1] == ' ' && i > 2 {
			t = t[:i+1]
			break
		}
	}
	words := strings.Fields(t)
	if len(words) > maxWords {
		return strings.TrimRight(strings.Join(words[:maxWords], " "), ",;:") + "…"
	}
	return strings.TrimRight(strings.Join(words, " "), ".")
}

// quote is a segment's words trimmed to maxWords, for quoting speech.
func quote(text string, maxWords int) string {
	words := strings.Fields(text)
	if len(words) > maxWords {
		return strings.TrimRight(strings.Join(words[:maxWords], " "), ",;:.") + "…"
	}
	return strings.Join(words, " ")
}

// lowerWords are sentence openers that read naturally in lower case after
// "At 00:00:30, "; anything else (names, "SKIMS") keeps its capital.
var lowerWords = map[string]bool{
	"a": true, "an": true, "the": true, "this": true, "that": true, "these": true,
	"those": true, "there": true, "it": true, "in": true, "on": true, "at": true,
	"two": true, "three": true, "several": true, "some": true, "another": true,
	"from": true, "inside": true, "outside": true, "close-up": true, "people": true,
}

// dot ends a sentence unless it already ends with a stop or an ellipsis.
func dot(s string) string {
	if strings.HasSuffix(s, "…") || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// mid prepares a sentence for use after a comma.
func mid(s string) string {
	first, _, _ := strings.Cut(s, " ")
	if lowerWords[strings.ToLower(first)] {
		r, n := utf8.DecodeRuneInString(s)
		return string(unicode.ToLower(r)) + s[n:]
	}
	return s
}

// stopwords are skipped when extracting keywords for titles and hashtags;
// besides function words they include the stock vocabulary of visual
// captions ("shows", "visible", "frame") that says nothing about the topic.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but of to in on at for with by from as is are was were be been
	being this that these those it its it's there their they them he she his her him we our you your i i'm me my
	not no so very can will just into onto over under while then than also some other one two three which who
	what when where how has have had do does did up down out about around near next left right side front back
	top bottom shows show shown showing visible seen appears appear appearing view frame scene image video camera
	shot partially along each all more most only own same such here like during between through across against
	behind above below toward towards upon again still yet even much many few several another any every both
	either neither them they're we're you're isn't aren't wasn't don't doesn't didn't can't won't let's i've
	we've you've i'll you'll we'll he's she's that's what's there's okay yeah going get got gonna want really
	know think right well now look looks looking see make made take say says said thing things way lot
	something someone background foreground close-up features featuring displayed display while being
	four five six seven eight nine ten eleven twelve hundred thousand first second third`) {
		m[w] = true
	}
	return m
}()

// words splits text into lower-cased word tokens (letters, digits, inner
// apostrophes and hyphens).
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '-'
	})
}

// keyword is a salient word or name with its display form.
type keyword struct {
	key, display string
	count, first int
	lowerSeen    bool // the word also occurs in lower case: not a name
}

// plain is the keyword for use inside a sentence: lower case unless it is a
// name or brand.
func (k keyword) plain() string {
	if k.lowerSeen {
		return k.key
	}
	return k.display
}

// token is a word of a transcript; joined says only spaces separate it from
// the previous word, so "Van Dijk" can be read as one name but "Africa. Van"
// cannot.
type token struct {
	raw    string
	joined bool
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-'
}

func tokenize(text string) []token {
	var out []token
	spaceOnly := false
	start := -1
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, token{raw: strings.Trim(text[start:i], "'-"), joined: spaceOnly && len(out) > 0})
			start = -1
			spaceOnly = true
		}
		if r != ' ' {
			spaceOnly = false
		}
	}
	if start >= 0 {
		out = append(out, token{raw: strings.Trim(text[start:], "'-"), joined: spaceOnly && len(out) > 0})
	}
	return out
}

func capitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// keywords returns the n most frequent salient words of the segments (ties
// by first appearance), for titles, hashtags and themes. Runs of capitalised
// words ("Van Dijk", "South Africa") count as one name.
func keywords(n int, segs ...[]model.Segment) []keyword {
	byKey := map[string]*keyword{}
	var order []*keyword
	pos := 0
	add := func(k, disp string, lower bool) {
		pos++
		if kw, ok := byKey[k]; ok {
			kw.count++
			kw.lowerSeen = kw.lowerSeen || lower
			return
		}
		kw := &keyword{key: k, display: disp, count: 1, first: pos, lowerSeen: lower}
		byKey[k] = kw
		order = append(order, kw)
	}
	single := func(raw string) {
		k := strings.ToLower(raw)
		if utf8.RuneCountInString(k) < 4 || stopwords[k] || isNumber(k) {
			pos++
			return
		}
		add(k, display(raw), raw == k)
	}
	for _, list := range segs {
		for _, s := range list {
			toks := tokenize(s.Text)
			for i := 0; i < len(toks); {
				j := i
				for j < len(toks) && capitalised(toks[j].raw) && !stopwords[strings.ToLower(toks[j].raw)] && (j == i || toks[j].joined) {
					j++
				}
				if j-i >= 2 {
					var ws []string
					for _, t := range toks[i:j] {
						ws = append(ws, t.raw)
					}
					add(strings.ToLower(strings.Join(ws, " ")), displayName(ws), false)
					i = j
					continue
				}
				single(toks[i].raw)
				i++
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].count != order[j].count {
			return order[i].count > order[j].count
		}
		return order[i].first < order[j].first
	})
	if len(order) > n {
		order = order[:n]
	}
	out := make([]keyword, len(order))
	for i, kw := range order {
		out[i] = *kw
	}
	return out
}

// displayName joins a multi-word name; a shouted caption ("WORLD RECORD")
// is title-cased.
func displayName(ws []string) string {
	allCaps := true
	for _, w := range ws {
		if strings.ToUpper(w) != w {
			allCaps = false
		}
	}
	if allCaps {
		out := make([]string, len(ws))
		for i, w := range ws {
			out[i] = display(strings.ToLower(w))
		}
		return strings.Join(out, " ")
	}
	return strings.Join(ws, " ")
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// display keeps a word's own capitals (names, brands) and otherwise
// capitalises its first letter.
func display(raw string) string {
	for _, r := range raw {
		if unicode.IsUpper(r) {
			return raw
		}
	}
	r, n := utf8.DecodeRuneInString(raw)
	return string(unicode.ToUpper(r)) + raw[n:]
}

// hashtag turns a word or name into a tag body ("Van Dijk" -> "VanDijk").
func hashtag(word string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, display(word))
}

// segmentTitle names a segment by its first three salient words
// ("Concrete Surface Barrels"), or falls back to "Moment at 00:00:30".
func segmentTitle(s model.Segment) string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(gist(s.Text, 30)) {
		w = strings.Trim(w, `.,;:!?"'()…`)
		k := strings.ToLower(w)
		if utf8.RuneCountInString(k) < 3 || stopwords[k] || seen[k] || isNumber(k) {
			continue
		}
		seen[k] = true
		out = append(out, display(w))
		if len(out) == 3 {
			break
		}
	}
	if len(out) == 0 {
		return "Moment at " + ts(s.Start)
	}
	return strings.Join(out, " ")
}

// estimateTokens is the metering estimate: words × 1.3, rounded up.
func estimateTokens(texts ...string) int {
	n := 0
	for _, t := range texts {
		n += CountWords(t)
	}
	return (n*13 + 9) / 10
}

// CountWords is len(strings.Fields(s)) without building the slice: the
// number of runs of non-space runes (unicode.IsSpace). Token estimates
// count the words of every answer, so this is on the chat hot path.
func CountWords(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); {
		c := s[i]
		var space bool
		if c < utf8.RuneSelf {
			space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
			i += size
		}
		if space {
			in = false
		} else if !in {
			in = true
			n++
		}
	}
	return n
}

// spread picks k indices of an n-long list, one from each of k equal
// buckets, so the picks cover the whole video in time order.
func (r *rng) spread(n, k int) []int {
	if k > n {
		k = n
	}
	out := make([]int, 0, k)
	for b := 0; b < k; b++ {
		lo, hi := b*n/k, (b+1)*n/k
		out = append(out, lo+r.intn(hi-lo))
	}
	return out
}

// counts formats a numeric string with thousands separators ("1000000" ->
// "1,000,000"); non-numbers pass through and "" becomes "n/a".
func counts(s string) string {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if s == "" {
			return "n/a"
		}
		return s
	}
	return groupThousands(n)
}

func groupThousands(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	d := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// compact renders a count the way the seed's analysis does ("1M", "59.5K").
func compact(n int64) string {
	f := float64(n)
	trim := func(v float64, suffix string) string {
		s := strconv.FormatFloat(math.Floor(v*10)/10, 'f', 1, 64)
		return strings.TrimSuffix(s, ".0") + suffix
	}
	switch {
	case f >= 1e9:
		return trim(f/1e9, "B")
	case f >= 1e6:
		return trim(f/1e6, "M")
	case f >= 1e3:
		return trim(f/1e3, "K")
	}
	return strconv.FormatInt(n, 10)
}

// metaInt reads a numeric Meta field; ok is false when absent or not a number.
func metaInt(v Video, key string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v.Meta[key]), 10, 64)
	return n, err == nil
}
