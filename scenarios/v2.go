package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/openapi"
)

// Environment variables naming a Visual Intelligence v2 target (the
// vendor's CLI reads the same names).
const (
	EnvV2BaseURL = "MEMORIES_V2_BASE_URL"
	EnvV2APIKey  = "MEMORIES_V2_API_KEY"
)

// MetricV2UploadToSuccess is the time from sending a v2 upload to seeing
// upload_status SUCCESS.
const MetricV2UploadToSuccess = "v2_upload_to_success"

// V2Target is a Visual Intelligence v2 API: its base URL (ending in
// /serve/api/v2) and key.
type V2Target struct {
	BaseURL string
	Key     string
	HTTP    *http.Client
}

// V2FromEnv reads MEMORIES_V2_BASE_URL and MEMORIES_V2_API_KEY (default
// MEMORIES_API_KEY); nil when no base URL is set.
func V2FromEnv() *V2Target {
	base := strings.TrimRight(os.Getenv(EnvV2BaseURL), "/")
	if base == "" {
		return nil
	}
	key := os.Getenv(EnvV2APIKey)
	if key == "" {
		key = os.Getenv(client.EnvAPIKey)
	}
	return &V2Target{BaseURL: base, Key: key}
}

// v2Answer is one decoded v2 answer.
type v2Answer struct {
	status int
	body   []byte
	json   map[string]any
}

// data returns the envelope's data object (nil when it is not one).
func (a v2Answer) data() map[string]any {
	m, _ := a.json["data"].(map[string]any)
	return m
}

// call sends one request and maps failures: a 404 names the operation the
// target does not serve (yet); other errors become *client.APIError with
// the envelope's code, so the load tester classifies 429/402 like v1's.
func (t *V2Target) call(ctx context.Context, e *Env, op, method, path, contentType string, body []byte) (v2Answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.BaseURL+path, rd)
	if err != nil {
		return v2Answer{}, err
	}
	req.Header.Set("Authorization", t.Key)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	hc := t.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	t0 := e.Clock.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return v2Answer{}, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	e.Recorder.Record(op, e.Clock.Now().Sub(t0))
	if err != nil {
		return v2Answer{}, fmt.Errorf("%s: %w", op, err)
	}
	a := v2Answer{status: resp.StatusCode, body: raw}
	_ = json.Unmarshal(raw, &a.json)
	if resp.StatusCode == http.StatusNotFound {
		return a, &client.APIError{Op: op, HTTPStatus: http.StatusNotFound,
			Msg: fmt.Sprintf("%s %s answered 404: the target does not serve %s (yet)", method, path, op)}
	}
	if resp.StatusCode != http.StatusOK {
		code := ""
		if c, ok := a.json["code"]; ok {
			code = fmt.Sprint(c)
		}
		msg, _ := a.json["msg"].(string)
		if msg == "" {
			msg = fmt.Sprintf("%.200s", raw)
		}
		return a, &client.APIError{Op: op, Code: code, Msg: msg, HTTPStatus: resp.StatusCode}
	}
	return a, nil
}

func (t *V2Target) postJSON(ctx context.Context, e *Env, op, path string, body any) (v2Answer, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return v2Answer{}, err
	}
	return t.call(ctx, e, op, http.MethodPost, path, "application/json", raw)
}

// v2Video is the generated video the v2 scenarios upload: 8 s with audio.
func v2Video() []byte {
	return mediatest.MP4(mediatest.MP4Options{Duration: 8, Width: 320, Height: 240, Audio: true})
}

// multipartFile builds a multipart body with one `file` part and fields.
func multipartFile(name string, data []byte, fields map[string]string) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_ = mw.WriteField(k, fields[k])
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// v2Upload uploads the generated video and returns its asset id.
func v2Upload(ctx context.Context, e *Env) (string, error) {
	return v2UploadFile(ctx, e, "loadtest.mp4", v2Video())
}

func v2UploadFile(ctx context.Context, e *Env, name string, data []byte) (string, error) {
	body, ct := multipartFile(name, data, nil)
	a, err := e.V2.call(ctx, e, "v2_upload", http.MethodPost, "/upload", ct, body)
	if err != nil {
		return "", err
	}
	id, _ := a.data()["asset_id"].(string)
	if !strings.HasPrefix(id, "re_") {
		return "", checkf("v2_upload: no re_ asset_id in %.200s", a.body)
	}
	return id, nil
}

