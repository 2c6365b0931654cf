package v2

import (
	"bytes"
	"context"
	"encoding/json"
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

// streamSweep covers the live-stream operations (h_streams.go). A stop case
// first stops every running stream (so no stream of the sweep account
// keeps producing callbacks while later cases move the clock), then starts
// the stream it stops.
func streamSweep() map[string]sweepCase {
	return map[string]sweepCase{
		"v2_stream_start": jsonCase(http.MethodPost, "/stream/start",
			`{"url":"rtmp://example.com/live/stream","enable_content_moderation":true,"enable_logo_detection":true,"fps":1,"max_logos":5}`),
		"v2_audio_stream_start": jsonCase(http.MethodPost, "/audio-stream/start",
			`{"audio_url":"rtmp://example.com/live/audio","provider":"assemblyai"}`),
		"v2_stream_stop": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/stream/stop", "application/json",
				strings.NewReader(`{"task_id":"` + env.freshStream("/stream/start", `{"url":"rtmp://example.com/live/s"}`) + `"}`)
		},
		"v2_audio_stream_stop": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/audio-stream/stop", "application/json",
				strings.NewReader(`{"task_id":"` + env.freshStream("/audio-stream/start", `{"audio_url":"rtmp://example.com/live/a","provider":"elevenlabs"}`) + `"}`)
		},
	}
}

// freshStream stops the sweep account's streams and starts one at path.
func (env *sweepEnv) freshStream(path, body string) string {
	env.ts.s.stopAllStreams()
	a := env.ts.do(http.MethodPost, path, env.key, "application/json", strings.NewReader(body))
	if a.Status != http.StatusOK {
		env.ts.t.Fatalf("%s: %d %s", path, a.Status, a.Raw)
	}
	return a.data()["task_id"].(string)
}

// TestStreamHostSweep sends every operation of stream.yaml a minimal valid
// request and validates the answer, status included; it also validates the
// callbacks of each kind of stream against their schemas.
func TestStreamHostSweep(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	cb := newReceiver(t, 0)
	ts.p.Accounts.SetWebhook("sk-sweep", cb.srv.URL)
	spec, err := openapi.Stream()
	if err != nil {
		t.Fatal(err)
	}
	v2spec, err := openapi.MemoriesV2()
	if err != nil {
		t.Fatal(err)
	}
	connect := `{"url":"rtmp://e.com/live","user_prompt":"What is happening?","callback":"` + cb.srv.URL + `"}`
	var id string
	cases := map[string]func() (string, string){
		"stream_connect": func() (string, string) { return StreamConnectPath, connect },
		"stream_stop":    func() (string, string) { return "/v1/understand/stop/" + id, "" },
	}
	paths := spec.Paths.InMatchingOrder()
	sort.Sort(sort.Reverse(sort.StringSlice(paths))) // streamConnect before stop
	for _, p := range paths {
		item := spec.Paths.Value(p)
		for method, o := range item.Operations() {
			t.Run(o.OperationID, func(t *testing.T) {
				c, ok := cases[o.OperationID]
				if !ok {
					t.Fatalf("no sweep case for %s", o.OperationID)
				}
				path, body := c()
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				req.Header.Set("Authorization", "sk-sweep")
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				ts.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
				}
				if o.OperationID == "stream_connect" {
					var m map[string]any
					_ = json.Unmarshal(rec.Body.Bytes(), &m)
					id = m["task_id"].(string)
					validateSchema(t, spec, "UnderstandingCallback", ts.nextHook(cb))
				}
				route := &routers.Route{Spec: spec, Path: p, PathItem: item, Method: method, Operation: o}
				in := &openapi3filter.ResponseValidationInput{
					RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
					Status:                 rec.Code, Header: rec.Header(),
					Body:    io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
					Options: &openapi3filter.Options{IncludeResponseStatus: true},
				}
				if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
					t.Fatalf("answer does not match stream.yaml: %v\n%s", err, rec.Body)
				}
			})
		}
	}
	// Segments delivered late may precede the final callback.
	check := func(m map[string]any) {
		if _, ok := m["code"]; ok {
			validateSchema(t, v2spec, "StreamSegmentCallback", m)
		} else {
			validateSchema(t, spec, "UnderstandingCallback", m)
		}
	}
	untilFinal := func() {
		for {
			m := cb.wait(t)
			check(m)
			if m["status"] == float64(statusStreamStopped) {
				return
			}
			if d, ok := m["data"].(map[string]any); ok && d["status"] == float64(statusStreamStopped) {
				return
			}
		}
	}
	untilFinal()
	for _, start := range []struct{ path, body string }{
		{"/stream/start", `{"url":"rtmp://e.com/l","enable_content_moderation":true,"enable_logo_detection":true}`},
		{"/audio-stream/start", `{"audio_url":"rtmp://e.com/l","provider":"elevenlabs"}`},
		{"/audio-stream/start", `{"audio_url":"rtmp://e.com/l","provider":"assemblyai"}`},
	} {
		ts.do(http.MethodPost, start.path, "sk-sweep", "application/json", strings.NewReader(start.body))
		check(ts.nextHook(cb))
		ts.s.stopAllStreams()
		untilFinal()
	}
}

// validateSchema checks v against the component schema name of spec.
func validateSchema(t *testing.T, spec *openapi3.T, name string, v map[string]any) {
	t.Helper()
	ref := spec.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("no schema %s", name)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		t.Fatalf("%s: %v\n%v", name, err, v)
	}
}
