package v2

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	json "github.com/goccy/go-json"

	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform"
	"github.com/memharness/memharness/platform/accounts"
	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
)

// maxJSONBytes bounds a JSON request body.
const maxJSONBytes = 8 << 20

// Messages of seed 000 and the verified-live notes (V2_SURFACE §2).
var (
	errUnauthorized = &apierr.Error{Code: apierr.CodeUnauthorized, Msg: "Unauthorized"}
	errLimit        = &apierr.Error{Code: apierr.CodeRateLimited, Msg: "Request has exceeded the limit."}
	// errInvalid is what the live API answers for an unknown asset, a wrong
	// model and "many other validation failures": the rate-limit message
	// with HTTP 400. Clients are told to branch on the status, not the msg.
	errInvalid   = &apierr.Error{Code: apierr.CodeBadParam, Msg: "Request has exceeded the limit."}
	errNoWebhook = &apierr.Error{Code: apierr.CodeBadParam, Msg: "An async request requires at least one webhook."}
	errNoBalance = &apierr.Error{Code: apierr.CodeNoBalance, Msg: "Insufficient balance or credits"}
	errInternal  = &apierr.Error{Code: apierr.CodeInternal, Msg: "Internal server error"}
	errNotFound  = &apierr.Error{Code: apierr.CodeBadParam, Msg: "Asset not found"}
	errTooLarge  = &apierr.Error{Code: apierr.CodeBadParam, Msg: "File size exceeds the limit."}
	errReset     = errors.New("fault: connection reset")
	errHTTP500   = errors.New("fault: http 500")
)

// missing is the verified-live message for an absent required field.
func missing(field string) *apierr.Error {
	return apierr.New(apierr.CodeBadParam, "%s cannot be null or empty", field)
}

// call is one request on its way through the pipeline.
type call struct {
	s       *Surface
	c       *gin.Context
	op      *operation
	params  map[string]string
	seq     uint64
	start   time.Time
	key     string
	account string

	body map[string]any
	// sent is the JSON body as sent (journalBody keeps it rather than
	// encoding body again).
	sent  []byte
	file  *upload // the multipart `file` part, streamed to pending media
	code  string
	usage limits.Quantity
	// chargeOp, when set, is the tariff the pipeline charges after success
	// (default: the operation id).
	chargeOp string
	charged  bool
}

// upload is a file part streamed to a pending media file.
type upload struct {
	Filename    string
	ContentType string
	Pending     *store.Pending
	Size        int64
	SHA256      string
	adopted     bool
}

func (cl *call) cleanup() {
	if cl.file != nil && !cl.file.adopted {
		_ = cl.file.Pending.Abort()
	}
}

// str returns a string body field ("" when absent or not a string).
func (cl *call) str(name string) string {
	v, _ := cl.body[name].(string)
	return strings.TrimSpace(v)
}

// boolField returns a boolean body field.
func (cl *call) boolField(name string) bool {
	v, _ := cl.body[name].(bool)
	return v
}

// num returns a numeric body field.
func (cl *call) num(name string) (float64, bool) {
	switch v := cl.body[name].(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	}
	return 0, false
}

func (s *Surface) serve(c *gin.Context) {
	cl := &call{s: s, c: c, seq: s.seq.Add(1), start: s.p.Clock.Now()}
	defer cl.cleanup()
	op, params, pathOnly := s.match(c.Request.Method, c.Param("rest"))
	if op == nil {
		s.noRoute(cl, pathOnly)
		return
	}
	cl.op, cl.params = op, params
	data, err := s.pipeline(cl)
	s.write(cl, data, err)
}

func (s *Surface) pipeline(cl *call) (any, error) {
	if err := s.authenticate(cl); err != nil {
		return nil, err
	}
	if err := s.guard(cl); err != nil {
		return nil, err
	}
	if err := cl.parse(); err != nil {
		return nil, err
	}
	if data, ok, err := s.stub(cl); ok {
		return data, err
	}
	if err := s.precharge(cl); err != nil {
		return nil, err
	}
	data, err := cl.op.handler(cl)
	if err == nil {
		s.settle(cl)
	}
	return data, err
}

func (s *Surface) authenticate(cl *call) error {
	if !cl.op.auth {
		return nil
	}
	// The docs say raw key, no "Bearer "; the OpenAI SDK always sends
	// "Bearer <key>", so the mock tolerates the prefix.
	key := accounts.KeyFromHeader(cl.c.GetHeader("Authorization"))
	if !accounts.Allowed(s.o.APIKeys, key) {
		return errUnauthorized
	}
	cl.key, cl.account = key, s.p.Accounts.Resolve(key)
	return nil
}

// guard applies X-Mock-Force, faults and the rate limit (platform.Guard).
func (s *Surface) guard(cl *call) error {
	if !cl.op.auth {
		return nil
	}
	v, err := s.p.Guard(cl.c.Request, cl.account, cl.op.id, cl.seq)
	if err != nil {
		return apierr.New(apierr.CodeBadParam, "%v", err)
	}
	cl.c.Writer = platform.SlowBody(cl.c.Writer, v.SlowBodyBPS, s.p.Clock)
	switch {
	case v.Reset:
		return errReset
	case v.HTTP500:
		return errHTTP500
	case v.Network:
		return errInternal
	case v.Forced != "":
		return forced(v.Forced)
	case v.Limited:
		return errLimit
	}
	return nil
}

