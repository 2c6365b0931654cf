package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"

	"github.com/memharness/memharness/client"
)

// Id formats (API_FACTS A6): private videos VI + 18 digits.
var privateVideoID = regexp.MustCompile(`^VI[0-9]{18}$`)

// searchWords are English prompts (search is English only).
var searchWords = [...]string{"car", "dog", "beach", "city", "people", "water", "food", "music", "sport", "night", "kitchen", "mountain"}

// chatPrompts are the kinds of questions the docs' chat page shows.
var chatPrompts = [...]string{
	"Summarize this video",
	"Find the highlights of this video and give timestamps",
	"Divide this video into chapters with timestamps and descriptions",
	"Generate hashtags and titles for this video",
	"What type of audience is this video suitable for?",
}

func decodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// uploadAndWait uploads Env.VideoURL and waits until PARSE, by polling and,
// when configured, by callback, whichever comes first. It returns the video
// number and the upload-to-PARSE latency (also recorded).
func uploadAndWait(ctx context.Context, e *Env) (string, error) {
	start := e.Clock.Now()
	no, err := upload(ctx, e)
	if err != nil {
		return "", err
	}
	wctx, cancel := context.WithTimeout(ctx, e.WaitTimeout)
	defer cancel()
	type result struct {
		status string
		err    error
	}
	done := make(chan result, 2)
	go func() {
		v, err := e.Client.WaitForStatus(wctx, no, e.Namespace, client.StatusParse)
		if err != nil {
			done <- result{err: fmt.Errorf("poll video %s: %w", no, err)}
			return
		}
		done <- result{status: v.Status}
	}()
	waiting := 1
	if e.Callbacks != nil && e.CallbackURL != "" {
		waiting++
		go func() {
			s, err := e.Callbacks.WaitCallback(wctx, no)
			if err != nil {
				err = fmt.Errorf("callback for video %s: %w", no, err)
			}
			done <- result{status: s, err: err}
		}()
	}
	var first error
	for ; waiting > 0; waiting-- {
		r := <-done
		switch {
		case r.err == nil && r.status == client.StatusParse:
			e.Recorder.Record(MetricUploadToParse, e.Clock.Now().Sub(start))
			return no, nil
		case r.err == nil && client.IsFailedStatus(r.status):
			return "", fmt.Errorf("video %s: %w: callback status %s", no, client.ErrVideoFailed, r.status)
		case r.err == nil:
			// A callback with an intermediate status: keep polling.
			waiting++
			go func() {
				v, err := e.Client.WaitForStatus(wctx, no, e.Namespace, client.StatusParse)
				if err != nil {
					done <- result{err: err}
					return
				}
				done <- result{status: v.Status}
			}()
		case first == nil:
			first = r.err
			if errors.Is(r.err, client.ErrVideoFailed) {
				return "", r.err
			}
		}
	}
	return "", first
}

// upload sends upload_url and checks the answer's shape.
func upload(ctx context.Context, e *Env) (string, error) {
	res, err := e.Client.UploadURL(ctx, client.UploadURLRequest{
		URL:       e.VideoURL,
		VideoMeta: client.VideoMeta{UniqueID: e.Namespace, Callback: e.CallbackURL},
	})
	if err != nil {
		return "", fmt.Errorf("upload_url: %w", err)
	}
	if !privateVideoID.MatchString(res.VideoNo) {
		return "", checkf("upload_url: videoNo %q is not VI + 18 digits", res.VideoNo)
	}
	if res.VideoStatus != client.StatusUnparse {
		return "", checkf("upload_url: videoStatus %q, want UNPARSE right after upload", res.VideoStatus)
	}
	if _, err := res.UploadTime.Int(); err != nil {
		return "", checkf("upload_url: uploadTime %q is not epoch milliseconds", res.UploadTime)
	}
	return res.VideoNo, nil
}

// UploadURLAndWait uploads a video by URL and waits until it is PARSE.
func UploadURLAndWait(ctx context.Context, e *Env) error {
	if err := e.check(); err != nil {
		return err
	}
	_, err := uploadAndWait(ctx, e)
	return err
}

// SearchLibrary searches BY_VIDEO for a random word and checks the hits.
func SearchLibrary(ctx context.Context, e *Env) error {
	if err := e.check(); err != nil {
		return err
	}
	word := searchWords[e.Rand.IntN(len(searchWords))]
	res, err := e.Client.Search(ctx, client.SearchRequest{SearchParam: word, SearchType: client.ByVideo, UniqueID: e.Namespace, TopK: 10})
	if err != nil {
		return fmt.Errorf("search %q: %w", word, err)
	}
	if res.Images != nil {
		return checkf("search BY_VIDEO %q answered the BY_IMAGE page shape", word)
	}
	return checkHits(fmt.Sprintf("search %q", word), res.Hits, privateVideoID)
}

// checkHits checks clip hits: id format, numeric times with start <= end,
// a score in [0, 1], ranked best first.
func checkHits(what string, hits []client.SearchHit, id *regexp.Regexp) error {
	prev := math.Inf(1)
	for i, h := range hits {
		if !id.MatchString(h.VideoNo) {
			return checkf("%s: hit %d videoNo %q has the wrong format", what, i, h.VideoNo)
		}
		st, err1 := h.StartTime.Float()
		en, err2 := h.EndTime.Float()
		if err1 != nil || err2 != nil || st < 0 || en < st {
			return checkf("%s: hit %d times %q..%q are not a valid range", what, i, h.StartTime, h.EndTime)
		}
		if math.IsNaN(h.Score) || h.Score < 0 || h.Score > 1 {
			return checkf("%s: hit %d score %v outside [0,1]", what, i, h.Score)
		}
		if h.Score > prev {
			return checkf("%s: hit %d score %v ranks above %v", what, i, h.Score, prev)
		}
		prev = h.Score
	}
	return nil
}

