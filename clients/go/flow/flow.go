// Package flow runs a real user flow against a Memories.ai and a MemSync
// server through the clients that oapi-codegen generated from the embedded
// specs (clients/go/memories, clients/go/memsync). Every answer is decoded
// strictly (unknown fields refused) into the generated type the spec
// promises, so a server that drifts from the spec, or a spec that drifts
// from what generators accept, fails the flow. The test beside it runs the
// flow against in-process mocks; .ci/run runs it against the built binary
// through cmd/goflow.
package flow

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/memharness/memharness/clients/go/memories"
	"github.com/memharness/memharness/clients/go/memsync"
)

// Config says where the flows run and how patiently.
type Config struct {
	// BaseURL is the Memories.ai API (the mock's --addr), e.g. http://127.0.0.1:8080.
	BaseURL string
	// Key is the Memories.ai API key (any non-empty key is an account on the mock).
	Key string
	// MemSyncURL is the MemSync API (the mock's --memsync-addr).
	MemSyncURL string
	// MemSyncKey is the MemSync X-API-Key.
	MemSyncKey string
	// HTTPClient sends every request; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Poll is the pause between list_videos polls and after a 0429; default 250 ms.
	Poll time.Duration
	// WaitTimeout bounds the wait for PARSE; default 60 s.
	WaitTimeout time.Duration
	// Logf, when set, receives one line per step.
	Logf func(format string, args ...any)
}

