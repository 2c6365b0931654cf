package client

import "encoding/json"

// Response shapes mirror the seed examples (numbers as strings where the
// seeds show strings). NumString fields also accept the integers newer docs
// use, so the same client works against both generations of the real API.

// UploadResult is the data of upload and upload_url.
type UploadResult struct {
	VideoNo     string    `json:"videoNo"`
	VideoName   string    `json:"videoName"`
	VideoStatus string    `json:"videoStatus"`
	UploadTime  NumString `json:"uploadTime"`
}

// TaskResult is the data of the scraper endpoints.
type TaskResult struct {
	TaskID string `json:"taskId"`
}

// ImageID is one entry of upload_img's data.
type ImageID struct {
	ID NumString `json:"id"`
}

// Video is one entry of list_videos (and folders/videos).
type Video struct {
	Duration      NumString `json:"duration"`
	Size          NumString `json:"size"`
	Status        string    `json:"status"`
	Cause         string    `json:"cause,omitempty"`
	VideoNo       string    `json:"video_no"`
	VideoName     string    `json:"video_name"`
	CreateTime    NumString `json:"create_time"`
	VideoURL      string    `json:"video_url,omitempty"`
	DatetimeTaken NumString `json:"datetime_taken,omitempty"`
	CameraModel   string    `json:"camera_model,omitempty"`
	Latitude      NumString `json:"latitude,omitempty"`
	Longitude     NumString `json:"longitude,omitempty"`
	Tags          []string  `json:"tags,omitempty"`
	Bucket        string    `json:"bucket,omitempty"`
	Blob          string    `json:"blob,omitempty"`
}

// VideoPage is the data of list_videos.
type VideoPage struct {
	Videos      []Video   `json:"videos"`
	CurrentPage int       `json:"current_page"`
	PageSize    int       `json:"page_size"`
	TotalCount  NumString `json:"total_count"`
}

// SearchHit is one clip of search (BY_VIDEO, BY_AUDIO, BY_CLIP),
// search_public and the similar-image searches.
type SearchHit struct {
	VideoNo        string    `json:"videoNo"`
	VideoName      string    `json:"videoName"`
	StartTime      NumString `json:"startTime"`
	EndTime        NumString `json:"endTime"`
	Score          float64   `json:"score"`
	AudioTS        string    `json:"audio_ts,omitempty"`
	VideoBucket    string    `json:"video_bucket,omitempty"`
	VideoBlob      string    `json:"video_blob,omitempty"`
	KeyframeBucket string    `json:"keyframe_bucket,omitempty"`
	KeyframeBlob   string    `json:"keyframe_blob,omitempty"`
}

// ImageHit is one image of a BY_IMAGE search.
type ImageHit struct {
	ID            NumString `json:"id"`
	Name          string    `json:"name"`
	ImgURL        string    `json:"img_url"`
	DatetimeTaken NumString `json:"datetime_taken"`
	CameraModel   string    `json:"camera_model"`
	Latitude      float64   `json:"latitude"`
	Longitude     float64   `json:"longitude"`
	Score         float64   `json:"score,omitempty"`
	Bucket        string    `json:"bucket,omitempty"`
	Blob          string    `json:"blob,omitempty"`
}

// ImagePage is the data of a BY_IMAGE search.
type ImagePage struct {
	Item        []ImageHit `json:"item"`
	CurrentPage int        `json:"current_page"`
	PageSize    int        `json:"page_size"`
	TotalCount  NumString  `json:"total_count"`
}

// SearchResult is the data of search: Hits for clip searches (an array),
// Images for BY_IMAGE (an object). Raw keeps the data as sent.
type SearchResult struct {
	Hits   []SearchHit
	Images *ImagePage
	Raw    json.RawMessage
}

// TranscriptHit is one match of search_audio_transcripts.
type TranscriptHit struct {
	VideoNo     string    `json:"videoNo"`
	VideoName   string    `json:"videoName"`
	StartTime   NumString `json:"startTime"`
	AudioTS     string    `json:"audio_ts"`
	VideoBucket string    `json:"video_bucket,omitempty"`
	VideoBlob   string    `json:"video_blob,omitempty"`
}

