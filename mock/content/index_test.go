package content

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/model"
)

const testNS = "acct\x00default"

func videoDoc(ns, videoNo, name string, seed int64, duration float64) Doc {
	v := Generate(VideoInput{Seed: seed, VideoNo: videoNo, Name: name, Duration: duration, HasAudio: true})
	return Doc{Namespace: ns, VideoNo: videoNo, Name: name, Visual: v.Visual, Audio: v.Audio}
}

func segs(texts ...string) []model.Segment {
	out := make([]model.Segment, len(texts))
	for i, t := range texts {
		out[i] = model.Segment{Index: i, Start: float64(5 * i), End: float64(5 * (i + 1)), Text: t}
	}
	return out
}

func TestSearchNameWordsRankFirst(t *testing.T) {
	for seed := int64(0); seed < 25; seed++ {
		ix := NewIndex()
		ix.Add(videoDoc(testNS, "VI1", "beach_day.mp4", seed, 60))
		ix.Add(videoDoc(testNS, "VI2", "mountain_hike.mov", seed, 60))
		// some unrelated noise
		for i := 0; i < 20; i++ {
			ix.Add(videoDoc(testNS, fmt.Sprintf("VIN%02d", i), fmt.Sprintf("IMG_%04d.MOV", i), seed, 60))
		}
		tests := []struct {
			query string
			want  string
		}{
			{"beach", "VI1"}, {"day at the beach", "VI1"}, {"mountain", "VI2"}, {"hike", "VI2"}, {"hiking in the mountains", "VI2"},
		}
		for _, tc := range tests {
			hits := ix.Search(Query{Namespace: testNS, Text: tc.query, TopK: 5})
			if len(hits) == 0 || hits[0].VideoNo != tc.want {
				t.Fatalf("seed %d, %q: got %+v, want %s first", seed, tc.query, hits, tc.want)
			}
		}
	}
}

func TestSearchScoresAndOrder(t *testing.T) {
	ix := NewIndex()
	for i := 0; i < 50; i++ {
		ix.Add(videoDoc(testNS, fmt.Sprintf("VI%03d", i), fmt.Sprintf("video_%d.mp4", i), 3, 45))
	}
	for _, q := range []string{"woman walking a dog", "boat in the ocean", "red jacket", "camera pans across the kitchen"} {
		hits := ix.Search(Query{Namespace: testNS, Text: q})
		if len(hits) == 0 {
			t.Fatalf("%q: no hits", q)
		}
		for i, h := range hits {
			if h.Score <= 0 || h.Score > 1 || math.IsNaN(h.Score) {
				t.Fatalf("%q: score %v out of (0, 1]", q, h.Score)
			}
			if i > 0 && h.Score > hits[i-1].Score {
				t.Fatalf("%q: not sorted", q)
			}
			if h.End <= h.Start {
				t.Fatalf("%q: clip [%v, %v]", q, h.Start, h.End)
			}
		}
		again := ix.Search(Query{Namespace: testNS, Text: q})
		if mustJSON(t, again) != mustJSON(t, hits) {
			t.Fatalf("%q: two searches differ", q)
		}
	}
	if hits := ix.Search(Query{Namespace: testNS, Text: "the and of"}); hits != nil {
		t.Fatalf("stop-word query returned %d hits", len(hits))
	}
	if hits := ix.Search(Query{Namespace: "other", Text: "beach"}); hits != nil {
		t.Fatalf("other namespace returned hits")
	}
}

