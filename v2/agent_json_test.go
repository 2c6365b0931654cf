package v2

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// stdJSON is encoding/json's output with HTML escaping off, the reference
// appendJSON must match byte for byte.
func stdJSON(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string // "" : encoding/json's output of v
	}{
		{name: "nil", v: nil},
		{name: "string plain", v: "basketball dunk"},
		{name: "string escapes", v: "a\"b\\c\nd\re\tf\bg\fh\x01i\x1fj"},
		{name: "string html left alone", v: "<a href='x'>&</a>"},
		{name: "string unicode", v: "café – 0:45 “dunk” 😀"},
		{name: "string line separators", v: "a\u2028b\u2029c"},
		{name: "string invalid utf8", v: "a\xffb\xc3"},
		{name: "bool", v: true},
		{name: "int", v: -42},
		{name: "int64", v: int64(1) << 60},
		{name: "uint64", v: uint64(math.MaxUint64)},
		{name: "float whole", v: 0.0},
		{name: "float", v: 0.87},
		{name: "float tiny", v: 1.5e-9},
		{name: "float huge", v: 2.5e22},
		{name: "float negative", v: -12345.678},
		{name: "strings", v: []string{"tiktok", "youtube"}},
		{name: "nil strings", v: []string(nil)},
		{name: "nil anys", v: []any(nil)},
		{name: "map fallback", v: map[string]any{"b": 1, "a": "<x>"}},
		{name: "nested obj in map", v: map[string]any{"o": obj{{"z", 1}, {"a", 2}}}},
		{name: "obj order kept", v: obj{{"z", 1}, {"a", []any{obj{{"k", "v"}}, nil, 1.25}}, {"m", []obj{{{"x", false}}}}},
			want: `{"z":1,"a":[{"k":"v"},null,1.25],"m":[{"x":false}]}`},
		{name: "empty obj", v: obj{}, want: `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == "" {
				want = stdJSON(t, tc.v)
			}
			got, err := appendJSON(nil, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("appendJSON = %s, want %s", got, want)
			}
			if !json.Valid(got) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

func TestAppendJSONRejectsNaN(t *testing.T) {
	if _, err := appendJSON(nil, math.NaN()); err == nil {
		t.Error("NaN encoded without an error")
	}
}

// FuzzAppendJSONString checks string quoting against encoding/json on
// arbitrary bytes.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\\n\x00", "\xff\xfe", "\u2028", "é😀", "<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendJSONString(nil, s)), stdJSON(t, s); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// FuzzAppendJSONFloat checks number formatting against encoding/json.
func FuzzAppendJSONFloat(f *testing.F) {
	for _, x := range []float64{0, 1, -1, 0.1, 1e-7, 1e21, 123456789.125, math.SmallestNonzeroFloat64, math.MaxFloat64} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		got, err := appendJSONFloat(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		if want := stdJSON(t, x); string(got) != want {
			t.Errorf("appendJSONFloat(%v) = %s, want %s", x, got, want)
		}
	})
}

// FuzzCountFields checks the word count against strings.Fields.
func FuzzCountFields(f *testing.F) {
	for _, s := range []string{"", "  a  b ", "a\u00a0b\u2003c", "\x85x\xff y", "{\"query\":\"x y\",\"max_results\":5}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := countFields(s, ""), len(strings.Fields(s)); got != want {
			t.Errorf("countFields(%q) = %d, want %d", s, got, want)
		}
		replaced := strings.NewReplacer(",", " ", ":", " ").Replace(s)
		if got, want := countFields(s, ",:"), len(strings.Fields(replaced)); got != want {
			t.Errorf("countFields(%q, \",:\") = %d, want %d", s, got, want)
		}
	})
}

func TestClipText(t *testing.T) {
	long := strings.Repeat("é", 130)
	tests := []struct {
		name, in, want string
	}{
		{name: "short kept", in: "  a dunk  ", want: "a dunk"},
		{name: "120 runes kept", in: strings.Repeat("é", 120), want: strings.Repeat("é", 120)},
		{name: "longer clipped to 117 runes", in: long, want: strings.Repeat("é", 117) + "..."},
	}
	for _, tc := range tests {
		if got := clipText(tc.in); got != tc.want {
			t.Errorf("%s: clipText = %q, want %q", tc.name, got, tc.want)
		}
	}
}
