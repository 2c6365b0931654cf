package chat

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/memharness/memharness/mock/model"
)

// The vendor's sample questions from the Chat page, by intent.
var seedQuestions = map[Intent]string{
	Summary:    "Generate summaries of these videos",
	Editing:    "Give me editing suggestions for these videos, from content structure, screenshots, rhythm, and audience experience, in detail",
	Highlights: "Find the highlights of these videos and give timestamps",
	Chapters:   "Divide these videos into chapters with timestamps and descriptions",
	Hashtags:   "Generate hashtags and titles for these videos",
	TikTok:     "Write titles, descriptions, and tags for TikTok",
	Audience:   "What type of audience is this video suitable for?",
	Generic:    "Where does the runner from lane eight take the lead?",
}

var allIntents = []Intent{Summary, Editing, Highlights, Chapters, Hashtags, TikTok, Audience, Generic}

func TestDetectIntent(t *testing.T) {
	tests := []struct {
		name   string
		prompt string
		want   Intent
	}{
		{name: "seed summary", prompt: seedQuestions[Summary], want: Summary},
		{name: "seed editing mentions audience", prompt: seedQuestions[Editing], want: Editing},
		{name: "seed highlights", prompt: seedQuestions[Highlights], want: Highlights},
		{name: "seed chapters", prompt: seedQuestions[Chapters], want: Chapters},
		{name: "seed hashtags", prompt: seedQuestions[Hashtags], want: Hashtags},
		{name: "seed tiktok mentions titles", prompt: seedQuestions[TikTok], want: TikTok},
		{name: "seed audience", prompt: seedQuestions[Audience], want: Audience},
		{name: "summarize verb", prompt: "Summarize the emotional moments in these videos", want: Summary},
		{name: "chapterize", prompt: "Chapterize this", want: Chapters},
		{name: "case and whitespace", prompt: "  HIGHLIGHTS\tplease ", want: Highlights},
		{name: "edit at end", prompt: "how would you edit", want: Editing},
		{name: "generic", prompt: "What colour is the car?", want: Generic},
		{name: "empty", prompt: "", want: Generic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectIntent(tt.prompt); got != tt.want {
				t.Errorf("DetectIntent(%q) = %s, want %s", tt.prompt, got, tt.want)
			}
		})
	}
}

// TestGenerateShapes checks each intent's answer against the shape of the
// vendor's sample answer and pins the full text in a golden file.
func TestGenerateShapes(t *testing.T) {
	tests := []struct {
		intent Intent
		want   []string // substrings, in this order
	}{
		{Summary, []string{"Here are the summaries of the videos:\n\n**Video 1:** This video, \"mens_400m_final.mp4\"", "At 00:"}},
		{Editing, []string{"Here are some editing suggestions for the video:\n\n", "**Content Structure:**\n\n*   **Opening Hook:**", "**Screenshots:**\n\n*   **Close-ups:**", "**Rhythm:**\n\n*   **Build-up:**", "**Audience Experience:**\n\n*   **Context:**", "*   **Call to Action:**"}},
		{Highlights, []string{"Here are the highlights of the video:\n\n*   **", ":** 00:", "–00:", "*   **Commentary Moments:** 00:"}},
		{Chapters, []string{"Here's a breakdown of the video:\n\n**Chapter 1: Introduction (00:00:00 – ", ")**  \n", "**Chapter 2: ", "**Chapter 3: "}},
		{Hashtags, []string{"**Suggested Video Titles:**\n\n*   ", "**Hashtags:**\n\n`#", "`  \n`#"}},
		{TikTok, []string{"**Video Title Ideas:**\n\n*   🤯 ", "**Description:**  \n", "**Tags:**  \n`#", "`#FYP`"}},
		{Audience, []string{"This video is ideal for:\n\n*   Sports fans\n"}},
		{Generic, []string{"Based on the video, here is what I found:\n\n*   **00:02:58–00:03:00:** Van Dijk surges down the back straight"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.intent), func(t *testing.T) {
			ans := Generate(Request{Seed: 7, Prompt: seedQuestions[tt.intent], Videos: []Video{raceVideo()}})
			if ans.Intent != tt.intent {
				t.Fatalf("intent = %s, want %s", ans.Intent, tt.intent)
			}
			rest := ans.Content
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("content lacks %q (in order):\n%s", w, ans.Content)
				}
				rest = rest[i+len(w):]
			}
			if len(ans.Thinkings) < 2 || ans.Thinkings[0].Title != "Based on selected videos, fetch detailed information" || len(ans.Thinkings[0].Refs) == 0 {
				t.Errorf("thinkings = %+v, want the fetch step with refs first", ans.Thinkings)
			}
			golden(t, "intent_"+string(tt.intent)+".golden", []byte(ans.Content+"\n"))
		})
	}
}

