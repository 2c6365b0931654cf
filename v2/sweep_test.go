package v2

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/memharness/memharness/openapi"
)

// sweepEnv is what a sweep case may use: a ready video, audio and image
// asset of the sweep account, and a loopback webhook receiver set as the
// account webhook.
type sweepEnv struct {
	ts                   *testSurface
	key                  string
	video, audio, image  string
	videoBytes, pngBytes []byte
	hook                 *receiver
}

// sweepCase builds a minimal valid request for one operation; path is
// below BasePath.
type sweepCase func(env *sweepEnv) (method, path, contentType string, body io.Reader)

func jsonCase(method, path, body string) sweepCase {
	return func(*sweepEnv) (string, string, string, io.Reader) {
		return method, path, "application/json", strings.NewReader(body)
	}
}

// sweepCases collects every area's cases (one function per area file).
func sweepCases() map[string]sweepCase {
	out := map[string]sweepCase{}
	for _, area := range []map[string]sweepCase{
		assetSweep(), frameSweep(), captionSweep(), transcriptionSweep(), embeddingSweep(),
		chatSweep(), socialSweep(), agentSweep(), streamSweep(),
	} {
		for id, c := range area {
			out[id] = c
		}
	}
	return out
}

// TestSpecSweep sends every operation of memories-v2.yaml a minimal valid
// request and validates the answer against the spec, status included. An
// operation without a sweep case, a failing minimal request or an answer
// that drifts from its schema turns this red.
func TestSpecSweep(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	env := &sweepEnv{ts: ts, key: "sk-sweep", videoBytes: sampleMP4()}
	env.video = ts.ready(env.key, "sweep.mp4", env.videoBytes)
	env.audio = ts.ready(env.key, "sweep.wav", wavBytes(16000, 4))
	env.pngBytes = pngBytes()
	env.image = ts.ready(env.key, "sweep.png", env.pngBytes)
	env.hook = newReceiver(t, 0)
	ts.p.Accounts.SetWebhook(env.key, env.hook.srv.URL)
	spec, err := openapi.MemoriesV2()
	if err != nil {
		t.Fatal(err)
	}
	cases := sweepCases()
	paths := spec.Paths.InMatchingOrder()
	sort.Strings(paths)
	var deletes []func(*testing.T)
	for _, p := range paths {
		item := spec.Paths.Value(p)
		for method, o := range item.Operations() {
			c, ok := cases[o.OperationID]
			run := func(t *testing.T) {
				if !ok {
					t.Fatalf("no sweep case for %s", o.OperationID)
				}
				sweepOne(t, env, spec, p, method, item, o, c)
			}
			// Deletions run last: they remove the shared assets.
			if strings.HasPrefix(o.OperationID, "v2_delete") {
				id := o.OperationID
				deletes = append(deletes, func(t *testing.T) { t.Run(id, run) })
				continue
			}
			t.Run(o.OperationID, run)
		}
	}
	for _, d := range deletes {
		d(t)
	}
}

func sweepOne(t *testing.T, env *sweepEnv, spec *openapi3.T, path, method string, item *openapi3.PathItem, o *openapi3.Operation, c sweepCase) {
	m, p, ct, body := c(env)
	req := httptest.NewRequest(m, BasePath+p, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Authorization", env.key)
	rec := httptest.NewRecorder()
	env.ts.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("minimal valid request answered HTTP %d: %.600s", rec.Code, rec.Body.String())
	}
	route := &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: o}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		// Streams are validated event by event by their own tests.
		return
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("response does not match the spec: %v\nbody: %.600s", err, rec.Body.String())
	}
}

func init() {
	openapi3filter.RegisterBodyDecoder("application/zip", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("video/mp4", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("audio/wav", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/jpeg", openapi3filter.FileBodyDecoder)
}

// assetSweep covers the asset operations (h_assets.go).
func assetSweep() map[string]sweepCase {
	return map[string]sweepCase{
		"v2_upload": func(env *sweepEnv) (string, string, string, io.Reader) {
			var buf bytes.Buffer
			ct := newMultipart(&buf, "file", "up.mp4", env.videoBytes)
			return http.MethodPost, "/upload", ct, &buf
		},
		"v2_upload_signed_url": jsonCase(http.MethodPost, "/upload/signed-url", `{"original_filename":"video.mp4"}`),
		"v2_signed_upload_put": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPut, env.signedPath(), "application/octet-stream", bytes.NewReader(env.videoBytes)
		},
		"v2_signed_upload_post": func(env *sweepEnv) (string, string, string, io.Reader) {
			var buf bytes.Buffer
			ct := newMultipart(&buf, "file", "clip.mp4", env.videoBytes)
			return http.MethodPost, env.signedPath(), ct, &buf
		},
		"v2_download": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodGet, "/" + env.video + "/download", "", nil
		},
		"v2_download_blob": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodGet, "/download?bucket=mavi-resource&blob=" + env.video + ".mp4", "", nil
		},
		"v2_asset_metadata": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodGet, "/" + env.video + "/metadata", "", nil
		},
		"v2_delete_asset": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodDelete, "/" + env.image, "", nil
		},
		"v2_delete_asset_legacy": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodDelete, "/asset/" + env.audio, "", nil
		},
	}
}

// signedPath asks for a signed URL and returns its path below BasePath.
func (env *sweepEnv) signedPath() string {
	a := env.ts.json(http.MethodPost, "/upload/signed-url", env.key, map[string]any{"original_filename": "clip.mp4"})
	u := a.data()["signed_url"].(string)
	return u[strings.Index(u, BasePath)+len(BasePath):]
}
