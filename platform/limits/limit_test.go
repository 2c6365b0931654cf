package limits

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Limit
		wantErr error
	}{
		{name: "per second", in: "10/s", want: Limit{Every: 100 * time.Millisecond, Burst: 1}},
		{name: "per minute", in: "12/m", want: Limit{Every: 5 * time.Second, Burst: 1}},
		{name: "per hour", in: "1/h", want: Limit{Every: time.Hour, Burst: 1}},
		{name: "per day", in: "24/d", want: Limit{Every: time.Hour, Burst: 1}},
		{name: "long unit", in: "2 / minute", want: Limit{Every: 30 * time.Second, Burst: 1}},
		{name: "decimal", in: "0.5/s", want: Limit{Every: 2 * time.Second, Burst: 1}},
		{name: "docs spelling", in: "5 QPS", want: Limit{Every: 200 * time.Millisecond, Burst: 1}},
		{name: "docs qpm", in: "12qpm", want: Limit{Every: 5 * time.Second, Burst: 1}},
		{name: "burst", in: "10/s burst=5", want: Limit{Every: 100 * time.Millisecond, Burst: 5}},
		{name: "burst colon", in: "1/s, burst: 3", want: Limit{Every: time.Second, Burst: 3}},
		{name: "off", in: "off", want: Limit{}},
		{name: "OFF upper", in: " OFF ", want: Limit{}},
		{name: "unlimited", in: "unlimited", want: Limit{}},
		{name: "empty", in: "", wantErr: ErrBadRate},
		{name: "no unit", in: "10", wantErr: ErrBadRate},
		{name: "bad unit", in: "10/w", wantErr: ErrBadRate},
		{name: "bad number", in: "ten/s", wantErr: ErrBadRate},
		{name: "zero", in: "0/s", wantErr: ErrBadRate},
		{name: "negative", in: "-1/s", wantErr: ErrBadRate},
		{name: "nan", in: "NaN/s", wantErr: ErrBadRate},
		{name: "too fast", in: "1e9/s", wantErr: ErrBadRate},
		{name: "bad burst", in: "1/s burst=0", wantErr: ErrBadRate},
		{name: "burst not number", in: "1/s burst=x", wantErr: ErrBadRate},
		{name: "bad qps word", in: "5 qpx", wantErr: ErrBadRate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLimit(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("ParseLimit(%q) err = %v, want %v", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseLimit(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("ParseLimit(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestLimitStringRoundTrip(t *testing.T) {
	for _, s := range []string{"10/s", "1/s", "12/m", "1/m", "2/m", "1/h", "off", "5/s burst=3", "7/d"} {
		l, err := ParseLimit(s)
		if err != nil {
			t.Fatal(err)
		}
		if l.String() != s {
			t.Errorf("String(ParseLimit(%q)) = %q", s, l.String())
		}
		back, err := ParseLimit(l.String())
		if err != nil || back != l {
			t.Errorf("round trip %q: %v %v", s, back, err)
		}
	}
	if got := (Limit{Every: 3 * time.Second / 7}).String(); !strings.HasSuffix(got, "/s") {
		t.Errorf("odd rate renders as %q", got)
	}
}

func TestLoadOverrides(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]Limit
		wantErr error
		errHas  string
	}{
		{
			name: "yaml groups and ops",
			in:   "video-search: 2/s\ndownload-videos: \"12/m\"\nchat_stream: 1/s burst=3\nlist-videos: off\n",
			want: map[string]Limit{
				GroupSearch:     {Every: 500 * time.Millisecond, Burst: 1},
				GroupDownload:   {Every: 5 * time.Second, Burst: 1},
				"chat_stream":   {Every: time.Second, Burst: 3},
				GroupListVideos: {},
			},
		},
		{
			name: "json",
			in:   `{"video-chat": "1/m", "search": "off"}`,
			want: map[string]Limit{GroupChat: {Every: time.Minute, Burst: 1}, "search": {}},
		},
		{name: "yaml false is off", in: "summary: false\n", want: map[string]Limit{GroupSummary: {}}},
		{name: "empty document", in: "  \n", want: map[string]Limit{}},
		{name: "comments only", in: "# nothing\n", want: map[string]Limit{}},
		{name: "unknown key", in: "serach: 1/s\n", wantErr: ErrUnknownKey, errHas: "serach"},
		{name: "bad rate names key", in: "video-search: fast\n", wantErr: ErrBadRate, errHas: "video-search"},
		{name: "bare number", in: "video-search: 10\n", wantErr: ErrBadRate, errHas: "no unit"},
		{name: "json number", in: `{"video-search": 10}`, wantErr: ErrBadRate, errHas: "no unit"},
		{name: "true", in: "video-search: true\n", wantErr: ErrBadRate},
		{name: "null", in: "video-search:\n", wantErr: ErrBadRate},
		{name: "nested", in: "video-search: {a: 1}\n", wantErr: ErrBadRate},
		{name: "not a mapping", in: "- a\n- b\n", wantErr: ErrBadOverrides},
		{name: "broken json", in: `{"video-search": `, wantErr: ErrBadOverrides},
		{name: "duplicate key", in: "summary: 1/s\nsummary: 2/s\n", wantErr: ErrBadOverrides},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadOverrides(strings.NewReader(tc.in))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if tc.errHas != "" && !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err %q does not mention %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestMerge(t *testing.T) {
	base, _ := Profile(ProfileV12)
	over := map[string]Limit{GroupSearch: {}, "chat": {Every: time.Minute}}
	m := Merge(base, over)
	if !m[GroupSearch].Unlimited() || m["chat"].Every != time.Minute || m[GroupDownload] != base[GroupDownload] {
		t.Fatalf("merge = %v", m)
	}
	if base[GroupSearch].Unlimited() {
		t.Fatal("Merge modified base")
	}
}

func TestLimitJSON(t *testing.T) {
	in := map[string]Limit{GroupSearch: {Every: 100 * time.Millisecond, Burst: 1}, GroupDownload: {Every: 5 * time.Second}, GroupChat: {}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"download-videos":"12/m","video-chat":"off","video-search":"10/s"}`; string(b) != want {
		t.Fatalf("json %s, want %s", b, want)
	}
	var back map[string]Limit
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back[GroupSearch] != in[GroupSearch] || back[GroupDownload].Every != 5*time.Second || !back[GroupChat].Unlimited() {
		t.Fatalf("back %v", back)
	}
	if err := json.Unmarshal([]byte(`{"x":"fast"}`), &back); !errors.Is(err, ErrBadRate) {
		t.Fatalf("bad rate in JSON: %v", err)
	}
}