// v2WaitSuccess polls GET /{asset_id}/metadata once a second (the
// documented 1 QPS) until SUCCESS.
func v2WaitSuccess(ctx context.Context, e *Env, id string) error {
	ctx, cancel := context.WithTimeout(ctx, e.WaitTimeout)
	defer cancel()
	for {
		a, err := e.V2.call(ctx, e, "v2_asset_metadata", http.MethodGet, "/"+url.PathEscape(id)+"/metadata", "", nil)
		if err != nil {
			return err
		}
		res, _ := a.data()["resource"].([]any)
		if len(res) == 0 {
			return checkf("v2_asset_metadata: no resource for %s: %.200s", id, a.body)
		}
		st, _ := res[0].(map[string]any)["upload_status"].(string)
		switch st {
		case "SUCCESS":
			return nil
		case "FAILED":
			return checkf("v2 asset %s ended FAILED", id)
		case "WAITING", "UPLOADING":
		default:
			return checkf("v2 asset %s has upload_status %q", id, st)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("v2 asset %s not SUCCESS (last %s): %w", id, st, ctx.Err())
		case <-e.Clock.After(1100 * time.Millisecond):
		}
	}
}

// V2UploadTranscribeChat is the v2 "done when" flow: upload, poll
// metadata to SUCCESS, transcribe synchronously, ask /vu/chat/completions
// about the asset. Each step fails with the operation's name; one the
// target does not serve fails saying it answered 404.
func V2UploadTranscribeChat(ctx context.Context, e *Env) error {
	if err := e.check(); err != nil {
		return err
	}
	if e.V2 == nil {
		return fmt.Errorf("v2-upload-transcribe-chat: no v2 target (set %s or --v2-target)", EnvV2BaseURL)
	}
	t0 := e.Clock.Now()
	id, err := v2Upload(ctx, e)
	if err != nil {
		return err
	}
	if err := v2WaitSuccess(ctx, e, id); err != nil {
		return err
	}
	e.Recorder.Record(MetricV2UploadToSuccess, e.Clock.Now().Sub(t0))
	tr, err := e.V2.postJSON(ctx, e, "v2_audio_sync", "/transcriptions/sync-generate-audio", map[string]any{"asset_id": id})
	if err != nil {
		return err
	}
	items, _ := tr.data()["items"].([]any)
	if len(items) == 0 {
		return checkf("v2_audio_sync: no transcript items for %s: %.200s", id, tr.body)
	}
	chat, err := e.V2.postJSON(ctx, e, "v2_vu_chat", "/vu/chat/completions", map[string]any{
		"model": "gemini:gemini-2.5-flash", "max_tokens": 300,
		"messages": []any{map[string]any{"role": "user", "content": []any{
			map[string]any{"type": "text", "text": "What happens in this video?"},
			map[string]any{"type": "input_file", "file_uri": id, "mime_type": "video/mp4"},
		}}},
	})
	if err != nil {
		return err
	}
	choices, _ := chat.json["choices"].([]any)
	if len(choices) == 0 {
		return checkf("v2_vu_chat: no choices: %.200s", chat.body)
	}
	return nil
}

// V2Asset returns a SUCCESS v2 asset (a video, or an image when image is
// set), uploading (and waiting for) one the first time; concurrent
// callers wait for the first.
func (f *Fixtures) V2Asset(ctx context.Context, e *Env, image bool) (string, error) {
	if err := f.lock(ctx); err != nil {
		return "", err
	}
	defer f.unlock()
	slot := &f.v2
	name, data := "loadtest.mp4", v2Video()
	if image {
		slot = &f.v2img
		name, data = "loadtest.png", mediatest.PNG(64, 48, 1)
	}
	if *slot != "" {
		return *slot, nil
	}
	id, err := v2UploadFile(ctx, e, name, data)
	if err != nil {
		return "", fmt.Errorf("upload a v2 asset: %w", err)
	}
	if err := v2WaitSuccess(ctx, e, id); err != nil {
		return "", err
	}
	*slot = id
	return id, nil
}