// forced is the error X-Mock-Force asks for, with v2's messages.
func forced(code string) *apierr.Error {
	switch code {
	case apierr.CodeUnauthorized:
		return errUnauthorized
	case apierr.CodeNoBalance:
		return errNoBalance
	case apierr.CodeRateLimited:
		return errLimit
	case apierr.CodeBadParam:
		return errInvalid
	}
	return &apierr.Error{Code: code, Msg: apierr.Seed000Message(code)}
}

// precharge refuses a metered call when the balance is empty (402).
func (s *Surface) precharge(cl *call) error {
	l := s.p.Ledger
	if !l.Enabled() || !limits.Metered(cl.op.id) {
		return nil
	}
	c, _ := limits.CostOf(cl.op.id, limits.Quantity{Queries: 1})
	if err := l.Check(cl.account, c); err != nil {
		return errNoBalance
	}
	return nil
}

// settle charges a successful call what it consumed (cl.usage).
func (s *Surface) settle(cl *call) {
	l := s.p.Ledger
	if cl.charged || !l.Enabled() {
		return
	}
	op := cl.op.id
	if cl.chargeOp != "" {
		op = cl.chargeOp
	}
	if c, ok := limits.CostOf(op, cl.usage); ok && c.Credits > 0 {
		l.Debit(cl.account, c)
	}
}

// parse decodes the query and the body and validates both against the
// operation's schemas. A missing required field answers the verified-live
// "<field> cannot be null or empty"; any other violation the live API's
// catch-all 400.
func (cl *call) parse() error {
	op := cl.op
	q := cl.c.Request.URL.Query()
	for _, p := range op.query {
		if p.Required && strings.TrimSpace(q.Get(p.Name)) == "" {
			return missing(p.Name)
		}
	}
	if op.body == nil {
		return nil
	}
	r := cl.c.Request
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	switch mt {
	case "multipart/form-data":
		if err := cl.readMultipart(params["boundary"]); err != nil {
			return err
		}
	case "application/octet-stream":
		return nil // raw bodies are read by the handler (signed upload)
	default:
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBytes+1))
		if err != nil || len(raw) > maxJSONBytes {
			return errInvalid
		}
		raw = bytes.TrimSpace(raw)
		// Why the standard library's check first: goccy's stream decoder
		// panicked (index out of range) on an unterminated string holding
		// invalid UTF-8 (found by FuzzRequestBodies); goccy is only ever
		// given a body that is JSON.
		if len(raw) > 0 && !stdjson.Valid(raw) {
			return errInvalid
		}
		if len(raw) > 0 {
			// One value (Valid said so), decoded in one go: numbers become
			// float64 (cl.num reads them; a number out of float64's range
			// is refused here). goccy's slice decoder is about twice as
			// fast as its stream decoder on a chat body.
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return errInvalid
			}
			m, ok := v.(map[string]any)
			if !ok {
				return errInvalid
			}
			cl.body, cl.sent = m, raw
		}
	}
	if cl.body == nil {
		cl.body = map[string]any{}
	}
	for _, name := range op.body.Required {
		if isBinary(op.body.Properties[name]) {
			if cl.file == nil {
				return missing(name)
			}
			continue
		}
		v, ok := cl.body[name]
		if !ok || v == nil {
			return missing(name)
		}
		if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
			return missing(name)
		}
	}
	// VisitJSON without VisitAsRequest never writes into the value, so the
	// decoded body is validated as it is; only a multipart body needs a
	// copy that names its file part.
	value := cl.body
	if cl.file != nil {
		value = make(map[string]any, len(cl.body)+1)
		for k, v := range cl.body {
			value[k] = v
		}
		value["file"] = cl.file.Filename
	}
	// Every violation answers the same catch-all 400, so only the
	// decision matters: the compiled schema gives kin-openapi's
	// (validate.go; TestSchemaCheckAgrees).
	if !op.check.valid(value) {
		return errInvalid
	}
	return nil
}

func isBinary(ref *openapi3.SchemaRef) bool {
	return ref != nil && ref.Value != nil && ref.Value.Type.Is("string") && ref.Value.Format == "binary"
}

// readMultipart streams the `file` part to pending media (never whole in
// memory) and collects the other parts as string fields.
func (cl *call) readMultipart(boundary string) error {
	if boundary == "" {
		return errInvalid
	}
	r := cl.c.Request
	r.Body = http.MaxBytesReader(cl.c.Writer, r.Body, cl.s.o.MaxUploadBytes+maxJSONBytes)
	mr := multipart.NewReader(r.Body, boundary)
	cl.body = map[string]any{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return errTooLarge
			}
			return errInvalid
		}
		name := part.FormName()
		if name == "file" && part.FileName() != "" && cl.file == nil {
			u, err := cl.s.saveFile(part, part.FileName(), part.Header.Get("Content-Type"))
			_ = part.Close()
			if err != nil {
				return err
			}
			cl.file = u
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxJSONBytes))
		_ = part.Close()
		if err != nil {
			return errInvalid
		}
		cl.body[name] = string(b)
	}
}

