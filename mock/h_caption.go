package mock

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"strings"

	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/platform/limits"
)

// Caption host limits (seed 001, "Caption & Human Re-identification").
const (
	captionMaxBytes   = 20 << 20
	captionMinSeconds = 20
	captionMaxSeconds = 300
	captionMaxPersons = 5
)

// captionReq is a caption request, from a JSON body or a multipart `req`
// part.
type captionReq struct {
	userPrompt, systemPrompt, callback string
	persons                            []string
	thinking                           bool
}

// captionFields merges the multipart `req` JSON part into the body so both
// request forms read the same way.
func captionFields(cl *call) captionReq {
	if m, ok := cl.body["req"].(map[string]any); ok {
		for k, v := range m {
			if _, exists := cl.body[k]; !exists {
				cl.body[k] = v
			}
		}
	}
	r := captionReq{userPrompt: strings.TrimSpace(cl.str("user_prompt")), systemPrompt: cl.str("system_prompt"),
		callback: strings.TrimSpace(cl.str("callback")), thinking: cl.boolean("thinking", false)}
	if ps, ok := cl.body["persons"].([]any); ok {
		for _, p := range ps {
			if m, ok := p.(map[string]any); ok {
				if n := strings.TrimSpace(toString(m["name"])); n != "" {
					r.persons = append(r.persons, n)
				}
			}
		}
	}
	return r
}

// checkCaption applies the documented request rules and, when persons are
// present, the human ReID rate limit.
func (s *Server) checkCaption(cl *call, r captionReq, needCallback bool) error {
	if r.userPrompt == "" {
		return apiErr(CodeBadParam, "parameter error: user_prompt is required")
	}
	if needCallback && r.callback == "" {
		return apiErr(CodeBadParam, "parameter error: callback is required: results are delivered asynchronously")
	}
	if err := s.checkCallback("callback", r.callback); err != nil {
		return err
	}
	if len(r.persons) > captionMaxPersons {
		return apiErr(CodeBadParam, "parameter error: at most %d persons can be re-identified", captionMaxPersons)
	}
	if len(r.persons) > 0 {
		if d := s.meter.limiter.AllowGroup(cl.account, limits.GroupHumanReID); !d.Allowed {
			return errRateLimited
		}
	}
	return nil
}

// captionText writes a deterministic description of the media, naming
// each ReID person as detected or not (decided by the seed, the media and
// the name), with token counts estimated like the chat generator's.
func (s *Server) captionText(r captionReq, mediaKey string, seconds float64, images int) (string, map[string]any) {
	c := content.Generate(content.VideoInput{Seed: s.opts.Seed, VideoNo: mediaKey, Name: r.userPrompt,
		Duration: math.Max(seconds, 4)})
	var b strings.Builder
	for i, sg := range c.Visual {
		if i == 3 {
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sg.Text)
	}
	for _, p := range r.persons {
		h := fnv.New32a()
		_, _ = fmt.Fprintf(h, "%d|%s|%s", s.opts.Seed, mediaKey, p)
		if h.Sum32()%4 != 0 {
			fmt.Fprintf(&b, " %s is identified by the reference image.", p)
		} else {
			fmt.Fprintf(&b, " %s does not appear.", p)
		}
	}
	text := b.String()
	in := tokens(r.userPrompt+" "+r.systemPrompt) + 258*max(images, 1) + int(seconds)*20
	out := tokens(text)
	return text, map[string]any{"input": in, "output": out, "total": in + out}
}

func tokens(s string) int { return int(math.Ceil(float64(len(strings.Fields(s))) * 1.3)) }

// scheduleCaption POSTs the caption result to the callback once the
// processing time has passed on the server's clock.
func (s *Server) scheduleCaption(callback, taskID, text string, tok map[string]any, seconds float64) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-s.clk.After(s.processingTime(seconds)):
		case <-s.ctx.Done():
			return
		}
		s.hooks.Enqueue(callback, map[string]any{"status": 0, "task_id": taskID, "data": map[string]any{"text": text, "token": tok}})
	}()
}

// hCaptionVideoURL is POST /v1/understand/upload (async).
func (s *Server) hCaptionVideoURL(cl *call) (any, error) {
	r := captionFields(cl)
	if err := s.checkCaption(cl, r, true); err != nil {
		return nil, err
	}
	raw := strings.TrimSpace(cl.str("video_url"))
	if raw == "" {
		return nil, apiErr(CodeBadParam, "parameter error: video_url is required")
	}
	// The mock does not fetch caption URLs; the duration is synthesised
	// within the documented 20-300 s so the request is valid.
	info := synthInfo(s.opts.Seed, raw)
	secs := math.Min(captionMaxSeconds, math.Max(captionMinSeconds, info.Duration))
	taskID := s.ids.task(cl.account)[:36]
	text, tok := s.captionText(r, raw, secs, 0)
	cl.usage.tokens = int64(tok["total"].(int))
	s.scheduleCaption(r.callback, taskID, text, tok, secs)
	return map[string]any{"task_id": taskID}, nil
}

