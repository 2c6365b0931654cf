package v2

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/memharness/memharness/openapi"
)

// socValidate checks an answer against operation opID of memories-v2.yaml.
func socValidate(t *testing.T, opID string, req *http.Request, a answer) {
	t.Helper()
	spec, err := openapi.MemoriesV2()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range spec.Paths.InMatchingOrder() {
		item := spec.Paths.Value(p)
		for method, o := range item.Operations() {
			if o.OperationID != opID {
				continue
			}
			route := &routers.Route{Spec: spec, Path: p, PathItem: item, Method: method, Operation: o}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
				Status:                 a.Status, Header: a.Header, Body: io.NopCloser(bytes.NewReader(a.Raw)),
				Options: &openapi3filter.Options{IncludeResponseStatus: true},
			}
			if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
				t.Fatalf("%s: answer does not match the spec: %v\n%.500s", opID, err, a.Raw)
			}
			return
		}
	}
	t.Fatalf("operation %s not in the spec", opID)
}

// social posts a JSON body to a social path and validates the answer.
func (ts *testSurface) social(opID, path, key string, body map[string]any) answer {
	ts.t.Helper()
	b, _ := json.Marshal(body)
	a := ts.do(http.MethodPost, path, key, "application/json", bytes.NewReader(b))
	socValidate(ts.t, opID, httptest.NewRequest(http.MethodPost, BasePath+path, nil), a)
	return a
}

func TestSocialURLRules(t *testing.T) {
	tests := []struct {
		name, platform, url string
		ok                  bool
		id                  string
	}{
		{name: "tiktok post", platform: "tiktok", url: "https://www.tiktok.com/@cutshall73/video/7543017294226558221", ok: true, id: "7543017294226558221"},
		{name: "tiktok mobile host", platform: "tiktok", url: "https://m.tiktok.com/@a.b/video/7543017294226558221?lang=en", ok: true, id: "7543017294226558221"},
		{name: "tiktok profile", platform: "tiktok", url: "https://www.tiktok.com/@cutshall73"},
		{name: "tiktok player url", platform: "tiktok", url: "https://www.tiktok.com/player/v1/7434361641896103211"},
		{name: "tiktok url on youtube", platform: "youtube", url: "https://www.tiktok.com/@cutshall73/video/7543017294226558221"},
		{name: "youtube watch", platform: "youtube", url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=4", ok: true, id: "dQw4w9WgXcQ"},
		{name: "youtube shorts", platform: "youtube", url: "https://youtube.com/shorts/T2ThsydNQaM", ok: true, id: "T2ThsydNQaM"},
		{name: "youtu.be", platform: "youtube", url: "https://youtu.be/dQw4w9WgXcQ", ok: true, id: "dQw4w9WgXcQ"},
		{name: "youtube short id", platform: "youtube", url: "https://www.youtube.com/watch?v=abc"},
		{name: "youtube channel", platform: "youtube", url: "https://www.youtube.com/@nike"},
		{name: "instagram reel", platform: "instagram", url: "https://www.instagram.com/reel/DNu8_Fs4mSd/", ok: true, id: "DNu8_Fs4mSd"},
		{name: "instagram reels (MAI page)", platform: "instagram", url: "https://www.instagram.com/reels/DLlGZiCOBQ0/", ok: true, id: "DLlGZiCOBQ0"},
		{name: "instagram post", platform: "instagram", url: "https://www.instagram.com/p/DNu8_Fs4mSd/"},
		{name: "instagram profile", platform: "instagram", url: "https://www.instagram.com/nike/"},
		{name: "x status", platform: "twitter", url: "https://x.com/NBCOlympics/status/1989901761650323606", ok: true, id: "1989901761650323606"},
		{name: "twitter status video", platform: "twitter", url: "https://twitter.com/nba/status/1989901761650323606/video/1", ok: true, id: "1989901761650323606"},
		{name: "x profile", platform: "twitter", url: "https://x.com/NBCOlympics"},
		{name: "not a url", platform: "twitter", url: "1989901761650323606"},
		{name: "ftp scheme", platform: "youtube", url: "ftp://youtu.be/dQw4w9WgXcQ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, ok := parseSocialURL(tt.platform, tt.url)
			if ok != tt.ok || ref.ID != tt.id {
				t.Fatalf("parse(%s, %q) = %+v, %v; want id %q, %v", tt.platform, tt.url, ref, ok, tt.id, tt.ok)
			}
		})
	}
}