func (c *Config) defaults() {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if c.Poll <= 0 {
		c.Poll = 250 * time.Millisecond
	}
	if c.WaitTimeout <= 0 {
		c.WaitTimeout = 60 * time.Second
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

var (
	videoNoRe = regexp.MustCompile(`^VI\d{18}$`)
	// errThrottled marks an answer with code 0429; the flow waits and retries.
	errThrottled = errors.New("0429 rate limited")
)

// maxThrottled bounds the retries of one call that keeps answering 0429.
const maxThrottled = 40

// Memories runs upload by URL, wait for PARSE, search, chat (JSON), chat_stream
// (SSE), visual and audio transcripts and delete, checking every answer.
func Memories(ctx context.Context, cfg Config) error {
	cfg.defaults()
	auth := func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", cfg.Key)
		return nil
	}
	c, err := memories.NewClientWithResponses(strings.TrimRight(cfg.BaseURL, "/"),
		memories.WithHTTPClient(cfg.HTTPClient), memories.WithRequestEditorFn(auth))
	if err != nil {
		return err
	}
	f := &memFlow{cfg: cfg, c: c}
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"upload_url", f.upload},
		{"wait for PARSE (list_videos)", f.waitParsed},
		{"search", f.search},
		{"chat", f.chat},
		{"chat_stream", f.chatStream},
		{"get_video_transcription", f.videoTranscript},
		{"get_audio_transcription", f.audioTranscript},
		{"delete_videos", f.delete},
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("memories flow, %s: %w", s.name, err)
		}
		cfg.Logf("ok  %-30s %v", s.name, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

type memFlow struct {
	cfg     Config
	c       *memories.ClientWithResponses
	videoNo string
	session string
}

// uploadURL is synthesised deterministically by the mock (no fetch); its file
// name steers the generated transcripts, so searching "beach" finds it.
const uploadURL = "https://example.com/clients/beach_sunset_walk.mp4"

func (f *memFlow) upload(ctx context.Context) error {
	var out memories.UploadVideoResponse
	err := f.retry(ctx, func() (*http.Response, []byte, error) {
		r, err := f.c.UploadUrlWithFormdataBodyWithResponse(ctx, nil, memories.UploadUrlFormdataRequestBody{Url: uploadURL})
		if err != nil {
			return nil, nil, err
		}
		return r.HTTPResponse, r.Body, nil
	}, &out)
	if err != nil {
		return err
	}
	if err := successCode(out.Code); err != nil {
		return err
	}
	d := out.Data
	if !videoNoRe.MatchString(d.VideoNo) || d.VideoStatus != string(memories.VideoStatusUNPARSE) || d.VideoName != "beach_sunset_walk" {
		return fmt.Errorf("unexpected upload data %+v", d)
	}
	f.videoNo = d.VideoNo
	return nil
}

func (f *memFlow) waitParsed(ctx context.Context) error {
	deadline := time.Now().Add(f.cfg.WaitTimeout)
	for {
		var out memories.ListVideosResponse
		err := f.retry(ctx, func() (*http.Response, []byte, error) {
			r, err := f.c.ListVideosWithResponse(ctx, memories.ListVideosJSONRequestBody{})
			if err != nil {
				return nil, nil, err
			}
			return r.HTTPResponse, r.Body, nil
		}, &out)
		if err != nil {
			return err
		}
		if err := successCode(out.Code); err != nil {
			return err
		}
		for _, v := range out.Data.Videos {
			if v.VideoNo != f.videoNo {
				continue
			}
			switch v.Status {
			case memories.VideoStatusPARSE:
				if v.Duration == "" || v.CreateTime == "" {
					return fmt.Errorf("parsed video without duration or create_time: %+v", v)
				}
				return nil
			case memories.VideoStatusFAIL, memories.VideoStatusFAILED:
				return fmt.Errorf("video failed: %s", v.Cause)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not PARSE after %v", f.videoNo, f.cfg.WaitTimeout)
		}
		if err := sleep(ctx, f.cfg.Poll); err != nil {
			return err
		}
	}
}

func (f *memFlow) search(ctx context.Context) error {
	var out memories.SearchResponse
	err := f.retry(ctx, func() (*http.Response, []byte, error) {
		r, err := f.c.SearchWithResponse(ctx, memories.SearchJSONRequestBody{
			SearchParam: "beach", SearchType: memories.SearchRequestSearchTypeBYVIDEO,
		})
		if err != nil {
			return nil, nil, err
		}
		return r.HTTPResponse, r.Body, nil
	}, &out)
	if err != nil {
		return err
	}
	if err := successCode(out.Code); err != nil {
		return err
	}
	hits, err := out.Data.AsSearchResponseData0()
	if err != nil {
		return fmt.Errorf("data is not a list of video hits: %w", err)
	}
	if len(hits) == 0 || hits[0].VideoNo != f.videoNo {
		return fmt.Errorf("search \"beach\" does not rank %s first: %+v", f.videoNo, hits)
	}
	for _, h := range hits {
		if h.Score < 0 || h.Score > 1 {
			return fmt.Errorf("score %v outside [0,1]", h.Score)
		}
	}
	return nil
}

func (f *memFlow) chat(ctx context.Context) error {
	var out memories.ChatResponse
	err := f.retry(ctx, func() (*http.Response, []byte, error) {
		r, err := f.c.ChatWithResponse(ctx, memories.ChatJSONRequestBody{
			VideoNos: []string{f.videoNo}, Prompt: "Summarize the video",
		})
		if err != nil {
			return nil, nil, err
		}
		return r.HTTPResponse, r.Body, nil
	}, &out)
	if err != nil {
		return err
	}
	if err := successCode(out.Code); err != nil {
		return err
	}
	if out.Data.Role != "ASSISTANT" || strings.TrimSpace(out.Data.Content) == "" || out.Data.SessionId == nil || *out.Data.SessionId == "" {
		return fmt.Errorf("unexpected answer %+v", out.Data)
	}
	f.session = *out.Data.SessionId
	return nil
}

// chatStream reads the SSE answer line by line with bufio.Scanner as it
// arrives and decodes each data line into the generated event types.
func (f *memFlow) chatStream(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		sid := memories.SessionId{}
		if err := sid.FromSessionId1(f.session); err != nil {
			return err
		}
		resp, err := f.c.ChatStream(ctx, memories.ChatStreamJSONRequestBody{
			VideoNos: []string{f.videoNo}, Prompt: "What are the highlights?", SessionId: &sid,
		})
		if err != nil {
			return err
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			// Refused before the stream started: a JSON envelope.
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err := envelopeError(body); errors.Is(err, errThrottled) && attempt < maxThrottled {
				if err := sleep(ctx, f.throttlePause()); err != nil {
					return err
				}
				continue
			} else if err != nil {
				return err
			}
			return fmt.Errorf("HTTP %d, Content-Type %q: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		err = f.readStream(resp.Body)
		resp.Body.Close()
		return err
	}
}

func (f *memFlow) readStream(body io.Reader) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var (
		kinds   = map[string]int{}
		content strings.Builder
		end     *memories.ChatEndEvent
	)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, ":") {
			continue
		}
		payload, ok := strings.CutPrefix(line, "data:")
		if !ok {
			return fmt.Errorf("line is not an SSE data line: %q", line)
		}
		if end != nil {
			return fmt.Errorf("event after the end event: %q", line)
		}
		data := []byte(payload)
		var probe struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(data, &probe); err != nil {
			return fmt.Errorf("event is not JSON: %q", payload)
		}
		kinds[probe.Type]++
		switch probe.Type {
		case string(memories.Thinking):
			var ev memories.ChatThinkingEvent
			if err := strict(data, &ev); err != nil {
				return err
			}
			if ev.SessionId != f.session {
				return fmt.Errorf("thinking event of session %s, want %s", ev.SessionId, f.session)
			}
		case string(memories.Ref):
			var ev memories.ChatRefEvent
			if err := strict(data, &ev); err != nil {
				return err
			}
			for _, r := range ev.Ref {
				if r.Video.VideoNo != f.videoNo {
					return fmt.Errorf("ref to %s, not the video asked about", r.Video.VideoNo)
				}
				for _, it := range r.RefItems {
					if it.VideoNo != f.videoNo || it.StartTime < 0 {
						return fmt.Errorf("ref item %+v", it)
					}
				}
			}
		case string(memories.Content):
			var ev memories.ChatContentEvent
			if err := strict(data, &ev); err != nil {
				return err
			}
			content.WriteString(ev.Content)
		case "":
			end = &memories.ChatEndEvent{}
			if err := strict(data, end); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown event type %q", probe.Type)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the stream: %w", err)
	}
	switch {
	case end == nil:
		return errors.New("stream ended without the end event")
	case end.Code != "SUCCESS" || end.Data != "Done":
		return fmt.Errorf("error end %+v", *end)
	case kinds["content"] == 0 || strings.TrimSpace(content.String()) == "":
		return fmt.Errorf("no content events (%v)", kinds)
	case kinds["ref"] == 0:
		return fmt.Errorf("no ref events (%v)", kinds)
	}
	return nil
}

