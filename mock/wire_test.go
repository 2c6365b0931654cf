package mock

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestVideoPageEncodingMatchesEncodingJSON checks the hand encoder against
// encoding/json (without HTML escaping) on awkward names.
func TestVideoPageEncodingMatchesEncodingJSON(t *testing.T) {
	names := []string{"beach_day", `quote " and \ back`, "tab\tnew\nline", "<b>&amp;</b>", "café 日本 🎬", "\u2028sep", "ctl\x01"}
	for _, n := range names {
		p := videoPage{Videos: []videoItem{{Duration: 12, Size: 3, Status: "PARSE", Cause: "null", VideoNo: "VI1", VideoName: n, CreateTime: 1754037217992}}, CurrentPage: 1, PageSize: 20, TotalCount: "1"}
		got, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		type plainItem videoItem
		type plainPage struct {
			Videos      []plainItem `json:"videos"`
			CurrentPage int         `json:"current_page"`
			PageSize    int         `json:"page_size"`
			TotalCount  string      `json:"total_count"`
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(plainPage{Videos: []plainItem{plainItem(p.Videos[0])}, CurrentPage: 1, PageSize: 20, TotalCount: "1"}); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSpace(buf.Bytes())
		if !bytes.Equal(got, want) {
			t.Fatalf("name %q:\n got %s\nwant %s", n, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", `"`, "\\u003c", "<>&", "é", "\xff", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		if got, want := appendString(nil, s), bytes.TrimSpace(buf.Bytes()); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	})
}
