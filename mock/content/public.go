package content

import (
	"strconv"
	"strings"

	"github.com/memharness/memharness/mock/model"
)

// Platforms of the public library (search_public "type").
const (
	PlatformTikTok    = "TIKTOK"
	PlatformYouTube   = "YOUTUBE"
	PlatformInstagram = "INSTAGRAM"
)

// DefaultPublicLibrarySize is the number of public videos PublicLibrary
// makes when asked for n <= 0.
const DefaultPublicLibrarySize = 240

// PublicVideo is one video of the seeded public library, with the metadata
// get_public_video_detail returns and its generated content.
type PublicVideo struct {
	Platform     string // TIKTOK, YOUTUBE or INSTAGRAM
	VideoNo      string // "PI-" + 18 digits
	VideoName    string // title with hashtags
	Duration     int    // seconds
	CreateTime   int64  // indexing time, Unix ms
	VideoURL     string
	LikeCount    int64
	ShareCount   int64
	CommentCount int64
	ViewCount    int64
	CollectCount int64
	BloggerID    string   // creator handle without "@"
	TextLanguage string   // always "en"
	MusicName    string   // e.g. "original sound"
	Hashtags     []string // without "#", in title order
	PublishTime  int64    // Unix seconds
	Content      *Video   // generated transcripts (HasAudio is always true)
}

// PublicVideoDetail is the data object of get_public_video_detail: every
// value is a string, as in the vendor's example.
type PublicVideoDetail struct {
	Duration     string `json:"duration"`
	Status       string `json:"status"`
	VideoNo      string `json:"video_no"`
	VideoName    string `json:"video_name"`
	CreateTime   string `json:"create_time"`
	VideoURL     string `json:"video_url"`
	LikeCount    string `json:"like_count"`
	ShareCount   string `json:"share_count"`
	CommentCount string `json:"comment_count"`
	ViewCount    string `json:"view_count"`
	CollectCount string `json:"collect_count"`
	BloggerID    string `json:"blogger_id"`
	TextLanguage string `json:"text_language"`
	MusicName    string `json:"music_name"`
	HashTag      string `json:"hash_tag"`
	PublishTime  string `json:"publish_time"`
}

// HashTag returns the hashtags in the vendor's "#a#b" form ("" if none).
func (p PublicVideo) HashTag() string {
	if len(p.Hashtags) == 0 {
		return ""
	}
	return "#" + strings.Join(p.Hashtags, "#")
}

// Detail returns the get_public_video_detail data object.
func (p PublicVideo) Detail() PublicVideoDetail {
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	return PublicVideoDetail{
		Duration: strconv.Itoa(p.Duration), Status: "PARSE", VideoNo: p.VideoNo, VideoName: p.VideoName,
		CreateTime: i(p.CreateTime), VideoURL: p.VideoURL, LikeCount: i(p.LikeCount), ShareCount: i(p.ShareCount),
		CommentCount: i(p.CommentCount), ViewCount: i(p.ViewCount), CollectCount: i(p.CollectCount),
		BloggerID: p.BloggerID, TextLanguage: p.TextLanguage, MusicName: p.MusicName, HashTag: p.HashTag(),
		PublishTime: i(p.PublishTime),
	}
}

// Doc returns the search document of the video in namespace (the caller
// typically uses one namespace per platform).
func (p PublicVideo) Doc(namespace string) Doc {
	d := Doc{Namespace: namespace, VideoNo: p.VideoNo, Name: p.VideoName, Tags: p.Hashtags}
	if p.Content != nil {
		d.Visual, d.Audio = p.Content.Visual, p.Content.Audio
	}
	return d
}

// theme is a kind of content a creator posts.
type theme struct {
	titles   []string // title templates
	hashtags []string // candidate hashtags
	music    []string
}

