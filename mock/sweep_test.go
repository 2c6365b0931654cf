package mock

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/openapi"
)

func init() {
	// Streams are validated event by event below; the body decoder only
	// has to hand the text over.
	openapi3filter.RegisterBodyDecoder("text/event-stream", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
}

// fixtures are the objects the sweep's requests refer to.
type fixtures struct {
	video, victim, task, session, folder, folderGone, public, image string
	callback                                                        string
	mp4, caption, png                                               []byte
}

func (ts *testServer) sweepFixtures(t *testing.T) fixtures {
	fx := fixtures{
		mp4:     mediatest.MP4(mediatest.MP4Options{Duration: 12, Audio: true}),
		caption: mediatest.MP4(mediatest.MP4Options{Duration: 30, Audio: true}),
		png:     mediatest.PNG(64, 48, 7),
	}
	rcv := newReceiver(t, 0)
	fx.callback = rcv.srv.URL
	fx.video = data(ts.upload("sk-sweep", "", "beach_day.mp4", fx.mp4, nil))["videoNo"].(string)
	fx.victim = data(ts.upload("sk-sweep", "", "victim.mp4", fx.mp4, nil))["videoNo"].(string)
	task := ts.json(http.MethodPost, "/serve/api/v1/scraper_url", "sk-sweep",
		map[string]any{"video_urls": []string{"https://www.tiktok.com/@sweep/video/7543017294226558221"}})
	fx.task = data(task)["taskId"].(string)
	ts.clk.Advance(time.Minute)
	ts.srv.Tick()
	ts.clk.Advance(time.Minute)
	ts.srv.Tick()
	chat := ts.json(http.MethodPost, "/serve/api/v1/chat", "sk-sweep", map[string]any{"video_nos": []string{fx.video}, "prompt": "Summarize this video"})
	fx.session = data(chat)["session_id"].(string)
	body, ct := multipartBody(t, nil, map[string][]fileSpec{"files": {{name: "shore.png", data: fx.png}}})
	img := decode(t, ts.do(http.MethodPost, "/serve/api/v1/upload_img", "sk-sweep", ct, body))
	fx.image = img["data"].([]any)[0].(map[string]any)["id"].(string)
	folder := func(name string) string {
		m := ts.json(http.MethodPost, "/serve/api/v1/folders/create", "sk-sweep", map[string]any{"name": name})
		return fmt.Sprint(int64(data(m)["folder_id"].(float64)))
	}
	fx.folder, fx.folderGone = folder("sweep"), folder("gone")
	fx.public = ts.srv.world.public.ready().order[0]
	return fx
}

// value picks a value for a named parameter: a fixture for the names that
// point at state, else the schema's example, enum, default or a typed zero.
func (fx fixtures) value(op, name string, sc *openapi3.Schema) any {
	switch name {
	case "video_no":
		if strings.Contains(op, "public") {
			return fx.public
		}
		return fx.video
	case "video_nos":
		return []any{fx.video}
	case "task_id":
		return fx.task
	case "sessionId", "session_id":
		return fx.session
	case "folder_id":
		id := fx.folder
		if op == "folders_delete" {
			id = fx.folderGone
		}
		n, _ := strconv.ParseInt(id, 10, 64)
		return n
	case "callback", "callback_url":
		return fx.callback
	case "url", "video_url":
		return "https://example.com/media/sweep_video.mp4"
	case "urls":
		return []any{"https://example.com/media/sweep.png"}
	case "name":
		return "sweep " + op
	case "new_name":
		return "renamed " + op
	case "image_base64":
		return base64.StdEncoding.EncodeToString(fx.png)
	case "search_param", "query", "prompt", "user_prompt":
		return "beach"
	case "memories":
		return []any{map[string]any{"role": "user", "content": "I walked on the beach today"}}
	}
	return sample(sc)
}

func sample(sc *openapi3.Schema) any {
	if sc == nil {
		return "sweep"
	}
	if sc.Example != nil {
		return sc.Example
	}
	if len(sc.Enum) > 0 {
		return sc.Enum[0]
	}
	if sc.Default != nil {
		return sc.Default
	}
	for _, alts := range [][]*openapi3.SchemaRef{sc.AnyOf, sc.OneOf} {
		if len(alts) > 0 {
			return sample(alts[0].Value)
		}
	}
	switch {
	case sc.Type.Is("object"):
		m := map[string]any{}
		for _, r := range sc.Required {
			m[r] = sample(sc.Properties[r].Value)
		}
		return m
	case sc.Type.Is("array"):
		n := max(1, int(sc.MinItems))
		out := make([]any, n)
		for i := range out {
			out[i] = sample(sc.Items.Value)
		}
		return out
	case sc.Type.Is("integer"), sc.Type.Is("number"):
		if sc.Min != nil {
			return *sc.Min
		}
		return 1
	case sc.Type.Is("boolean"):
		return false
	}
	return "sweep"
}

// sweepRequest builds a minimal valid request for one operation.
func (fx fixtures) sweepRequest(t *testing.T, spec *openapi3.T, path, method string, o *openapi3.Operation) *http.Request {
	t.Helper()
	p := strings.ReplaceAll(strings.ReplaceAll(path, "{videoNo}", fx.video), "{api_key}", "sk-sweep")
	q := url.Values{}
	for _, pr := range o.Parameters {
		if pr.Value.In != openapi3.ParameterInQuery || (!pr.Value.Required && pr.Value.Name != "video_no") {
			continue
		}
		if o.OperationID == "get_session_detail" && pr.Value.Name == "session_id" {
			continue
		}
		q.Set(pr.Value.Name, fmt.Sprint(fx.value(o.OperationID, pr.Value.Name, pr.Value.Schema.Value)))
	}
	if o.OperationID == "get_session_detail" {
		q.Set("sessionId", fx.session)
	}
	var body io.Reader
	ct := ""
	if rb := o.RequestBody; rb != nil {
		switch {
		case o.OperationID == "delete_videos":
			body, ct = strings.NewReader(`["`+fx.victim+`"]`), "application/json"
		case rb.Value.Content.Get("application/json") != nil:
			sc := rb.Value.Content.Get("application/json").Schema.Value
			m := map[string]any{}
			for _, r := range requiredOf(sc) {
				m[r] = fx.value(o.OperationID, r, sc.Properties[r].Value)
			}
			if o.OperationID == "chat_personal" || o.OperationID == "chat_personal_stream" || strings.HasPrefix(o.OperationID, "marketer") {
				m["prompt"] = "Summarize the beach videos"
			}
			if o.OperationID == "update_video_transcription" {
				m["video_no"], m["prompt"] = fx.video, "Focus on the waves"
			}
			if o.OperationID == "folders_move" {
				m["video_nos"] = []any{fx.video}
			}
			b, _ := json.Marshal(m)
			body, ct = bytes.NewReader(b), "application/json"
		case rb.Value.Content.Get("multipart/form-data") != nil:
			body, ct = fx.multipart(t, o.OperationID, rb.Value.Content.Get("multipart/form-data").Schema.Value)
		case rb.Value.Content.Get("application/x-www-form-urlencoded") != nil:
			sc := rb.Value.Content.Get("application/x-www-form-urlencoded").Schema.Value
			f := url.Values{}
			for _, r := range sc.Required {
				f.Set(r, fmt.Sprint(fx.value(o.OperationID, r, sc.Properties[r].Value)))
			}
			body, ct = strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
		}
	}
	target := p
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	req := httptest.NewRequest(method, target, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Authorization", "sk-sweep")
	return req
}

// requiredOf lists a schema's required properties, including those of its
// first anyOf alternative ("video_urls or tiktok_post_urls").
func requiredOf(sc *openapi3.Schema) []string {
	req := append([]string{}, sc.Required...)
	if len(sc.AnyOf) > 0 && sc.AnyOf[0].Value != nil {
		req = append(req, sc.AnyOf[0].Value.Required...)
	}
	return req
}

func (fx fixtures) multipart(t *testing.T, op string, sc *openapi3.Schema) (io.Reader, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	names := make([]string, 0, len(sc.Properties))
	for n := range sc.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		prop := sc.Properties[n].Value
		required := contains(sc.Required, n)
		switch {
		case n == "req":
			req := map[string]any{"user_prompt": "Describe the scene", "system_prompt": "You are a video understanding system.", "callback": fx.callback}
			b, _ := json.Marshal(req)
			hdr := make(map[string][]string)
			hdr["Content-Disposition"] = []string{`form-data; name="req"; filename="req.json"`}
			hdr["Content-Type"] = []string{"application/json"}
			part, _ := w.CreatePart(hdr)
			_, _ = part.Write(b)
		case isBinary(prop) && required:
			data, fname := fx.png, "query.png"
			if op == "upload" {
				data, fname = fx.mp4, "sweep_upload.mp4"
			}
			if op == "understand_uploadFile" {
				data, fname = fx.caption, "caption.mp4"
			}
			part, _ := w.CreateFormFile(n, fname)
			_, _ = part.Write(data)
		case required || n == "video_no":
			v := fx.value(op, n, prop)
			if arr, ok := v.([]any); ok {
				for _, x := range arr {
					_ = w.WriteField(n, fmt.Sprint(x))
				}
			} else {
				_ = w.WriteField(n, fmt.Sprint(v))
			}
		}
	}
	_ = w.Close()
	return &buf, w.FormDataContentType()
}

// TestSpecSweep sends every operation of memories.yaml and control.yaml a
// minimal valid request through the in-process handler and validates the
// answer against the spec (status included). Emulated operations must also
// succeed: an operation without behaviour, or a response that drifts from
// its schema, turns this red.
func TestSpecSweep(t *testing.T) {
	ts := newTestServer(t, Options{})
	fx := ts.sweepFixtures(t)
	for _, file := range []string{"memories", "control"} {
		spec, err := map[string]func() (*openapi3.T, error){"memories": openapi.Memories, "control": openapi.Control}[file]()
		if err != nil {
			t.Fatal(err)
		}
		paths := spec.Paths.InMatchingOrder()
		sort.Strings(paths)
		var resetLast func(*testing.T)
		for _, path := range paths {
			item := spec.Paths.Value(path)
			for method, o := range item.Operations() {
				run := func(t *testing.T) { ts.sweepOne(t, fx, spec, path, method, item, o) }
				if o.OperationID == "mock_reset" {
					resetLast = run
					continue
				}
				t.Run(o.OperationID, run)
			}
		}
		if resetLast != nil {
			t.Run("mock_reset", resetLast)
		}
	}
}

func (ts *testServer) sweepOne(t *testing.T, fx fixtures, spec *openapi3.T, path, method string, item *openapi3.PathItem, o *openapi3.Operation) {
	t.Helper()
	req := fx.sweepRequest(t, spec, path, method, o)
	rec := httptest.NewRecorder()
	ts.srv.Handler().ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body.String())
	}
	route := &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: o}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("response does not match the spec: %v\nbody: %.600s", err, rec.Body.String())
	}
	ct := rec.Header().Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "text/event-stream"):
		validateEvents(t, spec, o.OperationID, rec.Body.Bytes())
	case strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(o.OperationID, "mock_"):
		var m map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &m)
		if c := fmt.Sprint(m["code"]); c != "0000" && c != "0" {
			t.Fatalf("minimal valid request did not succeed: %s", rec.Body.String())
		}
	}
}

// validateEvents splits a captured stream into data lines and validates
// each event against its component schema.
func validateEvents(t *testing.T, spec *openapi3.T, op string, body []byte) {
	t.Helper()
	component := "ChatStreamEvent"
	if strings.HasPrefix(op, "chat_personal") {
		component = "PersonalTokenEvent"
	}
	sc := spec.Components.Schemas[component].Value
	n := 0
	sc2 := bufio.NewScanner(bytes.NewReader(body))
	for sc2.Scan() {
		line := sc2.Text()
		payload, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue
		}
		payload = strings.TrimSpace(payload)
		if payload == "[DONE]" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(payload), &v); err != nil {
			t.Fatalf("event %d is not JSON: %q", n, payload)
		}
		if err := sc.VisitJSON(v); err != nil {
			t.Fatalf("event %d does not match %s: %v\n%s", n, component, err, payload)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("empty stream: %q", body)
	}
}
