package mock

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"strings"
	"time"

	"github.com/memharness/memharness/mock/store"
)

// publicAccount owns the videos scraped into the public library: they are
// visible to every account and cannot be deleted.
const publicAccount = "\x00public"

// platformOf recognises the platforms the scrapers support (seed 001:
// TikTok, YouTube and Instagram post and creator URLs).
func platformOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	host = strings.TrimPrefix(host, "m.")
	switch {
	case host == "tiktok.com" || strings.HasSuffix(host, ".tiktok.com"):
		return "TIKTOK"
	case host == "youtube.com" || host == "youtu.be" || strings.HasSuffix(host, ".youtube.com"):
		return "YOUTUBE"
	case host == "instagram.com" || strings.HasSuffix(host, ".instagram.com"):
		return "INSTAGRAM"
	}
	return ""
}

// onePlatform checks a batch of URLs: each recognised, all the same.
func onePlatform(urls []string) (string, error) {
	platform := ""
	for _, u := range urls {
		p := platformOf(u)
		if p == "" {
			return "", apiErr(CodeBadParam, "parameter error: unsupported platform url: %s", u)
		}
		if platform != "" && p != platform {
			return "", apiErr(CodeBadParam, "parameter error: video_urls must all be from the same platform")
		}
		platform = p
	}
	return platform, nil
}

func (s *Server) newTask(cl *call, kind string, public bool, platform string, inputs []string, count int) (any, error) {
	now := s.clk.Now()
	t := &store.Task{
		ID: s.ids.task(cl.account), Account: cl.account, Namespace: cl.ns(), Kind: kind, Public: public,
		Platform: platform, Inputs: inputs, Count: count, Quality: cl.int("quality", 720),
		Callback:  firstNonEmpty(cl.str("callback_url"), cl.str("callback")),
		CreatedAt: now, DownloadedAt: now.Add(s.opts.ScrapeTime),
	}
	if public {
		t.Namespace = "default"
	}
	if len(t.Callback) > 299 {
		return nil, apiErr(CodeBadParam, "parameter error: callback must be at most 299 characters")
	}
	if err := s.checkCallback("callback_url", t.Callback); err != nil {
		return nil, err
	}
	for i := 0; i < count; i++ {
		if public {
			t.VideoNos = append(t.VideoNos, s.ids.public())
		} else {
			t.VideoNos = append(t.VideoNos, s.ids.video())
		}
	}
	if err := s.store.PutTask(t); err != nil {
		return nil, err
	}
	return map[string]any{"taskId": t.ID}, nil
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			return strings.TrimSpace(x)
		}
	}
	return ""
}

// hScraperURL is POST /scraper_url and /scraper_url_public.
func (s *Server) hScraperURL(public bool) handlerFunc {
	return func(cl *call) (any, error) {
		urls := append(cl.strs("video_urls"), cl.strs("tiktok_post_urls")...)
		if len(urls) == 0 {
			return nil, apiErr(CodeBadParam, "parameter error: video_urls is required")
		}
		if len(urls) > 50 {
			return nil, apiErr(CodeBadParam, "parameter error: at most 50 video urls per request")
		}
		platform, err := onePlatform(urls)
		if err != nil {
			return nil, err
		}
		return s.newTask(cl, "scraper_url", public, platform, urls, len(urls))
	}
}

// hScraper is POST /scraper and /scraper_public (a creator profile URL).
func (s *Server) hScraper(public bool) handlerFunc {
	return func(cl *call) (any, error) {
		user := strings.TrimSpace(cl.str("username"))
		if user == "" {
			return nil, apiErr(CodeBadParam, "parameter error: username is required")
		}
		platform, err := onePlatform([]string{user})
		if err != nil {
			return nil, err
		}
		n := cl.int("scraper_cnt", 4)
		if n < 1 || n > 50 {
			return nil, apiErr(CodeBadParam, "parameter error: scraper_cnt must be between 1 and 50")
		}
		return s.newTask(cl, "scraper", public, platform, []string{user}, n)
	}
}

// hScraperTag is POST /scraper_tag and /scraper_tag_public (TikTok only).
func (s *Server) hScraperTag(public bool) handlerFunc {
	return func(cl *call) (any, error) {
		var tags []string
		for _, t := range cl.strs("hash_tags") {
			if t = strings.TrimPrefix(strings.TrimSpace(t), "#"); t != "" {
				tags = append(tags, t)
			}
		}
		if len(tags) == 0 {
			return nil, apiErr(CodeBadParam, "parameter error: hash_tags is required")
		}
		per := cl.int("scraper_cnt", 2)
		if per < 1 || per > 50 {
			return nil, apiErr(CodeBadParam, "parameter error: scraper_cnt must be between 1 and 50")
		}
		return s.newTask(cl, "scraper_tag", public, "TIKTOK", tags, per*len(tags))
	}
}

// scrapedVideo builds the i-th video of a finished download with stable
// synthetic metadata derived from the task input.
func (s *Server) scrapedVideo(t *store.Task, i int, no string, now time.Time) *store.Video {
	input := t.Inputs[i%len(t.Inputs)]
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d|%s|%d", s.opts.Seed, input, i)
	x := h.Sum64()
	name := scrapedName(t, input, i, x)
	width, height := 720, 1280
	if t.Platform == "YOUTUBE" && t.Quality > 0 && t.Quality < 720 {
		width, height = t.Quality*9/16, t.Quality
	}
	account, ns := t.Account, t.Namespace
	if t.Public {
		account, ns = publicAccount, "default"
	}
	dur := float64(8 + x%80)
	return &store.Video{
		No: no, Account: account, Namespace: ns, Name: name, Status: store.StatusUnparse,
		Size: int64(dur * 250_000), Duration: dur, Width: width, Height: height, FPS: 30,
		VideoCodec: "h264", AudioCodec: "aac", HasAudio: true, CreatedAt: now,
		ReadyAt: now.Add(s.processingTime(dur)), FinalStatus: store.StatusParse,
		SourceURL: input, TaskID: t.ID, Platform: t.Platform, Callback: t.Callback, Tags: []string{"api"},
	}
}

func scrapedName(t *store.Task, input string, i int, x uint64) string {
	switch t.Kind {
	case "scraper_tag":
		return fmt.Sprintf("#%s trend %d", input, i+1)
	case "scraper":
		u, _ := url.Parse(input)
		creator := strings.Trim(strings.TrimPrefix(u.Path, "/"), "/")
		return fmt.Sprintf("%s post %d", creator, i+1)
	default:
		u, _ := url.Parse(input)
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		return fmt.Sprintf("%s %s %d", strings.ToLower(t.Platform), parts[0], x%10000)
	}
}