// TranscriptPage is the data of search_audio_transcripts.
type TranscriptPage struct {
	CurrentPage int             `json:"current_page"`
	PageSize    int             `json:"page_size"`
	TotalCount  NumString       `json:"total_count"`
	Videos      []TranscriptHit `json:"videos"`
}

// ClipHit is one entry of search_clips_by_image (snake_case floats).
type ClipHit struct {
	StartTime   float64 `json:"start_time"`
	EndTime     float64 `json:"end_time"`
	Score       float64 `json:"score"`
	VideoBucket string  `json:"video_bucket,omitempty"`
	VideoBlob   string  `json:"video_blob,omitempty"`
}

// RefVideo is the video of a chat reference.
type RefVideo struct {
	Duration  NumString `json:"duration"`
	VideoNo   string    `json:"video_no"`
	VideoName string    `json:"video_name"`
}

// RefItem is one moment of a chat reference.
type RefItem struct {
	VideoNo   string   `json:"videoNo"`
	StartTime float64  `json:"startTime"`
	EndTime   *float64 `json:"endTime,omitempty"`
	Type      string   `json:"type"`
	Text      string   `json:"text,omitempty"`
}

// Ref is a reference of a chat answer to a video.
type Ref struct {
	Video    RefVideo  `json:"video"`
	RefItems []RefItem `json:"refItems"`
}

// Thinking is one reasoning step of a chat answer.
type Thinking struct {
	Title   string `json:"title"`
	Content string `json:"content"`
	Refs    []Ref  `json:"refs,omitempty"`
}

// ChatReply is the data of the non-stream chat endpoints (chat,
// marketer_chat, chat_personal). Response and Metadata carry the v1.2
// placeholder shape of chat_personal.
type ChatReply struct {
	Role      string          `json:"role"`
	Content   string          `json:"content"`
	Thinkings []Thinking      `json:"thinkings,omitempty"`
	Refs      []Ref           `json:"refs,omitempty"`
	SessionID NumString       `json:"session_id,omitempty"`
	Response  string          `json:"response,omitempty"`
	Metadata  json.RawMessage `json:"metadata,omitempty"`
}

// TranscriptSegment is one segment of a transcription.
type TranscriptSegment struct {
	Index     int       `json:"index"`
	Content   string    `json:"content"`
	StartTime NumString `json:"startTime"`
	EndTime   NumString `json:"endTime"`
	Speaker   string    `json:"speaker,omitempty"`
}

// Transcription is the data of the transcription endpoints.
type Transcription struct {
	VideoNo        string              `json:"videoNo"`
	Transcriptions []TranscriptSegment `json:"transcriptions"`
	CreateTime     NumString           `json:"createTime,omitempty"`
	VideoBucket    string              `json:"video_bucket,omitempty"`
	VideoBlob      string              `json:"video_blob,omitempty"`
}

// SummaryItem is one chapter or topic.
type SummaryItem struct {
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Start       NumString `json:"start"`
	End         NumString `json:"end,omitempty"`
}

// Summary is the data of generate_summary.
type Summary struct {
	Summary string        `json:"summary"`
	Items   []SummaryItem `json:"items"`
}

// UpdateTranscriptionResult is the data of update_video_transcription.
type UpdateTranscriptionResult struct {
	VideoNo string `json:"video_no"`
}

// Session is one entry of list_sessions.
type Session struct {
	SessionID NumString `json:"sessionId"`
	Title     string    `json:"title"`
}

// SessionPage is the data of list_sessions.
type SessionPage struct {
	Sessions    []Session `json:"sessions"`
	CurrentPage int       `json:"current_page"`
	PageSize    int       `json:"page_size"`
	TotalCount  NumString `json:"total_count"`
}