// saveFile streams r to a new pending media file, hashing it.
func (s *Surface) saveFile(r io.Reader, filename, contentType string) (*upload, error) {
	p, n, sum, err := store.Stream(s.o.Store.Media(), r)
	switch {
	case errors.Is(err, store.ErrTooLarge):
		return nil, errTooLarge
	case errors.Is(err, store.ErrInterrupted):
		return nil, errInvalid
	case err != nil:
		return nil, err
	}
	return &upload{Filename: filename, ContentType: contentType, Pending: p, Size: n, SHA256: sum}, nil
}

// write is the one response adapter of the surface.
func (s *Surface) write(cl *call, data any, err error) {
	defer s.record(cl)
	if err == nil && data == written {
		if cl.code == "" {
			cl.code = apierr.CodeOK
		}
		return
	}
	switch {
	case errors.Is(err, errReset):
		cl.code = "reset"
		if hj, ok := cl.c.Writer.(http.Hijacker); ok {
			if conn, _, herr := hj.Hijack(); herr == nil {
				_ = conn.Close()
				return
			}
		}
		cl.c.Header("Connection", "close")
		cl.c.Status(http.StatusBadGateway)
		return
	case errors.Is(err, errHTTP500):
		cl.code = "http500"
		writeJSON(cl.c, http.StatusInternalServerError, map[string]any{
			"timestamp": s.p.Clock.Now().UTC().Format(time.RFC3339), "status": 500,
			"error": "Internal Server Error", "path": cl.c.Request.URL.Path})
		return
	}
	if err != nil {
		ae := toAPI(err)
		if ae == errInternal {
			s.o.Logger.Error("v2 internal error", "operation", cl.opID(), "err", err)
		}
		cl.code = ae.Code
		st, body := s.style.Failure(ae)
		writeJSON(cl.c, st, body)
		return
	}
	cl.code = apierr.CodeOK
	st, body := s.style.Success(data)
	writeJSON(cl.c, st, body)
}

// toAPI maps any failure to an API error.
func toAPI(err error) *apierr.Error {
	if ae := apierr.As(err); ae != nil {
		return ae
	}
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, errAssetMissing):
		return errInvalid
	case errors.Is(err, store.ErrTooLarge):
		return errTooLarge
	}
	return errInternal
}

func (cl *call) opID() string {
	if cl.op == nil {
		return ""
	}
	return cl.op.id
}

func writeJSON(c *gin.Context, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		buf.WriteString(`{"code":500,"msg":"Internal server error","data":null,"success":false,"failed":true}`)
		status = http.StatusInternalServerError
	}
	c.Header("Content-Type", "application/json")
	c.Header("Content-Length", strconv.Itoa(buf.Len()))
	c.Status(status)
	_, _ = c.Writer.Write(buf.Bytes())
}

// noRoute answers an unknown path with a real 404 (Spring-style, like
// v1's infrastructure errors) and a known path with another method with
// 405 in the envelope.
func (s *Surface) noRoute(cl *call, pathOnly bool) {
	if pathOnly {
		cl.code = apierr.CodeMethod
		st, body := s.style.Failure(&apierr.Error{Code: apierr.CodeMethod, Msg: "Method not allowed"})
		writeJSON(cl.c, st, body)
	} else {
		cl.code = "404"
		writeJSON(cl.c, http.StatusNotFound, map[string]any{
			"timestamp": s.p.Clock.Now().UTC().Format("2006-01-02T15:04:05.000+00:00"),
			"status":    http.StatusNotFound, "error": "Not Found", "path": cl.c.Request.URL.Path})
	}
	s.record(cl)
}

// record adds the request to the platform journal.
func (s *Surface) record(cl *call) {
	e := s.requestEntry(cl)
	e.Status, e.Code = cl.c.Writer.Status(), cl.code
	e.DurationMS = float64(s.p.Clock.Now().Sub(cl.start).Microseconds()) / 1000
	journal.WriterOf(cl.c.Writer).Fill(&e) // the answer (recordAnswers)
	s.p.Journal.Add(e)
}

// journalBody is the body as the journal keeps it: a JSON body as sent,
// or the decoded fields with the file part as {filename, size, sha256};
// nil when there was none.
func (cl *call) journalBody() any {
	if len(cl.body) == 0 && cl.file == nil {
		return nil
	}
	if cl.file == nil {
		if cl.sent != nil {
			return stdjson.RawMessage(cl.sent)
		}
		return cl.body
	}
	m := make(map[string]any, len(cl.body)+1)
	for k, v := range cl.body {
		m[k] = v
	}
	m["file"] = map[string]any{"filename": cl.file.Filename, "size": cl.file.Size, "sha256": cl.file.SHA256}
	return m
}
