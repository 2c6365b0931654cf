package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// captured is one request as the test server saw it.
type captured struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// recorder is an httptest server that records requests and answers with
// the function given (default: a success envelope with data null).
type recorder struct {
	mu   sync.Mutex
	reqs []captured
	srv  *httptest.Server
}

func newRecorder(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, captured{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), b})
		rec.mu.Unlock()
		if answer != nil {
			answer(w, r, b)
			return
		}
		writeEnvelope(w, "0000", "success", nil)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) last() captured {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[len(r.reqs)-1]
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func writeEnvelope(w http.ResponseWriter, code, msg string, data any) {
	w.Header().Set("Content-Type", "application/json")
	ok := code == "0000"
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "msg": msg, "data": data, "success": ok, "failed": !ok})
}

func testClient(url string, opts ...Option) *Client {
	return New(url, "sk-test", append([]Option{WithPace(false)}, opts...)...)
}

// dataFor answers each path with a plausible data payload so typed methods
// decode.
func dataFor(path string) any {
	switch OpName(path) {
	case "upload", "upload_url":
		return map[string]any{"videoNo": "VI568102998803353600", "videoName": "x", "videoStatus": "UNPARSE", "uploadTime": "1744905509814"}
	case "scraper_url", "scraper_url_public", "scraper", "scraper_public", "scraper_tag", "scraper_tag_public":
		return map[string]any{"taskId": "31b0fccb-d6f9-4135-922d-1e8828499812_84f9d9b4b6e5940b67e67e2d17ef1f97"}
	case "upload_img":
		return []any{map[string]any{"id": "568102998803353601"}}
	case "search", "search_public", "search_similar_images", "search_public_similar_images":
		return []any{map[string]any{"videoNo": "VI576925607808602112", "videoName": "n", "startTime": "13", "endTime": "18", "score": 0.52}}
	case "search_clips_by_image":
		return []any{map[string]any{"start_time": 12.5, "end_time": 18.2, "score": 0.86}}
	case "search_audio_transcripts", "search_public_audio_transcripts":
		return map[string]any{"current_page": 1, "page_size": 100, "total_count": "1", "videos": []any{}}
	case "chat", "marketer_chat", "chat_personal":
		return map[string]any{"role": "ASSISTANT", "content": "hi", "session_id": "630309515755999232"}
	case "generate_summary":
		return map[string]any{"summary": "s", "items": []any{map[string]any{"title": "t", "description": "d", "start": "0"}}}
	case "list_videos", "folders_videos":
		return map[string]any{"videos": []any{}, "current_page": 1, "page_size": 20, "total_count": "0"}
	case "list_sessions":
		return map[string]any{"sessions": []any{map[string]any{"sessionId": "601308802842759168", "title": "t"}}, "current_page": 1, "page_size": 20, "total_count": "1"}
	case "get_session_detail":
		return map[string]any{"title": "t", "messages": []any{}, "session_id": "590197794380320770"}
	case "get_video_ids_by_task_id":
		return map[string]any{"taskId": "t", "video_ids": []any{}, "videos": []any{}}
	case "get_public_video_detail":
		return map[string]any{"duration": "13", "status": "PARSE", "video_no": "PI-603068775285264430"}
	case "folders":
		return map[string]any{"folders": []any{}}
	case "folders_create":
		return map[string]any{"folder_id": 7, "folder_name": "f"}
	case "get_video_transcription", "get_audio_transcription", "get_public_video_transcription", "get_public_audio_transcription":
		return map[string]any{"videoNo": "VI606041694843813888", "transcriptions": []any{map[string]any{"index": 0, "content": "c", "startTime": "0", "endTime": "8"}}}
	case "get_metadata", "get_private_video_details":
		return map[string]any{"video_no": "VI606041694843813888", "status": "PARSE", "duration": 12, "size": 3284512}
	}
	return map[string]any{}
}

