package content

import (
	"strings"
	"unicode"
)

// englishFunction are English function words that are not also common
// function words of French, Spanish, German, Italian or Portuguese (so "in",
// "a", "an", "am", "so", "also", "was", "on", "me", "no" are left out: they
// prove nothing).
var englishFunction = setOf(
	"the", "and", "of", "with", "is", "are", "were", "this", "that", "these", "those", "what", "which", "who",
	"how", "where", "when", "why", "for", "from", "by", "at", "to", "into", "it", "its", "my", "your", "his",
	"her", "their", "our", "be", "been", "has", "have", "had", "there", "here", "some", "any", "all", "very",
	"just", "not", "can", "will", "would", "should", "could", "show", "find", "you", "they", "we", "he", "she",
	"i", "about", "while", "after", "before", "over", "under", "near", "between", "does", "did", "do", "or",
	"but", "if", "than", "then", "out", "up", "down", "video", "videos", "clip", "clips", "people", "person",
)

// foreignFunction are frequent function words of French, Spanish, German,
// Italian and Portuguese that are not English words.
var foreignFunction = setOf(
	// French
	"le", "la", "les", "un", "une", "des", "du", "de", "et", "est", "dans", "sur", "avec", "pas", "qui", "que",
	"ce", "cette", "ces", "au", "aux", "il", "elle", "ils", "elles", "nous", "vous", "je", "mon", "mes", "leur",
	"mais", "ou", "sont", "chez", "sous", "quand", "pourquoi", "quoi", "voici", "voila",
	// Spanish
	"el", "los", "las", "una", "unos", "unas", "y", "en", "con", "por", "para", "del", "al", "es", "muy", "pero",
	"como", "donde", "cuando", "porque", "su", "sus", "mi", "ella", "ellos", "nosotros", "sobre", "esta", "este",
	"estos", "hola",
	// German
	"der", "das", "und", "ist", "ein", "eine", "einen", "einem", "mit", "auf", "von", "zu", "im", "dem", "nicht",
	"ich", "sie", "wir", "ihr", "auch", "aber", "oder", "wie", "wo", "wann", "warum", "bei", "nach", "aus", "sehr",
	"noch", "zum", "zur",
	// Italian
	"il", "gli", "della", "delle", "nel", "nella", "che", "non", "sono", "degli", "questo", "questa",
	// Portuguese
	"os", "uma", "em", "da", "dos", "das", "muito", "nao", "sao",
)

// englishVocab is every word of at least three letters the content
// generator uses, plus common search words: seeing one is evidence of
// English. Built once at start-up and only read afterwards.
var englishVocab = buildEnglishVocab()

func buildEnglishVocab() map[string]struct{} {
	var all []string
	for _, s := range settings {
		all = append(all, s.key, s.place, s.ref)
		all = append(all, s.aliases...)
		all = append(all, s.objects...)
		all = append(all, s.details...)
	}
	for _, s := range subjectTemplates {
		all = append(all, s.indef, s.def)
	}
	for _, a := range append(append([]action(nil), transitive...), intransitive...) {
		all = append(all, a.s, a.p)
	}
	for k, v := range timeWords {
		all = append(all, k)
		all = append(all, v...)
	}
	all = append(all, colours...)
	all = append(all, shots...)
	all = append(all, closeUps...)
	all = append(all, lights...)
	all = append(all, positions...)
	all = append(all, speechLines...)
	all = append(all, speechKwLines...)
	all = append(all, "man", "woman", "men", "women", "boy", "girl", "child", "kid", "kids", "baby", "dog", "cat",
		"bird", "horse", "car", "truck", "bike", "bicycle", "boat", "playing", "walking", "running", "dancing",
		"eating", "drinking", "talking", "laughing", "crying", "jumping", "swimming", "driving", "riding",
		"cooking", "reading", "sitting", "standing", "sleeping", "singing", "water", "tree", "sky", "sun", "moon",
		"house", "building", "phone", "computer", "book", "table", "chair", "door", "window", "street", "food",
		"sport", "game", "player", "team", "goal", "score", "win", "funny", "happy", "sad", "big", "small",
		"old", "young", "new", "moment", "scene", "highlights", "highlight", "best", "first", "last", "shot",
		"wearing", "holding", "shirt", "hat", "shoes", "jersey", "opponents", "sprint", "race", "love", "know")
	set := map[string]struct{}{}
	for _, s := range all {
		for _, w := range words(s) {
			if len(w) >= 3 && !has(foreignFunction, w) {
				set[w] = struct{}{}
			}
		}
	}
	return set
}

// IsEnglish reports whether a search prompt is acceptable under the
// vendor's "prompts in English only" rule. The heuristic:
//
//  1. Any letter outside the Latin script (Chinese, Japanese, Korean,
//     Cyrillic, Arabic, Hebrew, Greek, Thai, Devanagari, ...) or Spanish
//     inverted punctuation (¿ ¡) rejects the prompt; a prompt with no
//     letters at all is rejected too. Digits, punctuation and emoji are
//     ignored.
//  2. Each word then counts as English evidence (an English-only function
//     word such as "the", "with", "what", or a word of the generator's
//     English vocabulary, also after removing accents, so "café" counts) or
//     foreign evidence (a French/Spanish/German/Italian/Portuguese function
//     word such as "le", "el", "der", "und", or a word with accented
//     letters).
//  3. The prompt is rejected when foreign evidence outweighs English
//     evidence and is substantial: at least two foreign words, or at least
//     a quarter of the words.
//
// So "boat in the ocean" and "Le Mans race highlights" pass, while "la
// plage au coucher du soleil", "el perro en la playa" and "der Hund am
// Strand" do not. Foreign prompts made only of content words ("playa",
// "hola amigo") cannot be told apart from English names and pass.
func IsEnglish(q string) bool {
	letters := 0
	for _, r := range q {
		switch {
		case r == '¿' || r == '¡':
			return false
		case unicode.IsLetter(r):
			if !unicode.Is(unicode.Latin, r) {
				return false
			}
			letters++
		}
	}
	if letters == 0 {
		return false
	}
	ws := words(q)
	english, foreign := 0, 0
	for _, w := range ws {
		folded, accented := foldAccents(w)
		switch {
		case has(englishFunction, w) || has(englishVocab, w) || has(englishVocab, stemVariant(w)):
			english++
		case accented && (has(englishVocab, folded) || has(englishFunction, folded)):
			english++ // café, naïve
		case has(foreignFunction, w) || has(foreignFunction, folded) || accented:
			foreign++
		}
	}
	return !(foreign > english && (foreign >= 2 || foreign*4 >= len(ws)))
}

// stemVariant strips a plural -s so "boats" meets "boat" in the vocabulary.
func stemVariant(w string) string {
	if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
		return w[:len(w)-1]
	}
	return w
}

// foldAccents maps accented Latin letters to plain ASCII ("müde" -> "mude")
// and reports whether any were found.
func foldAccents(w string) (string, bool) {
	accented := false
	var b strings.Builder
	for _, r := range w {
		if r < 128 {
			b.WriteRune(r)
			continue
		}
		accented = true
		if f, ok := accentFold[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String(), accented
}

var accentFold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'æ': "ae", 'ç': "c", 'è': "e", 'é': "e", 'ê': "e",
	'ë': "e", 'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o",
	'ø': "o", 'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y", 'ß': "ss", 'œ': "oe",
}
