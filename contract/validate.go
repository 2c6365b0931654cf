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
	"github.com/memharness/memharness/internal/specschema"
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
	leaves := specschema.Explain(media.Schema.Value, value)
	if len(leaves) == 0 {
		return []Violation{mk("", re.Reason+": "+re.Err.Error(), r.Body)}
	}
	out := make([]Violation, 0, len(leaves))
	for _, l := range leaves {
		out = append(out, mk(orRoot(l.Pointer), l.Reason, r.Body))
	}
	return out
}

func orRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// validateStream splits an event stream into data events and checks each
// against its component schema: the media type's x-sse-events (one name)
// or ChatStreamEvent; x-sse-terminator (e.g. [DONE]) is accepted as is.
// Where the stream names its events (x-sse-named-events, the v2 agent
// stream), a named event's data must match that name's own component:
// a "progress" event carrying "started"'s payload is a violation even
// though it matches a branch of the union.
func (v *Validator) validateStream(o *Operation, resp *openapi3.Response, body []byte, mk func(string, string, []byte) Violation) []Violation {
	st := specschema.StreamOf(o.Spec, resp)
	if st.Schema == nil {
		return []Violation{mk("", fmt.Sprintf("schema %s of the stream events is not in the description", st.Name), body)}
	}
	events := SplitEvents(body)
	if len(events) == 0 {
		return []Violation{mk("", "the event stream has no data: events", body)}
	}
	var out []Violation
	for i, ev := range events {
		if st.Terminator != "" && strings.TrimSpace(ev.Text) == st.Terminator {
			if i != len(events)-1 {
				out = append(out, mk(fmt.Sprintf("event %d", i+1), fmt.Sprintf("terminator %s is not the last event", st.Terminator), []byte(ev.Raw)))
			}
			continue
		}
		raw := []byte(ev.Raw)
		if ev.Name != "" {
			raw = []byte("event: " + ev.Name + "\n" + ev.Raw)
		}
		schema, leaves, err := st.CheckNamedEvent(ev.Name, []byte(ev.Text))
		if err != nil {
			out = append(out, mk(fmt.Sprintf("event %d", i+1), err.Error(), raw))
			continue
		}
		for _, l := range leaves {
			out = append(out, mk(fmt.Sprintf("event %d %s", i+1, orRoot(l.Pointer)), l.Reason+" (schema "+schema+eventLabel(ev.Name)+")", raw))
		}
	}
	return out
}

// eventLabel names the event in a violation's reason (", event progress"),
// "" for an unnamed one.
func eventLabel(name string) string {
	if name == "" {
		return ""
	}
	return ", event " + name
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
	for _, l := range specschema.Explain(doc.Components.Schemas[schema].Value, val) {
		x := base
		x.Pointer, x.Reason, x.Excerpt = orRoot(l.Pointer), l.Reason, excerpt(body)
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
