package mock

import (
	"strings"

	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/model"
	"github.com/memharness/memharness/mock/store"
)

// segments renders transcript segments in the seeds' shape: index,
// content, and start/end seconds as strings.
func segments(segs []model.Segment) []any {
	out := make([]any, 0, len(segs))
	for i, sg := range segs {
		out = append(out, map[string]any{
			"index": i, "content": sg.Text, "startTime": seconds(sg.Start), "endTime": seconds(sg.End),
		})
	}
	return out
}

// readyVideo loads one of the caller's videos for a transcription read.
// A video that is not parsed yet answers data:null with 0000, as the
// vendor documents for audio transcription (API_FACTS A7.17).
func (s *Server) readyVideo(cl *call) (*store.Video, bool, error) {
	s.Tick()
	v, err := s.store.GetVideo(cl.account, cl.ns(), cl.str("video_no"))
	if err != nil {
		return nil, false, err
	}
	return v, v.Status == store.StatusParse, nil
}

// hVideoTranscription is GET /get_video_transcription (and, with the same
// body, the newer GET /get_video_caption).
func (s *Server) hVideoTranscription(cl *call) (any, error) {
	v, ok, err := s.readyVideo(cl)
	if err != nil || !ok {
		return nil, err
	}
	c := s.world.contentOf(v)
	return map[string]any{"videoNo": v.No, "transcriptions": segments(c.Visual)}, nil
}

// hAudioTranscription is GET /get_audio_transcription. A video without an
// audio track answers data:null (0000), as documented.
func (s *Server) hAudioTranscription(cl *call) (any, error) {
	v, ok, err := s.readyVideo(cl)
	if err != nil || !ok || !v.HasAudio {
		return nil, err
	}
	c := s.world.contentOf(v)
	return map[string]any{"videoNo": v.No, "transcriptions": segments(c.Audio), "createTime": ms(v.ReadyAt)}, nil
}

// hPublicTranscription is GET /get_public_video_transcription and
// /get_public_audio_transcription.
func (s *Server) hPublicTranscription(audio bool) handlerFunc {
	return func(cl *call) (any, error) {
		pv := s.world.public.ready().get(cl.str("video_no"))
		if pv == nil {
			return nil, errVideoMissing
		}
		segs := pv.content.Visual
		if audio {
			segs = pv.content.Audio
		}
		return map[string]any{"videoNo": pv.no, "transcriptions": segments(segs)}, nil
	}
}

// hPublicVideoDetail is GET /get_public_video_detail.
func (s *Server) hPublicVideoDetail(cl *call) (any, error) {
	s.Tick()
	pv := s.world.public.ready().get(cl.str("video_no"))
	if pv == nil {
		return nil, errVideoMissing
	}
	return pv.detail(), nil
}

// hGenerateSummary is GET /generate_summary (CHAPTER or TOPIC).
func (s *Server) hGenerateSummary(cl *call) (any, error) {
	kind := strings.ToUpper(cl.str("type"))
	if kind != "CHAPTER" && kind != "TOPIC" {
		return nil, apiErr(CodeBadParam, "parameter error: type must be CHAPTER or TOPIC")
	}
	v, ok, err := s.readyVideo(cl)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apiErr(CodeBadParam, "Video is not parsed: %s", v.No)
	}
	c := s.world.contentOf(v)
	src := c.Chapters
	if kind == "TOPIC" {
		src = c.Topics
	}
	items := make([]any, 0, len(src))
	for _, it := range src {
		items = append(items, map[string]any{"description": it.Description, "title": it.Title, "start": seconds(it.Start)})
	}
	return map[string]any{"summary": c.Summary, "items": items}, nil
}

// hUpdateVideoTranscription is POST /update_video_transcription: the
// visual transcript is regenerated, steered by the new prompt, and
// replaces the old one permanently (API_FACTS A7.19).
func (s *Server) hUpdateVideoTranscription(cl *call) (any, error) {
	prompt := strings.TrimSpace(cl.str("prompt"))
	if prompt == "" {
		return nil, apiErr(CodeBadParam, "parameter error: prompt is required")
	}
	if err := s.checkCallback("callback", strings.TrimSpace(cl.str("callback"))); err != nil {
		return nil, err
	}
	v, err := s.parsedVideo(cl, cl.str("video_no"))
	if err != nil {
		return nil, err
	}
	v.TranscriptPrompt = prompt
	v.TranscriptRev++
	if err := s.store.PutVideo(v); err != nil {
		return nil, err
	}
	s.world.indexVideo(v)
	cl.usage.seconds = v.Duration
	if cb := strings.TrimSpace(cl.str("callback")); cb != "" {
		s.hooks.Enqueue(cb, map[string]any{"videoNo": v.No, "status": store.StatusParse})
	}
	return map[string]any{"video_no": v.No}, nil
}

var _ = content.ByVideo