func TestThreshold(t *testing.T) {
	tests := []struct {
		level string
		want  float64
		ok    bool
	}{
		{"low", 0.15, true}, {"medium", 0.225, true}, {"HIGH", 0.4, true}, {"", 0, true}, {"extreme", 0, false},
	}
	for _, tc := range tests {
		got, ok := Threshold(tc.level)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Threshold(%q) = %v, %v; want %v, %v", tc.level, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSearchThresholdFilters(t *testing.T) {
	ix := NewIndex()
	for i := 0; i < 40; i++ {
		ix.Add(videoDoc(testNS, fmt.Sprintf("VI%03d", i), "walk.mp4", 11, 60))
	}
	q := Query{Namespace: testNS, Text: "woman in a red jacket picks up a frisbee near the lake", TopK: MaxTopK}
	all := ix.Search(q)
	prev := len(all)
	for _, level := range []string{"low", "medium", "high"} {
		min, _ := Threshold(level)
		q.MinScore = min
		hits := ix.Search(q)
		for _, h := range hits {
			if h.Score < min {
				t.Fatalf("%s: score %v below %v", level, h.Score, min)
			}
		}
		if len(hits) > prev {
			t.Fatalf("%s: stricter level returned more hits (%d > %d)", level, len(hits), prev)
		}
		prev = len(hits)
	}
	if prev == len(all) {
		t.Fatalf("high filtering removed nothing (%d hits)", prev)
	}
}

func TestSearchTopK(t *testing.T) {
	ix := NewIndex()
	for i := 0; i < 150; i++ {
		ix.Add(Doc{Namespace: testNS, VideoNo: fmt.Sprintf("VI%03d", i), Name: "x.mp4", Visual: segs("a dog runs", "a cat sleeps", "a dog barks")})
	}
	tests := []struct {
		topK, want int
	}{
		{topK: 3, want: 3}, {topK: 0, want: DefaultTopK}, {topK: 5000, want: 300}, {topK: -1, want: DefaultTopK},
	}
	for _, tc := range tests {
		if got := len(ix.Search(Query{Namespace: testNS, Text: "dog", TopK: tc.topK})); got != tc.want {
			t.Errorf("top_k %d: %d hits, want %d", tc.topK, got, tc.want)
		}
	}
}

func TestSearchMergesAdjacentSegments(t *testing.T) {
	ix := NewIndex()
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI1", Name: "x.mp4", Visual: segs(
		"a red car drives by", "the red car parks", "blue sky and clouds", "a red car again", "nothing here")})
	hits := ix.Search(Query{Namespace: testNS, Text: "red car"})
	if len(hits) != 2 {
		t.Fatalf("got %+v", hits)
	}
	got := [][2]float64{{hits[0].Start, hits[0].End}, {hits[1].Start, hits[1].End}}
	slices.SortFunc(got, func(a, b [2]float64) int { return int(a[0] - b[0]) })
	if got[0] != [2]float64{0, 10} || got[1] != [2]float64{15, 20} {
		t.Fatalf("clips %v, want [0 10] and [15 20]", got)
	}
	if !strings.Contains(hits[0].Text, "red car") {
		t.Fatalf("hit text %q", hits[0].Text)
	}
}

func TestSearchNameOnly(t *testing.T) {
	ix := NewIndex()
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI1", Name: "giraffe.mp4", Visual: segs("a tall animal", "leaves")})
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI2", Name: "x.mp4", Visual: segs("a giraffe eats", "leaves")})
	hits := ix.Search(Query{Namespace: testNS, Text: "giraffe"})
	if len(hits) != 2 || hits[0].VideoNo != "VI2" || hits[1].VideoNo != "VI1" || hits[1].Start != 0 || hits[1].End != 5 {
		t.Fatalf("got %+v", hits)
	}
}