func (f *memFlow) videoTranscript(ctx context.Context) error {
	return f.transcript(ctx, func() (*http.Response, []byte, error) {
		r, err := f.c.GetVideoTranscriptionWithResponse(ctx, &memories.GetVideoTranscriptionParams{VideoNo: f.videoNo})
		if err != nil {
			return nil, nil, err
		}
		return r.HTTPResponse, r.Body, nil
	})
}

func (f *memFlow) audioTranscript(ctx context.Context) error {
	return f.transcript(ctx, func() (*http.Response, []byte, error) {
		r, err := f.c.GetAudioTranscriptionWithResponse(ctx, &memories.GetAudioTranscriptionParams{VideoNo: f.videoNo})
		if err != nil {
			return nil, nil, err
		}
		return r.HTTPResponse, r.Body, nil
	})
}

func (f *memFlow) transcript(ctx context.Context, do func() (*http.Response, []byte, error)) error {
	var out memories.TranscriptionResponse
	if err := f.retry(ctx, do, &out); err != nil {
		return err
	}
	if err := successCode(out.Code); err != nil {
		return err
	}
	if out.Data == nil || out.Data.VideoNo != f.videoNo || len(out.Data.Transcriptions) == 0 {
		return fmt.Errorf("no transcript of %s: %+v", f.videoNo, out.Data)
	}
	for i, s := range out.Data.Transcriptions {
		if strings.TrimSpace(s.Content) == "" || s.StartTime == "" || s.EndTime == "" {
			return fmt.Errorf("segment %d incomplete: %+v", i, s)
		}
	}
	return nil
}