func TestWireFormat(t *testing.T) {
	yes := true
	tests := []struct {
		name        string
		call        func(ctx context.Context, c *Client) error
		method      string
		path        string
		contentType string // media type prefix
		query       url.Values
		check       func(t *testing.T, req captured)
	}{
		{
			name: "upload_url form-encoded with repeated tags",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.UploadURL(ctx, UploadURLRequest{URL: "https://example.com/v.mp4", VideoMeta: VideoMeta{UniqueID: "ns1", Callback: "https://cb/x", Tags: []string{"a", "b"}, RetainOriginalVideo: &yes, DatetimeTaken: "2025-10-20 11:00:00"}})
				return err
			},
			method: "POST", path: "/serve/api/v1/upload_url", contentType: "application/x-www-form-urlencoded",
			check: func(t *testing.T, req captured) {
				f, err := url.ParseQuery(string(req.Body))
				if err != nil {
					t.Fatal(err)
				}
				want := url.Values{"url": {"https://example.com/v.mp4"}, "unique_id": {"ns1"}, "callback": {"https://cb/x"}, "tags": {"a", "b"}, "retain_original_video": {"true"}, "datetime_taken": {"2025-10-20 11:00:00"}}
				if f.Encode() != want.Encode() {
					t.Errorf("form = %v, want %v", f, want)
				}
			},
		},
		{
			name: "upload_url as JSON",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.UploadURL(ctx, UploadURLRequest{URL: "https://example.com/v.mp4", AsJSON: true, VideoMeta: VideoMeta{Tags: []string{"a"}}})
				return err
			},
			method: "POST", path: "/serve/api/v1/upload_url", contentType: "application/json",
			check: jsonBodyIs(`{"url":"https://example.com/v.mp4","tags":["a"]}`),
		},
		{
			name: "search JSON",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Search(ctx, SearchRequest{SearchParam: "boat", SearchType: ByVideo, UniqueID: "1", TopK: 3, FilteringLevel: "medium"})
				return err
			},
			method: "POST", path: "/serve/api/v1/search", contentType: "application/json",
			check: jsonBodyIs(`{"search_param":"boat","search_type":"BY_VIDEO","unique_id":"1","top_k":3,"filtering_level":"medium"}`),
		},
		{
			name: "search_audio_transcripts GET query",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.SearchAudioTranscripts(ctx, TranscriptSearchRequest{Query: "where is the love", Page: 1, PageSize: 100, UniqueID: "test"})
				return err
			},
			method: "GET", path: "/serve/api/v1/search_audio_transcripts",
			query: url.Values{"query": {"where is the love"}, "page": {"1"}, "page_size": {"100"}, "unique_id": {"test"}},
		},
		{
			name: "public transcripts drop unique_id",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.SearchPublicAudioTranscripts(ctx, TranscriptSearchRequest{Query: "q", UniqueID: "ignored"})
				return err
			},
			method: "GET", path: "/serve/api/v1/search_public_audio_transcripts", query: url.Values{"query": {"q"}},
		},
		{
			name: "chat session id as a number",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.Chat(ctx, ChatRequest{VideoNos: []string{"VI1"}, Prompt: "p", SessionID: "606120397607260160", UniqueID: "u"})
				return err
			},
			method: "POST", path: "/serve/api/v1/chat", contentType: "application/json",
			check: jsonBodyIs(`{"video_nos":["VI1"],"prompt":"p","session_id":606120397607260160,"unique_id":"u"}`),
		},
		{
			name: "chat_personal keeps an empty string session",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.ChatPersonal(ctx, ChatPersonalRequest{Prompt: "beach?", UniqueID: "test"})
				return err
			},
			method: "POST", path: "/serve/api/v1/chat_personal", contentType: "application/json",
			check: jsonBodyIs(`{"session_id":"","prompt":"beach?","unique_id":"test"}`),
		},
		{
			name: "delete_videos raw array body and unique_id query",
			call: func(ctx context.Context, c *Client) error {
				return c.DeleteVideos(ctx, "ns", []string{"VI1234567890", "VI0987654321"})
			},
			method: "POST", path: "/serve/api/v1/delete_videos", contentType: "application/json",
			query: url.Values{"unique_id": {"ns"}},
			check: jsonBodyIs(`["VI1234567890","VI0987654321"]`),
		},
		{
			name: "list_videos JSON body",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.ListVideos(ctx, ListVideosRequest{Page: 1, Size: 200, VideoNo: "VI1", Status: "PARSE", UniqueID: "u"})
				return err
			},
			method: "POST", path: "/serve/api/v1/list_videos", contentType: "application/json",
			check: jsonBodyIs(`{"page":1,"size":200,"video_no":"VI1","status":"PARSE","unique_id":"u"}`),
		},
		{
			name: "generate_summary query",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GenerateSummary(ctx, "VI1", SummaryChapter, "u")
				return err
			},
			method: "GET", path: "/serve/api/v1/generate_summary", query: url.Values{"video_no": {"VI1"}, "type": {"CHAPTER"}, "unique_id": {"u"}},
		},
		{
			name: "session detail sends both spellings",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetSessionDetail(ctx, "590197794380320770", "")
				return err
			},
			method: "GET", path: "/serve/api/v1/get_session_detail", query: url.Values{"sessionId": {"590197794380320770"}, "session_id": {"590197794380320770"}},
		},
		{
			name: "task status",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetTaskStatus(ctx, "t1", "")
				return err
			},
			method: "GET", path: "/serve/api/v1/get_video_ids_by_task_id", query: url.Values{"task_id": {"t1"}},
		},
		{
			name: "scraper_url_public drops unique_id",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.ScraperURLPublic(ctx, ScraperURLRequest{VideoURLs: []string{"https://www.tiktok.com/@a/video/1"}, UniqueID: "x", Quality: 1080})
				return err
			},
			method: "POST", path: "/serve/api/v1/scraper_url_public", contentType: "application/json",
			check: jsonBodyIs(`{"video_urls":["https://www.tiktok.com/@a/video/1"],"quality":1080}`),
		},
		{
			name: "scraper_tag",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.ScraperTag(ctx, ScraperTagRequest{HashTags: []string{"nba"}, ScraperCnt: 2, UniqueID: "u"})
				return err
			},
			method: "POST", path: "/serve/api/v1/scraper_tag", contentType: "application/json",
			check: jsonBodyIs(`{"hash_tags":["nba"],"scraper_cnt":2,"unique_id":"u"}`),
		},
		{
			name: "folders create form",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.CreateFolder(ctx, "trips")
				return err
			},
			method: "POST", path: "/serve/api/v1/folders/create", contentType: "application/x-www-form-urlencoded",
			check: func(t *testing.T, req captured) {
				if string(req.Body) != "name=trips" {
					t.Errorf("body = %q", req.Body)
				}
			},
		},
		{
			name: "memories add",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.MemoriesAdd(ctx, MemoriesAddRequest{UniqueID: "u", Memories: []Memory{{Role: "user", Content: "c"}}})
				return err
			},
			method: "POST", path: "/serve/api/v1/memories/add", contentType: "application/json",
			check: jsonBodyIs(`{"unique_id":"u","memories":[{"role":"user","content":"c"}]}`),
		},
		{
			name: "upload multipart streams file and fields",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.UploadFile(ctx, UploadFileRequest{File: strings.NewReader("MP4DATA"), FileName: "clip.mp4", VideoMeta: VideoMeta{UniqueID: "u", Callback: "https://cb", Tags: []string{"t1", "t2"}, CameraModel: "Canon", Latitude: "39.9", Longitude: "116.4", VideoTranscriptionPrompt: "focus"}})
				return err
			},
			method: "POST", path: "/serve/api/v1/upload", contentType: "multipart/form-data",
			check: func(t *testing.T, req captured) {
				fields, files := parseMultipart(t, req)
				want := map[string][]string{"unique_id": {"u"}, "callback": {"https://cb"}, "tags": {"t1", "t2"}, "camera_model": {"Canon"}, "latitude": {"39.9"}, "longitude": {"116.4"}, "video_transcription_prompt": {"focus"}}
				for k, v := range want {
					if strings.Join(fields[k], ",") != strings.Join(v, ",") {
						t.Errorf("field %s = %v, want %v", k, fields[k], v)
					}
				}
				f := files["file"]
				if len(f) != 1 || f[0].name != "clip.mp4" || f[0].data != "MP4DATA" || f[0].ctype != "video/mp4" {
					t.Errorf("file part = %+v", f)
				}
			},
		},
		{
			name: "upload_img multipart files",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.UploadImages(ctx, UploadImagesRequest{Files: []NamedReader{{Name: "a.png", R: strings.NewReader("A")}, {Name: "b.jpg", R: strings.NewReader("B")}}, VideoMeta: VideoMeta{UniqueID: "default"}})
				return err
			},
			method: "POST", path: "/serve/api/v1/upload_img", contentType: "multipart/form-data",
			check: func(t *testing.T, req captured) {
				fields, files := parseMultipart(t, req)
				if fields["unique_id"][0] != "default" || len(files["files"]) != 2 || files["files"][1].data != "B" || files["files"][0].ctype != "image/png" {
					t.Errorf("fields %v files %+v", fields, files)
				}
			},
		},
		{
			name: "search_clips_by_image multipart",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.SearchClipsByImage(ctx, ClipsByImageRequest{Image: NamedReader{Name: "q.png", R: strings.NewReader("IMG")}, VideoNo: "VI1", Prompt: "dog"})
				return err
			},
			method: "POST", path: "/serve/api/v1/search_clips_by_image", contentType: "multipart/form-data",
			check: func(t *testing.T, req captured) {
				fields, files := parseMultipart(t, req)
				if fields["video_no"][0] != "VI1" || fields["prompt"][0] != "dog" || files["file"][0].data != "IMG" {
					t.Errorf("fields %v files %+v", fields, files)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				writeEnvelope(w, "0000", "success", dataFor(r.URL.Path))
			})
			c := testClient(rec.srv.URL)
			if err := tc.call(context.Background(), c); err != nil {
				t.Fatalf("call: %v", err)
			}
			req := rec.last()
			if req.Method != tc.method || req.Path != tc.path {
				t.Errorf("request = %s %s, want %s %s", req.Method, req.Path, tc.method, tc.path)
			}
			if got := req.Header.Get("Authorization"); got != "sk-test" {
				t.Errorf("Authorization = %q, want the raw key", got)
			}
			if tc.contentType != "" {
				mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
				if mt != tc.contentType {
					t.Errorf("Content-Type = %q, want %q", req.Header.Get("Content-Type"), tc.contentType)
				}
			}
			if tc.query != nil && req.Query.Encode() != tc.query.Encode() {
				t.Errorf("query = %v, want %v", req.Query, tc.query)
			}
			if tc.check != nil {
				tc.check(t, req)
			}
		})
	}
}