func TestSocialAnswers(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	const key = "sk-social"
	tests := []struct {
		name, op, path, url, channel string
		check                        func(t *testing.T, data any)
	}{
		{name: "tiktok metadata rapid", op: "v2_social_metadata", path: "/tiktok/video/metadata",
			url: "https://www.tiktok.com/@cutshall73/video/7543017294226558221", channel: "rapid",
			check: func(t *testing.T, data any) {
				it := socDig(t, data, "itemInfo", "itemStruct").(map[string]any)
				if socDig(t, it, "author", "uniqueId") != "cutshall73" || it["id"] != "7543017294226558221" {
					t.Fatalf("item: %v", it)
				}
				if socDig(t, it, "video", "downloadAddr") == "" || socDig(t, it, "video", "playAddr") == "" {
					t.Fatal("no video addresses")
				}
			}},
		{name: "tiktok metadata apify", op: "v2_social_metadata", path: "/tiktok/video/metadata",
			url: "https://www.tiktok.com/@cutshall73/video/7543017294226558221", channel: "apify",
			check: func(t *testing.T, data any) {
				list := data.([]any)
				if len(list) != 1 || socDig(t, list[0], "authorMeta", "name") != "cutshall73" {
					t.Fatalf("apify list: %v", list)
				}
			}},
		{name: "youtube metadata", op: "v2_social_metadata", path: "/youtube/video/metadata",
			url: "https://youtu.be/dQw4w9WgXcQ", channel: "memories.ai",
			check: func(t *testing.T, data any) {
				if socDig(t, data, "videoId") != "dQw4w9WgXcQ" {
					t.Fatalf("videoId: %v", data)
				}
				if _, err := strconv.Atoi(socDig(t, data, "lengthSeconds").(string)); err != nil {
					t.Fatal("lengthSeconds is not a string number")
				}
			}},
		{name: "instagram metadata", op: "v2_social_metadata", path: "/instagram/video/metadata",
			url: "https://www.instagram.com/reel/DNu8_Fs4mSd/", channel: "rapid",
			check: func(t *testing.T, data any) {
				for _, f := range []string{"username", "full_name", "followers", "verified", "profile_pic"} {
					socDig(t, data, "owner", f)
				}
				for _, f := range []string{"views", "play_count", "duration", "caption", "comments", "dimensions", "audio"} {
					socDig(t, data, f)
				}
			}},
		{name: "twitter metadata", op: "v2_social_metadata", path: "/twitter/video/metadata",
			url: "https://x.com/NBCOlympics/status/1989901761650323606", channel: "apify",
			check: func(t *testing.T, data any) {
				if socDig(t, data.([]any)[0], "author", "userName") != "NBCOlympics" {
					t.Fatalf("tweet: %v", data)
				}
			}},
		{name: "youtube transcript", op: "v2_social_transcript", path: "/youtube/video/transcript",
			url: "https://www.youtube.com/shorts/T2ThsydNQaM", channel: "rapid",
			check: func(t *testing.T, data any) {
				lines := socDig(t, data.([]any)[0], "data").([]any)
				if len(lines) == 0 {
					t.Fatal("no lines")
				}
				for _, l := range lines {
					m := l.(map[string]any)
					if _, ok := m["start"].(string); !ok {
						t.Fatalf("start is not a string: %v", m)
					}
				}
			}},
		{name: "tiktok transcript", op: "v2_social_transcript", path: "/tiktok/video/transcript",
			url: "https://www.tiktok.com/@nike/video/7434361641896103211", channel: "rapid",
			check: func(t *testing.T, data any) {
				vtt := socDig(t, data.([]any)[0], "transcript").(string)
				if !strings.HasPrefix(vtt, "WEBVTT\n\n00:00:00.000 --> ") {
					t.Fatalf("vtt: %.80q", vtt)
				}
			}},
		{name: "twitter transcript", op: "v2_social_transcript", path: "/twitter/video/transcript",
			url: "https://x.com/NBCOlympics/status/1989901761650323606", channel: "apify",
			check: func(t *testing.T, data any) {
				if socDig(t, data.([]any)[0], "tweetId") != "1989901761650323606" {
					t.Fatal("tweetId")
				}
			}},
		{name: "instagram transcript", op: "v2_social_transcript", path: "/instagram/video/transcript",
			url: "https://www.instagram.com/reel/DNu8_Fs4mSd/", channel: "rapid",
			check: func(t *testing.T, data any) {
				if len(socDig(t, data, "segments").([]any)) == 0 || socDig(t, data, "text") == "" {
					t.Fatal("empty transcript")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"video_url": tt.url, "channel": tt.channel}
			a := ts.social(tt.op, tt.path, key, body)
			if a.Status != 200 {
				t.Fatalf("%d %s", a.Status, a.Raw)
			}
			tt.check(t, a.Body["data"])
			ts.clk.Advance(2 * time.Second) // 1 QPS per operation
			b := ts.social(tt.op, tt.path, "sk-other-account", body)
			if !reflect.DeepEqual(a.Body["data"], b.Body["data"]) {
				t.Fatal("the same URL answered differently")
			}
			ts.clk.Advance(2 * time.Second)
		})
	}
}

