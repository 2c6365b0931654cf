package chat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendJavaString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "hello", want: `"hello"`},
		{name: "quotes and backslash", in: `say "hi" \ bye`, want: `"say \"hi\" \\ bye"`},
		{name: "short escapes", in: "\b\t\n\f\r", want: `"\b\t\n\f\r"`},
		{name: "other controls upper hex", in: "\x00\x1f", want: `"\u0000\u001F"`},
		{name: "html and slash left alone", in: "<a href='/x'>&</a>", want: `"<a href='/x'>&</a>"`},
		{name: "non-ascii raw", in: "café — 🌊 \u2028", want: "\"café — 🌊 \u2028\""},
		{name: "invalid utf-8 replaced", in: "a\xffb", want: "\"a\uFFFDb\""},
		{name: "DEL raw", in: "\x7f", want: "\"\x7f\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendJavaString(nil, tt.in)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAppendPyString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "This is ...", want: `"This is ..."`},
		{name: "escapes", in: "\"\\\n\t\b\f\r\x01", want: `"\"\\\n\t\b\f\r\u0001"`},
		{name: "ensure_ascii", in: "café —", want: `"caf\u00e9 \u2014"`},
		{name: "astral as surrogates", in: "🌊", want: `"\ud83c\udf0a"`},
		{name: "DEL escaped", in: "\x7f", want: `"\u007f"`},
		{name: "slash kept", in: "a/b<c>", want: `"a/b<c>"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendPyString(nil, tt.in)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// FuzzStringEncoders checks that both encoders always produce JSON that
// decodes back to the input (for valid UTF-8).
func FuzzStringEncoders(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\x1f\x7f", "café 🌊", "\u2028\u2029", "a\xffb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, enc := range map[string]func([]byte, string) []byte{"java": appendJavaString, "python": appendPyString} {
			b := enc(nil, s)
			var got string
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%s: %q encodes to invalid JSON %s: %v", name, s, b, err)
			}
			if utf8.ValidString(s) && got != s {
				t.Fatalf("%s: %q round-trips to %q", name, s, got)
			}
		}
	})
}

func TestRefJSON(t *testing.T) {
	ref := Ref{
		Video: Video{VideoNo: "VI606140356924534784", Name: "test_video", Duration: 10},
		Items: []RefItem{
			{VideoNo: "VI606140356924534784", Start: 23, Type: RefKeyframe},
			{VideoNo: "VI606140356924534784", Start: 30, End: 36, Type: RefVisualTS, Text: "A close-up view"},
			{VideoNo: "VI606140356924534784", Start: 30.5, End: 36.25, Type: RefAudioTS, Text: "hi"},
		},
	}
	want := `{"video":{"duration":"10","video_no":"VI606140356924534784","video_name":"test_video"},"refItems":[` +
		`{"videoNo":"VI606140356924534784","startTime":23,"type":"keyframe"},` +
		`{"videoNo":"VI606140356924534784","startTime":30,"type":"visual_ts","endTime":36,"text":"A close-up view"},` +
		`{"videoNo":"VI606140356924534784","startTime":30.5,"type":"audio_ts","endTime":36.25,"text":"hi"}]}`
	b, err := json.Marshal(ref)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var back Ref
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ref) {
		t.Errorf("round trip = %+v", back)
	}
	// A numeric duration (newer docs) is accepted too; a bad one is an error.
	if err := json.Unmarshal([]byte(`{"video":{"duration":12.5,"video_no":"VI1","video_name":"x"},"refItems":[]}`), &back); err != nil || back.Video.Duration != 12.5 {
		t.Errorf("numeric duration: %v %+v", err, back)
	}
	if err := json.Unmarshal([]byte(`{"video":{"duration":"ten"},"refItems":[]}`), &back); err == nil {
		t.Error("bad duration accepted")
	}
}

func TestAnswerRoundTrip(t *testing.T) {
	ans := raceAnswer()
	b, err := json.Marshal(ans)
	if err != nil {
		t.Fatal(err)
	}
	var back Answer
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, ans) {
		t.Error("Answer does not survive a JSON round trip (session stores rely on it)")
	}
}

func TestChatData(t *testing.T) {
	ans := raceAnswer()
	b, err := json.Marshal(ans.ChatData(testSession))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Role      string `json:"role"`
		Content   string `json:"content"`
		SessionID string `json:"session_id"`
		Thinkings []struct {
			Title   string            `json:"title"`
			Content string            `json:"content"`
			Refs    []json.RawMessage `json:"refs"`
		} `json:"thinkings"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Role != "ASSISTANT" || got.Content != ans.Content || got.SessionID != testSession || len(got.Thinkings) != len(ans.Thinkings) {
		t.Fatalf("ChatData = %s", b)
	}
	if len(got.Thinkings[0].Refs) == 0 || !strings.HasPrefix(string(got.Thinkings[0].Refs[0]), `{"video":{"duration":"401"`) {
		t.Errorf("first thinking's refs = %s", got.Thinkings[0].Refs)
	}
	if strings.Contains(string(b), `"refs":null`) {
		t.Error("thinkings without refs must omit the field")
	}
	empty, _ := json.Marshal(Answer{}.ChatData("1"))
	if !strings.Contains(string(empty), `"thinkings":[]`) {
		t.Errorf("empty answer ChatData = %s, want thinkings []", empty)
	}

	pd, _ := json.Marshal(Answer{Content: "hi"}.PersonalData("42"))
	if string(pd) != `{"content":"hi","role":"ASSISTANT","session_id":"42"}` {
		t.Errorf("PersonalData = %s", pd)
	}
}

func TestSessionDetail(t *testing.T) {
	ans := raceAnswer()
	detail := SessionDetail(SessionTitle("  Find the highlights\nof these videos "), "590197794380320770",
		Exchange{Prompt: "Find the highlights of these videos", Answer: ans})
	b, err := json.Marshal(detail)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Title     string `json:"title"`
		SessionID string `json:"session_id"`
		Messages  []struct {
			Role      string            `json:"role"`
			Content   string            `json:"content"`
			Thinkings []json.RawMessage `json:"thinkings"`
			Refs      []Ref             `json:"refs"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Title != "Find the highlights of these videos" || got.SessionID != "590197794380320770" || len(got.Messages) != 2 {
		t.Fatalf("detail = %s", b)
	}
	user, asst := got.Messages[0], got.Messages[1]
	if user.Role != "user" || user.Content != "Find the highlights of these videos" || user.Thinkings != nil {
		t.Errorf("user message = %+v", user)
	}
	if asst.Role != "assistant" || asst.Content != ans.Content || len(asst.Thinkings) != len(ans.Thinkings) || !reflect.DeepEqual(asst.Refs, ans.Refs) {
		t.Errorf("assistant message = %+v", asst)
	}
	for _, th := range asst.Thinkings {
		if strings.Contains(string(th), `"refs"`) {
			t.Errorf("session thinkings carry only title and content: %s", th)
		}
	}
	if long := SessionTitle(strings.Repeat("word ", 40)); utf8.RuneCountInString(long) > 81 || !strings.HasSuffix(long, "…") {
		t.Errorf("long title = %q", long)
	}
}
