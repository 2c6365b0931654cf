package content

import (
	"regexp"
	"strings"
	"testing"
)

func TestPublicLibrary(t *testing.T) {
	lib := PublicLibrary(1, 0)
	if len(lib) != DefaultPublicLibrarySize || len(lib) < 200 {
		t.Fatalf("default size %d", len(lib))
	}
	if got := len(PublicLibrary(1, 50)); got != 50 {
		t.Fatalf("n=50 gave %d", got)
	}
	if got := len(PublicLibrary(1, 3)); got != 3 {
		t.Fatalf("n=3 gave %d", got)
	}
	idRe := regexp.MustCompile(`^PI-\d{18}$`)
	urlRe := map[string]*regexp.Regexp{
		PlatformTikTok:    regexp.MustCompile(`^https://www\.tiktok\.com/player/v1/\d{19}$`),
		PlatformYouTube:   regexp.MustCompile(`^https://www\.youtube\.com/shorts/[A-Za-z0-9_-]{11}$`),
		PlatformInstagram: regexp.MustCompile(`^https://www\.instagram\.com/p/[A-Za-z0-9_-]{11}/$`),
	}
	digits := regexp.MustCompile(`^\d+$`)
	seen := map[string]bool{}
	platforms := map[string]int{}
	creatorsSeen := map[string]int{}
	for _, v := range lib {
		if !idRe.MatchString(v.VideoNo) || seen[v.VideoNo] {
			t.Fatalf("bad or duplicate id %q", v.VideoNo)
		}
		seen[v.VideoNo] = true
		platforms[v.Platform]++
		creatorsSeen[v.BloggerID]++
		re, ok := urlRe[v.Platform]
		if !ok || !re.MatchString(v.VideoURL) {
			t.Fatalf("%s: platform %q url %q", v.VideoNo, v.Platform, v.VideoURL)
		}
		d := v.Detail()
		for name, s := range map[string]string{"duration": d.Duration, "create_time": d.CreateTime, "like_count": d.LikeCount,
			"share_count": d.ShareCount, "comment_count": d.CommentCount, "view_count": d.ViewCount, "collect_count": d.CollectCount,
			"publish_time": d.PublishTime} {
			if !digits.MatchString(s) {
				t.Fatalf("%s: %s = %q", v.VideoNo, name, s)
			}
		}
		if d.Status != "PARSE" || d.TextLanguage != "en" || d.BloggerID == "" || d.MusicName == "" || v.Duration <= 0 {
			t.Fatalf("%s: detail %+v", v.VideoNo, d)
		}
		if len(d.CreateTime) != 13 || len(d.PublishTime) != 10 || v.CreateTime/1000 < v.PublishTime {
			t.Fatalf("%s: times %s / %s", v.VideoNo, d.CreateTime, d.PublishTime)
		}
		if v.LikeCount > v.ViewCount {
			t.Fatalf("%s: more likes than views", v.VideoNo)
		}
		if d.HashTag != "" && (!strings.HasPrefix(d.HashTag, "#") || strings.Contains(d.HashTag, " ")) {
			t.Fatalf("%s: hash_tag %q", v.VideoNo, d.HashTag)
		}
		if v.Content == nil || len(v.Content.Visual) == 0 || len(v.Content.Audio) == 0 {
			t.Fatalf("%s: no content", v.VideoNo)
		}
		if end := v.Content.Visual[len(v.Content.Visual)-1].End; end != float64(v.Duration) {
			t.Fatalf("%s: content ends at %v, duration %d", v.VideoNo, end, v.Duration)
		}
	}
	for _, p := range []string{PlatformTikTok, PlatformYouTube, PlatformInstagram} {
		if platforms[p] < len(lib)/6 {
			t.Errorf("platform %s has only %d videos", p, platforms[p])
		}
	}
	if platforms[PlatformTikTok] < len(lib)*2/5 {
		t.Errorf("TikTok should dominate: %v", platforms)
	}
	for _, c := range []string{"nike", "timberwolves", "nba", "pappiiq", "camfant", "theshowlorios"} {
		if creatorsSeen[c] < 2 {
			t.Errorf("creator %s has %d videos", c, creatorsSeen[c])
		}
	}
	if mustJSON(t, PublicLibrary(1, 0)) != mustJSON(t, lib) {
		t.Fatal("not deterministic")
	}
	if mustJSON(t, PublicLibrary(2, 20)) == mustJSON(t, PublicLibrary(1, 20)) {
		t.Fatal("seed has no effect")
	}
}

func TestPublicLibraryAnchors(t *testing.T) {
	lib := PublicLibrary(99, 0)
	byNo := map[string]PublicVideo{}
	for _, v := range lib {
		byNo[v.VideoNo] = v
	}
	wolves, ok := byNo["PI-603068775285264430"]
	if !ok {
		t.Fatal("seed example video missing")
	}
	want := `{"duration":"13","status":"PARSE","video_no":"PI-603068775285264430","video_name":"24 HOURS WOLVES FANS. 🐺 #nba #minnesota #timberwolves ","create_time":"1753242002121","video_url":"https://www.tiktok.com/player/v1/7434361641896103211","like_count":"1460","share_count":"6","comment_count":"29","view_count":"14200","collect_count":"50","blogger_id":"timberwolves","text_language":"en","music_name":"original sound","hash_tag":"#nba#minnesota#timberwolves","publish_time":"1730947213"}`
	if got := mustJSON(t, wolves.Detail()); got != want {
		t.Fatalf("detail\n got %s\nwant %s", got, want)
	}
	thrift := byNo["PI-594031499251159058"]
	if thrift.Content == nil || thrift.Content.Audio[0].Text != "I just got back from my friend's vintage liquidation sale." ||
		thrift.Content.Audio[1].Start != 3 || thrift.Content.Audio[1].End != 7 {
		t.Fatalf("documented transcript not reproduced: %+v", thrift.Content)
	}

	// the library is searchable: index TikTok and look for documented queries
	ix := NewIndex()
	for _, v := range lib {
		ix.Add(v.Doc("public\x00" + v.Platform))
	}
	tests := []struct {
		query, mode string
		want        string
	}{
		{query: "Find sprint race with Usain Bolt", mode: "BY_VIDEO", want: "PI-601225874410338817"},
		{query: "opponents jerseys", mode: "BY_VIDEO", want: "PI-600947902470296459"},
		{query: "wolves fans", mode: "BY_VIDEO", want: "PI-603068775285264430"},
		{query: "vintage liquidation sale", mode: "BY_AUDIO", want: "PI-594031499251159058"},
	}
	for _, tc := range tests {
		m, _ := ParseMode(tc.mode)
		hits := ix.Search(Query{Namespace: "public\x00TIKTOK", Text: tc.query, Mode: m, TopK: 3})
		if len(hits) == 0 || hits[0].VideoNo != tc.want {
			t.Errorf("%q: got %+v, want %s first", tc.query, hits, tc.want)
		}
	}
	if _, total := ix.SearchTranscripts("public\x00TIKTOK", "two bags full", 1, 10); total != 1 {
		t.Errorf("transcript search: %d", total)
	}
}