func jsonBodyIs(want string) func(t *testing.T, req captured) {
	return func(t *testing.T, req captured) {
		t.Helper()
		var g, w any
		if err := json.Unmarshal(req.Body, &g); err != nil {
			t.Fatalf("body %q is not JSON: %v", req.Body, err)
		}
		_ = json.Unmarshal([]byte(want), &w)
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		if !bytes.Equal(gb, wb) {
			t.Errorf("body = %s, want %s", req.Body, want)
		}
		if strings.Contains(want, "606120397607260160") && !bytes.Contains(req.Body, []byte(`:606120397607260160`)) {
			t.Errorf("session id not sent as a number: %s", req.Body)
		}
	}
}

type part struct{ name, ctype, data string }

func parseMultipart(t *testing.T, req captured) (map[string][]string, map[string][]part) {
	t.Helper()
	_, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(bytes.NewReader(req.Body), params["boundary"])
	fields := map[string][]string{}
	files := map[string][]part{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		if p.FileName() != "" {
			files[p.FormName()] = append(files[p.FormName()], part{p.FileName(), p.Header.Get("Content-Type"), string(b)})
		} else {
			fields[p.FormName()] = append(fields[p.FormName()], string(b))
		}
	}
	return fields, files
}

func TestBusinessErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		check  func(error) bool
		code   string
		decode bool
		exCode string // the exchange's code when it differs from code
	}{
		{name: "v1 rate limit", status: 200, body: `{"code":"0429","msg":"Request has exceeded the limit."}`, check: IsRateLimited, code: "0429"},
		{name: "http-style rate limit", status: 429, body: `{"code":429,"msg":"Rate limit exceeded","data":null}`, check: IsRateLimited, code: "429"},
		{name: "balance", status: 200, body: `{"code":"0402","msg":"not enough credits","data":null,"success":false,"failed":true}`, check: IsInsufficientBalance, code: "0402"},
		{name: "unauthorized", status: 200, body: `{"code":"0401","msg":"authorization invalid","data":null}`, check: IsUnauthorized, code: "0401"},
		{name: "duplicate", status: 200, body: `{"code":"0409","msg":"duplicate","data":null}`, check: func(e error) bool { return HasCode(e, CodeDuplicate) }, code: "0409"},
		{name: "spring 404", status: 404, body: `{"timestamp":"x","status":404,"error":"Not Found","path":"/x"}`, check: func(e error) bool {
			var ae *APIError
			return errors.As(e, &ae) && ae.HTTPStatus == 404 && ae.Code == ""
		}},
		{name: "not an envelope", status: 200, body: `<html>oops</html>`, check: func(e error) bool { return errors.Is(e, ErrDecode) }, decode: true},
		{name: "wrong data shape", status: 200, body: `{"code":"0000","msg":"success","data":"nope"}`, check: func(e error) bool { return errors.Is(e, ErrDecode) }, decode: true, exCode: "0000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			var exs []*Exchange
			c := testClient(rec.srv.URL, WithRetry429(0), WithResponseHook(func(ex *Exchange) { exs = append(exs, ex) }))
			_, err := c.ListVideos(context.Background(), ListVideosRequest{})
			if err == nil || !tc.check(err) {
				t.Fatalf("err = %v", err)
			}
			var ae *APIError
			if tc.code != "" && (!errors.As(err, &ae) || ae.Code != tc.code || ae.HTTPStatus != tc.status) {
				t.Errorf("APIError = %+v", ae)
			}
			exCode := tc.code
			if tc.exCode != "" {
				exCode = tc.exCode
			}
			if len(exs) != 1 || exs[0].Op != "list_videos" || exs[0].Code != exCode || exs[0].StatusCode != tc.status || exs[0].Err == nil {
				t.Errorf("exchange = %+v", exs)
			}
		})
	}
}