var themes = map[string]theme{
	"basketball": {
		titles:   []string{"24 hours with the squad 🏀", "Wait for the dunk 😳", "Game winner from the corner 🔥", "Pregame warmups hit different", "Rookie vs vet shooting contest", "Courtside with the fans", "Swapping jerseys after the final buzzer"},
		hashtags: []string{"nba", "basketball", "hoops", "dunk", "minnesota", "timberwolves", "gameday", "ballislife"},
		music:    []string{"original sound", "Hype Up - Court Vision", "original sound"},
	},
	"running": {
		titles:   []string{"Morning run along the river 🏃", "New drop: built for the long run", "Just do it. Day 30 of training", "Sprint drills with the team", "What's in my gym bag", "Marathon prep week 12"},
		hashtags: []string{"running", "justdoit", "training", "sneakers", "fitness", "marathon", "sprint", "workout"},
		music:    []string{"original sound", "Runner's High - Pace Setters", "Keep Going (Sped Up)"},
	},
	"track": {
		titles:   []string{"Usain Bolt's legendary 100m sprint race ⚡", "The fastest relay finish ever", "Photo finish in the final", "Hurdles in slow motion", "Start blocks explained"},
		hashtags: []string{"usainbolt", "sprint", "trackandfield", "olympics", "race", "athletics", "100m"},
		music:    []string{"original sound", "Lightning - Starting Gun"},
	},
	"cooking": {
		titles:   []string{"5 minute pasta you need to try 🍝", "Perfect steak every time", "Breakfast in 60 seconds", "Grandma's secret cookie recipe", "One-pan dinner for busy nights", "Chef reacts to your kitchen fails"},
		hashtags: []string{"cooking", "recipe", "food", "foodtok", "pasta", "dinner", "easyrecipes", "kitchen"},
		music:    []string{"original sound", "Sunday Kitchen - Lo Fi Beats", "Cooking Time - The Whisks"},
	},
	"travel": {
		titles:   []string{"Hidden beach nobody talks about 🌊", "48 hours in the mountains", "Sunrise hike worth every step", "Things to do at the market", "Packing for a two week trip", "The lake at golden hour"},
		hashtags: []string{"travel", "beach", "hiking", "mountains", "vacation", "wanderlust", "sunset", "traveltok"},
		music:    []string{"original sound", "Golden Hour (Sped Up)", "Far Away - Coastline"},
	},
	"nature": {
		titles:   []string{"Whale breaching right next to our boat 🐋", "Inside a rainforest at night", "The desert blooms once a year", "Meet the fox that visits every morning", "Waterfall after three days of rain"},
		hashtags: []string{"nature", "wildlife", "ocean", "forest", "animals", "earth", "naturelovers"},
		music:    []string{"original sound", "Wild Places - Field Notes"},
	},
	"fashion": {
		titles:   []string{"Outfit of the day + pickups 🛍️", "Styling one jacket five ways", "Thrift flip: vintage denim", "Fit check before the show", "Vintage liquidation sale haul", "Sneaker rotation this week"},
		hashtags: []string{"fashion", "ootd", "outfit", "thrifting", "vintage", "style", "haul", "streetwear"},
		music:    []string{"original sound", "Runway - Velvet Static", "Fit Check (Slowed)"},
	},
	"family": {
		titles:   []string{"When mom finds the cookie jar 😂", "Family game night gets competitive", "Road trip with three kids", "Surprising dad for his birthday", "Our Sunday morning routine"},
		hashtags: []string{"family", "funny", "comedy", "kids", "parenting", "familytime", "relatable"},
		music:    []string{"original sound", "Oh No - Kreepa", "Funny Song - Cavendish Music"},
	},
	"reaction": {
		titles:   []string{"Reacting to your hottest takes 🔥", "I tried the viral trend so you don't have to", "Rating my followers' setups", "This reposts reaction broke me", "Answering your questions in the car"},
		hashtags: []string{"reaction", "viral", "trend", "fyp", "funny", "storytime"},
		music:    []string{"original sound", "Monkeys Spinning Monkeys - Kevin MacLeod"},
	},
	"extreme": {
		titles:   []string{"First descent of the season 🏂", "Cliff jump into the river", "Mountain bike line of the year", "Surfing the biggest swell", "Skiing the back bowls at sunrise"},
		hashtags: []string{"extreme", "snowboarding", "skiing", "surfing", "mtb", "adrenaline", "givesyouwings"},
		music:    []string{"original sound", "Send It - Drop Zone"},
	},
}

type creator struct {
	handle string
	theme  string
	weight int // relative number of videos
}

var creators = []creator{
	{"nike", "running", 6}, {"timberwolves", "basketball", 6}, {"nba", "basketball", 5}, {"olympics", "track", 3},
	{"theshowlorios", "family", 4}, {"pappiiq", "fashion", 4}, {"camfant", "reaction", 4}, {"gordonramsay", "cooking", 3},
	{"tasty", "cooking", 4}, {"natgeo", "nature", 4}, {"redbull", "extreme", 4}, {"espn", "basketball", 3},
	{"wanderwithmia", "travel", 4}, {"thetravelbeard", "travel", 3}, {"thriftwithjess", "fashion", 3},
	{"homecheflucas", "cooking", 3}, {"trailrunnerben", "running", 3}, {"oceanlens", "nature", 3},
}

// anchor videos reproduce the vendor's own examples so the documented
// requests (get_public_video_detail PI-603068775285264430,
// get_public_audio_transcription PI-594031499251159058, the search_public
// result PI-600947902470296459) work against the mock.
type anchor struct {
	v     PublicVideo
	audio []string  // documented spoken lines, if any
	ends  []float64 // end second of each line (lines are contiguous from 0)
}

