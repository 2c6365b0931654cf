package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// VideoMeta is the optional metadata shared by upload, upload_url and
// upload_img.
type VideoMeta struct {
	// UniqueID is the namespace (default "default" server-side).
	UniqueID string `json:"unique_id,omitempty"`
	// Callback is POSTed {"videoNo","status"} when parsing ends (<= 299 chars).
	Callback string `json:"callback,omitempty"`
	// DatetimeTaken is "YYYY-MM-DD HH:MM:SS".
	DatetimeTaken string `json:"datetime_taken,omitempty"`
	CameraModel   string `json:"camera_model,omitempty"`
	// Latitude and Longitude are decimal strings, as the docs send them.
	Latitude  string   `json:"latitude,omitempty"`
	Longitude string   `json:"longitude,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	// RetainOriginalVideo defaults to true server-side when nil.
	RetainOriginalVideo      *bool  `json:"retain_original_video,omitempty"`
	VideoTranscriptionPrompt string `json:"video_transcription_prompt,omitempty"`
	FolderID                 string `json:"folder_id,omitempty"`
}

// fields returns the metadata as form fields in a stable order; tags are
// repeated fields, as Python requests encodes a list.
func (m VideoMeta) fields() [][2]string {
	var f [][2]string
	add := func(k, v string) {
		if v != "" {
			f = append(f, [2]string{k, v})
		}
	}
	add("unique_id", m.UniqueID)
	add("callback", m.Callback)
	add("datetime_taken", m.DatetimeTaken)
	add("camera_model", m.CameraModel)
	add("latitude", m.Latitude)
	add("longitude", m.Longitude)
	for _, t := range m.Tags {
		f = append(f, [2]string{"tags", t})
	}
	if m.RetainOriginalVideo != nil {
		add("retain_original_video", strconv.FormatBool(*m.RetainOriginalVideo))
	}
	add("video_transcription_prompt", m.VideoTranscriptionPrompt)
	add("folder_id", m.FolderID)
	return f
}

// UploadFileRequest uploads a local file (POST /upload, multipart).
type UploadFileRequest struct {
	VideoMeta
	// File is streamed, never buffered whole. When it is an io.Seeker the
	// upload can be retried (the client seeks back); otherwise it is sent
	// once.
	File io.Reader
	// FileName is the part's file name (default "video.mp4").
	FileName string
	// ContentType of the file part (default from the extension, else
	// video/mp4).
	ContentType string
}

// filePart is one file of a multipart body.
type filePart struct {
	field, name, ctype string
	r                  io.Reader
}

// multipartBody streams fields and files through a pipe. Seekable files are
// rewound on every attempt so retries resend the same bytes.
func multipartBody(fields [][2]string, files []filePart) (*body, error) {
	oneShot := false
	starts := make([]int64, len(files))
	for i, f := range files {
		if f.r == nil {
			return nil, fmt.Errorf("client: file part %q has no reader", f.field)
		}
		if s, ok := f.r.(io.Seeker); ok {
			off, err := s.Seek(0, io.SeekCurrent)
			if err != nil {
				oneShot = true
				continue
			}
			starts[i] = off
		} else {
			oneShot = true
		}
	}
	// The boundary is fixed up front so every attempt has the same
	// Content-Type header.
	boundary := multipart.NewWriter(io.Discard).Boundary()
	b := &body{contentType: "multipart/form-data; boundary=" + boundary, oneShot: oneShot}
	b.make = func() (io.Reader, error) {
		for i, f := range files {
			if s, ok := f.r.(io.Seeker); ok && !oneShot {
				if _, err := s.Seek(starts[i], io.SeekStart); err != nil {
					return nil, err
				}
			}
		}
		pr, pw := io.Pipe()
		go func() {
			mw := multipart.NewWriter(pw)
			_ = mw.SetBoundary(boundary)
			err := writeMultipart(mw, fields, files)
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		return pr, nil
	}
	return b, nil
}

func writeMultipart(mw *multipart.Writer, fields [][2]string, files []filePart) error {
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	for _, f := range files {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, escapeQuotes(f.field), escapeQuotes(f.name)))
		h.Set("Content-Type", f.ctype)
		w, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, f.r); err != nil {
			return err
		}
	}
	return nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

func guessType(name, def string) string {
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(name))); t != "" {
		return t
	}
	return def
}

// UploadFile uploads a video from a reader (POST /serve/api/v1/upload,
// multipart/form-data with the file part "file").
func (c *Client) UploadFile(ctx context.Context, r UploadFileRequest) (*UploadResult, error) {
	name := r.FileName
	if name == "" {
		name = "video.mp4"
	}
	ct := r.ContentType
	if ct == "" {
		ct = guessType(name, "video/mp4")
	}
	b, err := multipartBody(r.fields(), []filePart{{field: "file", name: name, ctype: ct, r: r.File}})
	if err != nil {
		return nil, err
	}
	var out UploadResult
	_, err = c.do(ctx, &call{method: http.MethodPost, path: APIPrefix + "upload", body: b, decode: requireData(&out)})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UploadURLRequest uploads a video from a direct URL (POST /upload_url).
type UploadURLRequest struct {
	VideoMeta
	URL string `json:"url"`
	// AsJSON sends a JSON body instead of the documented form encoding
	// (several real clients do; the API accepts both).
	AsJSON bool `json:"-"`
}

// UploadURL uploads a video by URL. The body is
// application/x-www-form-urlencoded unless AsJSON is set.
func (c *Client) UploadURL(ctx context.Context, r UploadURLRequest) (*UploadResult, error) {
	var out UploadResult
	var err error
	path := APIPrefix + "upload_url"
	if r.AsJSON {
		err = c.postJSON(ctx, path, nil, r, requireData(&out))
	} else {
		form := url.Values{}
		form.Set("url", r.URL)
		for _, f := range r.fields() {
			form.Add(f[0], f[1])
		}
		err = c.postForm(ctx, path, form, requireData(&out))
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ScraperURLRequest scrapes platform post URLs (POST /scraper_url[_public]).
type ScraperURLRequest struct {
	VideoURLs      []string `json:"video_urls"`
	TikTokPostURLs []string `json:"tiktok_post_urls,omitempty"`
	// UniqueID is ignored by the public endpoint.
	UniqueID    string `json:"unique_id,omitempty"`
	CallbackURL string `json:"callback_url,omitempty"`
	// Quality is the YouTube resolution cap (e.g. 720); 0 omits it.
	Quality  int    `json:"quality,omitempty"`
	FolderID string `json:"folder_id,omitempty"`
}

// ScraperURL scrapes post URLs into the private library; poll the task with
// GetTaskStatus.
func (c *Client) ScraperURL(ctx context.Context, r ScraperURLRequest) (*TaskResult, error) {
	return c.task(ctx, "scraper_url", r)
}

// ScraperURLPublic scrapes post URLs into the public library.
func (c *Client) ScraperURLPublic(ctx context.Context, r ScraperURLRequest) (*TaskResult, error) {
	r.UniqueID = ""
	return c.task(ctx, "scraper_url_public", r)
}

// ScraperRequest scrapes a creator's latest videos (POST /scraper[_public]).
type ScraperRequest struct {
	// Username is the creator URL, e.g. "https://www.tiktok.com/@nike".
	Username    string `json:"username"`
	ScraperCnt  int    `json:"scraper_cnt,omitempty"`
	UniqueID    string `json:"unique_id,omitempty"`
	CallbackURL string `json:"callback_url,omitempty"`
	FolderID    string `json:"folder_id,omitempty"`
}

// Scraper scrapes a creator into the private library.
func (c *Client) Scraper(ctx context.Context, r ScraperRequest) (*TaskResult, error) {
	return c.task(ctx, "scraper", r)
}

// ScraperPublic scrapes a creator into the public library.
func (c *Client) ScraperPublic(ctx context.Context, r ScraperRequest) (*TaskResult, error) {
	r.UniqueID = ""
	return c.task(ctx, "scraper_public", r)
}

// ScraperTagRequest scrapes hashtags (POST /scraper_tag[_public]).
type ScraperTagRequest struct {
	// HashTags without the leading '#'.
	HashTags   []string `json:"hash_tags"`
	ScraperCnt int      `json:"scraper_cnt,omitempty"`
	UniqueID   string   `json:"unique_id,omitempty"`
	Callback   string   `json:"callback,omitempty"`
	FolderID   string   `json:"folder_id,omitempty"`
}

// ScraperTag scrapes hashtags into the private library.
func (c *Client) ScraperTag(ctx context.Context, r ScraperTagRequest) (*TaskResult, error) {
	return c.task(ctx, "scraper_tag", r)
}

// ScraperTagPublic scrapes hashtags into the public library.
func (c *Client) ScraperTagPublic(ctx context.Context, r ScraperTagRequest) (*TaskResult, error) {
	r.UniqueID = ""
	return c.task(ctx, "scraper_tag_public", r)
}

func (c *Client) task(ctx context.Context, name string, in any) (*TaskResult, error) {
	var out TaskResult
	if err := c.postJSON(ctx, APIPrefix+name, nil, in, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// NamedReader is a file to upload.
type NamedReader struct {
	Name        string
	ContentType string
	R           io.Reader
}

// UploadImagesRequest uploads images (POST /upload_img, multipart "files").
type UploadImagesRequest struct {
	VideoMeta
	Files []NamedReader
}

// UploadImages uploads one or more images; the metadata applies to all.
func (c *Client) UploadImages(ctx context.Context, r UploadImagesRequest) ([]ImageID, error) {
	if len(r.Files) == 0 {
		return nil, errors.New("client: UploadImages needs at least one file")
	}
	parts := make([]filePart, 0, len(r.Files))
	for i, f := range r.Files {
		name := f.Name
		if name == "" {
			name = fmt.Sprintf("image%d.jpg", i+1)
		}
		ct := f.ContentType
		if ct == "" {
			ct = guessType(name, "image/jpeg")
		}
		parts = append(parts, filePart{field: "files", name: name, ctype: ct, r: f.R})
	}
	b, err := multipartBody(r.fields(), parts)
	if err != nil {
		return nil, err
	}
	var out []ImageID
	_, err = c.do(ctx, &call{method: http.MethodPost, path: APIPrefix + "upload_img", body: b, decode: requireData(&out)})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListImagesRequest pages through uploaded images (POST /img_list_page).
type ListImagesRequest struct {
	Page     int    `json:"page,omitempty"`
	PageSize int    `json:"page_size,omitempty"`
	UniqueID string `json:"unique_id,omitempty"`
}

// ListImages returns the raw data of img_list_page: no vendor page documents
// its shape, so it is left to the caller.
func (c *Client) ListImages(ctx context.Context, r ListImagesRequest) (json.RawMessage, error) {
	var out json.RawMessage
	if err := c.postJSON(ctx, APIPrefix+"img_list_page", nil, r, decodeInto(&out)); err != nil {
		return nil, err
	}
	return out, nil
}
