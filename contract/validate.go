package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/memharness/memharness/client"
)

// Violation is one disagreement between a response and its description.
type Violation struct {
	// API and Op name the description and operation (or schema) checked.
	API API
	Op  string
	// Method and Path are the request's.
	Method, Path string
	// Pointer is the JSON pointer of the offending value ("" for the
	// status or content type, "/data/0/startTime" inside a body; a stream
	// event is "event 3" followed by its pointer).
	Pointer string
	// Reason says what is wrong.
	Reason string
	// Excerpt is the start of the body (or event) that was checked.
	Excerpt string
}

// Error formats the violation for a failing step.
func (v Violation) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (%s, %s) violates the description: ", v.Method, v.Path, v.Op, v.API)
	if v.Pointer != "" {
		fmt.Fprintf(&b, "at %s: ", v.Pointer)
	}
	b.WriteString(v.Reason)
	if v.Excerpt != "" {
		fmt.Fprintf(&b, "\n      body: %s", v.Excerpt)
	}
	return b.String()
}

// ViolationsError joins violations into one error.
type ViolationsError []Violation

// Error lists the violations, grouped by response, each body quoted once.
func (e ViolationsError) Error() string {
	var b strings.Builder
	for i := 0; i < len(e); {
		v := e[i]
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s %s (%s, %s) violates the description:", v.Method, v.Path, v.Op, v.API)
		j := i
		for ; j < len(e) && e[j].Method == v.Method && e[j].Path == v.Path && e[j].Excerpt == v.Excerpt && e[j].Op == v.Op; j++ {
			if e[j].Pointer != "" {
				fmt.Fprintf(&b, "\n  at %s: %s", e[j].Pointer, e[j].Reason)
			} else {
				fmt.Fprintf(&b, "\n  %s", e[j].Reason)
			}
		}
		if v.Excerpt != "" {
			fmt.Fprintf(&b, "\n  body: %s", v.Excerpt)
		}
		i = j
	}
	return b.String()
}

// excerpt bounds the body text quoted in messages.
func excerpt(b []byte) string {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return fmt.Sprintf("<%d bytes of binary data>", len(b))
	}
	s := strings.TrimSpace(string(b))
	s = strings.ReplaceAll(s, "\n", `\n`)
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// Validator checks responses against the descriptions.
type Validator struct {
	specs *Specs
}