func anchors() []anchor {
	return []anchor{
		{v: PublicVideo{Platform: PlatformTikTok, VideoNo: "PI-603068775285264430", VideoName: "24 HOURS WOLVES FANS. 🐺 #nba #minnesota #timberwolves ",
			Duration: 13, CreateTime: 1753242002121, VideoURL: "https://www.tiktok.com/player/v1/7434361641896103211", LikeCount: 1460,
			ShareCount: 6, CommentCount: 29, ViewCount: 14200, CollectCount: 50, BloggerID: "timberwolves", TextLanguage: "en",
			MusicName: "original sound", Hashtags: []string{"nba", "minnesota", "timberwolves"}, PublishTime: 1730947213}},
		{v: PublicVideo{Platform: PlatformTikTok, VideoNo: "PI-594031499251159058", VideoName: "Vintage liquidation sale haul 🛍️ #thrifting #vintage #haul",
			Duration: 34, CreateTime: 1751019354210, VideoURL: "https://www.tiktok.com/player/v1/7391842203371621646", LikeCount: 8830,
			ShareCount: 212, CommentCount: 164, ViewCount: 126400, CollectCount: 905, BloggerID: "thriftwithjess", TextLanguage: "en",
			MusicName: "original sound", Hashtags: []string{"thrifting", "vintage", "haul"}, PublishTime: 1721399411},
			audio: []string{"I just got back from my friend's vintage liquidation sale.", "Somehow I came back with two bags full of stuff.",
				"Fully intended just to browse.", "Okay, let's see what I got.", "First up, this vintage denim jacket, look at the stitching.",
				"Then there's this little brass lamp, I couldn't say no.", "And a whole stack of old records for five dollars.",
				"Honestly, best sale I've been to all year."},
			ends: []float64{3, 7, 9, 12, 17, 22, 28, 34}},
		{v: PublicVideo{Platform: PlatformTikTok, VideoNo: "PI-600947902470296459", VideoName: "They played in their OPPONENTS jerseys?!? #nba #basketball #jerseys",
			Duration: 41, CreateTime: 1752608412877, VideoURL: "https://www.tiktok.com/player/v1/7408127745582222634", LikeCount: 412300,
			ShareCount: 9120, CommentCount: 3318, ViewCount: 5120000, CollectCount: 20450, BloggerID: "nba", TextLanguage: "en",
			MusicName: "original sound", Hashtags: []string{"nba", "basketball", "jerseys"}, PublishTime: 1725321608}},
		{v: PublicVideo{Platform: PlatformTikTok, VideoNo: "PI-601225874410338817", VideoName: "Usain Bolt's legendary 100m sprint race ⚡ #usainbolt #sprint #trackandfield",
			Duration: 28, CreateTime: 1752891104530, VideoURL: "https://www.tiktok.com/player/v1/7402211458804117793", LikeCount: 981200,
			ShareCount: 40210, CommentCount: 7741, ViewCount: 12800000, CollectCount: 66100, BloggerID: "olympics", TextLanguage: "en",
			MusicName: "original sound", Hashtags: []string{"usainbolt", "sprint", "trackandfield"}, PublishTime: 1723975922}},
		{v: PublicVideo{Platform: PlatformTikTok, VideoNo: "PI-604118530219946281", VideoName: "NIKE x SKIMS",
			Duration: 9, CreateTime: 1754101977312, VideoURL: "https://www.tiktok.com/player/v1/7436019284117802283", LikeCount: 59500,
			ShareCount: 9226, CommentCount: 146, ViewCount: 1000000, CollectCount: 4410, BloggerID: "nike", TextLanguage: "en",
			MusicName: "original sound", PublishTime: 1731402110}},
	}
}

