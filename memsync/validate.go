package memsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

const (
	maxJSONBytes = 10 << 20 // JSON bodies above this are refused
	maxFileBytes = 50 << 20 // documented file integration limit (FILE_TOO_LARGE above)
	keepFileText = 4 << 20  // bytes of an upload kept for text extraction
	maxFieldSize = 64 << 10 // non-file multipart fields
)

// upload is the file part of a multipart request.
type upload struct {
	filename string
	size     int64
	data     []byte // first keepFileText bytes
}

// validate checks path and query parameters and the body against the operation's schemas, fills
// documented defaults, and stores the typed values on the call. Failures are 400 VALIDATION_ERROR
// (or the code named by the schema's x-error-code).
func (s *Server) validate(cl *call) error {
	q := cl.c.Request.URL.Query()
	cl.query = map[string]any{}
	for _, p := range cl.op.params {
		sc := schemaOf(p)
		if p.In == openapi3.ParameterInPath {
			v := cl.c.Param(p.Name)
			cl.path[p.Name] = v
			continue
		}
		raw, present := q[p.Name]
		if !present || len(raw) == 0 {
			if p.Required {
				return errValidation(p.Name, "Field required")
			}
			if sc != nil && sc.Default != nil {
				cl.query[p.Name] = sc.Default
			}
			continue
		}
		v, err := coerce(sc, raw)
		if err != nil {
			return fieldError(sc, p.Name, err.Error(), nil)
		}
		if sc != nil {
			if err := sc.VisitJSON(v, openapi3.VisitAsRequest()); err != nil {
				return schemaError(err, p.Name, v)
			}
		}
		cl.query[p.Name] = v
	}
	if cl.op.body == nil {
		return nil
	}
	if cl.op.multipart {
		return s.validateMultipart(cl)
	}
	return validateJSON(cl)
}

// schemaOf is the resolved schema of a parameter.
func schemaOf(p *openapi3.Parameter) *openapi3.Schema {
	if p.Schema == nil {
		return nil
	}
	return p.Schema.Value
}

// validateJSON reads (at most 10 MiB), decodes and validates a JSON object body.
func validateJSON(cl *call) error {
	r := cl.c.Request
	var raw []byte
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBytes+1))
		if err != nil {
			return errValidation("body", "Could not read the request body")
		}
		if len(b) > maxJSONBytes {
			return errValidation("body", fmt.Sprintf("Request body exceeds %d bytes", maxJSONBytes))
		}
		raw = b
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if cl.op.bodyRequired {
			return errValidation("body", "Request body is required")
		}
		cl.body = map[string]any{}
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&v); err != nil {
		return errValidation("body", "Invalid JSON: "+jsonProblem(err))
	}
	if dec.More() {
		return errValidation("body", "Invalid JSON: unexpected data after the top-level value")
	}
	obj, isObj := v.(map[string]any)
	if !isObj {
		return errValidation("body", "Request body must be a JSON object")
	}
	cl.sent = raw
	if err := cl.op.body.VisitJSON(obj, openapi3.VisitAsRequest(), openapi3.DefaultsSet(func() {})); err != nil {
		return schemaError(err, "", obj)
	}
	cl.body = obj
	return nil
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "unexpected " + te.Value
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return "malformed JSON"
}

// validateMultipart streams a multipart/form-data body: the file part is counted (and refused
// above 50 MB) keeping only its head for text extraction; other fields are coerced to their
// schema types (a JSON object for metadata) and the whole form is validated like a JSON body.
func (s *Server) validateMultipart(cl *call) error {
	r := cl.c.Request
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return errValidation("file", "A multipart/form-data body with a file part is required")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	form := map[string]any{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errValidation("body", "Malformed multipart body")
		}
		name := part.FormName()
		if name == "" {
			_ = part.Close()
			continue
		}
		prop := cl.op.body.Properties[name]
		if prop != nil && prop.Value != nil && prop.Value.Format == "binary" && !isFilePart(part) {
			b, _ := io.ReadAll(io.LimitReader(part, maxFieldSize))
			_ = part.Close()
			return errExpectedUpload(name, string(b))
		}
		if prop != nil && prop.Value != nil && prop.Value.Format == "binary" {
			up, tooBig, err := readUpload(part)
			_ = part.Close()
			if err != nil {
				return errValidation(name, "Could not read the uploaded file")
			}
			if tooBig {
				return errFileTooLarge(up.size)
			}
			if cl.file == nil {
				cl.file = up
			}
			form[name] = up.filename
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldSize+1))
		_ = part.Close()
		if err != nil || len(b) > maxFieldSize {
			return errValidation(name, "Field too large")
		}
		if prop == nil || prop.Value == nil {
			continue // undocumented fields are ignored, as the JSON endpoints do
		}
		v, err := coerce(prop.Value, []string{string(b)})
		if err != nil {
			return fieldError(prop.Value, name, err.Error(), nil)
		}
		form[name] = v
	}
	if err := cl.op.body.VisitJSON(form, openapi3.VisitAsRequest(), openapi3.DefaultsSet(func() {})); err != nil {
		return schemaError(err, "", form)
	}
	cl.body = form
	return nil
}