// NewValidator returns a validator of the loaded descriptions. It registers
// the text/event-stream body decoder with kin-openapi (idempotent).
func NewValidator(s *Specs) *Validator {
	// Why: kin-openapi has no decoder for SSE; the whole stream is handed to
	// the schema as text (the schema is `type: string`) and the events are
	// checked one by one by ValidateStream.
	openapi3filter.RegisterBodyDecoder("text/event-stream", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
	return &Validator{specs: s}
}

// Specs returns the descriptions.
func (v *Validator) Specs() *Specs { return v.specs }

// Response is what is checked of one HTTP answer.
type Response struct {
	Request *http.Request
	Status  int
	Header  http.Header
	// Body is the complete body; BodyOmitted says it was not kept (a
	// binary download streamed elsewhere), so only status and content type
	// are checked.
	Body        []byte
	BodyOmitted bool
}

// Validate checks one response of the operation o: status, content type,
// body schema and, for event streams, every event.
func (v *Validator) Validate(o *Operation, r Response) []Violation {
	base := Violation{API: o.API, Op: o.ID, Method: r.Request.Method, Path: r.Request.URL.Path}
	mk := func(ptr, reason string, body []byte) Violation {
		x := base
		x.Pointer, x.Reason, x.Excerpt = ptr, reason, excerpt(body)
		return x
	}
	resp := o.Operation.Responses.Status(r.Status)
	if resp == nil {
		resp = o.Operation.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return []Violation{mk("", fmt.Sprintf("HTTP status %s is not documented for %s", StatusText(r.Status), o.ID), r.Body)}
	}
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if len(resp.Value.Content) > 0 {
		media := resp.Value.Content.Get(ct)
		if media == nil {
			return []Violation{mk("", fmt.Sprintf("content type %q is not documented for HTTP %d (documented: %s)", ct, r.Status, strings.Join(contentTypes(resp.Value.Content), ", ")), r.Body)}
		}
		if r.BodyOmitted {
			return nil
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r.Request, Route: o.Route()},
		Status:                 r.Status,
		Header:                 r.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(r.Body)
	var out []Violation
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		out = append(out, v.explainResponseError(o, resp.Value, r, err, mk)...)
	}
	if mt == "text/event-stream" {
		out = append(out, v.validateStream(o, resp.Value, r.Body, mk)...)
	}
	return out
}

func contentTypes(c openapi3.Content) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// explainResponseError turns a kin-openapi error into violations with JSON
// pointers. anyOf failures (every /serve/api/v1 answer is anyOf a success
// envelope and ErrorEnvelope) are explained by the branch that comes
// closest, so the message names the field that is wrong rather than
// "doesn't match any schema".
func (v *Validator) explainResponseError(o *Operation, resp *openapi3.Response, r Response, err error, mk func(string, string, []byte) Violation) []Violation {
	var re *openapi3filter.ResponseError
	if !errors.As(err, &re) || re.Err == nil {
		return []Violation{mk("", err.Error(), r.Body)}
	}
	media := resp.Content.Get(r.Header.Get("Content-Type"))
	var value any
	if media == nil || media.Schema == nil || json.Unmarshal(r.Body, &value) != nil {
		return []Violation{mk("", re.Reason+": "+re.Err.Error(), r.Body)}
	}
	leaves := explain(media.Schema.Value, value, "")
	if len(leaves) == 0 {
		return []Violation{mk("", re.Reason+": "+re.Err.Error(), r.Body)}
	}
	out := make([]Violation, 0, len(leaves))
	for _, l := range leaves {
		out = append(out, mk(orRoot(l.ptr), l.reason, r.Body))
	}
	return out
}

func orRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// leaf is one explained schema error.
type leaf struct {
	ptr    string
	reason string
}

// explain validates value against schema and returns the leaf errors with
// JSON pointers relative to prefix. For anyOf / oneOf it follows the branch
// with the fewest errors.
func explain(schema *openapi3.Schema, value any, prefix string) []leaf {
	if schema == nil {
		return nil
	}
	err := schema.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse())
	if err == nil {
		return nil
	}
	if branches := append(append([]*openapi3.SchemaRef{}, schema.AnyOf...), schema.OneOf...); len(branches) > 0 {
		var best []leaf
		found := false
		// Prefer the branches whose discriminating fields ("code", "type")
		// accept the value: a "0000" envelope is explained by the success
		// branch, a "thinking" event by ChatThinkingEvent.
		if kept := discriminated(branches, value); len(kept) > 0 {
			branches = kept
		}
		for _, b := range branches {
			if b == nil || b.Value == nil {
				continue
			}
			l := explain(b.Value, value, prefix)
			if len(l) == 0 {
				// This branch accepts the value: the error lies elsewhere
				// in the schema (or is a oneOf ambiguity).
				found = false
				best = nil
				break
			}
			if !found || len(l) < len(best) {
				best, found = l, true
			}
		}
		if found {
			return best
		}
	}
	var out []leaf
	for _, e := range flatten(err) {
		var se *openapi3.SchemaError
		if !errors.As(e, &se) {
			out = append(out, leaf{prefix, e.Error()})
			continue
		}
		ptr := prefix
		for _, p := range se.JSONPointer() {
			ptr += "/" + strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
		}
		if se.Schema != nil && (len(se.Schema.AnyOf) > 0 || len(se.Schema.OneOf) > 0) && se.Schema != schema {
			if sub := explain(se.Schema, se.Value, ptr); len(sub) > 0 {
				out = append(out, sub...)
				continue
			}
		}
		out = append(out, leaf{ptr, reasonOf(se)})
	}
	return dedupe(out)
}

// discriminated keeps the branches whose "code" and "type" properties (when
// both the branch and the value have them) accept the value's.
func discriminated(branches []*openapi3.SchemaRef, value any) []*openapi3.SchemaRef {
	obj, _ := value.(map[string]any)
	var kept []*openapi3.SchemaRef
	for _, b := range branches {
		if b == nil || b.Value == nil {
			continue
		}
		if b.Value.Type != nil && len(b.Value.Type.Slice()) > 0 && !typeAccepts(b.Value.Type, value) {
			continue
		}
		good := true
		for _, key := range []string{"code", "type"} {
			pv, has := obj[key]
			ps := b.Value.Properties[key]
			if !has || ps == nil || ps.Value == nil {
				continue
			}
			if ps.Value.VisitJSON(pv, openapi3.VisitAsResponse()) != nil {
				good = false
			}
		}
		if good {
			kept = append(kept, b)
		}
	}
	return kept
}

