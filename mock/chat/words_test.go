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
