package limits

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Interface groups. Each group is one row of the vendor's rate-limit table
// (seed 001 "Rate Limits", API_FACTS A4) or, for operations those tables do
// not name, a group of our own at the table's common 5 QPS. Every account
// has one token bucket per group, so "Search 10 QPS" is shared by search,
// search_public and the other search endpoints of the same account.
//
// Group names are hyphenated and never equal an operationId (those use
// underscores), so an override key is unambiguous.
const (
	GroupUploadLocal         = "upload-local"         // Upload from local/streaming url
	GroupUploadPlatform      = "upload-platform"      // Upload from platform/creator url
	GroupSearch              = "video-search"         // Search
	GroupChat                = "video-chat"           // Chat ("6.3 Video Chat")
	GroupMarketer            = "video-marketer"       // Video Marketer
	GroupVideoTranscription  = "video-transcription"  // Video Transcription
	GroupAudioTranscription  = "audio-transcription"  // Audio Transcription
	GroupUpdateTranscription = "update-transcription" // pricing table row 2.3 (5 QPS)
	GroupSummary             = "summary"              // Summary
	GroupListVideos          = "list-videos"          // List Videos
	GroupListSessions        = "list-sessions"        // List Sessions
	GroupDelete              = "delete-videos"        // Delete Videos
	GroupDownload            = "download-videos"      // Download Videos
	GroupCaptionVideos       = "caption-videos"       // Caption Videos
	GroupCaptionImages       = "caption-images"       // Caption Images
	GroupHumanReID           = "human-reid"           // Human Reid (see Limiter.AllowGroup)
	GroupTaskStatus          = "task-status"          // platform table only
	GroupSessionDetail       = "session-detail"       // not in the tables
	GroupVideoDetails        = "video-details"        // not in the tables
	GroupListImages          = "list-images"          // not in the tables
	GroupTextMemories        = "text-memories"        // not in the tables
	GroupFolders             = "manage-folders"       // not in the tables
	GroupOther               = "other"                // any operation this package does not know
)

// opGroups maps every operationId of the emulated API to its group.
//
// Choices where the docs are silent (documented here because they are
// realism rules):
//   - upload_img is an upload from a local file, so it shares upload-local.
//   - get_video_caption is the newer name of get_video_transcription
//     (API_FACTS A7.16) and shares its bucket.
//   - update_video_transcription gets its own 5 QPS bucket: the pricing
//     page lists it as a separate row "2.3 ... 5 QPS".
//   - folders_videos returns the ListVideos shape, so it counts as list-videos.
//   - The caption host's ReID mode is the same endpoints with `persons`; the
//     pipeline asks Limiter.AllowGroup(account, GroupHumanReID) for those.
var opGroups = map[string]string{
	"upload":     GroupUploadLocal,
	"upload_url": GroupUploadLocal,
	"upload_img": GroupUploadLocal,

	"scraper_url":        GroupUploadPlatform,
	"scraper_url_public": GroupUploadPlatform,
	"scraper":            GroupUploadPlatform,
	"scraper_public":     GroupUploadPlatform,
	"scraper_tag":        GroupUploadPlatform,
	"scraper_tag_public": GroupUploadPlatform,

	"search":                          GroupSearch,
	"search_public":                   GroupSearch,
	"search_audio_transcripts":        GroupSearch,
	"search_public_audio_transcripts": GroupSearch,
	"search_similar_images":           GroupSearch,
	"search_public_similar_images":    GroupSearch,
	"search_clips_by_image":           GroupSearch,

	"chat":                 GroupChat,
	"chat_stream":          GroupChat,
	"chat_personal":        GroupChat,
	"chat_personal_stream": GroupChat,

	"marketer_chat":        GroupMarketer,
	"marketer_chat_stream": GroupMarketer,

	"get_video_transcription":        GroupVideoTranscription,
	"get_public_video_transcription": GroupVideoTranscription,
	"get_video_caption":              GroupVideoTranscription,
	"get_audio_transcription":        GroupAudioTranscription,
	"get_public_audio_transcription": GroupAudioTranscription,
	"update_video_transcription":     GroupUpdateTranscription,
	"generate_summary":               GroupSummary,

	"list_videos":    GroupListVideos,
	"folders_videos": GroupListVideos,
	"img_list_page":  GroupListImages,
	"list_sessions":  GroupListSessions,

	"get_session_detail":        GroupSessionDetail,
	"get_video_ids_by_task_id":  GroupTaskStatus,
	"get_private_video_details": GroupVideoDetails,
	"get_metadata":              GroupVideoDetails,
	"get_public_video_detail":   GroupVideoDetails,

	"delete_videos": GroupDelete,
	"download":      GroupDownload,

	"memories_add":    GroupTextMemories,
	"memories":        GroupTextMemories,
	"memories_search": GroupTextMemories,

	"folders":        GroupFolders,
	"folders_create": GroupFolders,
	"folders_rename": GroupFolders,
	"folders_delete": GroupFolders,
	"folders_move":   GroupFolders,

	"understand_upload":              GroupCaptionVideos,
	"understand_uploadFile":          GroupCaptionVideos,
	"understand_uploadSync":          GroupCaptionVideos,
	"understand_uploadFileSync":      GroupCaptionVideos,
	"understand_uploadImg":           GroupCaptionImages,
	"understand_uploadImgFile":       GroupCaptionImages,
	"understand_uploadImgFileBase64": GroupCaptionImages,
}

