package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	gojson "github.com/goccy/go-json"

	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform/journal"
)

// maxFormBytes bounds a non-file request body (JSON, form fields).
const maxFormBytes = 8 << 20

// call is one request on its way through the pipeline.
type call struct {
	s       *Server
	c       *gin.Context
	op      *operation
	seq     uint64
	start   time.Time
	account string // the account the key belongs to (platform/accounts)
	key     string // the key as sent

	body  map[string]any // decoded object body (JSON, form or multipart fields)
	array []any          // decoded array body (delete_videos)
	query map[string]any // coerced query parameters
	raw   []byte         // a JSON body as sent (key order kept, for stubs and fixtures)
	files map[string][]*upload

	code    string   // business code written, for the journal
	usage   quantity // what the request consumed, for the ledger
	charged bool     // the handler charged already

	// answer records the response body for the journal; it lives in the
	// call so recording costs no allocation of its own.
	answer journal.Writer
}

// upload is one file part of a multipart body, already streamed to a
// pending media file.
type upload struct {
	Field       string
	Filename    string
	ContentType string
	Pending     *store.Pending
	Size        int64
	SHA256      string
	adopted     bool
}

// adopt marks an upload as kept by the handler so cleanup leaves it alone.
func (u *upload) adopt() { u.adopted = true }

func (cl *call) cleanup() {
	for _, us := range cl.files {
		for _, u := range us {
			if !u.adopted {
				_ = u.Pending.Abort()
			}
		}
	}
}

// parse decodes query parameters and body and validates both against the
// operation's schemas. Any failure is a 0001 with a readable message.
func (cl *call) parse() error {
	op := cl.op
	var q url.Values
	if len(op.query) > 0 {
		q = cl.c.Request.URL.Query()
		cl.query = make(map[string]any, len(op.query))
	}
	for _, p := range op.query {
		vals, ok := q[p.Name]
		if !ok || (len(vals) == 1 && vals[0] == "" && !p.Required) {
			if p.Required {
				return apiErr(CodeBadParam, "parameter error: %s is required", p.Name)
			}
			continue
		}
		var sc *openapi3.Schema
		if p.Schema != nil {
			sc = p.Schema.Value
		}
		v := coerce(sc, vals)
		if sc != nil {
			if err := sc.VisitJSON(v); err != nil {
				return paramError(p.Name, err)
			}
		}
		cl.query[p.Name] = v
	}
	if op.body == nil && len(op.bodyTypes) == 0 {
		return nil
	}
	if err := cl.readBody(); err != nil {
		return err
	}
	if op.body == nil {
		return nil
	}
	var value any
	switch {
	case cl.array != nil:
		value = cl.array
	case cl.body != nil:
		m := make(map[string]any, len(cl.body)+len(cl.files))
		for k, v := range cl.body {
			m[k] = v
		}
		for f, us := range cl.files {
			if len(us) == 0 {
				continue
			}
			if sc := op.body.Properties[f]; sc != nil && sc.Value != nil && sc.Value.Type.Is("array") {
				names := make([]any, len(us))
				for i := range us {
					names[i] = us[i].Filename
				}
				m[f] = names
			} else {
				m[f] = us[0].Filename
			}
		}
		value = m
	default:
		if op.bodyRequired {
			return apiErr(CodeBadParam, "parameter error: request body is required")
		}
		return nil
	}
	if err := op.body.VisitJSON(value); err != nil {
		return paramError("", err)
	}
	return nil
}