// instantClock records every wait and lets it pass at once, moving its
// time forward by the wait: backoff delays are observed exactly, without
// sleeping.
type instantClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newInstant() *instantClock {
	return &instantClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *instantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *instantClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func (c *instantClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

func TestRetry429Backoff(t *testing.T) {
	var n int
	var mu sync.Mutex
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		if k <= 3 {
			writeEnvelope(w, "0429", "Request has exceeded the limit.", nil)
			return
		}
		writeEnvelope(w, "0000", "success", dataFor(r.URL.Path))
	})
	clk := newInstant()
	var attempts []int
	c := testClient(rec.srv.URL, WithClock(clk), WithRandSeed(7), WithResponseHook(func(ex *Exchange) { attempts = append(attempts, ex.Attempt) }))
	waits := clk.Waits
	_, err := c.Search(context.Background(), SearchRequest{SearchParam: "x", SearchType: ByVideo})
	if err != nil {
		t.Fatalf("Search after retries: %v", err)
	}
	if rec.count() != 4 || len(attempts) != 4 || attempts[3] != 4 {
		t.Fatalf("requests = %d, attempts = %v", rec.count(), attempts)
	}
	got := waits()
	if len(got) != 3 {
		t.Fatalf("waits = %v", got)
	}
	for i, d := range got {
		lo, hi := c.BackoffBounds(i + 1)
		if d < lo || d > hi {
			t.Errorf("wait %d = %v, want within [%v, %v]", i+1, d, lo, hi)
		}
	}
	if lo, hi := c.BackoffBounds(1); lo != 200*time.Millisecond || hi != 400*time.Millisecond {
		t.Errorf("first backoff bounds = %v..%v, want 200ms..400ms", lo, hi)
	}
	if _, hi := c.BackoffBounds(10); hi != 8*time.Second {
		t.Errorf("capped backoff = %v, want 8s", hi)
	}
}

