package v2

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/model"
	"github.com/memharness/memharness/platform/limits"
)

// socialHandlers are the social operations of memories-v2.yaml (V2_SURFACE
// §6.5): metadata, transcript, MAI transcript (async) and detail of a
// YouTube, TikTok, Instagram or Twitter/X video.
func (s *Surface) socialHandlers() map[string]handlerFunc {
	sc := &socials{Surface: s}
	return map[string]handlerFunc{
		"v2_social_metadata":       sc.hSocialMetadata,
		"v2_social_transcript":     sc.hSocialTranscript,
		"v2_social_mai_transcript": sc.hSocialMAI,
		"v2_social_detail":         sc.hSocialDetail,
	}
}

// socials serves the social operations; it holds the public videos the v1
// surface documents, built on first use.
type socials struct {
	*Surface
	once    sync.Once
	library map[string]content.PublicVideo // by platform + ":" + video id
}

// publicAnchors is how many leading videos of content.PublicLibrary are
// the vendor's documented examples (get_public_video_detail,
// get_public_audio_transcription, search_public): all TikTok posts.
const publicAnchors = 5

// known returns the v1 public-library video with this platform id, so a
// documented example video (TikTok 7434361641896103211 of @timberwolves,
// …) has the same creator, title, counts, duration and transcript on v1's
// get_public_video_detail and on v2's social endpoints.
func (sc *socials) known(ref socialRef) (content.PublicVideo, bool) {
	sc.once.Do(func() {
		sc.library = map[string]content.PublicVideo{}
		for _, v := range content.PublicLibrary(sc.o.Seed, publicAnchors) {
			id := v.VideoURL[strings.LastIndex(strings.TrimRight(v.VideoURL, "/"), "/")+1:]
			sc.library[strings.ToLower(v.Platform)+":"+strings.TrimRight(id, "/")] = v
		}
	})
	v, ok := sc.library[ref.Platform+":"+ref.ID]
	return v, ok
}

// Platforms of the social endpoints (the {platform} path segment).
const (
	platYouTube   = "youtube"
	platTikTok    = "tiktok"
	platInstagram = "instagram"
	platTwitter   = "twitter"
)

// Channels of the social endpoints: the scraper backend the request goes
// through. The answer's shape follows the backend for TikTok (apify's
// actor items vs the TikTok web API's itemInfo.itemStruct).
const (
	chanRapid    = "rapid"
	chanMemories = "memories.ai"
	chanApify    = "apify"
)

var (
	reDigits    = regexp.MustCompile(`^[0-9]{6,25}$`)
	reYouTubeID = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)
	reShortcode = regexp.MustCompile(`^[A-Za-z0-9_-]{5,40}$`)
	reHandle    = regexp.MustCompile(`^[A-Za-z0-9_.]{1,30}$`)
)

// socialRef is a parsed social video reference.
type socialRef struct {
	Platform string
	ID       string // TikTok/Twitter numeric id, YouTube 11-char id, Instagram shortcode
	Handle   string // creator handle when the URL carries one (TikTok, Twitter)
	URL      string // the canonical URL of the video
}

// platformParam checks the {platform} path segment. Another platform gets
// the live API's catch-all 400 [UNCERTAIN: the docs list only the four].
func (cl *call) platformParam() (string, error) {
	p := strings.ToLower(cl.params["platform"])
	switch p {
	case platYouTube, platTikTok, platInstagram, platTwitter:
		return p, nil
	}
	return "", errInvalid
}

// socHostIs reports whether host is domain or one of the given subdomains.
func socHostIs(host, domain string, subs ...string) bool {
	if host == domain {
		return true
	}
	for _, s := range subs {
		if host == s+"."+domain {
			return true
		}
	}
	return false
}