// v2Op is one operation of memories-v2.yaml as a load-test call.
type v2Op struct {
	id, method, path string
	multipart        bool
	example          map[string]any
}

// v2Ops reads the operations of the embedded memories-v2.yaml: every
// operation there can be loaded with --op, its minimal request built from
// the spec's request example (asset ids replaced by the run's asset).
func v2Ops() map[string]v2Op {
	out := map[string]v2Op{}
	spec, err := openapi.MemoriesV2()
	if err != nil {
		return out
	}
	for p, item := range spec.Paths.Map() {
		for method, o := range item.Operations() {
			op := v2Op{id: o.OperationID, method: method, path: p}
			if rb := o.RequestBody; rb != nil && rb.Value != nil {
				for _, ct := range []string{"application/json", "multipart/form-data", "application/octet-stream"} {
					if mt := rb.Value.Content.Get(ct); mt != nil {
						op.multipart = ct != "application/json"
						op.example, _ = exampleOf(mt).(map[string]any)
						break
					}
				}
			}
			out[op.id] = op
		}
	}
	return out
}

func exampleOf(mt *openapi3.MediaType) any {
	if mt.Example != nil {
		return mt.Example
	}
	for _, ex := range mt.Examples {
		if ex != nil && ex.Value != nil {
			return ex.Value.Value
		}
	}
	return nil
}

// V2Operations lists the v2 operationIds --op accepts, sorted. The mock's
// own signed-upload stand-ins are left out: they need a fresh token.
func V2Operations() []string {
	var names []string
	for id := range v2Ops() {
		if !strings.HasPrefix(id, "v2_signed_upload") {
			names = append(names, id)
		}
	}
	sort.Strings(names)
	return names
}

// assetIDPattern finds asset ids in example values, alone or inside URLs.
var assetIDPattern = regexp.MustCompile(`\b(re|imc?)_[0-9][0-9_]{5,}`)

// withAsset replaces asset ids in an example with id.
func withAsset(v any, id string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = withAsset(e, id)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withAsset(e, id)
		}
		return out
	case string:
		return assetIDPattern.ReplaceAllLiteralString(x, id)
	}
	return v
}

// V2Operation returns the single-call scenario of a v2 operationId.
// Operations on an asset use one SUCCESS asset per run (uploaded first);
// deletions delete an asset of their own.
func V2Operation(name string) (Scenario, bool) {
	op, ok := v2Ops()[name]
	if !ok || strings.HasPrefix(name, "v2_signed_upload") {
		return Scenario{}, false
	}
	tags := []string{"op", "v2", "read"}
	if op.method != http.MethodGet {
		tags = []string{"op", "v2", "write", "costly"}
	}
	return Scenario{
		Name:        name,
		Description: fmt.Sprintf("one %s %s (v2) with a minimal valid request", op.method, op.path),
		Tags:        tags,
		Run:         func(ctx context.Context, e *Env) error { return runV2Op(ctx, e, op) },
	}, true
}