func TestGenerateMultiVideoCoversEach(t *testing.T) {
	videos := []Video{raceVideo(), backyardVideo(), silentVideo()}
	for _, intent := range allIntents {
		t.Run(string(intent), func(t *testing.T) {
			ans := Generate(Request{Seed: 3, Prompt: seedQuestions[intent], Videos: videos})
			if intent == Generic {
				// A free question is answered from the matching segments only.
				return
			}
			for i := range videos {
				if label := fmt.Sprintf("**Video %d:**", i+1); !strings.Contains(ans.Content, label) {
					t.Errorf("content lacks %q:\n%s", label, ans.Content)
				}
			}
			if len(ans.Refs) != len(videos) {
				t.Errorf("refs cover %d videos, want %d", len(ans.Refs), len(videos))
			}
		})
	}
}

var timestampRE = regexp.MustCompile(`\b\d\d:\d\d:\d\d\b`)

// checkGrounded verifies that every ref item is a real segment of its video
// (keyframes at a visual segment's start) and that every timestamp in the
// content and thinkings is a real segment boundary.
func checkGrounded(t *testing.T, req Request, ans Answer) {
	t.Helper()
	byNo := map[string]Video{}
	bounds := map[string]bool{}
	for _, v := range req.Videos {
		byNo[v.VideoNo] = v
		for _, s := range append(append([]model.Segment(nil), v.Visual...), v.Audio...) {
			bounds[ts(s.Start)], bounds[ts(s.End)] = true, true
		}
	}
	allRefs := append([]Ref(nil), ans.Refs...)
	for _, th := range ans.Thinkings {
		allRefs = append(allRefs, th.Refs...)
	}
	for _, r := range allRefs {
		v, ok := byNo[r.Video.VideoNo]
		if !ok {
			t.Fatalf("ref to unknown video %q", r.Video.VideoNo)
		}
		if r.Video.Name != v.Name || r.Video.Duration != v.Duration {
			t.Errorf("ref video = %+v, want name %q duration %v", r.Video, v.Name, v.Duration)
		}
		for _, it := range r.Items {
			if it.VideoNo != v.VideoNo {
				t.Errorf("item videoNo %q in ref of %q", it.VideoNo, v.VideoNo)
			}
			if !segmentExists(v, it) {
				t.Errorf("ref item %+v points at no segment of %s", it, v.VideoNo)
			}
		}
	}
	texts := []string{ans.Content}
	for _, th := range ans.Thinkings {
		texts = append(texts, th.Content)
	}
	for _, text := range texts {
		for _, m := range timestampRE.FindAllString(text, -1) {
			if !bounds[m] {
				t.Errorf("timestamp %s is not a segment boundary of the input", m)
			}
		}
	}
}

func segmentExists(v Video, it RefItem) bool {
	switch it.Type {
	case RefKeyframe:
		for _, s := range v.Visual {
			if s.Start == it.Start {
				return true
			}
		}
	case RefVisualTS, RefAudioTS:
		segs := v.Visual
		if it.Type == RefAudioTS {
			segs = v.Audio
		}
		for _, s := range segs {
			if s.Start == it.Start && s.End == it.End && s.Text == it.Text {
				return true
			}
		}
	}
	return false
}