func TestRetry429GivesUp(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeEnvelope(w, "0429", "Request has exceeded the limit.", nil)
	})
	clk := newInstant()
	c := testClient(rec.srv.URL, WithClock(clk), WithRetry429(2))
	_, err := c.ListSessions(context.Background(), 1, "")
	if !IsRateLimited(err) || rec.count() != 3 {
		t.Fatalf("err = %v after %d requests, want 0429 after 3", err, rec.count())
	}
}

func TestRetryNetworkAbnormal(t *testing.T) {
	var n int
	var mu sync.Mutex
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		if k == 1 {
			writeEnvelope(w, "0001", "The network is abnormal, please try again later", nil)
			return
		}
		writeEnvelope(w, "0000", "success", dataFor(r.URL.Path))
	})
	clk := newInstant()
	c := testClient(rec.srv.URL, WithClock(clk))
	_, err := c.ListVideos(context.Background(), ListVideosRequest{})
	if err != nil || rec.count() != 2 {
		t.Fatalf("err = %v after %d requests", err, rec.count())
	}
	// A plain 0001 is not retried.
	rec2 := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeEnvelope(w, "0001", "video not found", nil)
	})
	c2 := testClient(rec2.srv.URL, WithClock(clk))
	if _, err := c2.ListVideos(context.Background(), ListVideosRequest{}); !HasCode(err, CodeBadParam) || rec2.count() != 1 {
		t.Fatalf("err = %v after %d requests", err, rec2.count())
	}
}