func TestSearchFilters(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	base := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	ix := NewIndex()
	docs := []Doc{
		{VideoNo: "VI1", Tags: []string{"Travel"}, CameraModel: "Canon EOS 5D", DatetimeTaken: base, Lat: f(39.9042), Lon: f(116.4074)},
		{VideoNo: "VI2", Tags: []string{"work"}, CameraModel: "iPhone 15", DatetimeTaken: base.Add(48 * time.Hour), Lat: f(40.0), Lon: f(116.4)},
		{VideoNo: "VI3", Tags: nil, DatetimeTaken: base.Add(-48 * time.Hour), Lat: f(48.8566), Lon: f(2.3522)},
		{VideoNo: "VI4"},
	}
	for _, d := range docs {
		d.Namespace = testNS
		d.Name = "clip.mp4"
		d.Visual = segs("a brown dog on the grass")
		ix.Add(d)
	}
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{name: "none", q: Query{}, want: []string{"VI1", "VI2", "VI3", "VI4"}},
		{name: "video_nos", q: Query{VideoNos: []string{"VI2", "VI4", "VI9"}}, want: []string{"VI2", "VI4"}},
		{name: "tag", q: Query{Tag: "travel"}, want: []string{"VI1"}},
		{name: "camera", q: Query{CameraModel: "canon eos 5d"}, want: []string{"VI1"}},
		{name: "taken at or after", q: Query{TakenAfter: base}, want: []string{"VI1", "VI2"}},
		{name: "geo 20 km", q: Query{Lat: f(39.95), Lon: f(116.45)}, want: []string{"VI1", "VI2"}},
		{name: "geo paris", q: Query{Lat: f(48.86), Lon: f(2.35)}, want: []string{"VI3"}},
		{name: "geo radius", q: Query{Lat: f(39.9042), Lon: f(116.4074), RadiusKm: 1}, want: []string{"VI1"}},
		{name: "combined", q: Query{TakenAfter: base, Tag: "work"}, want: []string{"VI2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.Namespace, q.Text = testNS, "dog"
			var got []string
			for _, h := range ix.Search(q) {
				got = append(got, h.VideoNo)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSearchAudioAndImage(t *testing.T) {
	ix := NewIndex()
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI1", Name: "a.mp4", Visual: segs("a dog runs"), Audio: []model.Segment{
		{Index: 0, Start: 0, End: 4, Text: "where is the love", Speaker: "SPEAKER_00"},
		{Index: 1, Start: 4, End: 9, Text: "I don't know", Speaker: "SPEAKER_01"},
	}})
	ix.Add(Doc{Namespace: testNS, VideoNo: "619915496901337088", Name: "OIX_ZOOM", Image: true, Caption: "A sunset over a harbour with boats"})
	ix.Add(Doc{Namespace: testNS, VideoNo: "619915496901337089", Name: "youtube head", Image: true, Caption: "A portrait of a smiling man"})

	hits := ix.Search(Query{Namespace: testNS, Text: "love", Mode: ByAudio})
	if len(hits) != 1 || hits[0].Start != 0 || hits[0].End != 4 || hits[0].Text != "where is the love" {
		t.Fatalf("audio: %+v", hits)
	}
	if hits := ix.Search(Query{Namespace: testNS, Text: "love", Mode: ByVideo}); len(hits) != 0 {
		t.Fatalf("video search found audio text: %+v", hits)
	}
	hits = ix.Search(Query{Namespace: testNS, Text: "boats in a harbour", Mode: ByImage})
	if len(hits) != 1 || hits[0].VideoNo != "619915496901337088" {
		t.Fatalf("image: %+v", hits)
	}
	hits = ix.Search(Query{Namespace: testNS, Text: "youtube", Mode: ByImage})
	if len(hits) != 1 || hits[0].VideoNo != "619915496901337089" {
		t.Fatalf("image by name: %+v", hits)
	}
	if hits := ix.Search(Query{Namespace: testNS, Text: "dog", Mode: ByImage}); len(hits) != 0 {
		t.Fatalf("image search found a video: %+v", hits)
	}
	for _, tc := range []struct {
		in   string
		want Mode
		ok   bool
	}{{"BY_VIDEO", ByVideo, true}, {"by_clip", ByClip, true}, {"BY_AUDIO", ByAudio, true}, {"BY_IMAGE", ByImage, true}, {"BY_CAPTION", ByVideo, false}} {
		if m, ok := ParseMode(tc.in); m != tc.want || ok != tc.ok {
			t.Errorf("ParseMode(%q) = %v, %v", tc.in, m, ok)
		}
	}
}

func TestRemoveAndReplace(t *testing.T) {
	ix := NewIndex()
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI1", Name: "a.mp4", Visual: segs("a penguin waddles")})
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI2", Name: "b.mp4", Visual: segs("a penguin swims")})
	if ix.Len(testNS) != 2 {
		t.Fatalf("len %d", ix.Len(testNS))
	}
	if !ix.Remove(testNS, "VI1") || ix.Remove(testNS, "VI1") || ix.Remove("nope", "VI2") {
		t.Fatal("Remove results wrong")
	}
	hits := ix.Search(Query{Namespace: testNS, Text: "penguin"})
	if len(hits) != 1 || hits[0].VideoNo != "VI2" {
		t.Fatalf("after remove: %+v", hits)
	}
	// replacing a document drops its old text
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI2", Name: "b.mp4", Visual: segs("a walrus sleeps")})
	if hits := ix.Search(Query{Namespace: testNS, Text: "penguin"}); len(hits) != 0 {
		t.Fatalf("old text still found: %+v", hits)
	}
	if hits := ix.Search(Query{Namespace: testNS, Text: "walrus"}); len(hits) != 1 {
		t.Fatalf("new text not found: %+v", hits)
	}
	// scores after removals equal those of a fresh index (exact statistics)
	fresh := NewIndex()
	fresh.Add(Doc{Namespace: testNS, VideoNo: "VI2", Name: "b.mp4", Visual: segs("a walrus sleeps")})
	if a, b := ix.Search(Query{Namespace: testNS, Text: "walrus sleeps"}), fresh.Search(Query{Namespace: testNS, Text: "walrus sleeps"}); mustJSON(t, a) != mustJSON(t, b) {
		t.Fatalf("scores differ from a fresh index: %+v vs %+v", a, b)
	}
	ix.RemoveNamespace(testNS)
	if ix.Len(testNS) != 0 {
		t.Fatal("namespace not removed")
	}
}

func TestCompaction(t *testing.T) {
	ix := NewIndex()
	rounds := []string{"alpha", "beta", "gamma"}
	for _, round := range rounds {
		for i := 0; i < 1500; i++ {
			ix.Add(Doc{Namespace: testNS, VideoNo: fmt.Sprintf("VI%d", i), Name: "x.mp4", Visual: segs("a koala", "a tree", round)})
		}
	}
	hits := ix.Search(Query{Namespace: testNS, Text: "koala", TopK: MaxTopK})
	if len(hits) != MaxTopK {
		t.Fatalf("%d hits", len(hits))
	}
	if hits := ix.Search(Query{Namespace: testNS, Text: "alpha beta"}); len(hits) != 0 {
		t.Fatalf("stale text after compaction: %d hits", len(hits))
	}
	ns := ix.ns[testNS]
	if got := len(ns.fields[fVisual].units); got > 2*1500*3+4096 {
		t.Fatalf("units never compacted: %d", got)
	}
}

func TestSearchTranscripts(t *testing.T) {
	ix := NewIndex()
	line := func(s string) model.Segment { return model.Segment{Text: s, Speaker: "SPEAKER_00"} }
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI3", Name: "c", Audio: []model.Segment{line("Where is the LOVE"), line("no match")}})
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI1", Name: "a", Audio: []model.Segment{line("where is the love?"), line("tell me where is the love"), line("lovely")}})
	ix.Add(Doc{Namespace: testNS, VideoNo: "VI2", Name: "b", Image: true, Caption: "where is the love"})
	ix.Add(Doc{Namespace: "other", VideoNo: "VI9", Name: "z", Audio: []model.Segment{line("where is the love")}})

	all, total := ix.SearchTranscripts(testNS, "where is the love", 1, 100)
	if total != 3 || len(all) != 3 {
		t.Fatalf("total %d, hits %+v", total, all)
	}
	var order []string
	for _, h := range all {
		order = append(order, fmt.Sprintf("%s/%d", h.VideoNo, h.Index))
	}
	if want := []string{"VI1/0", "VI1/1", "VI3/0"}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	tests := []struct {
		page, size, wantLen int
		first               string
	}{
		{page: 1, size: 2, wantLen: 2, first: "VI1/0"},
		{page: 2, size: 2, wantLen: 1, first: "VI3/0"},
		{page: 3, size: 2, wantLen: 0},
		{page: 0, size: 0, wantLen: 3, first: "VI1/0"},
		{page: math.MaxInt, size: 50, wantLen: 0},
	}
	for _, tc := range tests {
		hits, total := ix.SearchTranscripts(testNS, "WHERE IS THE LOVE", tc.page, tc.size)
		if total != 3 || len(hits) != tc.wantLen {
			t.Fatalf("page %d size %d: total %d, %d hits", tc.page, tc.size, total, len(hits))
		}
		if tc.wantLen > 0 && fmt.Sprintf("%s/%d", hits[0].VideoNo, hits[0].Index) != tc.first {
			t.Fatalf("page %d: first %+v", tc.page, hits[0])
		}
	}
	if _, total := ix.SearchTranscripts(testNS, "love", 1, 10); total != 4 {
		t.Fatalf("substring: total %d, want 4", total)
	}
	if hits, total := ix.SearchTranscripts(testNS, "  ", 1, 10); hits != nil || total != 0 {
		t.Fatal("blank query matched")
	}
}

func TestIndexConcurrent(t *testing.T) {
	ix := NewIndex()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				no := fmt.Sprintf("VI%d-%d", w, i)
				ix.Add(videoDoc(testNS, no, "beach_day.mp4", int64(i), 30))
				ix.Search(Query{Namespace: testNS, Text: "beach day"})
				ix.SearchTranscripts(testNS, "the", 1, 10)
				if i%3 == 0 {
					ix.Remove(testNS, no)
				}
			}
		}()
	}
	wg.Wait()
	if got := ix.Len(testNS); got != 4*33 {
		t.Fatalf("len %d", got)
	}
}