// parseSocialURL applies the per-platform URL rules. A URL of another
// platform or of an unsupported form is refused (the caller answers the
// catch-all 400).
//
// Why these forms: they are the post URLs the vendor's pages and real
// clients use — TikTok /@user/video/<id>, YouTube watch?v=, /shorts/ and
// youtu.be, Instagram /reel/<shortcode>/ (the catalogue's rule; the MAI
// page's example uses /reels/, accepted too), Twitter/X /<user>/status/<id>.
func parseSocialURL(platform, raw string) (socialRef, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return socialRef{}, false
	}
	host := strings.ToLower(u.Hostname())
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	ref := socialRef{Platform: platform}
	switch platform {
	case platTikTok:
		if !socHostIs(host, "tiktok.com", "www", "m") || len(segs) != 3 || !strings.HasPrefix(segs[0], "@") ||
			segs[1] != "video" || !reDigits.MatchString(segs[2]) || !reHandle.MatchString(segs[0][1:]) {
			return socialRef{}, false
		}
		ref.Handle, ref.ID = segs[0][1:], segs[2]
	case platYouTube:
		switch {
		case socHostIs(host, "youtube.com", "www", "m", "music") && len(segs) == 1 && segs[0] == "watch":
			ref.ID = u.Query().Get("v")
		case socHostIs(host, "youtube.com", "www", "m") && len(segs) == 2 && segs[0] == "shorts":
			ref.ID = segs[1]
		case host == "youtu.be" && len(segs) == 1:
			ref.ID = segs[0]
		}
		if !reYouTubeID.MatchString(ref.ID) {
			return socialRef{}, false
		}
	case platInstagram:
		if !socHostIs(host, "instagram.com", "www") || len(segs) != 2 || (segs[0] != "reel" && segs[0] != "reels") ||
			!reShortcode.MatchString(segs[1]) {
			return socialRef{}, false
		}
		ref.ID = segs[1]
	case platTwitter:
		if !(socHostIs(host, "twitter.com", "www", "mobile") || socHostIs(host, "x.com", "www", "mobile")) ||
			len(segs) < 3 || len(segs) > 5 || segs[1] != "status" || !reDigits.MatchString(segs[2]) ||
			!reHandle.MatchString(segs[0]) {
			return socialRef{}, false
		}
		if len(segs) > 3 && segs[3] != "video" && segs[3] != "photo" {
			return socialRef{}, false
		}
		ref.Handle, ref.ID = segs[0], segs[2]
	default:
		return socialRef{}, false
	}
	ref.URL = socCanonicalURL(ref)
	return ref, true
}

// parseSocialID accepts a bare video id (detail's video_id) or a URL.
func parseSocialID(platform, id string) (socialRef, bool) {
	id = strings.TrimSpace(id)
	if strings.Contains(id, "://") {
		return parseSocialURL(platform, id)
	}
	ref := socialRef{Platform: platform, ID: id}
	switch platform {
	case platTikTok, platTwitter:
		if !reDigits.MatchString(id) {
			return socialRef{}, false
		}
	case platYouTube:
		if !reYouTubeID.MatchString(id) {
			return socialRef{}, false
		}
	case platInstagram:
		if !reShortcode.MatchString(id) {
			return socialRef{}, false
		}
	}
	ref.URL = socCanonicalURL(ref)
	return ref, true
}

func socCanonicalURL(r socialRef) string {
	switch r.Platform {
	case platTikTok:
		h := r.Handle
		if h == "" {
			h = "user"
		}
		return "https://www.tiktok.com/@" + h + "/video/" + r.ID
	case platYouTube:
		return "https://www.youtube.com/watch?v=" + r.ID
	case platInstagram:
		return "https://www.instagram.com/reel/" + r.ID + "/"
	}
	h := r.Handle
	if h == "" {
		h = "i"
	}
	return "https://x.com/" + h + "/status/" + r.ID
}

// socialRNG is a small deterministic generator seeded by (seed, platform,
// id): the same video gives the same answer on every run and every key.
type socialRNG struct{ x uint64 }

func newSocialRNG(seed int64, parts ...string) *socialRNG {
	h := sha256.Sum256([]byte(fmt.Sprintf("%d|%s", seed, strings.Join(parts, "|"))))
	return &socialRNG{x: binary.BigEndian.Uint64(h[:8])}
}