func TestRetryHonoursContext(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeEnvelope(w, "0429", "Request has exceeded the limit.", nil)
	})
	clk := clock.NewFake(time.Time{}) // never advanced: the backoff would wait forever
	c := testClient(rec.srv.URL, WithClock(clk))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.ListVideos(ctx, ListVideosRequest{})
		done <- err
	}()
	for clk.Waiters() == 0 {
		time.Sleep(100 * time.Microsecond)
	}
	cancel()
	select {
	case err := <-done:
		if !IsRateLimited(err) {
			t.Fatalf("err = %v, want the last 0429", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("call did not return after cancel")
	}
}

func TestUploadRetryRewindsSeekableFile(t *testing.T) {
	var n int
	var mu sync.Mutex
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		if k == 1 {
			writeEnvelope(w, "0429", "Request has exceeded the limit.", nil)
			return
		}
		writeEnvelope(w, "0000", "success", dataFor(r.URL.Path))
	})
	clk := newInstant()
	c := testClient(rec.srv.URL, WithClock(clk))
	res, err := c.UploadFile(context.Background(), UploadFileRequest{File: bytes.NewReader([]byte("VIDEO")), FileName: "v.mp4"})
	if err != nil || res.VideoNo != "VI568102998803353600" || res.UploadTime != "1744905509814" {
		t.Fatalf("UploadFile = %+v, %v", res, err)
	}
	_, files := parseMultipart(t, rec.last())
	if files["file"][0].data != "VIDEO" {
		t.Errorf("retried file = %q", files["file"][0].data)
	}
	// A one-shot reader is not retried.
	rec2 := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeEnvelope(w, "0429", "Request has exceeded the limit.", nil)
	})
	c2 := testClient(rec2.srv.URL, WithClock(clk))
	_, err = c2.UploadFile(context.Background(), UploadFileRequest{File: io.MultiReader(strings.NewReader("X"))})
	if !IsRateLimited(err) || rec2.count() != 1 {
		t.Errorf("one-shot upload: err = %v, requests = %d", err, rec2.count())
	}
}

func TestDownload(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if strings.Contains(string(body), "VImissing") {
			writeEnvelope(w, "0001", "video not found", nil)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write([]byte("BYTES-OF-VIDEO"))
	})
	var exs []*Exchange
	c := testClient(rec.srv.URL, WithResponseHook(func(ex *Exchange) { exs = append(exs, ex) }))
	var buf bytes.Buffer
	n, err := c.Download(context.Background(), DownloadRequest{VideoNo: "VI1", UniqueID: "u"}, &buf)
	if err != nil || n != 14 || buf.String() != "BYTES-OF-VIDEO" {
		t.Fatalf("Download = %d %q %v", n, buf.String(), err)
	}
	if req := rec.last(); string(req.Body) != `{"video_no":"VI1","unique_id":"u"}` || req.Path != "/serve/api/v1/download" {
		t.Errorf("request %s %s", req.Path, req.Body)
	}
	if len(exs) != 1 || exs[0].Bytes != 14 || exs[0].Err != nil {
		t.Errorf("exchange %+v", exs)
	}
	buf.Reset()
	_, err = c.Download(context.Background(), DownloadRequest{VideoNo: "VImissing"}, &buf)
	if !HasCode(err, CodeBadParam) || buf.Len() != 0 {
		t.Errorf("JSON answer: err = %v, wrote %q", err, buf.String())
	}
}

