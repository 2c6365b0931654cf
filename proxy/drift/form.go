package drift

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/memharness/memharness/contract"
	"github.com/memharness/memharness/proxy"
)

// formBody reports a form content type (urlencoded or multipart) and its
// media type.
func formBody(ct string) (string, map[string]string, bool) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", nil, false
	}
	return mt, params, mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}

// formField is one field of a form body: its text values and how many
// file parts it had.
type formField struct {
	values []string
	files  int
}

// checkForm validates the fields of a form request body against the
// operation's schema for its media type. File parts are never read beyond
// what the capture holds (at most the recording limit) and stand as
// present; a multipart body cut at the capture limit is checked field by
// field for the fields complete before the cut, without the required-field
// rule (the missing ones may follow the file).
//
// Why not openapi3filter's form decoders: they hand text parts to the
// schema as strings, while the service (and the mock) read "20" as the
// number a numeric field wants, so every numeric or boolean form field
// would be reported. Here a value is read the way the schema asks (number,
// boolean, JSON), the first reading the schema accepts wins, and a value
// no reading satisfies is reported as sent.
func checkForm(op *contract.Operation, x *proxy.Exchange) []finding {
	mt, params, ok := formBody(x.Request.Header.Get("Content-Type"))
	if !ok || op.Operation.RequestBody == nil || op.Operation.RequestBody.Value == nil {
		return nil
	}
	media := op.Operation.RequestBody.Value.Content.Get(mt)
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		// The description has no form for this operation: the content
		// type itself is what kin-openapi reports (or not) elsewhere.
		return nil
	}
	schema := media.Schema.Value
	body := x.RequestBody
	var fields map[string]*formField
	var order []string
	partial := body.Truncated
	switch mt {
	case "application/x-www-form-urlencoded":
		if body.Truncated {
			// The last field may be cut anywhere: nothing to say.
			return nil
		}
		v, err := url.ParseQuery(string(body.Bytes))
		if err != nil {
			return []finding{{where: "request", pointer: "/body", reason: "the service accepted a form body that does not parse: " + err.Error()}}
		}
		fields = map[string]*formField{}
		for k, vs := range v {
			fields[k] = &formField{values: vs}
			order = append(order, k)
		}
	case "multipart/form-data":
		var err error
		fields, order, err = multipartFields(body.Bytes, params["boundary"])
		if err != nil && !body.Truncated {
			return []finding{{where: "request", pointer: "/body", reason: "the service accepted a multipart body that does not parse: " + err.Error()}}
		}
	}
	sort.Strings(order)
	obj := make(map[string]any, len(fields))
	for _, name := range order {
		obj[name] = formValue(propertySchema(schema, name), fields[name])
	}
	var errs []error
	if partial {
		for _, name := range order {
			ps := propertySchema(schema, name)
			if ps == nil {
				continue
			}
			if err := ps.VisitJSON(obj[name], openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
				errs = append(errs, prefixed(err, name)...)
			}
		}
	} else if err := schema.VisitJSON(obj, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
		errs = flattenSchema(err)
	}
	var out []finding
	for _, e := range errs {
		f := finding{where: "request", pointer: "/body"}
		var ptr []string
		reason := e.Error()
		var se *openapi3.SchemaError
		if fe, ok := e.(fieldError); ok {
			ptr, reason = fe.JSONPointer(), fe.Reason()
		} else if errors.As(e, &se) {
			ptr = se.JSONPointer()
			if se.Reason != "" {
				reason = se.Reason
			}
		}
		for _, p := range ptr {
			f.pointer += "/" + p
		}
		f.reason = fmt.Sprintf("the service accepted a request the description rejects: %s field %q: %s", mt, strings.TrimPrefix(f.pointer, "/body/"), reason)
		out = append(out, f)
	}
	return out
}

