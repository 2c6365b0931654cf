package v2

import (
	"bytes"
	stdjson "encoding/json"
	"strconv"
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

// checkAgrees compares, for one body decoded as the pipeline decodes it,
// the pipeline's decision (the compiled schema) with kin-openapi's full
// validation and with kin-openapi's FailFast validation.
func checkAgrees(t *testing.T, ops []*operation, raw []byte) {
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
		compiled := op.check.valid(v)
		if full != fast || full != compiled {
			t.Fatalf("%s: kin-openapi accepts=%v, with FailFast=%v, compiled=%v for %s", op.id, full, fast, compiled, raw)
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

// TestSchemaCheckAgrees: the pipeline's validation (the compiled schema)
// accepts exactly the bodies kin-openapi's validation accepts, for every
// operation with a JSON body; so does kin-openapi with FailFast.
func TestSchemaCheckAgrees(t *testing.T) {
	ops := jsonBodyOps(t)
	for _, b := range validationBodies {
		checkAgrees(t, ops, []byte(b))
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
	// The chat schema compiles whole: no node is handed back to kin-openapi
	// (else the compiled check would not be faster).
	var walk func(c *schemaCheck, path string)
	walk = func(c *schemaCheck, path string) {
		if c == nil {
			return
		}
		if c.kin {
			t.Fatalf("chat schema node %s is left to kin-openapi", path)
		}
		walk(c.items, path+"[]")
		walk(c.addl, path+".*")
		for k, p := range c.props {
			walk(p, path+"."+k)
		}
		for i, o := range c.oneOf {
			walk(o, path+".oneOf"+strconv.Itoa(i))
		}
		for i, o := range c.anyOf {
			walk(o, path+".anyOf"+strconv.Itoa(i))
		}
	}
	walk(chatOp.check, "$")
}

// TestSchemaCheckKeywords: keywords the compiler does not read (pattern,
// format, multipleOf, allOf, not…) and recursive schemas are left to
// kin-openapi, with its decisions.
func TestSchemaCheckKeywords(t *testing.T) {
	num := func(f float64) *float64 { return &f }
	str := openapi3.NewStringSchema
	recursive := openapi3.NewObjectSchema()
	recursive.Properties = openapi3.Schemas{"child": &openapi3.SchemaRef{Value: recursive}, "n": openapi3.NewIntegerSchema().NewRef()}
	cases := []struct {
		name   string
		schema *openapi3.Schema
		kin    bool
		values []any
	}{
		{name: "pattern", schema: str().WithPattern(`^re_[0-9]+$`), kin: true, values: []any{"re_1", "x", 1.0}},
		{name: "format", schema: str().WithFormat("date-time"), kin: true, values: []any{"2026-01-01T00:00:00Z", "x"}},
		{name: "multipleOf", schema: &openapi3.Schema{Type: &openapi3.Types{"number"}, MultipleOf: num(0.5)}, kin: true,
			values: []any{1.5, 1.2}},
		{name: "allOf", schema: openapi3.NewAllOfSchema(openapi3.NewStringSchema(), str().WithMinLength(2)), kin: true,
			values: []any{"ab", "a", 2.0}},
		{name: "not", schema: &openapi3.Schema{Not: str().NewRef()}, kin: true, values: []any{"a", 1.0, nil}},
		{name: "recursive", schema: recursive, values: []any{map[string]any{"child": map[string]any{"n": 1.5}},
			map[string]any{"child": map[string]any{"child": map[string]any{"n": 2.0}}}}},
		{name: "nullable enum", schema: &openapi3.Schema{Type: &openapi3.Types{"string"}, Nullable: true, Enum: []any{"a", nil}},
			values: []any{"a", "b", nil, 1.0}},
		{name: "integer bounds", schema: openapi3.NewIntegerSchema().WithMin(1).WithMax(8), values: []any{1.0, 8.0, 9.0, 2.5, 0.0, "2"}},
		{name: "lengths", schema: str().WithMinLength(2).WithMaxLength(3), values: []any{"ab", "abcd", "é😀", "😀😀😀😀"}},
		{name: "closed object", schema: openapi3.NewObjectSchema().WithProperty("a", str()).WithoutAdditionalProperties(),
			values: []any{map[string]any{"a": "x"}, map[string]any{"b": "x"}, map[string]any{}}},
		{name: "typed additional", schema: openapi3.NewObjectSchema().WithAdditionalProperties(openapi3.NewBoolSchema()),
			values: []any{map[string]any{"a": true}, map[string]any{"a": "x"}}},
		{name: "anyOf", schema: openapi3.NewAnyOfSchema(str(), openapi3.NewBoolSchema()), values: []any{"a", true, 1.0, nil}},
		{name: "oneOf overlap", schema: openapi3.NewOneOfSchema(openapi3.NewFloat64Schema(), openapi3.NewIntegerSchema()),
			values: []any{1.0, 1.5, "x"}},
		{name: "empty", schema: &openapi3.Schema{}, values: []any{nil, 1.0, "x", map[string]any{}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			chk := compileSchema(c.schema)
			if chk.kin != c.kin {
				t.Fatalf("left to kin-openapi: %v, want %v", chk.kin, c.kin)
			}
			for _, v := range c.values {
				want := c.schema.VisitJSON(v) == nil
				if got := chk.valid(v); got != want {
					t.Fatalf("%#v: compiled %v, kin-openapi %v", v, got, want)
				}
			}
		})
	}
}

// FuzzSchemaCheck checks the same agreement on arbitrary bodies.
func FuzzSchemaCheck(f *testing.F) {
	for _, b := range validationBodies {
		f.Add([]byte(b))
	}
	ops := jsonBodyOps(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkAgrees(t, ops, raw)
	})
}