// readBody decodes the body by its Content-Type. The mock is as lenient as
// the real API: JSON, form and multipart bodies are accepted for any
// operation that takes a body (several real clients post JSON to form
// endpoints and the reverse).
func (cl *call) readBody() error {
	r := cl.c.Request
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	var mt string
	var params map[string]string
	if strings.HasPrefix(ct, "application/json") {
		mt = "application/json" // the common case, without the parser's allocations
	} else {
		mt, params, _ = mime.ParseMediaType(ct)
	}
	switch {
	case mt == "multipart/form-data":
		return cl.readMultipart(params["boundary"])
	case mt == "application/x-www-form-urlencoded":
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
		if err != nil {
			return apiErr(CodeBadParam, "parameter error: unreadable body")
		}
		if len(raw) > maxFormBytes {
			return apiErr(CodeBadParam, "parameter error: body too large")
		}
		vals, err := url.ParseQuery(string(raw))
		if err != nil {
			return apiErr(CodeBadParam, "parameter error: malformed form body")
		}
		cl.body = coerceForm(cl.op.body, vals)
		return nil
	default:
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
		if err != nil {
			return apiErr(CodeBadParam, "parameter error: unreadable body")
		}
		if len(raw) > maxFormBytes {
			return apiErr(CodeBadParam, "parameter error: body too large")
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			return nil
		}
		cl.raw = raw
		// Numbers stay json.Number: 18-digit ids sent as JSON numbers
		// (session_id) would lose digits as float64.
		// goccy/go-json's stream decoder panics (index out of range) on an
		// unterminated string of invalid UTF-8 (found by v2's
		// FuzzRequestBodies): a body that is not JSON never reaches it.
		if !json.Valid(raw) {
			return apiErr(CodeBadParam, "parameter error: malformed JSON body")
		}
		var v any
		dec := gojson.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil || dec.More() {
			return apiErr(CodeBadParam, "parameter error: malformed JSON body")
		}
		switch x := v.(type) {
		case map[string]any:
			cl.body = x
		case []any:
			cl.array = x
		default:
			return apiErr(CodeBadParam, "parameter error: body must be a JSON object or array")
		}
		return nil
	}
}

// readMultipart streams a multipart body: text fields are collected, file
// parts are written straight to pending media files (never held whole in
// memory) while their SHA-256 is computed.
func (cl *call) readMultipart(boundary string) error {
	if boundary == "" {
		return apiErr(CodeBadParam, "parameter error: multipart body without boundary")
	}
	r := cl.c.Request
	r.Body = http.MaxBytesReader(cl.c.Writer, r.Body, cl.s.opts.MaxUploadBytes+maxFormBytes)
	mr := multipart.NewReader(r.Body, boundary)
	vals := url.Values{}
	cl.files = map[string][]*upload{}
	fieldBytes := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return store.ErrTooLarge
			}
			return apiErr(CodeBadParam, "parameter error: malformed multipart body")
		}
		name := part.FormName()
		if cl.isFilePart(name, part.FileName()) {
			u, err := cl.saveFile(part)
			_ = part.Close()
			if err != nil {
				return err
			}
			cl.files[name] = append(cl.files[name], u)
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFormBytes-int64(fieldBytes)+1))
		_ = part.Close()
		if err != nil {
			return apiErr(CodeBadParam, "parameter error: malformed multipart body")
		}
		fieldBytes += len(b)
		if fieldBytes > maxFormBytes {
			return apiErr(CodeBadParam, "parameter error: form fields too large")
		}
		vals.Add(name, string(b))
	}
	cl.body = coerceForm(cl.op.body, vals)
	return nil
}

// isFilePart decides whether a multipart part is a file to stream to
// storage. A part the schema declares as a non-binary property (the
// caption host's `req` JSON part, sent as "req.json") is read as a field.
func (cl *call) isFilePart(name, filename string) bool {
	if cl.op.fileFields[name] {
		return true
	}
	if filename == "" {
		return false
	}
	if cl.op.body != nil {
		if p := cl.op.body.Properties[name]; p != nil && p.Value != nil && !isBinary(p.Value) {
			return false
		}
	}
	return true
}

func (cl *call) saveFile(part *multipart.Part) (*upload, error) {
	p, n, sum, err := store.Stream(cl.s.store.Media(), part)
	if errors.Is(err, store.ErrInterrupted) {
		return nil, apiErr(CodeBadParam, "parameter error: upload interrupted")
	}
	if err != nil {
		return nil, err
	}
	return &upload{
		Field: part.FormName(), Filename: part.FileName(), ContentType: part.Header.Get("Content-Type"),
		Pending: p, Size: n, SHA256: sum,
	}, nil
}

// coerceForm turns form values into typed values following the body
// schema, accepting the array spellings real clients use: repeated keys,
// `tags[]` and `tags[0]`.
func coerceForm(sc *openapi3.Schema, vals url.Values) map[string]any {
	grouped := map[string][]string{}
	for k, vs := range vals {
		name := k
		if i := strings.IndexByte(k, '['); i > 0 && strings.HasSuffix(k, "]") {
			name = k[:i]
		}
		grouped[name] = append(grouped[name], vs...)
	}
	out := make(map[string]any, len(grouped))
	for name, vs := range grouped {
		var prop *openapi3.Schema
		if sc != nil {
			if p := sc.Properties[name]; p != nil {
				prop = p.Value
			}
		}
		out[name] = coerce(prop, vs)
	}
	return out
}

