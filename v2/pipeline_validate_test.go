package v2

import (
	"bytes"
	stdjson "encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	json "github.com/goccy/go-json"

	"github.com/memharness/memharness/openapi"
)

// validationBodies are bodies that pass and fail the JSON schemas in
// different places: chat messages and parts, oneOf branches, enums,
// bounds, numbers as integers and floats.
var validationBodies = []string{
	`{}`, `{"asset_id":"re_000000000000000001"}`, `{"asset_id":123}`, `{"asset_id":null}`, `{"a":1e400}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[]}`,
	`{"model":"gemini:gemini-9","messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"bot","content":"hi"}]}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":7}]}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"detail":"low"}}]}]}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":5}]}]}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":[{"type":"audio","audio":"x"}]}]}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":[{"text":"no type"}]}]}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":[{"type":"input_file","file_uri":"re_1","mime_type":"video/mp4"}]}],"max_tokens":200,"n":2,"temperature":0.5}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"x"}],"max_tokens":0}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"x"}],"max_tokens":1.5}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"x"}],"n":9}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"x"}],"n":2.0}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"x"}],"temperature":3}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"x"}],"stop":"END"}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"x"}],"stop":["a","b","c","d","e"]}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"x"}],"stop":null}`,
	`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"x"}],"stop":[1]}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"schema":{"properties":{"a":{"type":"array"}}}}}}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":"x"}],"response_format":{"type":"yaml"}}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":"x"}],"stream":"yes"}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":1}}`,
	`{"model":"gpt:gpt-4o","messages":[{"role":"user","content":"x"}],"extra_body":{"metadata":{"n":1e400}}}`,
	`{"text":"beach","model":"x"}`, `{"asset_id":"re_1","model":"whisper","speaker":true}`,
	`{"asset_id":"re_1","model":"whisper","speaker":"yes"}`, `{"asset_ids":["re_1","re_2"],"user_prompt":"x"}`,
	`{"asset_ids":"re_1"}`, `{"video_url":"https://youtu.be/dQw4w9WgXcQ","channel":"rapid"}`,
	`{"mode":"short_drama","episodes":{"1":"re_1"},"config":{"concurrency":2.5}}`,
}

// checkFailFastAgrees compares, for one body decoded as the pipeline
// decodes it, kin-openapi's decision with the pipeline's option (FailFast:
// no error report) against its full validation.
func checkFailFastAgrees(t *testing.T, ops []*operation, raw []byte) {
	t.Helper()
	raw = bytes.TrimSpace(raw)
	if !stdjson.Valid(raw) {
		return
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	if _, ok := v.(map[string]any); !ok {
		return
	}
	for _, op := range ops {
		full := op.body.VisitJSON(v) == nil
		fast := op.body.VisitJSON(v, openapi3.FailFast()) == nil
		if full != fast {
			t.Fatalf("%s: full validation accepts=%v, fail-fast accepts=%v for %s", op.id, full, fast, raw)
		}
	}
}

func jsonBodyOps(t testing.TB) []*operation {
	spec, err := openapi.MemoriesV2()
	if err != nil {
		t.Fatal(err)
	}
	s := &Surface{spec: spec, ops: map[string]*operation{}}
	if err := s.buildRoutes(); err != nil {
		t.Fatal(err)
	}
	var out []*operation
	for _, op := range s.table {
		if op.body != nil && op.spec.RequestBody.Value.Content.Get("application/json") != nil {
			out = append(out, op)
		}
	}
	if len(out) == 0 {
		t.Fatal("no operation takes a JSON body")
	}
	return out
}

// TestFailFastValidationAgrees: the pipeline's validation (FailFast)
// accepts exactly the bodies kin-openapi's full validation accepts, for
// every operation with a JSON body.
func TestFailFastValidationAgrees(t *testing.T) {
	ops := jsonBodyOps(t)
	for _, b := range validationBodies {
		checkFailFastAgrees(t, ops, []byte(b))
	}
	// The cases must exercise both answers for the chat schema.
	var chatOp *operation
	for _, op := range ops {
		if op.id == "v2_vu_chat" {
			chatOp = op
		}
	}
	if chatOp == nil {
		t.Fatal("v2_vu_chat has no JSON body schema")
	}
	accepted, refused := 0, 0
	for _, b := range validationBodies {
		var v any
		if stdjson.Unmarshal([]byte(b), &v) != nil {
			continue
		}
		if chatOp.body.VisitJSON(v) == nil {
			accepted++
		} else {
			refused++
		}
	}
	if accepted < 5 || refused < 10 {
		t.Fatalf("chat cases: %d accepted, %d refused; want both kinds", accepted, refused)
	}
}

// FuzzFailFastValidation checks the same agreement on arbitrary bodies.
func FuzzFailFastValidation(f *testing.F) {
	for _, b := range validationBodies {
		f.Add([]byte(b))
	}
	ops := jsonBodyOps(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkFailFastAgrees(t, ops, raw)
	})
}