// hCaptionVideoFile is POST /v1/understand/uploadFile (async, multipart).
// The video is probed: over 20 MB or outside 20-300 s is refused at once.
func (s *Server) hCaptionVideoFile(cl *call) (any, error) {
	r := captionFields(cl)
	if err := s.checkCaption(cl, r, true); err != nil {
		return nil, err
	}
	files := cl.files["files"]
	if len(files) == 0 {
		return nil, apiErr(CodeBadParam, "parameter error: files (the video) is required")
	}
	u := files[0]
	if u.Size > captionMaxBytes {
		return nil, apiErr(CodeBadParam, "The video exceeds the maximum size of 20 MB.")
	}
	info, err := media.ProbeVideo(u.Pending.File(), u.Size)
	if err != nil {
		return nil, &APIError{Code: CodeUnsupported, Msg: "Unsupported media type: the video cannot be read."}
	}
	if info.Duration < captionMinSeconds || info.Duration > captionMaxSeconds {
		return nil, apiErr(CodeBadParam, "The video duration must be between 20 and 300 seconds (got %.0f s).", info.Duration)
	}
	if refs := len(cl.files["file"]); refs > captionMaxPersons {
		return nil, apiErr(CodeBadParam, "parameter error: at most %d person reference images", captionMaxPersons)
	}
	taskID := s.ids.task(cl.account)[:36]
	text, tok := s.captionText(r, u.SHA256, info.Duration, 0)
	cl.usage.tokens = int64(tok["total"].(int))
	s.scheduleCaption(r.callback, taskID, text, tok, info.Duration)
	return map[string]any{"task_id": taskID}, nil
}

// syncCaption answers an image caption at once.
func (s *Server) syncCaption(cl *call, r captionReq, key string, images int) (any, error) {
	text, tok := s.captionText(r, key, 0, images)
	cl.usage.tokens = int64(tok["total"].(int))
	return map[string]any{"text": text, "token": tok}, nil
}

// hCaptionImageURL is POST /v1/understand/uploadImg: by URL(s), or the
// v1.2 multipart form with a `req` part and `file`.
func (s *Server) hCaptionImageURL(cl *call) (any, error) {
	if len(cl.files["file"]) > 0 {
		return s.hCaptionImageFile(cl)
	}
	r := captionFields(cl)
	if err := s.checkCaption(cl, r, false); err != nil {
		return nil, err
	}
	urls := append(cl.strs("url"), cl.strs("urls")...)
	if len(urls) == 0 {
		return nil, apiErr(CodeBadParam, "parameter error: url is required")
	}
	return s.syncCaption(cl, r, strings.Join(urls, "|"), len(urls))
}

// hCaptionImageFile is POST /v1/understand/uploadImgFile: the images are
// decoded; anything but an image is 415.
func (s *Server) hCaptionImageFile(cl *call) (any, error) {
	r := captionFields(cl)
	if err := s.checkCaption(cl, r, false); err != nil {
		return nil, err
	}
	files := append(cl.files["file"], cl.files["files"]...)
	if len(files) == 0 {
		return nil, apiErr(CodeBadParam, "parameter error: file is required")
	}
	var key strings.Builder
	for _, u := range files {
		if _, err := media.ProbeImage(io.NewSectionReader(u.Pending.File(), 0, u.Size)); err != nil {
			return nil, &APIError{Code: CodeUnsupported, Msg: "Unsupported media type: only PNG and JPEG images are accepted."}
		}
		key.WriteString(u.SHA256)
	}
	return s.syncCaption(cl, r, key.String(), len(files))
}

// hCaptionImageBase64 is POST /v1/understand/uploadImgFileBase64.
func (s *Server) hCaptionImageBase64(cl *call) (any, error) {
	r := captionFields(cl)
	if err := s.checkCaption(cl, r, false); err != nil {
		return nil, err
	}
	var blobs []string
	if b := cl.str("image_base64"); b != "" {
		blobs = append(blobs, b)
	}
	for _, key := range []string{"images", "image_list"} {
		if list, ok := cl.body[key].([]any); ok {
			for _, x := range list {
				if m, ok := x.(map[string]any); ok {
					blobs = append(blobs, toString(m["image_base64"]))
				}
			}
		}
	}
	if len(blobs) == 0 {
		return nil, apiErr(CodeBadParam, "parameter error: image_base64 is required")
	}
	var key strings.Builder
	for _, b64 := range blobs {
		if i := strings.Index(b64, ";base64,"); i >= 0 {
			b64 = b64[i+8:]
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, apiErr(CodeBadParam, "parameter error: image_base64 is not valid base64")
		}
		if len(raw) > captionMaxBytes {
			return nil, apiErr(CodeBadParam, "The image exceeds the maximum size of 20 MB.")
		}
		if _, err := media.ProbeImage(bytes.NewReader(raw)); err != nil {
			return nil, &APIError{Code: CodeUnsupported, Msg: "Unsupported media type: only PNG and JPEG images are accepted."}
		}
		key.WriteString(fmt.Sprintf("%x", len(raw)))
		key.WriteString(b64[:min(len(b64), 64)])
	}
	return s.syncCaption(cl, r, key.String(), len(blobs))
}