func (r *socialRNG) next() uint64 {
	r.x += 0x9e3779b97f4a7c15
	z := r.x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *socialRNG) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *socialRNG) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

func (r *socialRNG) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.intn(10))
	}
	if b[0] == '0' {
		b[0] = '7'
	}
	return string(b)
}

// socialCreator is a creator of the synthetic social world.
type socialCreator struct {
	handle, name string
	titles       []string
	tags         []string
}

// socialCreators post the videos whose URL names no creator (YouTube,
// Instagram); TikTok and Twitter URLs name theirs.
var socialCreators = []socialCreator{
	{"wanderwithmia", "Mia Alvarez", []string{"Hidden beach nobody talks about", "48 hours in the mountains", "Sunrise hike worth every step"}, []string{"travel", "beach", "hiking", "sunset"}},
	{"homecheflucas", "Lucas Moreau", []string{"5 minute pasta you need to try", "Perfect steak every time", "One-pan dinner for busy nights"}, []string{"cooking", "recipe", "food", "dinner"}},
	{"trailrunnerben", "Ben Okafor", []string{"Morning run along the river", "Marathon prep week 12", "Sprint drills with the team"}, []string{"running", "training", "marathon", "fitness"}},
	{"oceanlens", "Ocean Lens", []string{"Whale breaching right next to our boat", "The reef at night", "Waterfall after three days of rain"}, []string{"nature", "ocean", "wildlife", "earth"}},
	{"thriftwithjess", "Jess Park", []string{"Thrift flip: vintage denim", "Styling one jacket five ways", "Vintage liquidation sale haul"}, []string{"fashion", "thrifting", "vintage", "ootd"}},
	{"courtvision", "Court Vision", []string{"Game winner from the corner", "Rookie vs vet shooting contest", "Pregame warmups hit different"}, []string{"basketball", "nba", "hoops", "gameday"}},
}

// socialVideo is the synthetic video behind a social URL.
type socialVideo struct {
	ref       socialRef
	creator   socialCreator
	title     string
	tags      []string
	duration  int // seconds
	width     int
	height    int
	created   int64 // Unix seconds
	views     int64
	likes     int64
	comments  int64
	shares    int64
	saves     int64
	fans      int64
	following int64
	authorID  string
	musicID   string
	music     string
	verified  bool
	content   *content.Video
}

// socialVideoOf builds the video of ref, deterministic under the seed.
func (s *socials) socialVideoOf(ref socialRef) *socialVideo {
	r := newSocialRNG(s.o.Seed, "social", ref.Platform, ref.ID)
	c := socialCreators[r.intn(len(socialCreators))]
	if ref.Handle != "" {
		c.handle = ref.Handle
		c.name = strings.ToUpper(ref.Handle[:1]) + ref.Handle[1:]
	}
	v := &socialVideo{ref: ref, creator: c, title: c.titles[r.intn(len(c.titles))]}
	v.tags = []string{c.tags[r.intn(2)], c.tags[2+r.intn(2)]}
	switch ref.Platform {
	case platYouTube:
		// youtu.be/watch links are mostly long-form; shorts are vertical.
		v.duration, v.width, v.height = r.between(60, 900), 1920, 1080
	case platTwitter:
		v.duration, v.width, v.height = r.between(8, 140), 1280, 720
	default:
		v.duration, v.width, v.height = r.between(8, 90), 576, 1024
	}
	// Published 2023-01-01 .. 2025-10-01.
	v.created = 1672531200 + int64(r.intn(1759276800-1672531200))
	// Views log-uniform between 1k and ~30M; the rest as realistic fractions.
	v.views = int64(1000 * math.Pow(10, float64(r.intn(4500))/1000))
	v.likes = v.views * int64(r.between(20, 150)) / 1000
	v.comments = v.likes * int64(r.between(5, 50)) / 1000
	v.shares = v.likes * int64(r.between(2, 80)) / 1000
	v.saves = v.likes * int64(r.between(10, 80)) / 1000
	v.fans = int64(r.between(2, 900)) * 1000
	v.following = int64(r.between(10, 2000))
	v.verified = v.fans > 500000
	v.authorID = r.digits(19)
	v.musicID = r.digits(19)
	v.music = "original sound - " + c.handle
	v.content = content.Generate(content.VideoInput{Seed: s.o.Seed, VideoNo: ref.Platform + ":" + ref.ID,
		Name: v.title, Tags: v.tags, Duration: float64(v.duration), HasAudio: true})
	if pv, ok := s.known(ref); ok {
		v.fromLibrary(pv)
	}
	return v
}