// SessionMessage is one message of a session.
type SessionMessage struct {
	Role      string     `json:"role"`
	Content   string     `json:"content"`
	Thinkings []Thinking `json:"thinkings,omitempty"`
	Refs      []Ref      `json:"refs,omitempty"`
}

// SessionDetail is the data of get_session_detail.
type SessionDetail struct {
	Title     string           `json:"title"`
	Messages  []SessionMessage `json:"messages"`
	SessionID NumString        `json:"session_id"`
}

// TaskVideo is one per-video entry of get_video_ids_by_task_id.
type TaskVideo struct {
	VideoNo   string    `json:"video_no"`
	VideoName string    `json:"video_name"`
	Duration  NumString `json:"duration"`
	Status    string    `json:"status"`
	VideoURL  string    `json:"video_url,omitempty"`
}

// TaskStatus is the data of get_video_ids_by_task_id; the docs show taskId
// and video_ids, clients read videos[] — both are decoded.
type TaskStatus struct {
	TaskID   string      `json:"taskId"`
	VideoIDs []string    `json:"video_ids"`
	Videos   []TaskVideo `json:"videos"`
}

// Metadata is the data of get_metadata and get_private_video_details.
type Metadata struct {
	VideoNo         string    `json:"video_no"`
	VideoName       string    `json:"video_name"`
	Duration        NumString `json:"duration"`
	Size            NumString `json:"size"`
	Status          string    `json:"status"`
	CreateTime      NumString `json:"create_time"`
	Cause           string    `json:"cause,omitempty"`
	ResolutionLabel string    `json:"resolution_label,omitempty"`
	FPS             NumString `json:"fps,omitempty"`
	Width           NumString `json:"width,omitempty"`
	Height          NumString `json:"height,omitempty"`
	VideoURL        string    `json:"video_url,omitempty"`
	DatetimeTaken   NumString `json:"datetime_taken,omitempty"`
	CameraModel     string    `json:"camera_model,omitempty"`
	Latitude        NumString `json:"latitude,omitempty"`
	Longitude       NumString `json:"longitude,omitempty"`
	Tags            []string  `json:"tags,omitempty"`
	Bucket          string    `json:"bucket,omitempty"`
	Blob            string    `json:"blob,omitempty"`
}

// PublicVideoDetail is the data of get_public_video_detail (all strings).
type PublicVideoDetail struct {
	Duration     NumString `json:"duration"`
	Status       string    `json:"status"`
	VideoNo      string    `json:"video_no"`
	VideoName    string    `json:"video_name"`
	CreateTime   NumString `json:"create_time"`
	VideoURL     string    `json:"video_url"`
	LikeCount    NumString `json:"like_count"`
	ShareCount   NumString `json:"share_count"`
	CommentCount NumString `json:"comment_count"`
	ViewCount    NumString `json:"view_count"`
	CollectCount NumString `json:"collect_count"`
	BloggerID    string    `json:"blogger_id"`
	TextLanguage string    `json:"text_language"`
	MusicName    string    `json:"music_name"`
	HashTag      string    `json:"hash_tag"`
	PublishTime  NumString `json:"publish_time"`
}

// Folder is one folder (newest docs).
type Folder struct {
	FolderID   NumString `json:"folder_id"`
	FolderName string    `json:"folder_name"`
}

// FolderList is the data of GET folders.
type FolderList struct {
	Folders []Folder `json:"folders"`
}

// CaptionTask is the data of the async caption submissions.
type CaptionTask struct {
	TaskID string `json:"task_id"`
}

// TokenUsage counts caption tokens.
type TokenUsage struct {
	Input  int `json:"input"`
	Output int `json:"output"`
	Total  int `json:"total"`
}

// CaptionResult is the data of the synchronous caption endpoints (and of
// the caption callback's data).
type CaptionResult struct {
	Text  string     `json:"text"`
	Token TokenUsage `json:"token"`
}

// UploadCallback is the body the API POSTs to an upload's callback URL.
type UploadCallback struct {
	VideoNo  string `json:"videoNo"`
	Status   string `json:"status"`
	ClientID string `json:"clientId,omitempty"`
}