func TestGenerateGrounded(t *testing.T) {
	sets := map[string][]Video{
		"race":       {raceVideo()},
		"backyard":   {backyardVideo()},
		"silent":     {silentVideo()},
		"three":      {raceVideo(), backyardVideo(), silentVideo()},
		"audio only": {{VideoNo: "VI1", Name: "podcast", Duration: 20, Audio: []model.Segment{seg(0, 0, 10, "Welcome back to the show."), seg(1, 10, 20, "Today we talk about the beach.")}}},
		"empty":      {{VideoNo: "VI2", Name: "blank", Duration: 5}},
		"public":     publicVideos(),
	}
	prompts := append([]string{"When did I go to the beach?", "What does @nike recently post?"}, seedQuestionsList()...)
	for setName, videos := range sets {
		for _, kind := range []Kind{VideoChat, Marketer, Personal} {
			for _, p := range prompts {
				for seed := int64(0); seed < 4; seed++ {
					req := Request{Seed: seed, Prompt: p, Videos: videos, Kind: kind}
					t.Run(fmt.Sprintf("%s/%s/%s/%d", setName, kind, DetectIntent(p), seed), func(t *testing.T) {
						checkGrounded(t, req, Generate(req))
					})
				}
			}
		}
	}
}

func seedQuestionsList() []string {
	var out []string
	for _, i := range allIntents {
		out = append(out, seedQuestions[i])
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	videos := []Video{raceVideo(), backyardVideo()}
	differs := false
	for _, p := range seedQuestionsList() {
		a := Generate(Request{Seed: 11, Prompt: p, Videos: videos})
		b := Generate(Request{Seed: 11, Prompt: p, Videos: videos})
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%q: two runs differ", p)
		}
		if c := Generate(Request{Seed: 12, Prompt: p, Videos: videos}); c.Content != a.Content {
			differs = true
		}
	}
	if !differs {
		t.Error("changing the seed never changed an answer")
	}
}

func TestGenerateTokens(t *testing.T) {
	v := Video{VideoNo: "VI1", Name: "clip", Visual: []model.Segment{seg(0, 0, 5, "one two three four five six seven eight nine ten")}}
	ans := Generate(Request{Prompt: "summary please", Videos: []Video{v}, History: []Turn{{Role: "user", Content: "hi there"}}})
	// prompt 2 + history 2 + name 1 + transcript 10 = 15 words -> ceil(19.5)
	if ans.InputTokens != 20 {
		t.Errorf("InputTokens = %d, want 20", ans.InputTokens)
	}
	out := []string{ans.Content}
	for _, th := range ans.Thinkings {
		out = append(out, th.Title, th.Content)
	}
	words := len(strings.Fields(strings.Join(out, " ")))
	if want := (words*13 + 9) / 10; ans.OutputTokens != want {
		t.Errorf("OutputTokens = %d, want %d (words %d × 1.3 rounded up)", ans.OutputTokens, want, words)
	}
}

func TestGenerateNoVideos(t *testing.T) {
	for _, kind := range []Kind{VideoChat, Marketer, Personal} {
		ans := Generate(Request{Prompt: "anything", Kind: kind})
		if ans.Content == "" || len(ans.Refs) != 0 {
			t.Errorf("%s: content %q refs %d", kind, ans.Content, len(ans.Refs))
		}
	}
}

func TestGeneratePersonal(t *testing.T) {
	req := Request{Seed: 1, Prompt: "When did I went to the beach?", Videos: []Video{backyardVideo(), silentVideo()}, Kind: Personal}
	ans := Generate(req)
	if !strings.HasPrefix(ans.Content, `Based on your media, the best match is "beach \"day\" <2024> café" around 00:00:00.`) &&
		!strings.HasPrefix(ans.Content, `Based on your media, the best match is "beach "day" <2024> café" around 00:00:00.`) {
		t.Errorf("content = %q", ans.Content)
	}
	if len(ans.Thinkings) != 0 {
		t.Errorf("personal answers carry no thinking steps, got %d", len(ans.Thinkings))
	}
	golden(t, "personal_answer.golden", []byte(ans.Content+"\n"))
}