// fromLibrary takes a documented public video's facts.
func (v *socialVideo) fromLibrary(pv content.PublicVideo) {
	v.creator.handle = pv.BloggerID
	v.creator.name = strings.ToUpper(pv.BloggerID[:1]) + pv.BloggerID[1:]
	v.ref.Handle = pv.BloggerID
	v.ref.URL = socCanonicalURL(v.ref)
	v.title = strings.TrimSpace(strings.Split(pv.VideoName, " #")[0])
	v.tags = append([]string(nil), pv.Hashtags...)
	if len(v.tags) == 0 {
		v.tags = []string{strings.ToLower(pv.BloggerID)}
	}
	v.duration = pv.Duration
	v.created = pv.PublishTime
	v.views, v.likes, v.comments, v.shares, v.saves = pv.ViewCount, pv.LikeCount, pv.CommentCount, pv.ShareCount, pv.CollectCount
	v.music = pv.MusicName
	if pv.Content != nil {
		v.content = pv.Content
	}
}

func (v *socialVideo) caption() string { return v.title + " #" + strings.Join(v.tags, " #") }

func (v *socialVideo) avatar() string {
	return "https://p16-sign.tiktokcdn-us.com/avt/" + v.authorID + "~tplv-tiktokx-cropcenter:100:100.jpeg"
}

// socialRequest checks the platform, the video URL and the channel of a
// metadata/transcript call.
func (s *socials) socialRequest(cl *call) (*socialVideo, string, error) {
	p, err := cl.platformParam()
	if err != nil {
		return nil, "", err
	}
	ref, ok := parseSocialURL(p, cl.str("video_url"))
	if !ok {
		return nil, "", errInvalid
	}
	// One scraped video per call: the ~$0.01/video tariff.
	cl.usage = limits.Quantity{Queries: 1}
	return s.socialVideoOf(ref), cl.str("channel"), nil
}

// hSocialMetadata is POST /{platform}/video/metadata.
func (s *socials) hSocialMetadata(cl *call) (any, error) {
	v, channel, err := s.socialRequest(cl)
	if err != nil {
		return nil, err
	}
	return v.metadata(channel), nil
}

// hSocialDetail is POST /{platform}/video/detail {video_id}: the docs show
// only a script using it [UNCERTAIN]; the mock answers the platform's
// metadata object for the id (a URL is accepted too).
func (s *socials) hSocialDetail(cl *call) (any, error) {
	p, err := cl.platformParam()
	if err != nil {
		return nil, err
	}
	ref, ok := parseSocialID(p, cl.str("video_id"))
	if !ok {
		return nil, errInvalid
	}
	cl.usage = limits.Quantity{Queries: 1}
	channel := cl.str("channel")
	if channel == "" {
		channel = chanMemories
	}
	return s.socialVideoOf(ref).metadata(channel), nil
}

// metadata is the platform's metadata answer.
func (v *socialVideo) metadata(channel string) any {
	switch v.ref.Platform {
	case platTikTok:
		if channel == chanApify {
			return []any{v.tiktokApify()}
		}
		return map[string]any{"itemInfo": map[string]any{"itemStruct": v.tiktokItem()}, "statusCode": 0, "status_msg": ""}
	case platYouTube:
		return v.youtubeMeta()
	case platInstagram:
		return v.instagramMeta()
	}
	return []any{v.tweet()}
}

