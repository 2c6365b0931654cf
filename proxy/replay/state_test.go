package replay

import (
	"strings"
	"testing"

	"github.com/memharness/memharness/proxy/har"
	"github.com/memharness/memharness/toolkit/fixtures"
)

// TestVideosImportRecordedContent: transcripts and summaries of recorded
// answers become the content of the video they name, merged with what the
// listing said; error answers, null data, public videos and other
// surfaces are not imported.
func TestVideosImportRecordedContent(t *testing.T) {
	const (
		eagle = "VI100000000000000001"
		other = "VI100000000000000002"
		pub   = "PI-100000000000000003"
	)
	ix := New(Options{})
	for i, e := range []*entryArgs{
		{method: "POST", url: "http://h/serve/api/v1/list_videos", ct: "application/json", body: `{"unique_id":"ns1"}`,
			answer: `{"code":"0000","msg":"success","data":{"videos":[{"video_no":"` + eagle + `","video_name":"ridge.mp4","duration":"40","status":"UNPARSE","create_time":"1758276264066"}]},"success":true,"failed":false}`},
		{method: "GET", url: "http://h/serve/api/v1/get_video_transcription?video_no=" + eagle + "&unique_id=ns1",
			answer: `{"code":"0000","msg":"success","data":{"videoNo":"` + eagle + `","transcriptions":[{"index":1,"content":"The eagle lands.","startTime":"20","endTime":"40"},{"index":0,"content":"A golden eagle circles the ridge.","startTime":"0","endTime":"20"},{"index":2,"content":"  ","startTime":"40","endTime":"41"},{"index":3,"content":"zero","startTime":"41","endTime":"41"}]},"success":true,"failed":false}`},
		{method: "GET", url: "http://h/serve/api/v1/get_audio_transcription?video_no=" + eagle + "&unique_id=ns1",
			answer: `{"code":"0000","msg":"success","data":{"videoNo":"` + eagle + `","transcriptions":[{"index":0,"content":" Look at it soar.","startTime":"2.5","endTime":"6"}],"createTime":"1758276264066"},"success":true,"failed":false}`},
		{method: "GET", url: "http://h/serve/api/v1/generate_summary?video_no=" + eagle + "&type=CHAPTER&unique_id=ns1",
			answer: `{"code":"0000","msg":"success","data":{"summary":"An eagle over a ridge.","items":[{"title":"Landing","description":"It lands.","start":"20"},{"title":"Circling","description":"It circles.","start":"0"}]},"success":true,"failed":false}`},
		// Later UNPARSE -> PARSE poll: the latest status wins.
		{method: "POST", url: "http://h/serve/api/v1/get_private_video_details?video_no=" + eagle + "&unique_id=ns1",
			answer: `{"code":"0000","msg":"success","data":{"video_no":"` + eagle + `","video_name":"ridge.mp4","duration":"40","status":"PARSE"},"success":true,"failed":false}`},
		// Seen only in a TOPIC summary and an audio transcription of the
		// v1.2 field table's shape, named by the request.
		{method: "GET", url: "http://h/serve/api/v1/generate_summary?video_no=" + other + "&type=TOPIC",
			answer: `{"code":"0000","msg":"success","data":{"summary":"Cooking pasta.","items":[{"title":"Pasta","description":"Boiling.","start":"0"}]},"success":true,"failed":false}`},
		{method: "GET", url: "http://h/serve/api/v1/get_audio_transcription?video_no=" + other,
			answer: `{"code":"0000","msg":"success","data":{"transcription":[{"start":0,"end":3,"text":"Salt the water."}]},"success":true,"failed":false}`},
		// Not imported: business error, null data, public video, v2.
		{method: "GET", url: "http://h/serve/api/v1/get_video_transcription?video_no=VI100000000000000009",
			answer: `{"code":"0001","msg":"video not found","data":null,"success":false,"failed":true}`},
		{method: "GET", url: "http://h/serve/api/v1/get_audio_transcription?video_no=VI100000000000000008",
			answer: `{"code":"0000","msg":"success","data":null,"success":true,"failed":false}`},
		{method: "GET", url: "http://h/serve/api/v1/get_public_video_transcription?video_no=" + pub,
			answer: `{"code":"0000","msg":"success","data":{"videoNo":"` + pub + `","transcriptions":[{"index":0,"content":"x","startTime":"0","endTime":"1"}]}}`},
		{surface: "v2", method: "GET", url: "http://h/serve/api/v2/get_video_transcription?video_no=VI100000000000000007",
			answer: `{"code":200,"msg":"success","data":{"videoNo":"VI100000000000000007","transcriptions":[{"index":0,"content":"x","startTime":"0","endTime":"1"}]}}`},
	} {
		if err := ix.Add("rec.har", i, e.entry()); err != nil {
			t.Fatal(err)
		}
	}
	vids := ix.Videos()
	if len(vids) != 2 || vids[0].No != eagle || vids[1].No != other {
		t.Fatalf("videos: %+v", vids)
	}
	v := vids[0]
	if v.Name != "ridge.mp4" || v.Namespace != "ns1" || v.Status != "PARSE" || v.Duration != 40 || v.Created.UnixMilli() != 1758276264066 {
		t.Errorf("record: %+v", v)
	}
	wantVisual := []fixtures.Segment{{Start: 0, End: 20, Text: "A golden eagle circles the ridge."}, {Start: 20, End: 40, Text: "The eagle lands."}}
	if !equalSegs(v.Visual, wantVisual) {
		t.Errorf("visual %+v, want %+v", v.Visual, wantVisual)
	}
	if !equalSegs(v.Audio, []fixtures.Segment{{Start: 2.5, End: 6, Text: "Look at it soar."}}) {
		t.Errorf("audio %+v", v.Audio)
	}
	wantCh := []fixtures.Chapter{{Title: "Circling", Description: "It circles.", Start: 0, End: 20}, {Title: "Landing", Description: "It lands.", Start: 20, End: 40}}
	if v.Summary != "An eagle over a ridge." || len(v.Chapters) != 2 || v.Chapters[0] != wantCh[0] || v.Chapters[1] != wantCh[1] {
		t.Errorf("summary %q chapters %+v", v.Summary, v.Chapters)
	}
	if len(v.Notes) != 1 || !strings.Contains(v.Notes[0], "2 visual segment(s)") {
		t.Errorf("notes: %q", v.Notes)
	}
	if got := v.ContentSummary(); got != "visual 2, audio 1, summary, chapters 2" {
		t.Errorf("content summary %q", got)
	}
	o := vids[1]
	if o.Name != other || o.Status != "PARSE" || o.Summary != "Cooking pasta." || len(o.Chapters) != 0 || len(o.Visual) != 0 ||
		!equalSegs(o.Audio, []fixtures.Segment{{Start: 0, End: 3, Text: "Salt the water."}}) {
		t.Errorf("content-only video: %+v", o)
	}
	// The fixture the mock loads: valid for the fixture parser.
	m := fixtures.Manifest{Accounts: []fixtures.Account{{APIKey: "sk-x", Videos: []fixtures.Video{v.Fixture(), o.Fixture()}}}}
	raw, err := fixtures.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := fixtures.Parse("replay", raw)
	if err != nil {
		t.Fatalf("fixture refused: %v\n%s", err, raw)
	}
	if got := back.Accounts[0].Videos[0].CreatedTime().UnixMilli(); got != 1758276264066 {
		t.Errorf("created %d, want the recorded create_time to the millisecond", got)
	}
}

