package client

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Group is an interface group of the documented rate-limit table: every
// operation of a group shares one per-account limit.
type Group string

// The interface groups of the v1.2 rate-limit page (seed 001, "Rate Limits").
const (
	GroupUpload        Group = "upload"        // upload from local file / streaming URL, images
	GroupScraper       Group = "scraper"       // upload from platform / creator URL / hashtag
	GroupSearch        Group = "search"        // every search endpoint
	GroupChat          Group = "chat"          // video chat and personal chat
	GroupMarketer      Group = "marketer"      // video marketer
	GroupTranscription Group = "transcription" // video/audio transcription (+ update, caption of a video)
	GroupSummary       Group = "summary"       // generate_summary
	GroupList          Group = "list"          // list videos, sessions, images
	GroupDelete        Group = "delete"        // delete_videos
	GroupDownload      Group = "download"      // download
	GroupCaptionVideo  Group = "caption_video" // security host: video caption and ReID
	GroupCaptionImage  Group = "caption_image" // security host: image caption
	GroupOther         Group = "other"         // everything the table does not name
)

// Limit is a documented rate: Count requests per Per.
type Limit struct {
	Count int
	Per   time.Duration
}

// Rate returns the limit in requests per second.
func (l Limit) Rate() rate.Limit {
	if l.Count <= 0 || l.Per <= 0 {
		return rate.Inf
	}
	return rate.Limit(float64(l.Count) / l.Per.Seconds())
}

// PerSecond returns the limit in requests per second as a float.
func (l Limit) PerSecond() float64 { return float64(l.Rate()) }

// String prints the limit as the docs do: "10/s", "1/min".
func (l Limit) String() string {
	unit := "s"
	switch l.Per {
	case time.Minute:
		unit = "min"
	case time.Hour:
		unit = "h"
	case time.Second:
	default:
		unit = l.Per.String()
	}
	return strconv.Itoa(l.Count) + "/" + unit
}

// DocumentedLimits returns the v1.2 rate-limit table (Oct 2025 version of
// the docs, seed 001): per account, per interface group. A fresh map each
// call, so callers may change it.
func DocumentedLimits() map[Group]Limit {
	return map[Group]Limit{
		GroupUpload:        {1, time.Second},
		GroupScraper:       {1, time.Minute},
		GroupSearch:        {10, time.Second},
		GroupChat:          {1, time.Second},
		GroupMarketer:      {1, time.Second},
		GroupTranscription: {5, time.Second},
		GroupSummary:       {5, time.Second},
		GroupList:          {5, time.Second},
		GroupDelete:        {5, time.Second},
		GroupDownload:      {12, time.Minute},
		GroupCaptionVideo:  {1, time.Second},
		GroupCaptionImage:  {5, time.Second},
		GroupOther:         {5, time.Second},
	}
}

// Groups lists every group in a stable order.
func Groups() []Group {
	return []Group{GroupUpload, GroupScraper, GroupSearch, GroupChat, GroupMarketer,
		GroupTranscription, GroupSummary, GroupList, GroupDelete, GroupDownload,
		GroupCaptionVideo, GroupCaptionImage, GroupOther}
}

// GroupOf returns the rate-limit group of an operation name (see OpName).
func GroupOf(op string) Group {
	switch op {
	case "upload", "upload_url", "upload_img":
		return GroupUpload
	case "scraper_url", "scraper_url_public", "scraper", "scraper_public", "scraper_tag", "scraper_tag_public":
		return GroupScraper
	case "search", "search_public", "search_audio_transcripts", "search_public_audio_transcripts",
		"search_similar_images", "search_public_similar_images", "search_clips_by_image":
		return GroupSearch
	case "chat", "chat_stream", "chat_personal", "chat_personal_stream":
		return GroupChat
	case "marketer_chat", "marketer_chat_stream":
		return GroupMarketer
	case "get_video_transcription", "get_audio_transcription", "get_public_video_transcription",
		"get_public_audio_transcription", "update_video_transcription", "get_video_caption":
		return GroupTranscription
	case "generate_summary":
		return GroupSummary
	case "list_videos", "list_sessions", "img_list_page", "folders_videos":
		return GroupList
	case "delete_videos":
		return GroupDelete
	case "download":
		return GroupDownload
	case "understand_upload", "understand_uploadFile", "understand_uploadSync", "understand_uploadFileSync":
		return GroupCaptionVideo
	case "understand_uploadImg", "understand_uploadImgFile", "understand_uploadImgFileBase64":
		return GroupCaptionImage
	}
	return GroupOther
}

// API path prefixes.
const (
	// APIPrefix is the v1.2 path prefix on api.memories.ai.
	APIPrefix = "/serve/api/v1/"
	// CaptionPrefix is the path prefix on security.memories.ai.
	CaptionPrefix = "/v1/understand/"
)

// OpName derives the operation name from a request path:
// "/serve/api/v1/memories/add" -> "memories_add",
// "/v1/understand/uploadImg" -> "understand_uploadImg". Metrics, hooks and
// rate-limit groups all key on it.
func OpName(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	switch {
	case strings.HasPrefix(path, APIPrefix):
		path = path[len(APIPrefix):]
	case strings.HasPrefix(path, CaptionPrefix):
		path = "understand_" + path[len(CaptionPrefix):]
	case strings.HasPrefix(path, "/v1/"):
		// The /v1/<name> spellings seed 001 prints for a few endpoints.
		path = path[len("/v1/"):]
	}
	return strings.ReplaceAll(strings.Trim(path, "/"), "/", "_")
}
