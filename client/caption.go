package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// The caption host (security.memories.ai) answers {"code":0,"msg":
// "success","data":...}: an integer code, 0 = success, -1 = failure. It needs
// its own key (WithCaptionHost).

// Person is a reference person for human re-identification.
type Person struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// CaptionVideoRequest captions a video (POST /v1/understand/upload by URL;
// the file variant sends the same fields as the "req" part).
type CaptionVideoRequest struct {
	VideoURL     string   `json:"video_url,omitempty"`
	UserPrompt   string   `json:"user_prompt"`
	SystemPrompt string   `json:"system_prompt,omitempty"`
	Callback     string   `json:"callback,omitempty"`
	Persons      []Person `json:"persons,omitempty"`
	Thinking     bool     `json:"thinking,omitempty"`
	QA           bool     `json:"qa,omitempty"`
	// ReasoningEffort is "1".."10", only with Thinking.
	ReasoningEffort string `json:"reasoning_effort,omitempty"`
}

// CaptionImageRequest captions images (POST /v1/understand/uploadImg by
// URL; the file variant sends the same fields as "req").
type CaptionImageRequest struct {
	URL             string   `json:"url,omitempty"`
	URLs            []string `json:"urls,omitempty"`
	UserPrompt      string   `json:"user_prompt"`
	SystemPrompt    string   `json:"system_prompt,omitempty"`
	Persons         []Person `json:"persons,omitempty"`
	Thinking        bool     `json:"thinking,omitempty"`
	QA              bool     `json:"qa,omitempty"`
	ReasoningEffort string   `json:"reasoning_effort,omitempty"`
}

// CaptionImageBase64Request captions an inline image (POST
// /v1/understand/uploadImgFileBase64).
type CaptionImageBase64Request struct {
	ImageBase64  string `json:"image_base64"`
	ImgType      string `json:"img_type"`
	UserPrompt   string `json:"user_prompt"`
	SystemPrompt string `json:"system_prompt,omitempty"`
	Thinking     bool   `json:"thinking,omitempty"`
}

func (c *Client) captionJSON(ctx context.Context, name string, in any, out any) error {
	b, err := jsonBody(in)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, &call{method: http.MethodPost, path: CaptionPrefix + name, host: hostCaption, body: b, decode: requireData(out)})
	return err
}

// captionMultipart sends the JSON request as a file part "req"
// (application/json), as the vendor's samples do, then the files.
func (c *Client) captionMultipart(ctx context.Context, name string, req any, files []filePart, out any) error {
	j, err := json.Marshal(req)
	if err != nil {
		return err
	}
	parts := append([]filePart{{field: "req", name: "req.json", ctype: "application/json", r: strings.NewReader(string(j))}}, files...)
	b, err := multipartBody(nil, parts)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, &call{method: http.MethodPost, path: CaptionPrefix + name, host: hostCaption, body: b, decode: requireData(out)})
	return err
}

// CaptionVideoURL submits a video by URL for asynchronous captioning; the
// result is POSTed to r.Callback.
func (c *Client) CaptionVideoURL(ctx context.Context, r CaptionVideoRequest) (*CaptionTask, error) {
	var out CaptionTask
	if err := c.captionJSON(ctx, "upload", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CaptionVideoFile submits a video file ("files" part) with optional ReID
// reference images ("file" parts).
func (c *Client) CaptionVideoFile(ctx context.Context, r CaptionVideoRequest, video NamedReader, refs ...NamedReader) (*CaptionTask, error) {
	if video.R == nil {
		return nil, errors.New("client: CaptionVideoFile needs a video")
	}
	files := []filePart{namedPart("files", video, "video.mp4", "video/mp4")}
	for _, ref := range refs {
		files = append(files, namedPart("file", ref, "person.png", "image/png"))
	}
	var out CaptionTask
	if err := c.captionMultipart(ctx, "uploadFile", r, files, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CaptionImageURL captions images by URL (synchronous).
func (c *Client) CaptionImageURL(ctx context.Context, r CaptionImageRequest) (*CaptionResult, error) {
	var out CaptionResult
	if err := c.captionJSON(ctx, "uploadImg", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CaptionImageFile captions an image file ("file" part) with optional ReID
// references (synchronous).
func (c *Client) CaptionImageFile(ctx context.Context, r CaptionImageRequest, image NamedReader, refs ...NamedReader) (*CaptionResult, error) {
	if image.R == nil {
		return nil, errors.New("client: CaptionImageFile needs an image")
	}
	files := []filePart{namedPart("file", image, "image.png", "image/png")}
	for _, ref := range refs {
		files = append(files, namedPart("file", ref, "person.png", "image/png"))
	}
	var out CaptionResult
	if err := c.captionMultipart(ctx, "uploadImgFile", r, files, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CaptionImageBase64 captions an inline base64 image (synchronous).
func (c *Client) CaptionImageBase64(ctx context.Context, r CaptionImageBase64Request) (*CaptionResult, error) {
	var out CaptionResult
	if err := c.captionJSON(ctx, "uploadImgFileBase64", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func namedPart(field string, n NamedReader, defName, defType string) filePart {
	name := n.Name
	if name == "" {
		name = defName
	}
	ct := n.ContentType
	if ct == "" {
		ct = guessType(name, defType)
	}
	var r io.Reader = n.R
	return filePart{field: field, name: name, ctype: ct, r: r}
}
