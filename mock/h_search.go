package mock

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/store"
)

// errNotEnglish is the answer to a non-English prompt: the docs say search
// supports English prompts only.
var errNotEnglish = &APIError{Code: CodeBadParam, Msg: "Only English prompts are supported."}

// seconds renders a time offset as the seeds do: whole seconds as a string.
func seconds(f float64) string { return strconv.Itoa(int(math.Floor(f))) }

func roundScore(f float64) float64 { return math.Round(f*1e6) / 1e6 }

// searchQuery reads the filters shared by search and search_public.
func (cl *call) searchQuery(ns string) (content.Query, error) {
	text := strings.TrimSpace(cl.str("search_param"))
	if text == "" {
		return content.Query{}, apiErr(CodeBadParam, "parameter error: search_param is required")
	}
	if !content.IsEnglish(text) {
		return content.Query{}, errNotEnglish
	}
	mode, ok := content.ParseMode(firstNonEmpty(cl.str("search_type"), "BY_VIDEO"))
	if !ok {
		return content.Query{}, apiErr(CodeBadParam, "parameter error: search_type must be BY_VIDEO, BY_CLIP, BY_AUDIO or BY_IMAGE")
	}
	min, ok := content.Threshold(cl.str("filtering_level"))
	if !ok {
		return content.Query{}, apiErr(CodeBadParam, "parameter error: filtering_level must be low, medium or high")
	}
	q := content.Query{Namespace: ns, Text: text, Mode: mode, TopK: cl.int("top_k", content.DefaultTopK),
		MinScore: min, VideoNos: cl.strs("video_nos"), Tag: cl.str("tag"), CameraModel: firstNonEmpty(cl.str("camera_tag"), cl.str("camera_model"))}
	if q.TopK < 1 || q.TopK > content.MaxTopK {
		return q, apiErr(CodeBadParam, "parameter error: top_k must be between 1 and %d", content.MaxTopK)
	}
	if dt := strings.TrimSpace(cl.str("datetime_taken")); dt != "" {
		t, err := time.ParseInLocation(datetimeLayout, dt, time.UTC)
		if err != nil {
			return q, apiErr(CodeBadParam, "parameter error: datetime_taken must be in the format yyyy-MM-dd HH:mm:ss")
		}
		q.TakenAfter = t
	}
	lat, okLat := cl.num("latitude")
	lon, okLon := cl.num("longitude")
	if okLat != okLon {
		return q, apiErr(CodeBadParam, "parameter error: latitude and longitude must be given together")
	}
	if okLat {
		q.Lat, q.Lon = &lat, &lon
	}
	return q, nil
}

// clipItem is one video/clip/audio hit in the seed's shape and order.
type clipItem struct {
	VideoNo   string  `json:"videoNo"`
	VideoName string  `json:"videoName"`
	StartTime string  `json:"startTime"`
	EndTime   string  `json:"endTime"`
	Score     float64 `json:"score"`
	AudioTS   string  `json:"audio_ts,omitempty"`
}

// clipItems renders video/clip/audio hits in the seed's shape.
func clipItems(hits []content.Hit, audio bool) []clipItem {
	out := make([]clipItem, 0, len(hits))
	for _, h := range hits {
		item := clipItem{VideoNo: h.VideoNo, VideoName: h.Name, StartTime: seconds(h.Start),
			EndTime: seconds(math.Ceil(h.End)), Score: roundScore(h.Score)}
		if audio {
			item.AudioTS = h.Text
		}
		out = append(out, item)
	}
	return out
}

// hSearch is POST /search over the caller's parsed videos and images.
func (s *Server) hSearch(cl *call) (any, error) {
	s.Tick()
	q, err := cl.searchQuery(nsKey(cl.account, cl.ns()))
	if err != nil {
		return nil, err
	}
	hits := s.world.idx().Search(q)
	if q.Mode != content.ByImage {
		return clipItems(hits, q.Mode == content.ByAudio), nil
	}
	items := make([]any, 0, len(hits))
	for _, h := range hits {
		im := s.world.image(h.VideoNo)
		if im == nil {
			continue
		}
		it := s.imageItem(im)
		it["score"] = roundScore(h.Score)
		items = append(items, it)
	}
	// Seed 001's BY_IMAGE example pages from 0 with 20 per page.
	return map[string]any{"item": items, "current_page": 0, "page_size": 20, "total_count": strconv.Itoa(len(items))}, nil
}