func runV2Op(ctx context.Context, e *Env, op v2Op) error {
	if err := e.check(); err != nil {
		return err
	}
	if e.V2 == nil {
		return fmt.Errorf("%s: no v2 target (set %s or --v2-target)", op.id, EnvV2BaseURL)
	}
	if op.id == "v2_upload" {
		_, err := v2Upload(ctx, e)
		return err
	}
	asset := ""
	// Image operations (embeddings/image, the image-understanding chats)
	// take an image asset; the rest a video with audio.
	image := strings.Contains(op.id, "image") || strings.Contains(op.id, "_iu_") || strings.Contains(op.id, "_ilm_")
	needs := strings.Contains(op.path, "{asset_id}") || assetIDPattern.MatchString(fmt.Sprint(op.example)) ||
		op.id == "v2_download_blob"
	if needs {
		var err error
		if strings.HasPrefix(op.id, "v2_delete") {
			// A deletion needs an asset of its own each time.
			if asset, err = v2Upload(ctx, e); err != nil {
				return err
			}
		} else if asset, err = e.Fixtures.V2Asset(ctx, e, image); err != nil {
			return err
		}
	}
	task := ""
	if strings.Contains(op.path, "{task_id}") {
		// Screenplay task operations: a task of the run's asset first.
		var err error
		if task, err = v2Screenplay(ctx, e); err != nil {
			return err
		}
		if strings.HasSuffix(op.path, "/download") {
			if err := v2WaitScreenplay(ctx, e, task); err != nil {
				return err
			}
		}
	}
	path := strings.NewReplacer("{asset_id}", url.PathEscape(asset), "{platform}", platformOf(op.example),
		"{task_id}", url.PathEscape(task)).Replace(op.path)
	if op.id == "v2_download_blob" {
		path += "?bucket=mavi-resource&blob=" + url.QueryEscape(asset+".mp4")
	}
	body := withAsset(op.example, asset)
	if start, ok := v2Ops()[strings.TrimSuffix(op.id, "_stop")+"_start"]; ok && strings.HasSuffix(op.id, "_stop") {
		// A live-stream stop needs a stream of its own, started first.
		a, err := e.V2.postJSON(ctx, e, start.id, start.path, start.example)
		if err != nil {
			return err
		}
		id, _ := a.data()["task_id"].(string)
		if id == "" {
			return checkf("%s: no task_id: %.200s", start.id, a.body)
		}
		body = map[string]any{"task_id": id}
	}
	switch {
	case op.multipart:
		fields := map[string]string{}
		if m, ok := body.(map[string]any); ok {
			for k, v := range m {
				if k != "file" {
					fields[k] = fmt.Sprint(v)
				}
			}
		}
		name, data := "loadtest.mp4", v2Video()
		if image {
			name, data = "loadtest.png", mediatest.PNG(64, 48, 1)
		}
		raw, ct := multipartFile(name, data, fields)
		_, err := e.V2.call(ctx, e, op.id, op.method, path, ct, raw)
		return err
	case op.example != nil:
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		_, err = e.V2.call(ctx, e, op.id, op.method, path, "application/json", raw)
		return err
	}
	_, err := e.V2.call(ctx, e, op.id, op.method, path, "", nil)
	return err
}

// platformOf picks the {platform} of a social example from its URL.
func platformOf(example map[string]any) string {
	u, _ := example["video_url"].(string)
	switch {
	case strings.Contains(u, "tiktok.com"):
		return "tiktok"
	case strings.Contains(u, "instagram.com"):
		return "instagram"
	case strings.Contains(u, "x.com/"), strings.Contains(u, "twitter.com"):
		return "twitter"
	}
	return "youtube"
}

// v2Screenplay creates a screenplay task of the run's video asset (from
// the create operation's example) and returns its task_id.
func v2Screenplay(ctx context.Context, e *Env) (string, error) {
	create, ok := v2Ops()["v2_screenplay_create"]
	if !ok {
		return "", fmt.Errorf("memories-v2.yaml has no v2_screenplay_create")
	}
	asset, err := e.Fixtures.V2Asset(ctx, e, false)
	if err != nil {
		return "", err
	}
	a, err := e.V2.postJSON(ctx, e, create.id, create.path, withAsset(create.example, asset))
	if err != nil {
		return "", err
	}
	id, _ := a.data()["task_id"].(string)
	if id == "" {
		return "", checkf("v2_screenplay_create: no task_id: %.200s", a.body)
	}
	return id, nil
}

// v2WaitScreenplay polls the task (1 QPS) until it is completed: only a
// completed screenplay downloads.
func v2WaitScreenplay(ctx context.Context, e *Env, id string) error {
	ctx, cancel := context.WithTimeout(ctx, e.WaitTimeout)
	defer cancel()
	for {
		a, err := e.V2.call(ctx, e, "v2_screenplay_get", http.MethodGet, "/screenplay/tasks/"+url.PathEscape(id), "", nil)
		if err != nil {
			return err
		}
		switch st, _ := a.data()["status"].(string); st {
		case "completed":
			return nil
		case "failed", "cancelled":
			return checkf("screenplay %s ended %s", id, st)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("screenplay %s not completed: %w", id, ctx.Err())
		case <-e.Clock.After(1100 * time.Millisecond):
		}
	}
}