// TestSocialTranscriptFitsVideo: transcript lines lie inside the duration
// metadata reports, for the same URL.
func TestSocialTranscriptFitsVideo(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	url := "https://www.instagram.com/reel/C9xYz12AbCd/"
	m := ts.social("v2_social_metadata", "/instagram/video/metadata", "k", map[string]any{"video_url": url, "channel": "rapid"})
	dur := socDig(t, m.Body["data"], "duration").(float64)
	tr := ts.social("v2_social_transcript", "/instagram/video/transcript", "k", map[string]any{"video_url": url, "channel": "rapid"})
	for _, sg := range socDig(t, tr.Body["data"], "segments").([]any) {
		s := sg.(map[string]any)
		if s["start"].(float64) < 0 || s["end"].(float64) > dur+0.001 || s["start"].(float64) >= s["end"].(float64) {
			t.Fatalf("segment %v outside [0, %v]", s, dur)
		}
	}
}

func TestSocialErrors(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	tests := []struct {
		name, path string
		body       map[string]any
		msg        string
	}{
		{name: "unknown platform", path: "/facebook/video/metadata",
			body: map[string]any{"video_url": "https://www.facebook.com/watch?v=1", "channel": "rapid"}, msg: "Request has exceeded the limit."},
		{name: "url of another platform", path: "/youtube/video/metadata",
			body: map[string]any{"video_url": "https://www.tiktok.com/@a/video/7543017294226558221", "channel": "rapid"}, msg: "Request has exceeded the limit."},
		{name: "instagram post url", path: "/instagram/video/transcript",
			body: map[string]any{"video_url": "https://www.instagram.com/p/DNu8_Fs4mSd/", "channel": "rapid"}, msg: "Request has exceeded the limit."},
		{name: "unknown channel", path: "/tiktok/video/metadata",
			body: map[string]any{"video_url": "https://www.tiktok.com/@a/video/7543017294226558221", "channel": "scrapingbee"}, msg: "Request has exceeded the limit."},
		{name: "missing video_url", path: "/tiktok/video/metadata", body: map[string]any{"channel": "rapid"}, msg: "video_url cannot be null or empty"},
		{name: "missing channel", path: "/tiktok/video/transcript",
			body: map[string]any{"video_url": "https://www.tiktok.com/@a/video/7543017294226558221"}, msg: "channel cannot be null or empty"},
		{name: "detail malformed id", path: "/youtube/video/detail", body: map[string]any{"video_id": "short"}, msg: "Request has exceeded the limit."},
		{name: "detail missing id", path: "/youtube/video/detail", body: map[string]any{}, msg: "video_id cannot be null or empty"},
		{name: "mai bad platform url", path: "/twitter/video/mai/transcript",
			body: map[string]any{"video_url": "https://x.com/nba"}, msg: "Request has exceeded the limit."},
		{name: "mai override not a url", path: "/twitter/video/mai/transcript",
			body: map[string]any{"video_url": "https://x.com/nba/status/1989901761650323606", "callback_url": "not a url"}, msg: "Request has exceeded the limit."},
		{name: "mai without any webhook", path: "/twitter/video/mai/transcript",
			body: map[string]any{"video_url": "https://x.com/nba/status/1989901761650323606"}, msg: "An async request requires at least one webhook."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectError(t, ts.json(http.MethodPost, tt.path, "sk-err", tt.body), http.StatusBadRequest, tt.msg)
			ts.clk.Advance(2 * time.Second)
		})
	}
}