// tiktokItem is the TikTok web API's itemStruct (rapid, memories.ai).
func (v *socialVideo) tiktokItem() map[string]any {
	id := v.ref.ID
	cdn := "https://v16-webapp-prime.tiktok.com/video/tos/useast5/" + id
	var challenges []map[string]any
	for _, t := range v.tags {
		challenges = append(challenges, map[string]any{"title": t})
	}
	return map[string]any{
		"id": id, "desc": v.caption(), "createTime": strconv.FormatInt(v.created, 10), "locationCreated": "US",
		"video": map[string]any{"id": id, "height": v.height, "width": v.width, "duration": v.duration, "ratio": "720p",
			"format": "mp4", "cover": cdn + "/cover.jpeg", "playAddr": cdn + "/play.mp4", "downloadAddr": cdn + "/download.mp4",
			"bitrate": 1200000},
		"author": map[string]any{"id": v.authorID, "uniqueId": v.creator.handle, "nickname": v.creator.name,
			"verified": v.verified, "avatarThumb": v.avatar(), "signature": ""},
		"music": map[string]any{"id": v.musicID, "title": v.music, "authorName": v.creator.name, "original": true,
			"duration": v.duration, "playUrl": cdn + "/music.mp3"},
		"stats": map[string]any{"diggCount": v.likes, "shareCount": v.shares, "commentCount": v.comments,
			"playCount": v.views, "collectCount": strconv.FormatInt(v.saves, 10)},
		"challenges": challenges,
	}
}

// tiktokApify is one item of apify's TikTok actor (the doc's example for
// channel apify: a list of these).
func (v *socialVideo) tiktokApify() map[string]any {
	id := v.ref.ID
	store := "https://api.apify.com/v2/key-value-stores/mock/records/"
	var tags []map[string]any
	for _, t := range v.tags {
		tags = append(tags, map[string]any{"name": t})
	}
	return map[string]any{
		"id": id, "text": v.caption(), "textLanguage": "en", "createTime": v.created,
		"createTimeISO": time.Unix(v.created, 0).UTC().Format("2006-01-02T15:04:05.000Z"), "locationCreated": "US", "isAd": false,
		"authorMeta": map[string]any{"id": v.authorID, "name": v.creator.handle, "profileUrl": "https://www.tiktok.com/@" + v.creator.handle,
			"nickName": v.creator.name, "verified": v.verified, "avatar": v.avatar(), "following": v.following, "fans": v.fans,
			"heart": v.fans * 9, "video": 40 + v.fans%300, "digg": v.following * 7},
		"musicMeta": map[string]any{"musicName": "original sound", "musicAuthor": v.creator.name, "musicOriginal": true,
			"playUrl": store + "music-" + id + ".mp3", "musicId": v.musicID},
		"webVideoUrl": v.ref.URL, "mediaUrls": []string{store + "video-" + v.creator.handle + "-" + id + ".mp4"},
		"videoMeta": map[string]any{"height": v.height, "width": v.width, "duration": v.duration, "coverUrl": store + "cover-" + id + ".jpg",
			"definition": "540p", "format": "mp4"},
		"diggCount": v.likes, "shareCount": v.shares, "playCount": v.views, "collectCount": v.saves, "commentCount": v.comments,
		"hashtags": tags,
	}
}

// youtubeMeta follows YouTube's videoDetails (numbers as strings, as
// YouTube's player response has them) [UNCERTAIN: no doc page shows it].
func (v *socialVideo) youtubeMeta() map[string]any {
	thumb := "https://i.ytimg.com/vi/" + v.ref.ID + "/"
	return map[string]any{
		"videoId": v.ref.ID, "title": v.title, "description": v.content.Summary, "lengthSeconds": strconv.Itoa(v.duration),
		"viewCount": strconv.FormatInt(v.views, 10), "likeCount": strconv.FormatInt(v.likes, 10),
		"commentCount": strconv.FormatInt(v.comments, 10), "author": v.creator.name, "channelId": "UC" + v.authorID[:16] + "mock00",
		"channelHandle": "@" + v.creator.handle, "keywords": v.tags, "isShort": v.duration <= 60,
		"publishDate": time.Unix(v.created, 0).UTC().Format("2006-01-02T15:04:05-00:00"),
		"thumbnails": []map[string]any{{"url": thumb + "default.jpg", "width": 120, "height": 90},
			{"url": thumb + "hqdefault.jpg", "width": 480, "height": 360}},
		"url": v.ref.URL,
	}
}

