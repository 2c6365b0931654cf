package chat

import (
	"strings"
	"testing"
)

// TestCountWords: CountWords counts what strings.Fields splits.
func TestCountWords(t *testing.T) {
	for _, s := range []string{"", " ", "one", " two  words ", "tab\tnew\nline\r\v\fend", "non\u00a0breaking\u0085nel",
		"ideographic\u3000space", "é ü 😀", "bad \xff utf8\xc3", "**Summary:** a, b; c.\n\n*   item"} {
		if got, want := CountWords(s), len(strings.Fields(s)); got != want {
			t.Errorf("%q: %d words, strings.Fields %d", s, got, want)
		}
	}
}

// FuzzCountWords checks the same on arbitrary strings.
func FuzzCountWords(f *testing.F) {
	f.Add("a b\u00a0c\td\xff e")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := CountWords(s), len(strings.Fields(s)); got != want {
			t.Fatalf("%q: %d words, strings.Fields %d", s, got, want)
		}
	})
}

// TestContentIsGenerateContent: Content gives Generate's text for every
// intent, kind, video count and history.
func TestContentIsGenerateContent(t *testing.T) {
	hist := []Turn{{Role: "user", Content: "hi"}, {Role: "assistant", Content: "hello"}}
	for _, kind := range []Kind{VideoChat, Personal, Marketer} {
		for _, intent := range allIntents {
			for _, videos := range [][]Video{nil, {raceVideo()}, {raceVideo(), raceVideo()}} {
				for _, h := range [][]Turn{nil, hist} {
					req := Request{Seed: 11, Prompt: seedQuestions[intent], Videos: videos, History: h, Kind: kind}
					if got, want := Content(req), Generate(req).Content; got != want {
						t.Fatalf("%s %s %d videos: Content differs from Generate:\n%s\n---\n%s", kind, intent, len(videos), got, want)
					}
				}
			}
		}
	}
}