// phase orders the chat stream's event types.
func phase(typ string) (int, bool) {
	switch typ {
	case "thinking":
		return 1, true
	case "ref":
		return 2, true
	case "content":
		return 3, true
	}
	return 0, false
}

// ChatAboutVideo streams a chat about a parsed video and checks the event
// order thinking -> ref -> content -> end and the success end.
func ChatAboutVideo(ctx context.Context, e *Env) error {
	if err := e.check(); err != nil {
		return err
	}
	no, err := e.Fixtures.ParsedVideo(ctx, e)
	if err != nil {
		return err
	}
	prompt := chatPrompts[e.Rand.IntN(len(chatPrompts))]
	s, err := e.Client.ChatStream(ctx, client.ChatRequest{VideoNos: []string{no}, Prompt: prompt, UniqueID: e.Namespace})
	if err != nil {
		return fmt.Errorf("chat_stream about %s: %w", no, err)
	}
	defer s.Close()
	return checkChatStream(e, s, no)
}

func checkChatStream(e *Env, s *client.Stream, no string) error {
	last, contents, n := 0, 0, 0
	for ev, err := range s.Events() {
		if err != nil {
			return fmt.Errorf("chat_stream about %s after %d events: %w", no, n, err)
		}
		n++
		if n == 1 {
			e.Recorder.Record(MetricStreamTTFE, s.TTFE())
		}
		if ev.End {
			break
		}
		p, ok := phase(ev.Type)
		if !ok {
			return checkf("chat_stream event %d has type %q (raw %q)", n, ev.Type, ev.Raw)
		}
		if p < last {
			return checkf("chat_stream event %d: %s after a later phase", n, ev.Type)
		}
		last = p
		if ev.Type == "content" {
			contents++
		}
	}
	if !s.Done() {
		return checkf("chat_stream ended without Done (%d events)", n)
	}
	if contents == 0 {
		return checkf("chat_stream had no content event")
	}
	e.Recorder.Record(MetricStreamDuration, s.Duration())
	return nil
}

// ListAndDelete uploads a video, finds it listed, deletes it, and checks that
// a second delete answers 0409 and that the listing no longer shows it.
func ListAndDelete(ctx context.Context, e *Env) error {
	if err := e.check(); err != nil {
		return err
	}
	no, err := upload(ctx, e)
	if err != nil {
		return err
	}
	page, err := e.Client.ListVideos(ctx, client.ListVideosRequest{Page: 1, Size: 20, VideoNo: no, UniqueID: e.Namespace})
	if err != nil {
		return fmt.Errorf("list_videos for %s: %w", no, err)
	}
	if !slices.ContainsFunc(page.Videos, func(v client.Video) bool { return v.VideoNo == no }) {
		return checkf("list_videos does not show the uploaded video %s", no)
	}
	if err := e.Client.DeleteVideos(ctx, e.Namespace, []string{no}); err != nil {
		return fmt.Errorf("delete_videos %s: %w", no, err)
	}
	err = e.Client.DeleteVideos(ctx, e.Namespace, []string{no})
	switch {
	case err == nil:
		return checkf("second delete_videos of %s succeeded, want 0409", no)
	case !client.HasCode(err, client.CodeDuplicate):
		return fmt.Errorf("second delete_videos of %s, want 0409: %w", no, err)
	}
	page, err = e.Client.ListVideos(ctx, client.ListVideosRequest{Page: 1, Size: 20, VideoNo: no, UniqueID: e.Namespace})
	if err != nil {
		return fmt.Errorf("list_videos after delete: %w", err)
	}
	if slices.ContainsFunc(page.Videos, func(v client.Video) bool { return v.VideoNo == no }) {
		return checkf("list_videos still shows deleted video %s", no)
	}
	return nil
}

// knownStatuses are the video statuses any source documents.
var knownStatuses = []string{client.StatusParse, client.StatusUnparse, client.StatusFail, client.StatusFailed, client.StatusParseError}

// ListVideos lists the namespace's first page and checks its shape.
func ListVideos(ctx context.Context, e *Env) error {
	if err := e.check(); err != nil {
		return err
	}
	page, err := e.Client.ListVideos(ctx, client.ListVideosRequest{Page: 1, Size: 20, UniqueID: e.Namespace})
	if err != nil {
		return fmt.Errorf("list_videos: %w", err)
	}
	return checkVideoPage(page)
}

func checkVideoPage(page *client.VideoPage) error {
	if page.CurrentPage != 1 {
		return checkf("list_videos current_page %d, want 1", page.CurrentPage)
	}
	total, err := page.TotalCount.Int()
	if err != nil || total < int64(len(page.Videos)) {
		return checkf("list_videos total_count %q with %d videos", page.TotalCount, len(page.Videos))
	}
	for i, v := range page.Videos {
		if !privateVideoID.MatchString(v.VideoNo) {
			return checkf("list_videos video %d video_no %q has the wrong format", i, v.VideoNo)
		}
		if !slices.Contains(knownStatuses, v.Status) {
			return checkf("list_videos video %s status %q is not a documented status", v.VideoNo, v.Status)
		}
	}
	return nil
}
