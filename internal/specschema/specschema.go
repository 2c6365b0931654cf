// Package specschema explains why a JSON value breaks an OpenAPI schema
// and finds the schema of an operation's server-sent events. The contract
// suite, the drift report (proxy/drift) and the mock's stub check
// (mock.checkStub) share it, so a stream event is judged the same way
// wherever it is checked.
package specschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Leaf is one explained schema violation.
type Leaf struct {
	// Pointer is the JSON pointer of the offending value ("" for the
	// value itself).
	Pointer string
	// Reason says what is wrong.
	Reason string
}

// Explain validates value (decoded JSON) against schema and returns the
// leaf errors with JSON pointers. For anyOf / oneOf it follows the branch
// with the fewest errors, so the message names the field that is wrong
// rather than "doesn't match any schema". Nil means the value is valid.
func Explain(schema *openapi3.Schema, value any) []Leaf { return explain(schema, value, "") }

func explain(schema *openapi3.Schema, value any, prefix string) []Leaf {
	if schema == nil {
		return nil
	}
	err := schema.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse())
	if err == nil {
		return nil
	}
	if branches := append(append([]*openapi3.SchemaRef{}, schema.AnyOf...), schema.OneOf...); len(branches) > 0 {
		var best []Leaf
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
	var out []Leaf
	for _, e := range Flatten(err) {
		var se *openapi3.SchemaError
		if !errors.As(e, &se) {
			out = append(out, Leaf{prefix, e.Error()})
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
		out = append(out, Leaf{ptr, reasonOf(se)})
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

// Flatten returns the errors of a (nested) openapi3.MultiError one by one.
func Flatten(err error) []error {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []error
		for _, e := range me {
			out = append(out, Flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func dedupe(ls []Leaf) []Leaf {
	seen := map[Leaf]bool{}
	var out []Leaf
	for _, l := range ls {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// DefaultEventSchema is the component that describes a stream's events
// when its media type names several (the video chat streams name the four
// Chat*Event components, which ChatStreamEvent unites) or none.
const DefaultEventSchema = "ChatStreamEvent"

// Stream is what a text/event-stream answer's events must be.
type Stream struct {
	// Name is the component schema each event's data must match.
	Name string
	// Schema is that component, nil when the description lacks it.
	Schema *openapi3.Schema
	// Terminator is a data line accepted as is (x-sse-terminator, e.g.
	// [DONE]); empty when the stream has none.
	Terminator string
	// DataPrefix is what starts each data line (x-sse-data-prefix, e.g.
	// "data:" or "data: "); empty when the description does not say.
	DataPrefix string
	// Named maps an event name (the "event:" line) to the component its
	// data must match (x-sse-named-events); nil when the stream does not
	// name its events.
	Named map[string]string

	doc *openapi3.T
}

// StreamAt is StreamOf for operation op's answer with HTTP status: the
// event description its stub checks and writers use. A stream whose media
// type names no data prefix gets defaultPrefix (the surface's own framing:
// "data:" on the v1 video chats, "data: " on v2).
func StreamAt(doc *openapi3.T, op *openapi3.Operation, status int, defaultPrefix string) Stream {
	var resp *openapi3.Response
	if op != nil && op.Responses != nil {
		if r := op.Responses.Status(status); r != nil {
			resp = r.Value
		}
	}
	st := StreamOf(doc, resp)
	if st.DataPrefix == "" {
		st.DataPrefix = defaultPrefix
	}
	return st
}

// StreamOf reads the event schema of a response: the media type's
// x-sse-events when it names one component, else DefaultEventSchema; and
// its x-sse-terminator. doc is the description the components live in.
func StreamOf(doc *openapi3.T, resp *openapi3.Response) Stream {
	st := Stream{Name: DefaultEventSchema}
	if resp != nil {
		if media := resp.Content.Get("text/event-stream"); media != nil {
			if names, ok := media.Extensions["x-sse-events"].([]any); ok && len(names) == 1 {
				if n, ok := names[0].(string); ok {
					st.Name = n
				}
			}
			if t, ok := media.Extensions["x-sse-terminator"].(string); ok {
				st.Terminator = t
			}
			if p, ok := media.Extensions["x-sse-data-prefix"].(string); ok {
				st.DataPrefix = p
			}
			if m, ok := media.Extensions["x-sse-named-events"].(map[string]any); ok {
				st.Named = make(map[string]string, len(m))
				for name, c := range m {
					if c, ok := c.(string); ok {
						st.Named[name] = c
					}
				}
			}
		}
	}
	st.doc = doc
	if doc != nil && doc.Components != nil {
		if ref := doc.Components.Schemas[st.Name]; ref != nil {
			st.Schema = ref.Value
		}
	}
	return st
}

// ErrNoEventSchema is returned by CheckEvent when the description lacks
// the stream's event component.
var ErrNoEventSchema = errors.New("the stream's event schema is not in the description")

// CheckEvent checks one event's data (the text after "data:") against the
// stream: the terminator is accepted as is, anything else must be JSON
// matching the event schema. It returns the violations (nil when the
// event is valid), or an error when the data is not JSON or the schema is
// missing.
func (st Stream) CheckEvent(data []byte) ([]Leaf, error) {
	if st.Terminator != "" && strings.TrimSpace(string(data)) == st.Terminator {
		return nil, nil
	}
	if st.Schema == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoEventSchema, st.Name)
	}
	var val any
	if err := json.Unmarshal(data, &val); err != nil {
		return nil, fmt.Errorf("event is neither JSON nor the terminator: %w", err)
	}
	return Explain(st.Schema, val), nil
}

// CheckNamedEvent is CheckEvent for an event with a name (its "event:"
// line): where the stream maps names to components (Named), the data must
// match the named event's own component, not merely one branch of the
// union, and a name the stream does not declare is an error. It returns
// the component checked. Without a name, or on a stream whose events are
// not named, it is CheckEvent.
func (st Stream) CheckNamedEvent(event string, data []byte) (string, []Leaf, error) {
	if event == "" || st.Named == nil {
		leaves, err := st.CheckEvent(data)
		return st.Name, leaves, err
	}
	comp, ok := st.Named[event]
	if !ok {
		names := make([]string, 0, len(st.Named))
		for n := range st.Named {
			names = append(names, n)
		}
		sort.Strings(names)
		return "", nil, fmt.Errorf("event %q is not one the stream declares (%s)", event, strings.Join(names, ", "))
	}
	var sc *openapi3.Schema
	if st.doc != nil && st.doc.Components != nil {
		if ref := st.doc.Components.Schemas[comp]; ref != nil {
			sc = ref.Value
		}
	}
	if sc == nil {
		return comp, nil, fmt.Errorf("%w: %s", ErrNoEventSchema, comp)
	}
	var val any
	if err := json.Unmarshal(data, &val); err != nil {
		return comp, nil, fmt.Errorf("event is not JSON: %w", err)
	}
	return comp, Explain(sc, val), nil
}

// IsTerminator reports data that is the stream's terminator, given bare
// or as a JSON string ("[DONE]" is not JSON, so a stub writes it
// "\"[DONE]\"").
func (st Stream) IsTerminator(data []byte) bool {
	if st.Terminator == "" {
		return false
	}
	var text string
	if json.Unmarshal(data, &text) == nil {
		return text == st.Terminator
	}
	return strings.TrimSpace(string(data)) == st.Terminator
}

// JSONResponse is the schema of op's JSON answer with status (or its
// default answer); nil when the description declares none.
func JSONResponse(op *openapi3.Operation, status int) *openapi3.Schema {
	if op == nil || op.Responses == nil {
		return nil
	}
	r := op.Responses.Status(status)
	if r == nil {
		r = op.Responses.Default()
	}
	if r == nil || r.Value == nil {
		return nil
	}
	for ct, mt := range r.Value.Content {
		if strings.HasPrefix(ct, "application/json") && mt.Schema != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// Produces reports whether op declares an answer with status whose
// content type starts with prefix (e.g. "text/event-stream").
func Produces(op *openapi3.Operation, status int, prefix string) bool {
	if op == nil || op.Responses == nil {
		return false
	}
	r := op.Responses.Status(status)
	if r == nil || r.Value == nil {
		return false
	}
	for ct := range r.Value.Content {
		if strings.HasPrefix(ct, prefix) {
			return true
		}
	}
	return false
}
