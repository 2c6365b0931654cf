package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// Search types.
const (
	ByVideo   = "BY_VIDEO"
	ByAudio   = "BY_AUDIO"
	ByImage   = "BY_IMAGE"
	ByClip    = "BY_CLIP"
	ByCaption = "BY_CAPTION"
)

// SearchRequest searches the private library (POST /search, JSON).
type SearchRequest struct {
	SearchParam    string   `json:"search_param"`
	SearchType     string   `json:"search_type,omitempty"`
	UniqueID       string   `json:"unique_id,omitempty"`
	TopK           int      `json:"top_k,omitempty"`
	FilteringLevel string   `json:"filtering_level,omitempty"`
	VideoNos       []string `json:"video_nos,omitempty"`
	Tag            string   `json:"tag,omitempty"`
	CameraTag      string   `json:"camera_tag,omitempty"`
	DatetimeTaken  string   `json:"datetime_taken,omitempty"`
	Latitude       string   `json:"latitude,omitempty"`
	Longitude      string   `json:"longitude,omitempty"`
	FolderID       string   `json:"folder_id,omitempty"`
}

// decodeSearch fills Hits from an array and Images from an object.
func decodeSearch(out *SearchResult) func(json.RawMessage) error {
	return func(data json.RawMessage) error {
		out.Raw = data
		d := bytes.TrimSpace(data)
		switch {
		case len(d) == 0 || string(d) == "null":
			return nil
		case d[0] == '[':
			return json.Unmarshal(d, &out.Hits)
		case d[0] == '{':
			out.Images = &ImagePage{}
			return json.Unmarshal(d, out.Images)
		}
		return errors.New("search data is neither an array nor an object")
	}
}

// Search searches the private library.
func (c *Client) Search(ctx context.Context, r SearchRequest) (*SearchResult, error) {
	var out SearchResult
	if err := c.postJSON(ctx, APIPrefix+"search", nil, r, decodeSearch(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// SearchPublicRequest searches a public platform pool (POST /search_public).
type SearchPublicRequest struct {
	SearchParam    string `json:"search_param"`
	SearchType     string `json:"search_type,omitempty"`
	Type           string `json:"type,omitempty"`
	TopK           int    `json:"top_k,omitempty"`
	FilteringLevel string `json:"filtering_level,omitempty"`
}

// SearchPublic searches the public library (TIKTOK by default).
func (c *Client) SearchPublic(ctx context.Context, r SearchPublicRequest) ([]SearchHit, error) {
	var out []SearchHit
	if err := c.postJSON(ctx, APIPrefix+"search_public", nil, r, decodeInto(&out)); err != nil {
		return nil, err
	}
	return out, nil
}

// TranscriptSearchRequest is an exact (LIKE) search of audio transcripts
// (GET with query parameters).
type TranscriptSearchRequest struct {
	Query    string
	Page     int
	PageSize int
	// UniqueID applies to the private search only.
	UniqueID string
}

func (r TranscriptSearchRequest) values(private bool) url.Values {
	q := url.Values{}
	q.Set("query", r.Query)
	if r.Page > 0 {
		q.Set("page", strconv.Itoa(r.Page))
	}
	if r.PageSize > 0 {
		q.Set("page_size", strconv.Itoa(r.PageSize))
	}
	if private && r.UniqueID != "" {
		q.Set("unique_id", r.UniqueID)
	}
	return q
}

// SearchAudioTranscripts searches private audio transcripts.
func (c *Client) SearchAudioTranscripts(ctx context.Context, r TranscriptSearchRequest) (*TranscriptPage, error) {
	var out TranscriptPage
	if err := c.getJSON(ctx, APIPrefix+"search_audio_transcripts", r.values(true), decodeInto(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// SearchPublicAudioTranscripts searches public audio transcripts.
func (c *Client) SearchPublicAudioTranscripts(ctx context.Context, r TranscriptSearchRequest) (*TranscriptPage, error) {
	var out TranscriptPage
	if err := c.getJSON(ctx, APIPrefix+"search_public_audio_transcripts", r.values(false), decodeInto(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// SimilarImagesRequest searches by an example image (multipart "file").
type SimilarImagesRequest struct {
	Image NamedReader
	// Similarity is the 0..1 threshold; 0 omits it.
	Similarity float64
	// UniqueID for the private search, Type (TIKTOK, YOUTUBE, INSTAGRAM) for
	// the public one.
	UniqueID string
	Type     string
}

func (c *Client) similar(ctx context.Context, name string, fields [][2]string, img NamedReader) ([]SearchHit, error) {
	fn := img.Name
	if fn == "" {
		fn = "image.png"
	}
	ct := img.ContentType
	if ct == "" {
		ct = guessType(fn, "image/png")
	}
	b, err := multipartBody(fields, []filePart{{field: "file", name: fn, ctype: ct, r: img.R}})
	if err != nil {
		return nil, err
	}
	var out []SearchHit
	_, err = c.do(ctx, &call{method: http.MethodPost, path: APIPrefix + name, body: b, decode: decodeInto(&out)})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func similarityField(f [][2]string, s float64) [][2]string {
	if s > 0 {
		f = append(f, [2]string{"similarity", strconv.FormatFloat(s, 'f', -1, 64)})
	}
	return f
}

// SearchSimilarImages searches the private library for clips similar to an
// image.
func (c *Client) SearchSimilarImages(ctx context.Context, r SimilarImagesRequest) ([]SearchHit, error) {
	var f [][2]string
	if r.UniqueID != "" {
		f = append(f, [2]string{"unique_id", r.UniqueID})
	}
	return c.similar(ctx, "search_similar_images", similarityField(f, r.Similarity), r.Image)
}

// SearchPublicSimilarImages searches a public pool for clips similar to an
// image.
func (c *Client) SearchPublicSimilarImages(ctx context.Context, r SimilarImagesRequest) ([]SearchHit, error) {
	var f [][2]string
	if r.Type != "" {
		f = append(f, [2]string{"type", r.Type})
	}
	return c.similar(ctx, "search_public_similar_images", similarityField(f, r.Similarity), r.Image)
}

// ClipsByImageRequest finds the moments of one video that match an image
// (POST /search_clips_by_image, multipart).
type ClipsByImageRequest struct {
	Image    NamedReader
	VideoNo  string
	Prompt   string
	UniqueID string
}

// SearchClipsByImage searches one video for clips matching an image.
func (c *Client) SearchClipsByImage(ctx context.Context, r ClipsByImageRequest) ([]ClipHit, error) {
	fields := [][2]string{{"video_no", r.VideoNo}, {"prompt", r.Prompt}}
	if r.UniqueID != "" {
		fields = append(fields, [2]string{"unique_id", r.UniqueID})
	}
	fn := r.Image.Name
	if fn == "" {
		fn = "image.png"
	}
	ct := r.Image.ContentType
	if ct == "" {
		ct = guessType(fn, "image/png")
	}
	b, err := multipartBody(fields, []filePart{{field: "file", name: fn, ctype: ct, r: r.Image.R}})
	if err != nil {
		return nil, err
	}
	var out []ClipHit
	_, err = c.do(ctx, &call{method: http.MethodPost, path: APIPrefix + "search_clips_by_image", body: b, decode: decodeInto(&out)})
	if err != nil {
		return nil, err
	}
	return out, nil
}