// instagramMeta is the creator profile and the reel's stats (the
// catalogue's field list: username, full_name, followers, verified,
// profile_pic; views, play_count, duration, caption, comments,
// dimensions, audio).
func (v *socialVideo) instagramMeta() map[string]any {
	return map[string]any{
		"shortcode": v.ref.ID, "url": v.ref.URL,
		"owner": map[string]any{"username": v.creator.handle, "full_name": v.creator.name, "followers": v.fans,
			"following": v.following, "verified": v.verified,
			"profile_pic": "https://scontent.cdninstagram.com/v/t51.2885-19/" + v.authorID + "_n.jpg"},
		"caption": v.caption(), "views": v.views, "play_count": v.views + v.views/7, "likes": v.likes, "comments": v.comments,
		"duration": float64(v.duration), "dimensions": map[string]any{"width": v.width, "height": v.height},
		"audio":    map[string]any{"title": "Original audio", "artist": v.creator.handle, "original": true},
		"taken_at": v.created, "video_url": "https://scontent.cdninstagram.com/o1/v/t16/" + v.ref.ID + ".mp4",
	}
}

// tweet is one item of the Twitter/X scraper (apify-style, as the
// transcript page's tweetId suggests) [UNCERTAIN].
func (v *socialVideo) tweet() map[string]any {
	return map[string]any{
		"tweetId": v.ref.ID, "url": v.ref.URL, "text": v.caption(),
		"createdAt": time.Unix(v.created, 0).UTC().Format(time.RubyDate),
		"author": map[string]any{"userName": v.creator.handle, "name": v.creator.name, "followers": v.fans,
			"isVerified": v.verified, "profilePicture": "https://pbs.twimg.com/profile_images/" + v.authorID + "/normal.jpg"},
		"likeCount": v.likes, "retweetCount": v.shares, "replyCount": v.comments, "quoteCount": v.shares / 4,
		"viewCount": v.views, "bookmarkCount": v.saves,
		"media": []map[string]any{{"type": "video", "duration_ms": v.duration * 1000, "width": v.width, "height": v.height,
			"video_url": "https://video.twimg.com/ext_tw_video/" + v.ref.ID + "/pu/vid/avc1/720x1280/mock.mp4"}},
	}
}

// hSocialTranscript is POST /{platform}/video/transcript.
func (s *socials) hSocialTranscript(cl *call) (any, error) {
	v, _, err := s.socialRequest(cl)
	if err != nil {
		return nil, err
	}
	segs := v.content.Audio
	switch v.ref.Platform {
	case platYouTube:
		// YouTube's timedtext as the vendor passes it on: string numbers.
		lines := make([]map[string]any, 0, len(segs))
		for _, sg := range segs {
			lines = append(lines, map[string]any{"start": socSecs(sg.Start), "dur": socSecs(sg.End - sg.Start), "text": sg.Text})
		}
		return []any{map[string]any{"data": lines}}, nil
	case platTikTok:
		return []any{map[string]any{"transcript": socWebVTT(segs, false)}}, nil
	case platTwitter:
		return []any{map[string]any{"tweetId": v.ref.ID, "transcript_text": socPlainText(segs), "json_text": []any{},
			"webvtt_text": socWebVTT(segs, false)}}, nil
	}
	// Instagram: segments with numeric times plus the text [UNCERTAIN].
	out := make([]map[string]any, 0, len(segs))
	for _, sg := range segs {
		out = append(out, map[string]any{"start": socRound3(sg.Start), "end": socRound3(sg.End), "text": sg.Text})
	}
	return map[string]any{"shortcode": v.ref.ID, "text": socPlainText(segs), "segments": out}, nil
}

