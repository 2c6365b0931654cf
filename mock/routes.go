package mock

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/openapi"
	"github.com/memharness/memharness/platform/accounts"
)

// handlerFunc is the business logic of one operation. It returns the
// `data` of the success envelope, or an error the adapter maps to a code.
// A handler that writes the response itself (streams, downloads) returns
// written.
type handlerFunc func(*call) (any, error)

// written tells the adapter the handler already wrote the response.
type writtenT struct{}

var written = writtenT{}

// operation is one row of the route table, precomputed from the spec.
type operation struct {
	id     string
	method string
	path   string
	spec   *openapi3.Operation

	query        []*openapi3.Parameter
	body         *openapi3.Schema // schema of the request body, any content type
	bodyRequired bool
	bodyTypes    []string // declared content types
	fileFields   map[string]bool

	auth    bool // needs an Authorization key
	caption bool // served as security.memories.ai (integer codes)
	control bool // /_mock/ control plane
	group   string
	metered bool

	handler handlerFunc
}

// routes builds the one route table: every operation of memories.yaml
// (plus the /v1/ aliases) and of control.yaml, each bound to the handler
// registered under its operationId, or to the example-driven generator.
func (s *Server) routes(e *gin.Engine) error {
	reg := s.registry()
	if err := s.addSpec(e, s.spec, reg, false); err != nil {
		return err
	}
	if s.opts.DisableControl {
		return nil
	}
	ctl, err := openapi.Control()
	if err != nil {
		return fmt.Errorf("load control.yaml: %w", err)
	}
	return s.addSpec(e, ctl, s.controlRegistry(), true)
}

func (s *Server) addSpec(e *gin.Engine, spec *openapi3.T, reg map[string]handlerFunc, control bool) error {
	paths := spec.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		item := spec.Paths.Value(p)
		for method, o := range item.Operations() {
			op, err := newOperation(spec, p, method, item, o)
			if err != nil {
				return err
			}
			op.control = control
			if h, ok := reg[op.id]; ok {
				op.handler = h
			} else if control {
				return fmt.Errorf("control operation %s has no handler", op.id)
			} else {
				op.handler = s.generated(op)
			}
			s.ops[op.id] = op
			e.Handle(method, ginPath(p), s.serve(op))
			// x-path-aliases: the /v1/<name> spellings seed 001 prints.
			if list, ok := o.Extensions["x-path-aliases"].([]any); ok {
				for _, a := range list {
					if alias, ok := a.(string); ok && strings.HasPrefix(alias, "/") {
						e.Handle(method, ginPath(alias), s.serve(op))
					}
				}
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func newOperation(spec *openapi3.T, path, method string, item *openapi3.PathItem, o *openapi3.Operation) (*operation, error) {
	if o.OperationID == "" {
		return nil, fmt.Errorf("%s %s has no operationId", method, path)
	}
	op := &operation{id: o.OperationID, method: method, path: path, spec: o, fileFields: map[string]bool{}}
	params := append(openapi3.Parameters{}, item.Parameters...)
	params = append(params, o.Parameters...)
	for _, pr := range params {
		if pr.Value != nil && pr.Value.In == openapi3.ParameterInQuery {
			op.query = append(op.query, pr.Value)
		}
	}
	if rb := o.RequestBody; rb != nil && rb.Value != nil {
		op.bodyRequired = rb.Value.Required
		types := make([]string, 0, len(rb.Value.Content))
		for ct := range rb.Value.Content {
			types = append(types, ct)
		}
		sort.Strings(types)
		// Prefer the JSON schema when several are declared: they are the
		// same schema in this spec, and JSON has the richest types.
		for _, ct := range append([]string{"application/json"}, types...) {
			if mt := rb.Value.Content.Get(ct); mt != nil && mt.Schema != nil {
				op.body = mt.Schema.Value
				break
			}
		}
		op.bodyTypes = types
		if op.body != nil {
			for name, prop := range op.body.Properties {
				if isBinary(prop.Value) {
					op.fileFields[name] = true
				}
			}
		}
	}
	sec := spec.Security
	if o.Security != nil {
		sec = *o.Security
	}
	op.auth = len(sec) > 0
	if h, ok := o.Extensions["x-memories-host"].(string); ok && h == "security.memories.ai" {
		op.caption = true
	}
	if g, ok := o.Extensions["x-rate-limit-group"].(string); ok {
		op.group = g
	}
	if m, ok := o.Extensions["x-metered"].(bool); ok {
		op.metered = m
	}
	return op, nil
}

// isBinary reports whether a schema is a file upload (string/binary, or an
// array of them).
func isBinary(sc *openapi3.Schema) bool {
	if sc == nil {
		return false
	}
	if sc.Type.Is("array") && sc.Items != nil {
		return isBinary(sc.Items.Value)
	}
	return sc.Type.Is("string") && sc.Format == "binary"
}

// serve is the linear pipeline every request goes through:
// auth -> limits -> parse and validate -> handler -> adapter.
func (s *Server) serve(op *operation) gin.HandlerFunc {
	return func(c *gin.Context) {
		cl := &call{s: s, c: c, op: op, seq: s.seq.Add(1), start: s.clk.Now()}
		defer cl.cleanup()
		if op.control {
			s.serveControl(cl)
			return
		}
		cl.answer.Reset(c.Writer)
		c.Writer = &cl.answer
		data, err := s.pipeline(cl)
		s.write(cl, data, err)
	}
}

func (s *Server) pipeline(cl *call) (any, error) {
	if err := s.authenticate(cl); err != nil {
		return nil, err
	}
	if err := s.guard(cl); err != nil {
		return nil, err
	}
	if err := cl.parse(); err != nil {
		return nil, err
	}
	if st, ok := s.stubFor(cl); ok {
		return s.serveStub(cl, st)
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

func (s *Server) authenticate(cl *call) error {
	if !cl.op.auth {
		return nil
	}
	key := accounts.KeyFromHeader(cl.c.GetHeader("Authorization"))
	allowed := s.opts.APIKeys
	if cl.op.caption && len(s.opts.CaptionAPIKeys) > 0 {
		allowed = s.opts.CaptionAPIKeys
	}
	if !accounts.Allowed(allowed, key) {
		return errUnauthorized
	}
	cl.key = key
	cl.account = s.p.Accounts.Resolve(key)
	return nil
}

// serveControl runs a control-plane operation: optional token, parse,
// handler, and a plain JSON answer (no emulated envelope).
func (s *Server) serveControl(cl *call) {
	if s.controlDenied(cl) {
		return
	}
	if err := cl.parse(); err != nil {
		cl.c.JSON(http.StatusBadRequest, gin.H{"error": toAPI(err).Msg})
		return
	}
	data, err := cl.op.handler(cl)
	switch {
	case err != nil:
		status := http.StatusBadRequest
		if ae := toAPI(err); ae == errVideoMissing || ae == errStubMissing {
			status = http.StatusNotFound
		}
		cl.c.JSON(status, gin.H{"error": toAPI(err).Msg})
	case data == written:
	default:
		cl.c.JSON(http.StatusOK, data)
	}
}