// isFilePart reports whether a multipart part is a file: its Content-Disposition carries a
// filename parameter (even an empty one), which is how Starlette tells files from text fields.
func isFilePart(part *multipart.Part) bool {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil {
		return false
	}
	_, ok := params["filename"]
	return ok
}

// readUpload counts a file part to the end (to report its size) and keeps its head.
func readUpload(part *multipart.Part) (*upload, bool, error) {
	up := &upload{filename: part.FileName()}
	var head bytes.Buffer
	n, err := io.Copy(&head, io.LimitReader(part, keepFileText))
	if err != nil {
		return nil, false, err
	}
	up.size = n
	if n == keepFileText {
		// Why: only the size of the rest matters; discard it without buffering (1 GiB cap keeps
		// a hostile stream bounded).
		rest, err := io.Copy(io.Discard, io.LimitReader(part, 1<<30))
		if err != nil {
			return nil, false, err
		}
		up.size += rest
	}
	up.data = head.Bytes()
	return up, up.size > maxFileBytes, nil
}

// coerce converts raw query or form values to the schema's type, as FastAPI does.
func coerce(sc *openapi3.Schema, raw []string) (any, error) {
	if sc == nil || sc.Type == nil {
		return raw[0], nil
	}
	switch {
	case sc.Type.Is("integer"):
		n, err := strconv.ParseInt(strings.TrimSpace(raw[0]), 10, 64)
		if err != nil {
			return nil, errors.New("value must be an integer")
		}
		return float64(n), nil
	case sc.Type.Is("number"):
		f, err := strconv.ParseFloat(strings.TrimSpace(raw[0]), 64)
		if err != nil {
			return nil, errors.New("value must be a number")
		}
		return f, nil
	case sc.Type.Is("boolean"):
		switch strings.ToLower(strings.TrimSpace(raw[0])) {
		case "true", "1", "yes", "on":
			return true, nil
		case "false", "0", "no", "off":
			return false, nil
		}
		return nil, errors.New("value must be a boolean")
	case sc.Type.Is("array"):
		var vals []string
		for _, r := range raw {
			vals = append(vals, strings.Split(r, ",")...)
		}
		out := make([]any, 0, len(vals))
		for _, v := range vals {
			var item any = strings.TrimSpace(v)
			if sc.Items != nil && sc.Items.Value != nil {
				x, err := coerce(sc.Items.Value, []string{v})
				if err != nil {
					return nil, err
				}
				item = x
			}
			out = append(out, item)
		}
		return out, nil
	case sc.Type.Is("object"):
		var v any
		if err := json.Unmarshal([]byte(raw[0]), &v); err != nil {
			return nil, errors.New("value must be a JSON object")
		}
		return v, nil
	}
	return raw[0], nil
}

// schemaError maps a kin-openapi validation error to the documented error envelope. The field is
// the dotted path of the failing value (prefixed by the parameter name); the reason is the
// schema's x-validation-reason when it has one.
func schemaError(err error, prefix string, root any) *apiError {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		var me openapi3.MultiError
		if errors.As(err, &me) && len(me) > 0 {
			return schemaError(me[0], prefix, root)
		}
		return errValidation(prefix, "Invalid value")
	}
	path := se.JSONPointer()
	if prefix != "" {
		path = append([]string{prefix}, path...)
	}
	field := strings.Join(path, ".")
	reason := se.Reason
	sc := se.Schema
	if se.SchemaField == "required" && len(path) > 0 {
		reason = "Field required"
		sc = nil
	}
	return fieldError(sc, field, reason, se.Value)
}

// fieldError builds the error for one field, honouring the schema's x-error-code (for example
// BIO_TOO_LONG or INVALID_CATEGORY) and x-validation-reason extensions.
func fieldError(sc *openapi3.Schema, field, reason string, value any) *apiError {
	if sc != nil {
		if r, ok := sc.Extensions["x-validation-reason"].(string); ok && r != "" {
			reason = r
		}
	}
	e := errValidation(field, reason)
	if sc == nil {
		return e
	}
	code, _ := sc.Extensions["x-error-code"].(string)
	switch code {
	case "":
	case "BIO_TOO_LONG":
		e.Code, e.Message = code, "Bio text too long"
		e.Details["reason"] = fmt.Sprintf("Bio must be at most %d characters", maxLen(sc))
		e.Details["max_length"] = maxLen(sc)
		if s, ok := value.(string); ok {
			e.Details["current_length"] = len([]rune(s))
		}
	default:
		e.Code = code
		e.Message = map[string]string{
			"INVALID_CATEGORY": "Invalid category specified",
			"INVALID_FORMAT":   "Invalid bio format specified",
		}[code]
		if e.Message == "" {
			e.Message = "Invalid request format"
		}
		if key, ok := sc.Extensions["x-error-list-key"].(string); ok && len(sc.Enum) > 0 {
			e.Details[key] = sc.Enum
		}
	}
	return e
}

// maxLen is the schema's maxLength.
func maxLen(sc *openapi3.Schema) int {
	if sc.MaxLength != nil {
		return int(*sc.MaxLength)
	}
	return 0
}

// decode converts a validated body (defaults filled) into a typed request.
func decode(body map[string]any, v any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &apiError{Status: http.StatusBadRequest, Code: "VALIDATION_ERROR", Message: "Invalid request format",
			Details: map[string]any{"field": "body", "reason": jsonProblem(err)}}
	}
	return nil
}