func TestGenerateMarketer(t *testing.T) {
	req := Request{Seed: 5, Prompt: "What does @nike recently post?", Videos: publicVideos(), Kind: Marketer}
	ans := Generate(req)
	for _, w := range []string{
		"Opening scene: @nike posted \"Nike x SKIMS\".",
		"Quick facts\n- Creator: @nike  \n- Hashtags: None  \n- view count: 1,000,000  \n- like count: 59,500  \n- share count: 9,226  \n- comment count: 146\n",
		"What the post shows (what we can say with confidence)\n- Visual: Two embossed logos",
		"Engagement and comparative context\n- Reach: 1M views and 59.5K likes (a 6.0% like rate).",
		"  - @pappiiq (", "1,700,000 views, 115,800 likes, 1,329 shares, 700 comments",
		"  - @camfant (",
		"Marketing implications & recommended next moves\n",
		"Limitations / unknowns\n",
		"Bottom line\n@nike's post reached 1M views",
	} {
		if !strings.Contains(ans.Content, w) {
			t.Errorf("marketer content lacks %q", w)
		}
	}
	if len(ans.Thinkings) != 3 || ans.Thinkings[0].Title != "Break down the analysis request" || !strings.Contains(ans.Thinkings[0].Content, "creator @nike") {
		t.Errorf("thinkings = %+v", ans.Thinkings)
	}
	checkGrounded(t, req, ans)
	golden(t, "marketer_answer.golden", []byte(ans.Content+"\n"))
}

func TestParseFilters(t *testing.T) {
	tests := []struct {
		name             string
		prompt           string
		creators, hashes []string
	}{
		{name: "seed example", prompt: "What does @theshowlorios recently talk about?", creators: []string{"theshowlorios"}},
		{name: "both, case folded", prompt: "Compare @Nike and @adidas posts tagged #RunClub", creators: []string{"nike", "adidas"}, hashes: []string{"runclub"}},
		{name: "dotted handle and sentence stop", prompt: "What is @the.rock posting? Ask @nike.", creators: []string{"the.rock", "nike"}},
		{name: "glued tags", prompt: "#nba#minnesota #nba", hashes: []string{"nba", "minnesota"}},
		{name: "email and C# are not filters", prompt: "mail me@example.com about C# videos", creators: nil},
		{name: "lone sigils", prompt: "@ # @@", creators: nil},
		{name: "unicode tag", prompt: "#café vibes", hashes: []string{"café"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, h := ParseFilters(tt.prompt)
			if !reflect.DeepEqual(c, tt.creators) || !reflect.DeepEqual(h, tt.hashes) {
				t.Errorf("ParseFilters(%q) = %q, %q; want %q, %q", tt.prompt, c, h, tt.creators, tt.hashes)
			}
		})
	}
}

func FuzzParseFilters(f *testing.F) {
	for _, s := range []string{"@nike #shoes", "a@b.c", "#", "@x.#y", "\xff@\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, h := ParseFilters(s)
		for _, n := range append(c, h...) {
			if n == "" || strings.ContainsAny(n, "@# ") {
				t.Errorf("bad filter %q from %q", n, s)
			}
		}
	})
}

func TestTimestampFormat(t *testing.T) {
	tests := []struct {
		sec  float64
		want string
	}{{0, "00:00:00"}, {65, "00:01:05"}, {65.9, "00:01:05"}, {3725, "01:02:05"}, {-3, "00:00:00"}, {360000, "99:59:59"}, {math.Inf(1), "99:59:59"}}
	for _, tt := range tests {
		if got := ts(tt.sec); got != tt.want {
			t.Errorf("ts(%v) = %q, want %q", tt.sec, got, tt.want)
		}
	}
}

// FuzzGenerate feeds arbitrary prompts and transcript text: Generate must not
// panic and must stay grounded.
func FuzzGenerate(f *testing.F) {
	f.Add("Find the highlights", "A dog runs. It jumps!", 0.0, 4.5, int64(1), uint8(0))
	f.Add("@nike #shoes", "\xff\x00 “quoted” …", 3.25, 1.0, int64(-9), uint8(1))
	f.Add("summary of these videos", "", 0.0, 0.0, int64(0), uint8(2))
	f.Fuzz(func(t *testing.T, prompt, text string, start, length float64, seed int64, kind uint8) {
		if math.IsNaN(start+length) || math.IsInf(start+length, 0) {
			t.Skip("transcript times are finite")
		}
		v := Video{VideoNo: "VI1", Name: text, Duration: start + length, Meta: map[string]string{"view_count": text, "hash_tag": text}}
		for i := 0; i < 3; i++ {
			s := seg(i, start+float64(i)*length, start+float64(i+1)*length, text)
			v.Visual = append(v.Visual, s)
			v.Audio = append(v.Audio, s)
		}
		req := Request{Seed: seed, Prompt: prompt, Videos: []Video{v}, Kind: Kind(kind % 3)}
		checkGrounded(t, req, Generate(req))
	})
}
