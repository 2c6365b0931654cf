package memsync

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// categories is the documented category enum, in the docs' order.
var categories = []string{"identity", "career", "interests", "relationships", "health", "finance",
	"learning", "travel", "productivity", "private"}

// categoryWords are the keywords that assign a category. They are stemmed when the lexicon is
// built, so "hiking", "hikes" and "hike" all count.
var categoryWords = map[string]string{
	"identity": "name named age old born live lives living lived hometown originally grew " +
		"nationality citizen identify identity personality introvert extrovert myself person " +
		"background religion culture heritage gender pronouns moved resident neighborhood",
	"career": "work works working job career engineer engineering developer programmer software " +
		"company startup promoted promotion manager management team lead leading boss colleague " +
		"colleagues office employer employee hired hiring interview resume profession professional " +
		"business client clients founder ceo cto designer scientist analyst consultant product " +
		"infrastructure intern internship role position salary workplace coworker industry experience",
	"interests": "love loves enjoy enjoys hobby hobbies hiking hike photography music guitar piano " +
		"reading games gaming movies films cooking baking sport sports football soccer basketball " +
		"tennis painting art drawing gardening passion passionate fan favorite favourite climbing " +
		"cycling chess camping fishing dancing singing podcasts anime novels outdoors outdoor " +
		"interested interest fun",
	"relationships": "wife husband married marriage partner girlfriend boyfriend friend friends " +
		"family mother father mom dad parents parent son daughter kids children child brother " +
		"sister sibling siblings dating mentor mentors wedding baby grandma grandpa cousin " +
		"neighbor roommate fiance fiancee relationship connected network",
	"health": "health healthy doctor diet exercise gym fitness running marathon yoga meditation " +
		"sleep allergy allergic medication therapy injury weight vegetarian vegan workout " +
		"hospital sick illness mental wellness nutrition calories training stress",
	"finance": "money budget invest investing investment investments stocks stock savings saving " +
		"income debt loan mortgage bank retirement crypto finance financial expenses rent " +
		"spending salary afford tax taxes insurance",
	"learning": "learn learning learned course courses class classes study studying studied " +
		"university college degree school certification certified skill skills tutorial " +
		"spanish french german japanese chinese education phd masters mba lecture exam " +
		"bootcamp research teaching reading books",
	"travel": "travel traveling travelling trip trips vacation visit visited visiting flight " +
		"fly flew abroad japan europe italy france country countries holiday tour backpacking " +
		"hotel destination beach journey passport cruise",
	"productivity": "productivity productive notion todo task tasks deadline deadlines schedule " +
		"calendar organize organized routine habit habits focus workflow planner pomodoro " +
		"email meetings asana slack trello automation automate efficient",
	"private": "password ssn secret confidential diagnosis diagnosed anxiety depression " +
		"therapist private pin passport medication",
}

// episodicWords mark time-bound facts (memory-types guide: current projects, recent events,
// plans); everything else is a lasting, semantic fact.
var episodicWords = "just recently recent yesterday today tomorrow tonight last next currently " +
	"now ago planning plan plans soon week weekend month semester started starting start got " +
	"promoted moved moving upcoming lately season morning evening"

// stopWords are left out of search vectors.
var stopWords = "a an and are as at be been being but by can could did do does doing for from " +
	"had has have having he her hers him his how i if im in into is it its ive id ill me my " +
	"myself no nor not of on or our ours she so some such than that the their theirs them then " +
	"there these they this those to too up us very was we were what when where which who whom " +
	"why will with would you your yours user users about tell s t really also just get got " +
	"like know thing things any all"

// lexicon holds the stemmed word tables; it is built once per Server.
type lexicon struct {
	cats     map[string][]string // stem -> categories
	episodic map[string]bool
	stop     map[string]bool
}

// newLexicon stems the word tables.
func newLexicon() *lexicon {
	lx := &lexicon{cats: map[string][]string{}, episodic: map[string]bool{}, stop: map[string]bool{}}
	for _, c := range categories {
		for _, w := range strings.Fields(categoryWords[c]) {
			st := stem(w)
			if !slices.Contains(lx.cats[st], c) {
				lx.cats[st] = append(lx.cats[st], c)
			}
		}
	}
	for _, w := range strings.Fields(episodicWords) {
		lx.episodic[stem(w)] = true
	}
	for _, w := range strings.Fields(stopWords) {
		lx.stop[w] = true
	}
	return lx
}

// words splits text into lower-case words; apostrophes inside words are dropped ("I'm" -> "im").
func words(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == '\'' || r == '’':
			// keep the word together
		default:
			flush()
		}
	}
	flush()
	return out
}

// stem is a small suffix stripper: enough to make inflections of the same word meet
// (hike/hikes/hiking, promote/promoted, hobby/hobbies) without a dictionary.
func stem(w string) string {
	if utf8.RuneCountInString(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "i"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") &&
		!strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		w = undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "ly") && len(w) > 5:
		w = w[:len(w)-2]
	}
	if strings.HasSuffix(w, "y") && len(w) > 3 {
		w = w[:len(w)-1] + "i"
	}
	if strings.HasSuffix(w, "e") && len(w) > 3 {
		w = w[:len(w)-1]
	}
	return w
}