// platformParam reads `type` (TIKTOK by default).
func platformParam(cl *call) (string, error) {
	p := strings.ToUpper(firstNonEmpty(cl.str("type"), "TIKTOK"))
	switch p {
	case "TIKTOK", "YOUTUBE", "INSTAGRAM":
		return p, nil
	}
	return "", apiErr(CodeBadParam, "parameter error: type must be TIKTOK, YOUTUBE or INSTAGRAM")
}

// hSearchPublic is POST /search_public over the public library.
func (s *Server) hSearchPublic(cl *call) (any, error) {
	s.Tick()
	platform, err := platformParam(cl)
	if err != nil {
		return nil, err
	}
	q, err := cl.searchQuery(publicNS)
	if err != nil {
		return nil, err
	}
	if q.Mode != content.ByVideo && q.Mode != content.ByAudio {
		return nil, apiErr(CodeBadParam, "parameter error: search_public supports BY_VIDEO and BY_AUDIO only")
	}
	q.VideoNos = s.world.public.ready().nosOf(platform, q.VideoNos)
	if len(q.VideoNos) == 0 {
		return []clipItem{}, nil
	}
	return clipItems(s.world.public.ready().idx().Search(q), q.Mode == content.ByAudio), nil
}

// transcriptPage is the newer search_audio_transcripts shape.
func transcriptPage(hits []content.TranscriptHit, total, page, size int) map[string]any {
	videos := make([]any, 0, len(hits))
	for _, h := range hits {
		videos = append(videos, map[string]any{
			"videoNo": h.VideoNo, "videoName": h.Name, "startTime": seconds(h.Start), "audio_ts": h.Text,
		})
	}
	return map[string]any{"current_page": page, "page_size": size, "total_count": strconv.Itoa(total), "videos": videos}
}

func pageParams(cl *call, defSize, maxSize int) (int, int, error) {
	page, size := cl.int("page", 1), cl.int("page_size", defSize)
	if page < 1 {
		return 0, 0, apiErr(CodeBadParam, "parameter error: page must be positive")
	}
	if size < 1 || size > maxSize {
		return 0, 0, apiErr(CodeBadParam, "parameter error: page_size must be between 1 and %d", maxSize)
	}
	return page, size, nil
}

// hSearchAudioTranscripts is GET /search_audio_transcripts: an exact
// (case-insensitive substring) match over the caller's audio transcripts.
func (s *Server) hSearchAudioTranscripts(public bool) handlerFunc {
	return func(cl *call) (any, error) {
		s.Tick()
		query := strings.TrimSpace(cl.str("query"))
		if query == "" {
			return nil, apiErr(CodeBadParam, "parameter error: query is required")
		}
		page, size, err := pageParams(cl, 50, 100)
		if err != nil {
			return nil, err
		}
		ix, ns := s.world.idx(), nsKey(cl.account, cl.ns())
		if public {
			ix, ns = s.world.public.ready().idx(), publicNS
		}
		hits, total := ix.SearchTranscripts(ns, query, page, size)
		return transcriptPage(hits, total, page, size), nil
	}
}

// similarityParam reads the 0..1 threshold (default 0.85, the OAS's).
func similarityParam(cl *call) (float64, error) {
	sim, ok := cl.num("similarity")
	if !ok {
		return 0.85, nil
	}
	if sim < 0 || sim > 1 {
		return 0, apiErr(CodeBadParam, "parameter error: similarity must be between 0 and 1")
	}
	return sim, nil
}

// queryImage decodes the uploaded query image.
func queryImage(cl *call) (media.ImageInfo, error) {
	files := cl.files["file"]
	if len(files) == 0 {
		return media.ImageInfo{}, apiErr(CodeBadParam, "parameter error: file is required")
	}
	u := files[0]
	info, err := media.ProbeImage(io.NewSectionReader(u.Pending.File(), 0, u.Size))
	if err != nil {
		return media.ImageInfo{}, &APIError{Code: CodeUnsupported, Msg: "Unsupported media type: the file is not a JPEG, PNG, GIF or WebP image."}
	}
	return info, nil
}

type simHit struct {
	no, name   string
	start, end float64
	score      float64
}