// TestVideosChapterEnds: without a known duration the last chapter ends at
// the last transcript segment, else one second after its start; chapters
// at one instant keep the later one.
func TestVideosChapterEnds(t *testing.T) {
	for _, tc := range []struct {
		name      string
		audio     string
		items     string
		wantEnds  []float64
		wantTitle []string
	}{
		{name: "segment end", audio: `[{"index":0,"content":"hi","startTime":"0","endTime":"12"}]`, items: `[{"title":"A","description":"","start":"0"},{"title":"B","description":"","start":"5"}]`, wantEnds: []float64{5, 12}, wantTitle: []string{"A", "B"}},
		{name: "nothing known", items: `[{"title":"A","description":"","start":"0"},{"title":"B","description":"","start":"5"}]`, wantEnds: []float64{5, 6}, wantTitle: []string{"A", "B"}},
		{name: "same instant", items: `[{"title":"A","description":"","start":"0"},{"title":"A2","description":"","start":"0"},{"title":"B","description":"","start":"5"}]`, wantEnds: []float64{5, 6}, wantTitle: []string{"A2", "B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := New(Options{})
			const no = "VI100000000000000001"
			es := []*entryArgs{{method: "GET", url: "http://h/serve/api/v1/generate_summary?video_no=" + no + "&type=CHAPTER",
				answer: `{"code":"0000","msg":"success","data":{"summary":"s","items":` + tc.items + `}}`}}
			if tc.audio != "" {
				es = append(es, &entryArgs{method: "GET", url: "http://h/serve/api/v1/get_audio_transcription?video_no=" + no,
					answer: `{"code":"0000","msg":"success","data":{"videoNo":"` + no + `","transcriptions":` + tc.audio + `}}`})
			}
			for i, e := range es {
				if err := ix.Add("f", i, e.entry()); err != nil {
					t.Fatal(err)
				}
			}
			vids := ix.Videos()
			if len(vids) != 1 || len(vids[0].Chapters) != len(tc.wantEnds) {
				t.Fatalf("%+v", vids)
			}
			for i, c := range vids[0].Chapters {
				if c.End != tc.wantEnds[i] || c.Title != tc.wantTitle[i] {
					t.Errorf("chapter %d: %+v, want end %v title %s", i, c, tc.wantEnds[i], tc.wantTitle[i])
				}
			}
		})
	}
}

type entryArgs struct {
	surface, method, url, ct, body, answer string
}

func (a *entryArgs) entry() *har.Entry {
	e := entry(a.method, a.url, a.ct, a.body, 200, a.answer)
	if a.surface != "" {
		e.Surface = a.surface
	}
	return e
}

func equalSegs(a, b []fixtures.Segment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