// GroupOf returns the rate-limit group of an operationId; unknown operations
// fall into GroupOther.
func GroupOf(opID string) string {
	if g, ok := opGroups[opID]; ok {
		return g
	}
	if g := V2Group(opID); g != "" {
		return g
	}
	return GroupOther
}

// KnownOperation reports whether opID is an operation this package maps.
func KnownOperation(opID string) bool {
	_, ok := opGroups[opID]
	return ok || v2Ops[opID]
}

// Operations returns every known operationId, sorted.
func Operations() []string {
	out := make([]string, 0, len(opGroups))
	for op := range opGroups {
		out = append(out, op)
	}
	sort.Strings(out)
	return out
}

// Groups returns every group name (GroupOther included), sorted.
func Groups() []string {
	out := make([]string, 0, len(v12Limits))
	for g := range v12Limits {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// IsGroup reports whether name is a group name.
func IsGroup(name string) bool {
	_, ok := v12Limits[name]
	if !ok {
		_, ok = v2Limits()[name]
	}
	return ok
}

// Profile names accepted by Profile.
const (
	ProfileV12      = "v1.2"
	ProfilePlatform = "platform"
	ProfileOff      = "off"
)

// ErrUnknownProfile is returned by Profile for a name it does not know.
var ErrUnknownProfile = errors.New("limits: unknown rate-limit profile")

func qps(n int) Limit { return Limit{Every: time.Second / time.Duration(n), Burst: 1} }
func qpm(n int) Limit { return Limit{Every: time.Minute / time.Duration(n), Burst: 1} }

// v12Limits is seed 001's table (memories.ai docs v1.2, Oct 2025), the
// default profile. Groups the table does not name get 5 QPS, the value the
// table gives every other read-style utility (list videos, list sessions,
// delete).
var v12Limits = map[string]Limit{
	GroupUploadLocal:         qps(1),
	GroupUploadPlatform:      qpm(1),
	GroupSearch:              qps(10),
	GroupChat:                qps(1),
	GroupMarketer:            qps(1),
	GroupVideoTranscription:  qps(5),
	GroupAudioTranscription:  qps(5),
	GroupUpdateTranscription: qps(5),
	GroupSummary:             qps(5),
	GroupListVideos:          qps(5),
	GroupListSessions:        qps(5),
	GroupDelete:              qps(5),
	GroupDownload:            qpm(12),
	GroupCaptionVideos:       qps(1),
	GroupCaptionImages:       qps(5),
	GroupHumanReID:           qps(1),
	GroupTaskStatus:          qps(5),
	GroupSessionDetail:       qps(5),
	GroupVideoDetails:        qps(5),
	GroupListImages:          qps(5),
	GroupTextMemories:        qps(5),
	GroupFolders:             qps(5),
	GroupOther:               qps(5),
}

// platformDiff is the newer api-tools.memories.ai /platform/rate-limits table
// (API_FACTS A4, third column). Groups it does not list keep their v1.2
// value.
var platformDiff = map[string]Limit{
	GroupUploadLocal:        qpm(1),
	GroupSearch:             qps(1),
	GroupChat:               qpm(2),
	GroupMarketer:           qpm(2),
	GroupVideoTranscription: qps(1),
	GroupAudioTranscription: qps(1),
	GroupSummary:            qps(1),
	GroupListVideos:         qps(5),
	GroupListSessions:       qps(5),
	GroupDelete:             qps(5),
	GroupDownload:           qpm(12),
	GroupTaskStatus:         qps(1),
}

// Profile returns a fresh copy of a named rate-limit table keyed by group:
// "v1.2" (the default; "" and "default" are aliases), "platform" (the newer
// api-tools table, falling back to v1.2 for groups it does not list) or
// "off" (every group unlimited).
func Profile(name string) (map[string]Limit, error) {
	out := make(map[string]Limit, len(v12Limits))
	switch name {
	case ProfileV12, "", "default":
		for g, l := range v12Limits {
			out[g] = l
		}
	case ProfilePlatform:
		for g, l := range v12Limits {
			out[g] = l
		}
		for g, l := range platformDiff {
			out[g] = l
		}
	case ProfileOff:
		for g := range v12Limits {
			out[g] = Limit{}
		}
	default:
		return nil, fmt.Errorf("%w %q (want %q, %q or %q)", ErrUnknownProfile, name, ProfileV12, ProfilePlatform, ProfileOff)
	}
	for g, l := range v2Limits() {
		if name == ProfileOff {
			l = Limit{}
		}
		out[g] = l
	}
	return out, nil
}

// Merge returns base with every entry of overrides applied on top (neither
// map is modified).
func Merge(base, overrides map[string]Limit) map[string]Limit {
	out := make(map[string]Limit, len(base)+len(overrides))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range overrides {
		out[k] = v
	}
	return out
}