func simItems(hits []simHit) []any {
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	out := make([]any, 0, len(hits))
	for _, h := range hits {
		out = append(out, map[string]any{
			"videoNo": h.no, "videoName": h.name, "startTime": seconds(h.start), "endTime": seconds(math.Ceil(h.end)),
			"score": roundScore(h.score),
		})
	}
	return out
}

// hSearchSimilarImages is POST /search_similar_images: the caller's
// uploaded images compared by perceptual hash.
func (s *Server) hSearchSimilarImages(cl *call) (any, error) {
	info, err := queryImage(cl)
	if err != nil {
		return nil, err
	}
	sim, err := similarityParam(cl)
	if err != nil {
		return nil, err
	}
	ns := cl.ns()
	var hits []simHit
	// Videos are compared through their keyframes (one per visual segment,
	// with seeded perceptual hashes: the mock cannot decode frames), images
	// through their real hashes.
	for _, kf := range s.world.keyframes(cl.account, ns) {
		score := media.Similarity(info, media.ImageInfo{PerceptionHash: kf.phash, DifferenceHash: kf.dhash})
		if score >= sim {
			hits = append(hits, simHit{no: kf.no, name: kf.name, start: kf.start, end: kf.end, score: score})
		}
	}
	s.store.EachImage(func(im *store.Image) bool {
		if im.Account != cl.account || im.Namespace != ns {
			return true
		}
		score := media.Similarity(info, media.ImageInfo{PerceptionHash: im.PHash, DifferenceHash: im.DHash})
		if score >= sim {
			hits = append(hits, simHit{no: im.ID, name: im.Name, score: score})
		}
		return true
	})
	return simItems(hits), nil
}

// hSearchPublicSimilarImages is POST /search_public_similar_images: the
// public library's keyframes (synthetic perceptual hashes) compared with
// the query image.
func (s *Server) hSearchPublicSimilarImages(cl *call) (any, error) {
	info, err := queryImage(cl)
	if err != nil {
		return nil, err
	}
	sim, err := similarityParam(cl)
	if err != nil {
		return nil, err
	}
	platform, err := platformParam(cl)
	if err != nil {
		return nil, err
	}
	var hits []simHit
	for _, kf := range s.world.public.ready().keyframes(platform) {
		score := media.Similarity(info, media.ImageInfo{PerceptionHash: kf.phash, DifferenceHash: kf.dhash})
		if score >= sim {
			hits = append(hits, simHit{no: kf.no, name: kf.name, start: kf.start, end: kf.end, score: score})
		}
	}
	return simItems(hits), nil
}

// hSearchClipsByImage is POST /search_clips_by_image: clips of one parsed
// video ranked by the prompt, the image steering nothing the mock can see
// (it cannot decode video frames); documented as a limitation.
func (s *Server) hSearchClipsByImage(cl *call) (any, error) {
	s.Tick()
	if _, err := queryImage(cl); err != nil {
		return nil, err
	}
	prompt := strings.TrimSpace(cl.str("prompt"))
	if prompt == "" {
		return nil, apiErr(CodeBadParam, "parameter error: prompt is required")
	}
	if !content.IsEnglish(prompt) {
		return nil, errNotEnglish
	}
	v, err := s.parsedVideo(cl, cl.str("video_no"))
	if err != nil {
		return nil, err
	}
	hits := s.world.idx().Search(content.Query{Namespace: nsKey(v.Account, v.Namespace), Text: prompt,
		Mode: content.ByClip, TopK: 10, VideoNos: []string{v.No}})
	out := make([]any, 0, len(hits))
	for _, h := range hits {
		out = append(out, map[string]any{"start_time": h.Start, "end_time": h.End, "score": roundScore(h.Score)})
	}
	return out, nil
}

// parsedVideo loads one of the caller's videos and insists it is parsed.
func (s *Server) parsedVideo(cl *call, no string) (*store.Video, error) {
	if strings.TrimSpace(no) == "" {
		return nil, apiErr(CodeBadParam, "parameter error: video_no is required")
	}
	v, err := s.store.GetVideo(cl.account, cl.ns(), no)
	if err != nil {
		return nil, err
	}
	if v.Status != store.StatusParse {
		return nil, apiErr(CodeBadParam, "Video is not parsed: %s", fmt.Sprint(v.No))
	}
	return v, nil
}
