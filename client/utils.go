package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

func videoQuery(videoNo, uniqueID string) url.Values {
	q := url.Values{}
	q.Set("video_no", videoNo)
	if uniqueID != "" {
		q.Set("unique_id", uniqueID)
	}
	return q
}

// transcription GETs a transcription; data may be null (no audio track or
// not ready), which gives (nil, nil).
func (c *Client) transcription(ctx context.Context, name string, q url.Values) (*Transcription, error) {
	var out *Transcription
	if err := c.getJSON(ctx, APIPrefix+name, q, decodeInto(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// GetVideoTranscription returns the visual transcription of a private video.
func (c *Client) GetVideoTranscription(ctx context.Context, videoNo, uniqueID string) (*Transcription, error) {
	return c.transcription(ctx, "get_video_transcription", videoQuery(videoNo, uniqueID))
}

// GetAudioTranscription returns the audio transcription of a private video;
// (nil, nil) when the video has no audio track.
func (c *Client) GetAudioTranscription(ctx context.Context, videoNo, uniqueID string) (*Transcription, error) {
	return c.transcription(ctx, "get_audio_transcription", videoQuery(videoNo, uniqueID))
}

// GetPublicVideoTranscription returns the visual transcription of a public
// (PI-) video.
func (c *Client) GetPublicVideoTranscription(ctx context.Context, videoNo string) (*Transcription, error) {
	return c.transcription(ctx, "get_public_video_transcription", videoQuery(videoNo, ""))
}

// GetPublicAudioTranscription returns the audio transcription of a public
// video.
func (c *Client) GetPublicAudioTranscription(ctx context.Context, videoNo string) (*Transcription, error) {
	return c.transcription(ctx, "get_public_audio_transcription", videoQuery(videoNo, ""))
}

// Summary types.
const (
	SummaryChapter = "CHAPTER"
	SummaryTopic   = "TOPIC"
)

// GenerateSummary summarizes a video by CHAPTER or TOPIC.
func (c *Client) GenerateSummary(ctx context.Context, videoNo, typ, uniqueID string) (*Summary, error) {
	q := videoQuery(videoNo, uniqueID)
	q.Set("type", typ)
	var out Summary
	if err := c.getJSON(ctx, APIPrefix+"generate_summary", q, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateTranscriptionRequest re-transcribes a video with a custom prompt.
type UpdateTranscriptionRequest struct {
	VideoNo  string `json:"video_no"`
	Prompt   string `json:"prompt"`
	UniqueID string `json:"unique_id,omitempty"`
	Callback string `json:"callback,omitempty"`
}

// UpdateVideoTranscription replaces a video's transcription (POST JSON).
func (c *Client) UpdateVideoTranscription(ctx context.Context, r UpdateTranscriptionRequest) (*UpdateTranscriptionResult, error) {
	var out UpdateTranscriptionResult
	if err := c.postJSON(ctx, APIPrefix+"update_video_transcription", nil, r, decodeInto(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListVideosRequest filters list_videos (POST JSON).
type ListVideosRequest struct {
	Page      int      `json:"page,omitempty"`
	Size      int      `json:"size,omitempty"`
	VideoName string   `json:"video_name,omitempty"`
	VideoNo   string   `json:"video_no,omitempty"`
	VideoNos  []string `json:"video_nos,omitempty"`
	// Status is PARSE, UNPARSE or FAILED.
	Status      string `json:"status,omitempty"`
	UniqueID    string `json:"unique_id,omitempty"`
	CameraModel string `json:"camera_model,omitempty"`
	Tag         string `json:"tag,omitempty"`
	FolderID    string `json:"folder_id,omitempty"`
}

// ListVideos lists videos of a namespace.
func (c *Client) ListVideos(ctx context.Context, r ListVideosRequest) (*VideoPage, error) {
	var out VideoPage
	if err := c.postJSON(ctx, APIPrefix+"list_videos", nil, r, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListSessions lists chat sessions (GET, page and unique_id as query).
func (c *Client) ListSessions(ctx context.Context, page int, uniqueID string) (*SessionPage, error) {
	q := url.Values{}
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	if uniqueID != "" {
		q.Set("unique_id", uniqueID)
	}
	var out SessionPage
	if err := c.getJSON(ctx, APIPrefix+"list_sessions", q, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetSessionDetail returns a session's messages. The docs name the query
// parameter sessionId; clients send session_id; both are sent.
func (c *Client) GetSessionDetail(ctx context.Context, sessionID, uniqueID string) (*SessionDetail, error) {
	q := url.Values{}
	q.Set("sessionId", sessionID)
	q.Set("session_id", sessionID)
	if uniqueID != "" {
		q.Set("unique_id", uniqueID)
	}
	var out SessionDetail
	if err := c.getJSON(ctx, APIPrefix+"get_session_detail", q, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetTaskStatus returns a scraper task's videos (get_video_ids_by_task_id).
func (c *Client) GetTaskStatus(ctx context.Context, taskID, uniqueID string) (*TaskStatus, error) {
	q := url.Values{}
	q.Set("task_id", taskID)
	if uniqueID != "" {
		q.Set("unique_id", uniqueID)
	}
	var out TaskStatus
	if err := c.getJSON(ctx, APIPrefix+"get_video_ids_by_task_id", q, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPrivateVideoDetails returns a private video's details.
func (c *Client) GetPrivateVideoDetails(ctx context.Context, videoNo, uniqueID string) (*Metadata, error) {
	var out *Metadata
	if err := c.getJSON(ctx, APIPrefix+"get_private_video_details", videoQuery(videoNo, uniqueID), decodeInto(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// GetMetadata returns a video's metadata (the newer docs' canonical way to
// poll a single upload); nil data gives (nil, nil).
func (c *Client) GetMetadata(ctx context.Context, videoNo, uniqueID string) (*Metadata, error) {
	var out *Metadata
	if err := c.getJSON(ctx, APIPrefix+"get_metadata", videoQuery(videoNo, uniqueID), decodeInto(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// GetVideoCaption returns the raw data of get_video_caption (generic shape in
// the docs).
func (c *Client) GetVideoCaption(ctx context.Context, videoNo, uniqueID string) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.getJSON(ctx, APIPrefix+"get_video_caption", videoQuery(videoNo, uniqueID), decodeInto(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// GetPublicVideoDetail returns a public video's details.
func (c *Client) GetPublicVideoDetail(ctx context.Context, videoNo string) (*PublicVideoDetail, error) {
	var out PublicVideoDetail
	if err := c.getJSON(ctx, APIPrefix+"get_public_video_detail", videoQuery(videoNo, ""), requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteVideos deletes up to 100 videos: the body is the raw JSON array of
// ids and unique_id a query parameter, as the docs' sample sends them.
// Deleting a video twice answers 0409.
func (c *Client) DeleteVideos(ctx context.Context, uniqueID string, videoNos []string) error {
	if videoNos == nil {
		videoNos = []string{}
	}
	var q url.Values
	if uniqueID != "" {
		q = url.Values{"unique_id": {uniqueID}}
	}
	return c.postJSON(ctx, APIPrefix+"delete_videos", q, videoNos, nil)
}

// DownloadRequest names the video to download.
type DownloadRequest struct {
	VideoNo  string `json:"video_no"`
	UniqueID string `json:"unique_id,omitempty"`
}

// Download streams a video's bytes into w and returns how many were
// written. A JSON answer is an error (e.g. 0001 "video not found").
func (c *Client) Download(ctx context.Context, r DownloadRequest, w io.Writer) (int64, error) {
	b, err := jsonBody(r)
	if err != nil {
		return 0, err
	}
	p, err := c.do(ctx, &call{method: http.MethodPost, path: APIPrefix + "download", body: b, accept: "application/octet-stream", raw: true})
	if err != nil {
		return 0, err
	}
	n, cerr := io.Copy(w, p.res.Body)
	p.res.Body.Close()
	if cerr != nil {
		cerr = fmt.Errorf("memories download: %w", cerr)
	}
	p.finish("", "", nil, n, cerr)
	return n, cerr
}

// Memory is one text memory.
type Memory struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// MemoriesAddRequest stores text memories (POST /memories/add).
type MemoriesAddRequest struct {
	UniqueID   string   `json:"unique_id"`
	Memories   []Memory `json:"memories"`
	Tags       []string `json:"tags,omitempty"`
	Latitude   string   `json:"latitude,omitempty"`
	Longitude  string   `json:"longitude,omitempty"`
	MemoriesAt string   `json:"memories_at,omitempty"`
}

// MemoriesAdd stores text memories; the data is returned raw (undocumented).
func (c *Client) MemoriesAdd(ctx context.Context, r MemoriesAddRequest) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.postJSON(ctx, APIPrefix+"memories/add", nil, r, decodeInto(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// MemoriesListRequest pages through memories (POST /memories).
type MemoriesListRequest struct {
	Page     int            `json:"page,omitempty"`
	PageSize int            `json:"page_size,omitempty"`
	Filters  map[string]any `json:"filters,omitempty"`
	UniqueID string         `json:"unique_id,omitempty"`
}

// MemoriesList lists memories; raw data (undocumented shape).
func (c *Client) MemoriesList(ctx context.Context, r MemoriesListRequest) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.postJSON(ctx, APIPrefix+"memories", nil, r, decodeInto(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// MemoriesSearchRequest searches memories (POST /memories/search).
type MemoriesSearchRequest struct {
	Query    string         `json:"query"`
	Page     int            `json:"page,omitempty"`
	PageSize int            `json:"page_size,omitempty"`
	Filters  map[string]any `json:"filters,omitempty"`
	UniqueID string         `json:"unique_id,omitempty"`
}

// MemoriesSearch searches memories; raw data (undocumented shape).
func (c *Client) MemoriesSearch(ctx context.Context, r MemoriesSearchRequest) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.postJSON(ctx, APIPrefix+"memories/search", nil, r, decodeInto(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// ListFolders lists folders (GET /folders).
func (c *Client) ListFolders(ctx context.Context) (*FolderList, error) {
	var out FolderList
	if err := c.getJSON(ctx, APIPrefix+"folders", nil, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateFolder creates a folder (POST /folders/create, form "name").
func (c *Client) CreateFolder(ctx context.Context, name string) (*Folder, error) {
	var out Folder
	if err := c.postForm(ctx, APIPrefix+"folders/create", url.Values{"name": {name}}, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// RenameFolder renames a folder (POST /folders/rename, form).
func (c *Client) RenameFolder(ctx context.Context, folderID, newName string) error {
	return c.postForm(ctx, APIPrefix+"folders/rename", url.Values{"folder_id": {folderID}, "new_name": {newName}}, nil)
}

// DeleteFolder deletes a folder (POST /folders/delete, form); it fails when
// the folder holds parsed videos.
func (c *Client) DeleteFolder(ctx context.Context, folderID string) error {
	return c.postForm(ctx, APIPrefix+"folders/delete", url.Values{"folder_id": {folderID}}, nil)
}

// ListFolderVideos lists a folder's videos (GET /folders/videos).
func (c *Client) ListFolderVideos(ctx context.Context, folderID string, page, pageSize int) (*VideoPage, error) {
	q := url.Values{"folder_id": {folderID}}
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	if pageSize > 0 {
		q.Set("page_size", strconv.Itoa(pageSize))
	}
	var out VideoPage
	if err := c.getJSON(ctx, APIPrefix+"folders/videos", q, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// MoveToFolder moves up to 500 videos into a folder (POST /folders/move,
// JSON).
func (c *Client) MoveToFolder(ctx context.Context, folderID string, videoNos []string) error {
	if len(videoNos) == 0 {
		return errors.New("client: MoveToFolder needs video numbers")
	}
	in := struct {
		FolderID json.Number `json:"folder_id"`
		VideoNos []string    `json:"video_nos"`
	}{json.Number(folderID), videoNos}
	if _, err := strconv.ParseInt(folderID, 10, 64); err != nil {
		return fmt.Errorf("client: folder id %q is not an integer", folderID)
	}
	return c.postJSON(ctx, APIPrefix+"folders/move", nil, in, nil)
}