func (f *memFlow) delete(ctx context.Context) error {
	var out memories.EmptyResponse
	err := f.retry(ctx, func() (*http.Response, []byte, error) {
		r, err := f.c.DeleteVideosWithResponse(ctx, nil, memories.DeleteVideosJSONRequestBody{f.videoNo})
		if err != nil {
			return nil, nil, err
		}
		return r.HTTPResponse, r.Body, nil
	}, &out)
	if err != nil {
		return err
	}
	if err := successCode(out.Code); err != nil {
		return err
	}
	// The video is gone: its transcript is now a business error (0001).
	for attempt := 0; ; attempt++ {
		r, err := f.c.GetVideoTranscriptionWithResponse(ctx, &memories.GetVideoTranscriptionParams{VideoNo: f.videoNo})
		if err != nil {
			return err
		}
		var gone memories.ErrorEnvelope
		if err := strict(r.Body, &gone); err != nil {
			return fmt.Errorf("transcript after delete: %w", err)
		}
		if gone.Code == "0429" && attempt < maxThrottled {
			if err := sleep(ctx, f.throttlePause()); err != nil {
				return err
			}
			continue
		}
		if gone.Code != "0001" {
			return fmt.Errorf("transcript after delete answered code %q, want 0001", gone.Code)
		}
		return nil
	}
}

// retry sends a request until it is not throttled (0429), then decodes the
// 200 answer strictly into out. Any other business error is returned.
func (f *memFlow) retry(ctx context.Context, do func() (*http.Response, []byte, error), out any) error {
	for attempt := 0; ; attempt++ {
		resp, body, err := do()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, body)
		}
		if err := envelopeError(body); err != nil {
			if errors.Is(err, errThrottled) && attempt < maxThrottled {
				if err := sleep(ctx, f.throttlePause()); err != nil {
					return err
				}
				continue
			}
			return err
		}
		return strict(body, out)
	}
}

// throttlePause waits out the documented per-second windows (chat is 1/s).
func (f *memFlow) throttlePause() time.Duration {
	return max(f.cfg.Poll, 300*time.Millisecond)
}