// multipartFields reads the parts of a multipart body: text parts' values,
// file parts only as present (their bytes are skipped). On a cut body it
// returns the fields complete before the cut with the error.
func multipartFields(b []byte, boundary string) (map[string]*formField, []string, error) {
	if boundary == "" {
		return nil, nil, errors.New("no boundary")
	}
	fields := map[string]*formField{}
	var order []string
	mr := multipart.NewReader(bytes.NewReader(b), boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return fields, order, nil
		}
		if err != nil {
			return fields, order, err
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		f := fields[name]
		if f == nil {
			f = &formField{}
		}
		mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if p.FileName() != "" && mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return fields, order, err
			}
			f.files++
		} else {
			// Text, or a JSON part (the caption host's req, sent with a
			// file name by some clients): its text is its value.
			// A text field is small; 64 KiB bounds a pathological one.
			v, err := io.ReadAll(io.LimitReader(p, 64<<10))
			if err != nil {
				// Cut inside this part: it is not complete, leave it out.
				return fields, order, err
			}
			f.values = append(f.values, string(v))
		}
		if fields[name] == nil {
			fields[name] = f
			order = append(order, name)
		}
	}
}

// propertySchema is the schema of a property of an object schema (nil when
// the schema does not name it).
func propertySchema(s *openapi3.Schema, name string) *openapi3.Schema {
	if s == nil {
		return nil
	}
	if p := s.Properties[name]; p != nil {
		return p.Value
	}
	for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, r := range refs {
			if r != nil && r.Value != nil {
				if p := propertySchema(r.Value, name); p != nil {
					return p
				}
			}
		}
	}
	return nil
}

// formValue is a field's value as the schema would read it: a file part
// is a present binary string, several parts (or an array schema) an array,
// each text value its first reading the schema accepts.
func formValue(s *openapi3.Schema, f *formField) any {
	isArray := s != nil && s.Type != nil && s.Type.Is(openapi3.TypeArray)
	if isArray || len(f.values)+f.files > 1 {
		var items *openapi3.Schema
		if isArray && s.Items != nil {
			items = s.Items.Value
		}
		out := make([]any, 0, len(f.values)+f.files)
		for range f.files {
			out = append(out, "<file>")
		}
		for _, v := range f.values {
			out = append(out, reading(items, v))
		}
		return out
	}
	if f.files > 0 {
		return "<file>"
	}
	if len(f.values) == 0 {
		return ""
	}
	return reading(s, f.values[0])
}

// reading returns the first reading of v the schema accepts (text, number,
// boolean, JSON). When none does, the reading of the schema's type is
// returned (so a JSON object missing a field is reported inside), else v
// as sent.
func reading(s *openapi3.Schema, v string) any {
	if s == nil {
		return v
	}
	cands := candidates(v)
	for _, c := range cands {
		if s.VisitJSON(c, openapi3.VisitAsRequest()) == nil {
			return c
		}
	}
	if s.Type != nil {
		for _, c := range cands[1:] {
			if s.Type.Is(jsonType(c)) {
				return c
			}
		}
	}
	return v
}

// jsonType names the schema type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case float64:
		return openapi3.TypeNumber
	case bool:
		return openapi3.TypeBoolean
	case map[string]any:
		return openapi3.TypeObject
	case []any:
		return openapi3.TypeArray
	}
	return openapi3.TypeString
}

// candidates are the readings of a form value, text first.
func candidates(v string) []any {
	out := []any{v}
	t := strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		out = append(out, f)
	}
	if b, err := strconv.ParseBool(t); err == nil && (strings.EqualFold(t, "true") || strings.EqualFold(t, "false")) {
		out = append(out, b)
	}
	if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		var j any
		if json.Unmarshal([]byte(t), &j) == nil {
			out = append(out, j)
		}
	}
	return out
}

// flattenSchema splits a MultiError of schema errors.
func flattenSchema(err error) []error {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []error
		for _, e := range me {
			out = append(out, flattenSchema(e)...)
		}
		return out
	}
	return []error{err}
}

// prefixed flattens a property's errors, their pointers under its name.
func prefixed(err error, name string) []error {
	var out []error
	for _, e := range flattenSchema(err) {
		out = append(out, fieldError{name: name, err: e})
	}
	return out
}

// fieldError is a property's schema error seen from the whole body.
type fieldError struct {
	name string
	err  error
}

func (e fieldError) Error() string { return e.err.Error() }

// JSONPointer puts the property's name in front of its own pointer.
func (e fieldError) JSONPointer() []string {
	var se *openapi3.SchemaError
	if errors.As(e.err, &se) {
		return append([]string{e.name}, se.JSONPointer()...)
	}
	return []string{e.name}
}

// Reason is the schema's reason.
func (e fieldError) Reason() string {
	var se *openapi3.SchemaError
	if errors.As(e.err, &se) && se.Reason != "" {
		return se.Reason
	}
	return e.err.Error()
}