// coerce converts raw string values to the type a schema asks for. A value
// that does not parse stays a string so schema validation reports it.
func coerce(sc *openapi3.Schema, vals []string) any {
	if sc == nil {
		if len(vals) == 1 {
			return vals[0]
		}
		return anySlice(vals)
	}
	if sc.Type.Is("array") {
		// A single JSON-array value (tags='["a","b"]') is accepted too.
		if len(vals) == 1 && strings.HasPrefix(strings.TrimSpace(vals[0]), "[") {
			var arr []any
			if json.Unmarshal([]byte(vals[0]), &arr) == nil {
				return arr
			}
		}
		var item *openapi3.Schema
		if sc.Items != nil {
			item = sc.Items.Value
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = coerce(item, []string{v})
		}
		return out
	}
	v := vals[0]
	switch {
	case sc.Type.Is("integer"), sc.Type.Is("number"):
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			return f
		}
	case sc.Type.Is("boolean"):
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
			return b
		}
	case sc.Type.Is("object"):
		var m map[string]any
		if json.Unmarshal([]byte(v), &m) == nil {
			return m
		}
	case len(sc.AnyOf) > 0 || len(sc.OneOf) > 0:
		// number-or-string fields keep the string (it is an accepted
		// alternative and keeps every digit of long ids); others take the
		// number when it parses.
		alts := append(sc.AnyOf, sc.OneOf...)
		for _, alt := range alts {
			if alt.Value != nil && alt.Value.Type.Is("string") {
				return v
			}
		}
		for _, alt := range alts {
			if alt.Value != nil && (alt.Value.Type.Is("number") || alt.Value.Type.Is("integer")) {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					return f
				}
			}
		}
	}
	return v
}

func anySlice(vals []string) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return out
}

// paramError renders a schema violation as the API's 0001 message.
func paramError(field string, err error) *APIError {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		path := strings.Join(se.JSONPointer(), ".")
		if field != "" {
			path = strings.TrimPrefix(field+"."+path, ".")
			path = strings.TrimSuffix(path, ".")
		}
		if path == "" {
			return apiErr(CodeBadParam, "parameter error: %s", se.Reason)
		}
		return apiErr(CodeBadParam, "parameter error: %s: %s", path, se.Reason)
	}
	var me openapi3.MultiError
	if errors.As(err, &me) && len(me) > 0 {
		return paramError(field, me[0])
	}
	if field != "" {
		return apiErr(CodeBadParam, "parameter error: %s: %v", field, err)
	}
	return apiErr(CodeBadParam, "parameter error: %v", err)
}

// value returns a parameter from the body, then the query.
func (cl *call) value(name string) (any, bool) {
	if v, ok := cl.body[name]; ok && v != nil {
		return v, true
	}
	if v, ok := cl.query[name]; ok && v != nil {
		return v, true
	}
	// Parameters the spec does not declare (aliases such as session_id on
	// get_session_detail) are read from the raw query.
	if v := cl.c.Query(name); v != "" {
		return v, true
	}
	return nil, false
}

// str returns a string parameter ("" when absent). Numbers are formatted
// without exponent so numeric ids sent as JSON numbers survive.
func (cl *call) str(name string) string {
	v, ok := cl.value(name)
	if !ok {
		return ""
	}
	return toString(v)
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// num returns a numeric parameter, parsing decimal strings; ok is false
// when absent or not a number.
func (cl *call) num(name string) (float64, bool) {
	v, ok := cl.value(name)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// int returns an integer parameter or def.
func (cl *call) int(name string, def int) int {
	if f, ok := cl.num(name); ok {
		return int(f)
	}
	return def
}

// boolean returns a boolean parameter or def.
func (cl *call) boolean(name string, def bool) bool {
	v, ok := cl.value(name)
	if !ok {
		return def
	}
	switch x := v.(type) {
	case bool:
		return x
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b
		}
	}
	return def
}

// strs returns a string-array parameter.
func (cl *call) strs(name string) []string {
	v, ok := cl.value(name)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, toString(e))
		}
		return out
	case string:
		return []string{x}
	}
	return nil
}

// ns is the caller's namespace: unique_id, "default" when absent.
func (cl *call) ns() string {
	if u := strings.TrimSpace(cl.str("unique_id")); u != "" {
		return u
	}
	return "default"
}