func TestCaptionHost(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/understand/upload":
			_, _ = io.WriteString(w, `{"code":0,"msg":"success","data":{"task_id":"8e03075a"}}`)
		case "/v1/understand/uploadImg":
			_, _ = io.WriteString(w, `{"code":-1,"msg":"bad image","data":null}`)
		default:
			_, _ = io.WriteString(w, `{"code":0,"msg":"success","data":{"text":"a cat","token":{"input":273,"output":79,"total":352}}}`)
		}
	})
	c := New("http://unused.invalid", "sk-main", WithPace(false), WithCaptionHost(rec.srv.URL, "sk-caption"))
	task, err := c.CaptionVideoURL(context.Background(), CaptionVideoRequest{VideoURL: "https://e/v.mp4", UserPrompt: "u", SystemPrompt: "s", Callback: "https://cb", Persons: []Person{{Name: "Alice", URL: "https://e/a.jpg"}}})
	if err != nil || task.TaskID != "8e03075a" {
		t.Fatalf("CaptionVideoURL = %+v, %v", task, err)
	}
	if got := rec.last().Header.Get("Authorization"); got != "sk-caption" {
		t.Errorf("caption key = %q", got)
	}
	if _, err := c.CaptionImageURL(context.Background(), CaptionImageRequest{URL: "https://e/i.png", UserPrompt: "u"}); !HasCode(err, "-1") {
		t.Errorf("code -1: err = %v", err)
	}
	res, err := c.CaptionVideoFile(context.Background(), CaptionVideoRequest{UserPrompt: "u", SystemPrompt: "s", Callback: "https://cb"}, NamedReader{Name: "v.mp4", R: strings.NewReader("V")}, NamedReader{Name: "alice.png", R: strings.NewReader("A")})
	if err != nil || res == nil {
		t.Fatalf("CaptionVideoFile: %v", err)
	}
	fields, files := parseMultipart(t, rec.last())
	if len(fields) != 0 || files["req"][0].ctype != "application/json" || !strings.Contains(files["req"][0].data, `"user_prompt":"u"`) || files["files"][0].data != "V" || files["file"][0].name != "alice.png" {
		t.Errorf("caption multipart fields=%v files=%+v", fields, files)
	}
	img, err := c.CaptionImageBase64(context.Background(), CaptionImageBase64Request{ImageBase64: "AAAA", ImgType: "image/png", UserPrompt: "u"})
	if err != nil || img.Text != "a cat" || img.Token.Total != 352 {
		t.Errorf("CaptionImageBase64 = %+v, %v", img, err)
	}
}

func TestDoRaw(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Header.Get("Authorization") == "" {
			writeEnvelope(w, "0401", "authorization invalid", nil)
			return
		}
		writeEnvelope(w, "0000", "success", nil)
	})
	var exs []*Exchange
	c := testClient(rec.srv.URL, WithResponseHook(func(ex *Exchange) { exs = append(exs, ex) }))
	res, body, err := c.Send(context.Background(), RawRequest{Method: "POST", Path: "/serve/api/v1/search", Body: map[string]string{"search_param": ""}, NoAuth: true})
	if err != nil || res.StatusCode != 200 || !strings.Contains(string(body), "0401") {
		t.Fatalf("Send = %v %s %v", res, body, err)
	}
	if exs[0].Code != "0401" || exs[0].Op != "search" {
		t.Errorf("exchange %+v", exs[0])
	}
	_, _, err = c.Do(context.Background(), "POST", "/serve/api/v1/delete_videos", url.Values{"unique_id": {"u"}}, []byte(`["VI1"]`))
	if err != nil || string(rec.last().Body) != `["VI1"]` || rec.last().Query.Get("unique_id") != "u" {
		t.Errorf("Do raw bytes: %v %q", err, rec.last().Body)
	}
	_, _, _ = c.Send(context.Background(), RawRequest{Path: "/serve/api/v1/list_sessions", Header: http.Header{"Authorization": {"Bearer sk-test"}}})
	if got := rec.last().Header.Get("Authorization"); got != "Bearer sk-test" {
		t.Errorf("header override = %q", got)
	}
}