func socSecs(x float64) string { return strconv.FormatFloat(socRound3(x), 'f', -1, 64) }

func socRound3(x float64) float64 { return math.Round(x*1000) / 1000 }

func socPlainText(segs []model.Segment) string {
	parts := make([]string, 0, len(segs))
	for _, sg := range segs {
		parts = append(parts, sg.Text)
	}
	return strings.Join(parts, " ")
}

// socWebVTT renders segments as a WEBVTT document (cue numbers optional).
func socWebVTT(segs []model.Segment, numbered bool) string {
	var b strings.Builder
	b.WriteString("WEBVTT\n\n")
	for i, sg := range segs {
		if numbered {
			fmt.Fprintf(&b, "%d\n", i+1)
		}
		fmt.Fprintf(&b, "%s --> %s\n%s\n\n", socVTTTime(sg.Start), socVTTTime(sg.End), sg.Text)
	}
	return b.String()
}

func socVTTTime(x float64) string {
	ms := int64(math.Round(x * 1000))
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// hSocialMAI is POST /{platform}/video/mai/transcript: async. The task id
// comes back at once; the callback carries the MAI pipeline's two results,
// a visual transcript (Gemini scene descriptions) and an audio transcript
// (Whisper). A per-request `callback_url` (agent skills) or `webhook_url`
// (the vendor's published client) replaces the account webhook.
func (s *socials) hSocialMAI(cl *call) (any, error) {
	p, err := cl.platformParam()
	if err != nil {
		return nil, err
	}
	ref, ok := parseSocialURL(p, cl.str("video_url"))
	if !ok {
		return nil, errInvalid
	}
	override := cl.str("callback_url")
	if override == "" {
		override = cl.str("webhook_url")
	}
	if override != "" {
		if u, err := url.Parse(override); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errInvalid
		}
	}
	cl.usage = limits.Quantity{Queries: 1}
	v := s.socialVideoOf(ref)
	// The pages quote ~40 s for a typical short; the mock scales with the
	// video like the other media-bound tasks.
	after := s.o.TaskTime + time.Duration(v.duration)*time.Second/30
	job, err := fixedJob(v.maiResult())
	if err != nil {
		return nil, err
	}
	return s.startAsync(cl, override, after, job)
}

// maiResult is the MAI callback's data: videoTranscript as the page
// documents it (data.data[] {start_time, end_time, transcript},
// error_rate, usage_metadata); audioTranscript in the same frame with
// Whisper's segments and speakers [GAP: its fields are not listed].
func (v *socialVideo) maiResult() map[string]any {
	vis := make([]map[string]any, 0, len(v.content.Visual))
	out := 0
	for _, sg := range v.content.Visual {
		vis = append(vis, map[string]any{"start_time": socRound3(sg.Start), "end_time": socRound3(sg.End), "transcript": sg.Text})
		out += len(strings.Fields(sg.Text)) * 4 / 3
	}
	aud := make([]map[string]any, 0, len(v.content.Audio))
	for _, sg := range v.content.Audio {
		aud = append(aud, map[string]any{"start_time": socRound3(sg.Start), "end_time": socRound3(sg.End), "transcript": sg.Text,
			"speaker": sg.Speaker})
	}
	frame := func(segs []map[string]any, model string, prompt, output int) map[string]any {
		return map[string]any{"data": map[string]any{"data": segs, "error_rate": 0.0,
			"usage_metadata": map[string]any{"duration": float64(v.duration), "model": model, "output_tokens": output,
				"prompt_tokens": prompt}}, "msg": "success", "success": true}
	}
	return map[string]any{
		"video_url":       v.ref.URL,
		"videoTranscript": frame(vis, "gemini-2.5-flash", 258*v.duration+120, out),
		"audioTranscript": frame(aud, "whisper-1", 0, 0),
	}
}