// typeAccepts reports whether a schema type admits the JSON type of value.
func typeAccepts(t *openapi3.Types, value any) bool {
	switch value.(type) {
	case map[string]any:
		return t.Includes("object")
	case []any:
		return t.Includes("array")
	case string:
		return t.Includes("string")
	case bool:
		return t.Includes("boolean")
	case float64, json.Number:
		return t.Includes("number") || t.Includes("integer")
	case nil:
		return true
	}
	return true
}

func reasonOf(se *openapi3.SchemaError) string {
	r := se.Reason
	if se.SchemaField != "" && !strings.Contains(r, se.SchemaField) {
		r += fmt.Sprintf(" (schema keyword %q)", se.SchemaField)
	}
	if se.Value != nil {
		if b, err := json.Marshal(se.Value); err == nil && len(b) <= 80 {
			r += fmt.Sprintf("; got %s", b)
		}
	}
	return r
}

func flatten(err error) []error {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func dedupe(ls []leaf) []leaf {
	seen := map[leaf]bool{}
	var out []leaf
	for _, l := range ls {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// validateStream splits an event stream into data events and checks each
// against its component schema: the media type's x-sse-events (one name)
// or ChatStreamEvent; x-sse-terminator (e.g. [DONE]) is accepted as is.
func (v *Validator) validateStream(o *Operation, resp *openapi3.Response, body []byte, mk func(string, string, []byte) Violation) []Violation {
	media := resp.Content.Get("text/event-stream")
	schemaName := "ChatStreamEvent"
	terminator := ""
	if media != nil {
		if names, ok := media.Extensions["x-sse-events"].([]any); ok && len(names) == 1 {
			if n, ok := names[0].(string); ok {
				schemaName = n
			}
		}
		if t, ok := media.Extensions["x-sse-terminator"].(string); ok {
			terminator = t
		}
	}
	ref := o.Spec.Components.Schemas[schemaName]
	if ref == nil || ref.Value == nil {
		return []Violation{mk("", fmt.Sprintf("schema %s of the stream events is not in the description", schemaName), body)}
	}
	events := SplitEvents(body)
	if len(events) == 0 {
		return []Violation{mk("", "the event stream has no data: events", body)}
	}
	var out []Violation
	for i, ev := range events {
		if terminator != "" && strings.TrimSpace(ev.Text) == terminator {
			if i != len(events)-1 {
				out = append(out, mk(fmt.Sprintf("event %d", i+1), fmt.Sprintf("terminator %s is not the last event", terminator), []byte(ev.Raw)))
			}
			continue
		}
		var val any
		if err := json.Unmarshal([]byte(ev.Text), &val); err != nil {
			out = append(out, mk(fmt.Sprintf("event %d", i+1), fmt.Sprintf("event is neither JSON nor the terminator: %v", err), []byte(ev.Raw)))
			continue
		}
		for _, l := range explain(ref.Value, val, "") {
			out = append(out, mk(fmt.Sprintf("event %d %s", i+1, orRoot(l.ptr)), l.reason+" (schema "+schemaName+")", []byte(ev.Raw)))
		}
	}
	return out
}

// ValidateSchema checks a value (e.g. a callback body) against a component
// schema of a description.
func (v *Validator) ValidateSchema(api API, schema string, body []byte) []Violation {
	doc := v.specs.Doc(api)
	base := Violation{API: api, Op: schema, Method: "POST", Path: "(callback)"}
	if doc == nil || doc.Components.Schemas[schema] == nil {
		base.Reason = "schema " + schema + " is not in the description"
		return []Violation{base}
	}
	var val any
	if err := json.Unmarshal(body, &val); err != nil {
		base.Reason, base.Excerpt = "body is not JSON: "+err.Error(), excerpt(body)
		return []Violation{base}
	}
	var out []Violation
	for _, l := range explain(doc.Components.Schemas[schema].Value, val, "") {
		x := base
		x.Pointer, x.Reason, x.Excerpt = orRoot(l.ptr), l.reason, excerpt(body)
		out = append(out, x)
	}
	return out
}

// Event is one data event of a captured stream.
type Event = client.Event

// SplitEvents splits a captured SSE body into its data events (the
// client's parser, so the suite reads streams the way users' code does).
func SplitEvents(body []byte) []Event {
	rd := client.NewSSEReader(bytes.NewReader(body))
	var out []Event
	for {
		ev, err := rd.Next()
		if err != nil {
			return out
		}
		out = append(out, ev)
	}
}
