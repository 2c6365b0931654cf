package content

import "testing"

func TestIsEnglish(t *testing.T) {
	tests := []struct {
		q    string
		want bool
	}{
		{"boat in the ocean", true},
		{"Find sprint race with Usain Bolt", true},
		{"where is the love", true},
		{"I don't know what is", true},
		{"beach", true},
		{"red car", true},
		{"Le Mans race highlights", true},
		{"café in Paris", true},
		{"A dog playing in the snow 🐶", true},
		{"2024 NBA finals", true},
		{"海边的船", false},
		{"船 in the ocean", false},
		{"лодка в океане", false},
		{"قارب في المحيط", false},
		{"סירה בים", false},
		{"βάρκα στον ωκεανό", false},
		{"바다의 보트", false},
		{"海のボート", false},
		{"la plage au coucher du soleil", false},
		{"un bateau sur la mer", false},
		{"el perro en la playa", false},
		{"¿dónde está el perro?", false},
		{"der Hund am Strand", false},
		{"das Auto und der Hund", false},
		{"Ich bin müde", false},
		{"il cane e il gatto", false},
		{"le chat", false},
		{"12345 !!!", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := IsEnglish(tc.q); got != tc.want {
			t.Errorf("IsEnglish(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
}