func TestCodeAndNumString(t *testing.T) {
	tests := []struct {
		in      string
		code    Code
		success bool
	}{
		{`{"code":"0000"}`, "0000", true},
		{`{"code":0}`, "0", true},
		{`{"code":200}`, "200", true},
		{`{"code":"0429"}`, "0429", false},
		{`{"code":429}`, "429", false},
		{`{"success":true}`, "", true},
		{`{"code":-1}`, "-1", false},
	}
	for _, tc := range tests {
		var e Envelope[json.RawMessage]
		if err := json.Unmarshal([]byte(tc.in), &e); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if e.Code != tc.code || e.IsSuccess() != tc.success {
			t.Errorf("%s: code %q success %v", tc.in, e.Code, e.IsSuccess())
		}
	}
	var v Video
	if err := json.Unmarshal([]byte(`{"duration":12,"size":"3284512","create_time":1754037217992}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.Duration != "12" || v.Size != "3284512" || v.CreateTime != "1754037217992" {
		t.Errorf("NumString decode: %+v", v)
	}
	if err := json.Unmarshal([]byte(`{"duration":true}`), &v); err == nil {
		t.Error("bool duration accepted")
	}
}

func TestWaitForStatus(t *testing.T) {
	var n int
	var mu sync.Mutex
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		status := "UNPARSE"
		if k >= 3 {
			status = "PARSE"
		}
		writeEnvelope(w, "0000", "success", map[string]any{"videos": []any{map[string]any{"video_no": "VI1", "status": status, "duration": "12", "size": "1", "cause": "null", "video_name": "n", "create_time": "1"}}, "current_page": 1, "page_size": 20, "total_count": "1"})
	})
	clk := newInstant()
	c := testClient(rec.srv.URL, WithClock(clk))
	v, err := c.WaitForStatus(context.Background(), "VI1", "u")
	if err != nil || v.Status != "PARSE" || rec.count() != 3 {
		t.Fatalf("WaitForStatus = %+v, %v after %d polls", v, err, rec.count())
	}
	failing := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeEnvelope(w, "0000", "success", map[string]any{"videos": []any{map[string]any{"video_no": "VI2", "status": "FAILED", "cause": "unsupported codec"}}})
	})
	c2 := testClient(failing.srv.URL, WithClock(clk))
	if _, err := c2.WaitForStatus(context.Background(), "VI2", ""); !errors.Is(err, ErrVideoFailed) {
		t.Errorf("failed video: err = %v", err)
	}
}

func TestOpNameAndGroups(t *testing.T) {
	tests := []struct {
		path  string
		op    string
		group Group
	}{
		{"/serve/api/v1/search", "search", GroupSearch},
		{"/serve/api/v1/memories/add", "memories_add", GroupOther},
		{"/v1/understand/uploadImg", "understand_uploadImg", GroupCaptionImage},
		{"/v1/chat_personal", "chat_personal", GroupChat},
		{"/serve/api/v1/download?x=1", "download", GroupDownload},
		{"/serve/api/v1/scraper_tag_public", "scraper_tag_public", GroupScraper},
	}
	for _, tc := range tests {
		if op := OpName(tc.path); op != tc.op || GroupOf(op) != tc.group {
			t.Errorf("%s: op %q group %q", tc.path, op, GroupOf(op))
		}
	}
	l := DocumentedLimits()
	if l[GroupDownload].String() != "12/min" || l[GroupSearch].PerSecond() != 10 {
		t.Errorf("limits %v", l)
	}
}
