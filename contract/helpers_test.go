package contract

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"
)

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLookup(t *testing.T) {
	doc := `{"data":{"videos":[{"video_no":"VI1","tags":["a","api"]},{"video_no":"VI2"}],"total_count":"2","n":3}}`
	tests := []struct {
		name    string
		path    string
		want    string
		wantErr string
	}{
		{name: "dotted", path: "data.videos.0.video_no", want: "VI1"},
		{name: "brackets", path: "data.videos[1].video_no", want: "VI2"},
		{name: "last item", path: "data.videos.0.tags.-1", want: "api"},
		{name: "number", path: "data.n", want: "3"},
		{name: "root", path: "", want: `{"data":`},
		{name: "missing field", path: "data.nope", wantErr: `no field "nope"`},
		{name: "out of range", path: "data.videos.5", wantErr: "out of range"},
		{name: "into a string", path: "data.total_count.x", wantErr: "cannot descend"},
	}
	v := decodeJSON(t, doc)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lookup(v, tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := textOf(got); !strings.HasPrefix(s, tt.want) {
				t.Fatalf("got %s, want %s", s, tt.want)
			}
		})
	}
}

func TestSubset(t *testing.T) {
	tests := []struct {
		name, want, got string
		ok              bool
		ptr             string
	}{
		{name: "extra fields are fine", want: `{"code":"0429"}`, got: `{"code":"0429","msg":"x","success":false}`, ok: true},
		{name: "different value", want: `{"code":"0429"}`, got: `{"code":"0000"}`, ptr: "/code"},
		{name: "numbers compare by value", want: `{"n":1.0}`, got: `{"n":1}`, ok: true},
		{name: "nested array", want: `{"a":[{"b":1}]}`, got: `{"a":[{"b":2}]}`, ptr: "/a/0/b"},
		{name: "missing", want: `{"data":null}`, got: `{}`, ptr: "/data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := subset(decodeJSON(t, tt.want), decodeJSON(t, tt.got), "")
			if ok != tt.ok || (!ok && p != tt.ptr) {
				t.Fatalf("got (%q, %v), want (%q, %v)", p, ok, tt.ptr, tt.ok)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	w := newWorld(&Suite{})
	w.vars["clip"] = "VI123"
	tests := []struct {
		name    string
		in      string
		check   func(string) bool
		wantErr bool
	}{
		{name: "variable", in: "video_no=${clip}", check: func(s string) bool { return s == "video_no=VI123" }},
		{name: "url of 300", in: "${url:300}", check: func(s string) bool { return len(s) == 300 && strings.HasPrefix(s, "http://") }},
		{name: "text", in: "${text:201}", check: func(s string) bool { return len(s) == 201 }},
		{name: "tags", in: "${json_tags:21}", check: func(s string) bool {
			var a []string
			return json.Unmarshal([]byte(s), &a) == nil && len(a) == 21
		}},
		{name: "ids", in: "${json_video_ids:101}", check: func(s string) bool {
			var a []string
			return json.Unmarshal([]byte(s), &a) == nil && len(a) == 101 && len(a[0]) == 20 && strings.HasPrefix(a[0], "VI")
		}},
		{name: "unknown video", in: "${unknown_video_no}", check: func(s string) bool { return len(s) == 20 }},
		{name: "unknown variable", in: "${nope}", wantErr: true},
		{name: "bad count", in: "${text:lots}", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.expand(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error for %q", tt.in)
				}
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("expand(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

func TestMatchTags(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		tags   []string
		want   bool
	}{
		{name: "empty filter", filter: "", tags: []string{"@x"}, want: true},
		{name: "one tag", filter: "@smoke", tags: []string{"@smoke"}, want: true},
		{name: "or", filter: "@a,@b", tags: []string{"@b"}, want: true},
		{name: "and not", filter: "@smoke && ~@costly", tags: []string{"@smoke", "@costly"}, want: false},
		{name: "op tag", filter: "@op:upload", tags: []string{"@op:upload"}, want: true},
		{name: "exclusion only", filter: "~@mock-only", tags: []string{"@smoke"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchTags(tt.filter, tt.tags); got != tt.want {
				t.Fatalf("MatchTags(%q, %v) = %v", tt.filter, tt.tags, got)
			}
		})
	}
}

func TestSplitTags(t *testing.T) {
	got := SplitTags(" @costly, destructive ,,")
	if strings.Join(got, "|") != "@costly|@destructive" {
		t.Fatalf("got %v", got)
	}
}

func TestFormRowsRepeat(t *testing.T) {
	w := newWorld(&Suite{})
	w.vars["unique_id"] = "ns"
	table := &godog.Table{Rows: []*messages.PickleTableRow{
		{Cells: []*messages.PickleTableCell{{Value: "name"}, {Value: "value"}}},
		{Cells: []*messages.PickleTableCell{{Value: "unique_id"}, {Value: "${unique_id}"}}},
		{Cells: []*messages.PickleTableCell{{Value: "tags*3"}, {Value: "t"}}},
	}}
	rows, err := w.formRows(table)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, r := range rows {
		b.WriteString(r[0] + "=" + r[1] + ";")
	}
	if b.String() != "unique_id=ns;tags=t1;tags=t2;tags=t3;" {
		t.Fatalf("got %s", b.String())
	}
}

func TestSplitEvents(t *testing.T) {
	body := "data:{\"type\":\"thinking\",\"sessionId\":\"1\"}\n\nevent: x\ndata: {\"token\":\"a\"}\n\n: comment\ndata: [DONE]\n\n"
	evs := SplitEvents([]byte(body))
	if len(evs) != 3 {
		t.Fatalf("got %d events", len(evs))
	}
	kinds := []string{eventKind(evs[0]), eventKind(evs[1]), eventKind(evs[2])}
	if strings.Join(kinds, ",") != "thinking,token,end" {
		t.Fatalf("kinds %v", kinds)
	}
}