// envelopeError returns the business error an answer carries, if any: a
// body that decodes into the generated ErrorEnvelope with a code other than
// the success code.
func envelopeError(body []byte) error {
	var probe struct {
		Code json.RawMessage `json:"code"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return fmt.Errorf("answer is not JSON: %.200s", body)
	}
	var code string
	if json.Unmarshal(probe.Code, &code) != nil || code == "0000" {
		return nil
	}
	var e memories.ErrorEnvelope
	if err := strict(body, &e); err != nil {
		return fmt.Errorf("error answer: %w", err)
	}
	if e.Code == "0429" {
		return fmt.Errorf("%w: %s", errThrottled, e.Msg)
	}
	return fmt.Errorf("business error %s: %s", e.Code, e.Msg)
}

// successCode accepts the v1 success code "0000" (and 200 under the mock's
// --error-style http), through the generated union type.
func successCode(c memories.SuccessCode) error {
	if s, err := c.AsSuccessCode0(); err == nil {
		if s == "0000" {
			return nil
		}
		return fmt.Errorf("code %q, want 0000", s)
	}
	if n, err := c.AsSuccessCode1(); err == nil && n == 200 {
		return nil
	}
	return fmt.Errorf("code is neither \"0000\" nor 200")
}

// strict decodes data into v, refusing fields the generated type lacks: an
// answer with a field the spec does not describe is a drift.
func strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("answer does not fit %T: %w (%.300s)", v, err, data)
	}
	if dec.More() {
		return fmt.Errorf("trailing data after %T", v)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// MemSync stores memories from a conversation, lists them, searches them,
// deletes one and checks it is gone, checking every answer.
func MemSync(ctx context.Context, cfg Config) error {
	cfg.defaults()
	auth := func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-API-Key", cfg.MemSyncKey)
		return nil
	}
	c, err := memsync.NewClientWithResponses(strings.TrimRight(cfg.MemSyncURL, "/"),
		memsync.WithHTTPClient(cfg.HTTPClient), memsync.WithRequestEditorFn(auth))
	if err != nil {
		return err
	}
	step := func(name string, start time.Time) {
		cfg.Logf("ok  %-30s %v", name, time.Since(start).Round(time.Millisecond))
	}
	agent, thread := "clients-flow", fmt.Sprintf("thread-%d", time.Now().UnixNano())

	start := time.Now()
	sr, err := c.StoreMemoriesWithResponse(ctx, memsync.StoreMemoriesJSONRequestBody{
		AgentId: agent, ThreadId: thread, Source: "chat",
		Messages: []memsync.Message{
			{Role: "user", Content: "I work as a marine biologist in Lisbon. I love surfing at dawn on weekends."},
			{Role: "assistant", Content: "That sounds wonderful."},
		},
	})
	if err != nil {
		return fmt.Errorf("memsync flow, storeMemories: %w", err)
	}
	var stored memsync.StoreMemoriesResultEnvelope
	if err := ok200(sr.HTTPResponse, sr.Body, &stored); err != nil {
		return fmt.Errorf("memsync flow, storeMemories: %w", err)
	}
	if stored.Status != "success" || !stored.Data.Success || stored.Data.MemoriesCreated == 0 || len(stored.Data.Memories) != stored.Data.MemoriesCreated {
		return fmt.Errorf("memsync flow, storeMemories: %+v", stored.Data)
	}
	step("storeMemories", start)

	start = time.Now()
	tq := memsync.ThreadIDQuery(thread)
	lr, err := c.ListMemoriesWithResponse(ctx, &memsync.ListMemoriesParams{ThreadId: &tq})
	if err != nil {
		return fmt.Errorf("memsync flow, listMemories: %w", err)
	}
	var page memsync.MemoryPage
	if err := ok200(lr.HTTPResponse, lr.Body, &page); err != nil {
		return fmt.Errorf("memsync flow, listMemories: %w", err)
	}
	if len(page.Data) != stored.Data.MemoriesCreated || page.Pagination.TotalItems != len(page.Data) {
		return fmt.Errorf("memsync flow, listMemories: %d memories listed (total %d), %d stored", len(page.Data), page.Pagination.TotalItems, stored.Data.MemoriesCreated)
	}
	step("listMemories", start)

	start = time.Now()
	qr, err := c.SearchMemoriesWithResponse(ctx, memsync.SearchMemoriesJSONRequestBody{Query: "surfing", ThreadId: &thread})
	if err != nil {
		return fmt.Errorf("memsync flow, searchMemories: %w", err)
	}
	var found memsync.SearchResultEnvelope
	if err := ok200(qr.HTTPResponse, qr.Body, &found); err != nil {
		return fmt.Errorf("memsync flow, searchMemories: %w", err)
	}
	if len(found.Data.Memories) == 0 || !strings.Contains(strings.ToLower(found.Data.Memories[0].Memory), "surf") {
		return fmt.Errorf("memsync flow, searchMemories: \"surfing\" does not rank the surfing memory first: %+v", found.Data.Memories)
	}
	step("searchMemories", start)

	start = time.Now()
	id := found.Data.Memories[0].Id
	dr, err := c.DeleteMemoryWithResponse(ctx, id, nil)
	if err != nil {
		return fmt.Errorf("memsync flow, deleteMemory: %w", err)
	}
	var deleted memsync.DeleteMemoryResultEnvelope
	if err := ok200(dr.HTTPResponse, dr.Body, &deleted); err != nil {
		return fmt.Errorf("memsync flow, deleteMemory: %w", err)
	}
	if !deleted.Data.Success || deleted.Data.MemoryId != id {
		return fmt.Errorf("memsync flow, deleteMemory: %+v", deleted.Data)
	}
	again, err := c.DeleteMemoryWithResponse(ctx, id, nil)
	if err != nil {
		return fmt.Errorf("memsync flow, second deleteMemory: %w", err)
	}
	if again.JSON404 == nil {
		return fmt.Errorf("memsync flow, second deleteMemory: HTTP %d, want 404 MemoryNotFound: %.200s", again.StatusCode(), again.Body)
	}
	step("deleteMemory", start)
	return nil
}

// ok200 requires HTTP 200 and decodes the body strictly into out.
func ok200(resp *http.Response, body []byte, out any) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, body)
	}
	return strict(body, out)
}