func TestSocialMAIWebhook(t *testing.T) {
	tests := []struct {
		name     string
		account  bool   // set the account webhook
		override string // "callback_url", "webhook_url" or ""
	}{
		{name: "account webhook", account: true},
		{name: "callback_url overrides", account: true, override: "callback_url"},
		{name: "webhook_url without account webhook", override: "webhook_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSurface(t, testOpts{})
			acct, over := newReceiver(t, 0), newReceiver(t, 0)
			if tt.account {
				ts.p.Accounts.SetWebhook("sk-mai", acct.srv.URL)
			}
			body := map[string]any{"video_url": "https://www.tiktok.com/@nike/video/7434361641896103211"}
			want := acct
			if tt.override != "" {
				body[tt.override] = over.srv.URL
				want = over
			}
			a := ts.social("v2_social_mai_transcript", "/tiktok/video/mai/transcript", "sk-mai", body)
			if a.Status != 200 {
				t.Fatalf("%d %s", a.Status, a.Raw)
			}
			id := a.data()["task_id"].(string)
			var got map[string]any
			ts.advanceUntil(func() bool {
				select {
				case got = <-want.got:
					return true
				default:
					return false
				}
			})
			if got["task_id"] != id || got["message"] != "SUCCESS" || got["code"] != float64(200) {
				t.Fatalf("callback: %v", got)
			}
			segs := socDig(t, got["data"], "videoTranscript", "data", "data").([]any)
			if len(segs) == 0 || socDig(t, segs[0], "transcript") == "" {
				t.Fatal("no visual transcript")
			}
			if len(socDig(t, got["data"], "audioTranscript", "data", "data").([]any)) == 0 {
				t.Fatal("no audio transcript")
			}
			if tt.override != "" && tt.account {
				select {
				case m := <-acct.got:
					t.Fatalf("the account webhook got %v despite the override", m)
				default:
				}
			}
		})
	}
}

// socDig walks nested maps by key, failing when a key is missing.
func socDig(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("not an object at %q: %v", k, v)
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("no %q in %v", k, m)
		}
	}
	return v
}

// TestSocialDocumentedVideos: the v1 public library's documented example
// videos answer the same facts on v2 (creator, duration, counts, and the
// documented spoken lines).
func TestSocialDocumentedVideos(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	// The URL's handle is not the creator's: TikTok resolves posts by id.
	url := "https://www.tiktok.com/@someone/video/7391842203371621646"
	m := ts.social("v2_social_metadata", "/tiktok/video/metadata", "k", map[string]any{"video_url": url, "channel": "rapid"})
	it := socDig(t, m.Body["data"], "itemInfo", "itemStruct")
	if socDig(t, it, "author", "uniqueId") != "thriftwithjess" || socDig(t, it, "video", "duration") != float64(34) ||
		socDig(t, it, "stats", "playCount") != float64(126400) {
		t.Fatalf("documented video's facts: %v", it)
	}
	tr := ts.social("v2_social_transcript", "/tiktok/video/transcript", "k", map[string]any{"video_url": url, "channel": "rapid"})
	vtt := socDig(t, tr.Body["data"].([]any)[0], "transcript").(string)
	if !strings.Contains(vtt, "00:00:00.000 --> 00:00:03.000\nI just got back from my friend's vintage liquidation sale.") {
		t.Fatalf("documented lines missing from %q", vtt)
	}
}