// PublicLibrary returns the seeded public video pool: n videos (n <= 0
// means DefaultPublicLibrarySize) across TikTok (about half), YouTube
// Shorts and Instagram, deterministic for a seed. The first entries
// reproduce the vendor's documented examples; creators include nike,
// timberwolves, nba, olympics and the handles of the marketer example
// (pappiiq, camfant, theshowlorios).
func PublicLibrary(seed int64, n int) []PublicVideo {
	if n <= 0 {
		n = DefaultPublicLibrarySize
	}
	r := newRNG(seed, "public-library")
	used := map[string]struct{}{}
	out := make([]PublicVideo, 0, n)
	for _, a := range anchors() {
		if len(out) == n {
			return out
		}
		v := a.v
		v.TextLanguage = "en"
		var audio []model.Segment
		start := 0.0
		for i, line := range a.audio {
			audio = append(audio, model.Segment{Index: i, Start: start, End: a.ends[i], Text: line, Speaker: "SPEAKER_00"})
			start = a.ends[i]
		}
		v.Content = generate(VideoInput{Seed: seed, VideoNo: v.VideoNo, Name: v.VideoName, Tags: v.Hashtags,
			Duration: float64(v.Duration), HasAudio: true}, audio)
		used[v.VideoNo] = struct{}{}
		out = append(out, v)
	}
	// weighted creator deck: famous accounts post more
	var deck []int
	for i, c := range creators {
		for k := 0; k < c.weight; k++ {
			deck = append(deck, i)
		}
	}
	first := len(out)
	for i := first; i < n; i++ {
		vr := newRNG(seed, "public-video", strconv.Itoa(i))
		var c creator
		if i-first < len(creators) {
			c = creators[i-first] // every creator posts at least once
		} else {
			c = creators[deck[r.intn(len(deck))]]
		}
		out = append(out, publicVideo(vr, seed, i, c, used))
	}
	return out
}

// publicVideo invents one video of creator c.
func publicVideo(r *rng, seed int64, i int, c creator, used map[string]struct{}) PublicVideo {
	th := themes[c.theme]
	v := PublicVideo{BloggerID: c.handle, TextLanguage: "en"}
	switch i % 10 {
	case 0, 1, 2, 3, 4:
		v.Platform = PlatformTikTok
		v.Duration = r.between(7, 60)
		v.VideoURL = "https://www.tiktok.com/player/v1/7" + r.chars(18, "0123456789")
	case 5, 6, 7:
		v.Platform = PlatformYouTube
		v.Duration = r.between(15, 60)
		v.VideoURL = "https://www.youtube.com/shorts/" + r.chars(11, urlAlphabet)
	default:
		v.Platform = PlatformInstagram
		v.Duration = r.between(10, 90)
		v.VideoURL = "https://www.instagram.com/p/" + r.chars(11, urlAlphabet) + "/"
	}
	for {
		v.VideoNo = "PI-6" + r.chars(17, "0123456789")
		if _, dup := used[v.VideoNo]; !dup {
			used[v.VideoNo] = struct{}{}
			break
		}
	}
	tags := append([]string(nil), th.hashtags...)
	shuffle(r, tags)
	v.Hashtags = tags[:r.between(2, 4)]
	if r.chance(30) {
		v.Hashtags = append(v.Hashtags, "fyp")
	}
	v.VideoName = r.pick(th.titles)
	if r.chance(90) {
		v.VideoName += " #" + strings.Join(v.Hashtags, " #")
	}
	v.MusicName = r.pick(th.music)
	if v.MusicName == "original sound" && r.chance(40) {
		v.MusicName = "original sound - " + c.handle
	}
	// engagement: views log-uniform between 1k and 50M, the rest as
	// realistic fractions of it
	views := logViews(r.intn(4700))
	v.ViewCount = roundViews(views)
	v.LikeCount = views * int64(r.between(20, 150)) / 1000
	v.CommentCount = max(v.LikeCount*int64(r.between(5, 50))/1000, int64(r.intn(5)))
	v.ShareCount = max(v.LikeCount*int64(r.between(2, 100))/1000, int64(r.intn(3)))
	v.CollectCount = v.LikeCount * int64(r.between(10, 80)) / 1000
	// published 2023-01-01 .. 2025-07-01, indexed afterwards (by 2025-10-01)
	v.PublishTime = 1672531200 + int64(r.intn(1751328000-1672531200))
	indexed := max(v.PublishTime+86400+int64(r.intn(30*86400)), 1748736000+int64(r.intn(120*86400)))
	v.CreateTime = indexed*1000 + int64(r.intn(1000))
	v.Content = Generate(VideoInput{Seed: seed, VideoNo: v.VideoNo, Name: v.VideoName, Tags: v.Hashtags,
		Duration: float64(v.Duration), HasAudio: true})
	return v
}

const urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// logViews maps e in [0, 4700) to roughly 1000·10^(e/1000) with integer
// arithmetic only (piecewise-linear within a decade), so counts are the same
// on every platform.
func logViews(e int) int64 {
	pts := [...]int64{1000, 1778, 3162, 5623, 10000}
	whole, frac := e/1000, int64(e%1000)
	seg := frac / 250
	val := pts[seg] + (pts[seg+1]-pts[seg])*(frac%250)/250
	for k := 0; k < whole; k++ {
		val *= 10
	}
	return val
}

// roundViews rounds like the platforms display: 14,200 not 14,213.
func roundViews(v int64) int64 {
	switch {
	case v >= 1_000_000:
		return v / 100_000 * 100_000
	case v >= 10_000:
		return v / 100 * 100
	}
	return v
}