// undouble drops a doubled final consonant left by suffix stripping (running -> run).
func undouble(w string) string {
	n := len(w)
	if n >= 2 && w[n-1] == w[n-2] && !strings.ContainsRune("lsz", rune(w[n-1])) && !strings.ContainsRune("aeiou", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

// terms is the bag of content stems of text, plus one concept term per category the text
// evokes ("#career"), so that "work" meets "engineer" in search.
func (lx *lexicon) terms(text string, cats []string) map[string]int {
	t := map[string]int{}
	for _, w := range words(text) {
		if lx.stop[w] || len(w) < 2 {
			continue
		}
		t[stem(w)]++
	}
	for _, c := range cats {
		t["#"+c]++
	}
	return t
}

// detect returns the categories evoked by text, strongest first (at most three).
func (lx *lexicon) detect(text string) []string {
	hits := map[string]int{}
	ws := words(text)
	for i, w := range ws {
		if w == "learning" && i > 0 && (ws[i-1] == "machine" || ws[i-1] == "deep" || ws[i-1] == "reinforcement") {
			continue // the technology, not studying
		}
		weight := 1
		if i < 3 {
			weight = 2 // the subject of the fact ("Their wife ...") says most about it
		}
		for _, c := range lx.cats[stem(w)] {
			hits[c] += weight
		}
	}
	var out []string
	for _, c := range categories {
		if hits[c] > 0 {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return hits[b] - hits[a] })
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

var yearRe = regexp.MustCompile(`\b(19|20)\d\d\b`)

// memoryType classifies a fact: episodic when it carries a time marker or a future/progress
// form ("I'll", "will", "-ing now"), semantic otherwise.
func (lx *lexicon) memoryType(text string) string {
	lower := strings.ToLower(text)
	if yearRe.MatchString(lower) || strings.Contains(lower, "'ll ") || strings.Contains(lower, " will ") ||
		strings.HasPrefix(lower, "will ") || strings.Contains(lower, "going to ") {
		return "episodic"
	}
	for _, w := range words(lower) {
		if lx.episodic[stem(w)] {
			return "episodic"
		}
	}
	return "semantic"
}

// sentences splits text into sentences at . ! ? ; and line breaks, keeping abbreviations such
// as "Dr." and decimals such as "3.5" whole.
func sentences(text string) []string {
	var out []string
	rs := []rune(text)
	start := 0
	emit := func(end int) {
		s := strings.TrimSpace(string(rs[start:end]))
		if s != "" {
			out = append(out, s)
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case '\n', ';':
			emit(i + 1)
		case '.', '!', '?':
			j := i + 1
			for j < len(rs) && strings.ContainsRune(".!?\"')", rs[j]) {
				j++
			}
			if j < len(rs) && !unicode.IsSpace(rs[j]) {
				continue // 3.5, e.g.
			}
			if r == '.' && isAbbreviation(rs[start:i]) {
				continue
			}
			emit(j)
			i = j - 1
		}
	}
	emit(len(rs))
	return out
}

// isAbbreviation reports whether the word before a full stop is a common abbreviation.
func isAbbreviation(before []rune) bool {
	s := string(before)
	k := strings.LastIndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	word := strings.ToLower(s[k+1:])
	switch word {
	case "dr", "mr", "mrs", "ms", "st", "jr", "sr", "vs", "etc", "prof", "inc", "ltd", "co", "e", "i", "g":
		return true
	}
	return false
}

var (
	leadFillerRe = regexp.MustCompile(`(?i)^(yes|yeah|yep|no|nope|well|so|oh|ok|okay|thanks|thank you|actually|anyway|and|but|hi|hello|hey|also|honestly|haha|lol|wow|great|sure)\b[,!.:]?\s*`)
	pleasantryRe = regexp.MustCompile(`(?i)^(thanks|thank you|hi|hello|hey|ok|okay|sure|great|cool|bye|goodbye|yes|no|nice)\b[\s!.,]*$`)
)

// adverbs that may sit between "I" and its verb ("I really love").
var adverbs = map[string]bool{"just": true, "really": true, "also": true, "recently": true,
	"always": true, "never": true, "usually": true, "often": true, "currently": true, "still": true,
	"actually": true, "definitely": true, "absolutely": true, "mostly": true, "sometimes": true,
	"finally": true, "already": true, "generally": true, "truly": true}

// irregularVerbs are the third-person forms that do not take -s, and the modals that stay put.
var irregularVerbs = map[string]string{"have": "has", "do": "does", "go": "goes", "am": "is", "be": "is",
	"don't": "doesn't", "dont": "doesn't", "haven't": "hasn't", "can": "can", "could": "could",
	"should": "should", "would": "would", "will": "will", "might": "might", "must": "must",
	"may": "may", "did": "did", "was": "was", "had": "had", "got": "got", "can't": "can't",
	"won't": "won't", "didn't": "didn't", "wasn't": "wasn't"}

// thirdPerson conjugates a verb for "The user ...": love -> loves, study -> studies. Past forms
// and modals are unchanged.
func thirdPerson(v string) string {
	lower := strings.ToLower(v)
	if r, ok := irregularVerbs[lower]; ok {
		return r
	}
	if strings.HasSuffix(lower, "ed") || !isAlpha(lower) {
		return v
	}
	switch {
	case strings.HasSuffix(lower, "s") || strings.HasSuffix(lower, "sh") || strings.HasSuffix(lower, "ch") ||
		strings.HasSuffix(lower, "x") || strings.HasSuffix(lower, "z") || strings.HasSuffix(lower, "o"):
		return v + "es"
	case strings.HasSuffix(lower, "y") && len(lower) > 1 && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return v[:len(v)-1] + "ies"
	}
	return v + "s"
}

// isAlpha reports whether s is a non-empty word of letters (and apostrophes).
func isAlpha(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != '\'' {
			return false
		}
	}
	return s != ""
}

var subjectForms = []struct{ prefix, repl string }{
	{"i'm ", "Is "}, {"i’m ", "Is "}, {"im ", "Is "}, {"i am ", "Is "},
	{"i've ", "Has "}, {"i’ve ", "Has "}, {"i have ", "Has "},
	{"i'll ", "Will "}, {"i’ll ", "Will "}, {"i will ", "Will "},
	{"i'd ", "Would "}, {"i’d ", "Would "}, {"i would ", "Would "},
	{"i was ", "Was "},
}

var (
	midIRe   = regexp.MustCompile(`\bI('m|’m| am)\b`)
	midIveRe = regexp.MustCompile(`\bI('ve|’ve)\b`)
	midIllRe = regexp.MustCompile(`\bI('ll|’ll)\b`)
	midI     = regexp.MustCompile(`\bI\b`)
	myRe     = regexp.MustCompile(`(?i)\bmy\b`)
	meRe     = regexp.MustCompile(`\b(me|Me)\b`)
	myselfRe = regexp.MustCompile(`(?i)\bmyself\b`)
	mineRe   = regexp.MustCompile(`(?i)\bmine\b`)
)

// rewriteFact turns a first-person sentence into a fact about the user, the way MemSync's
// memories read ("I'm a software engineer who loves hiking" -> "Is a software engineer who loves
// hiking"). subjectless reports that the subject was dropped, so prose can add one.
func rewriteFact(sentence string) (string, bool) {
	s := strings.TrimSpace(sentence)
	for i := 0; i < 3; i++ {
		t := leadFillerRe.ReplaceAllString(s, "")
		if t == s {
			break
		}
		s = t
	}
	s = strings.TrimRight(s, " .!;:")
	subjectless := false
	matched := false
	for _, f := range subjectForms {
		if hasPrefixFold(s, f.prefix) {
			s = f.repl + s[len(f.prefix):]
			subjectless, matched = true, true
			break
		}
	}
	if !matched && hasPrefixFold(s, "i ") {
		rest := strings.Fields(s[2:])
		if len(rest) > 0 {
			i := 0
			for i < len(rest)-1 && adverbs[strings.ToLower(rest[i])] {
				i++
			}
			rest[i] = thirdPerson(rest[i])
			s = strings.Join(rest, " ")
			subjectless = true
		}
	} else if !matched && hasPrefixFold(s, "my ") {
		s = "Their " + s[3:]
	}
	s = midIRe.ReplaceAllString(s, "they're")
	s = midIveRe.ReplaceAllString(s, "they've")
	s = midIllRe.ReplaceAllString(s, "they'll")
	s = midI.ReplaceAllString(s, "they")
	s = myselfRe.ReplaceAllString(s, "themselves")
	s = myRe.ReplaceAllString(s, "their")
	s = meRe.ReplaceAllString(s, "them")
	s = mineRe.ReplaceAllString(s, "theirs")
	return upperFirst(s), subjectless
}

// hasPrefixFold is a case-insensitive prefix test on bytes, so slicing s after it is safe.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// informative reports whether a sentence is worth a memory: not a question, not a pleasantry,
// at least three words with some content.
func (lx *lexicon) informative(sentence string) bool {
	s := strings.TrimSpace(sentence)
	if s == "" || strings.HasSuffix(s, "?") || pleasantryRe.MatchString(s) {
		return false
	}
	ws := words(s)
	if len(ws) < 3 {
		return false
	}
	for _, w := range ws {
		if !lx.stop[w] {
			return true
		}
	}
	return false
}

// normalizeFact is the de-duplication key of a memory text.
func normalizeFact(s string) string { return strings.Join(words(s), " ") }

// upperFirst capitalises the first letter.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst lowers the first letter unless the word is an acronym ("ML").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	r2, _ := utf8.DecodeRuneInString(s[n:])
	if unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// titleCase capitalises every word.
func titleCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		ws[i] = upperFirst(w)
	}
	return strings.Join(ws, " ")
}
