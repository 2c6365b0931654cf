package memsync

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/platform/journal"
)

// handlerFunc is the business logic of one operation. It runs with s.mu held.
type handlerFunc func(s *Server, cl *call) (result, error)

// operation is one row of the route table, precomputed from the spec.
type operation struct {
	id     string
	alias  string // x-alias-of
	method string
	path   string

	params       []*openapi3.Parameter // query and path parameters
	body         *openapi3.Schema
	bodyRequired bool
	multipart    bool

	auth  bool   // security requirements present
	group string // x-rate-limit-group
	scope string // x-required-scope

	handler handlerFunc
}

// call is the per-request context handed to handlers.
type call struct {
	c     *gin.Context
	op    *operation
	now   time.Time
	key   *apiKey // nil on unauthenticated operations
	user  *user
	query map[string]any
	path  map[string]string
	body  map[string]any
	// sent is the JSON body as the client sent it (before validation
	// filled defaults), for the journal's request verification.
	sent json.RawMessage
	file *upload
	// answer records the response body for the journal.
	answer journal.Writer
}

// registry maps operationIds to handlers. Aliases without an entry of their own resolve through
// x-alias-of; the guide aliases have their own handlers because their shapes differ.
func registry() map[string]handlerFunc {
	return map[string]handlerFunc{
		"storeMemories":           (*Server).storeMemories,
		"listMemories":            (*Server).listMemories,
		"searchMemories":          (*Server).searchMemories,
		"batchDeleteMemories":     (*Server).batchDeleteMemories,
		"updateMemory":            (*Server).updateMemory,
		"deleteMemory":            (*Server).deleteMemory,
		"getProfile":              (*Server).getProfile,
		"getBio":                  (*Server).getBio,
		"updateBio":               (*Server).updateBio,
		"createSocialIntegration": (*Server).createSocialIntegration,
		"createFileIntegration":   (*Server).createFileIntegration,
		"createChatIntegration":   (*Server).createChatIntegration,
		"getIntegrationStatus":    (*Server).getIntegrationStatus,
		"createApiKey":            (*Server).createAPIKey,
		"listApiKeys":             (*Server).listAPIKeys,
		"deleteApiKey":            (*Server).deleteAPIKey,
		"healthcheck":             (*Server).healthcheck,
		"getUserProfileGuide":     (*Server).getUserProfileGuide,
		"putUserBioGuide":         (*Server).putUserBioGuide,
		"indexSocialGuide":        (*Server).indexSocialGuide,
		"indexFileGuide":          (*Server).indexFileGuide,
		"indexChatGuide":          (*Server).indexChatGuide,
		"getTaskStatusGuide":      (*Server).getTaskStatusGuide,
	}
}

// routes builds the route table from the spec and registers every operation with Gin.
func (s *Server) routes(e *gin.Engine) error {
	reg := registry()
	paths := s.spec.Paths.InMatchingOrder()
	sort.Strings(paths)
	var ops []*operation
	for _, p := range paths {
		item := s.spec.Paths.Value(p)
		methods := make([]string, 0, 4)
		for m := range item.Operations() {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			op, err := s.newOperation(p, m, item, item.Operations()[m])
			if err != nil {
				return err
			}
			if _, dup := s.ops[op.id]; dup {
				return fmt.Errorf("memsync: duplicate operationId %s", op.id)
			}
			s.ops[op.id] = op
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		if op.alias != "" {
			target, ok := s.ops[op.alias]
			if !ok {
				return fmt.Errorf("memsync: %s: x-alias-of %q names no operation", op.id, op.alias)
			}
			// Why: aliases are the same endpoint under another path, so they share its limits
			// and scope unless the spec says otherwise.
			if op.group == "" {
				op.group = target.group
			}
			if op.scope == "" {
				op.scope = target.scope
			}
		}
		h, ok := reg[op.id]
		if !ok && op.alias != "" {
			h, ok = reg[op.alias]
		}
		if !ok {
			return fmt.Errorf("memsync: no handler for operation %s", op.id)
		}
		op.handler = h
		e.Handle(op.method, ginPath(op.path), s.serve(op))
	}
	return nil
}

// newOperation reads one operation of the spec: parameters, body schema, security and the
// x-alias-of, x-rate-limit-group and x-required-scope extensions.
func (s *Server) newOperation(path, method string, item *openapi3.PathItem, o *openapi3.Operation) (*operation, error) {
	if o.OperationID == "" {
		return nil, fmt.Errorf("memsync: %s %s has no operationId", method, path)
	}
	op := &operation{id: o.OperationID, method: method, path: path}
	op.alias, _ = o.Extensions["x-alias-of"].(string)
	op.group, _ = o.Extensions["x-rate-limit-group"].(string)
	op.scope, _ = o.Extensions["x-required-scope"].(string)
	for _, list := range []openapi3.Parameters{item.Parameters, o.Parameters} {
		for _, pr := range list {
			if pr.Value == nil {
				continue
			}
			if pr.Value.In == openapi3.ParameterInQuery || pr.Value.In == openapi3.ParameterInPath {
				op.params = append(op.params, pr.Value)
			}
		}
	}
	if rb := o.RequestBody; rb != nil && rb.Value != nil {
		op.bodyRequired = rb.Value.Required
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			op.body = mt.Schema.Value
		} else if mt := rb.Value.Content.Get("multipart/form-data"); mt != nil && mt.Schema != nil {
			op.body = mt.Schema.Value
			op.multipart = true
		}
	}
	sec := s.spec.Security
	if o.Security != nil {
		sec = *o.Security
	}
	op.auth = len(sec) > 0
	return op, nil
}

// ginPath converts OpenAPI templates ({id}) to Gin parameters (:id).
func ginPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			parts[i] = ":" + part[1:len(part)-1]
		}
	}
	return strings.Join(parts, "/")
}

// serve is the linear pipeline of every request:
// authenticate -> rate limit -> scope -> validate -> handler -> one adapter writes the answer.
func (s *Server) serve(op *operation) gin.HandlerFunc {
	return func(c *gin.Context) {
		cl := &call{c: c, op: op, now: s.clk.Now().UTC(), path: map[string]string{}}
		conn := c.Writer // the connection itself, for a forced reset
		if s.journal != nil {
			cl.answer.Reset(c.Writer)
			c.Writer = &cl.answer
		}
		res, err := s.pipeline(cl)
		code, dropped := "OK", -1
		if err != nil {
			ae, isAPI := err.(*apiError)
			if !isAPI {
				s.log.Error("memsync: handler error", "operation", op.id, "err", err)
				ae = &apiError{Status: http.StatusInternalServerError, Code: "INTERNAL_ERROR", Message: "Internal server error"}
			}
			code = ae.Code
			if ae == errReset {
				dropped = dropConnection(c, conn)
			} else {
				s.writeError(c, ae)
			}
		} else {
			s.writeResult(c, res)
		}
		if s.journal != nil {
			e := s.requestEntry(cl)
			e.Status, e.Code = c.Writer.Status(), code
			if dropped >= 0 {
				e.Status = dropped
			}
			e.DurationMS = float64(s.clk.Now().Sub(cl.now).Microseconds()) / 1000
			cl.answer.Fill(&e)
			s.journal.Add(e)
		}
		s.log.Debug("memsync request", "operation", op.id, "method", c.Request.Method,
			"path", c.Request.URL.Path, "status", c.Writer.Status())
	}
}

// pipeline runs the stages in order; the handler runs with the state lock held, after the
// user's finished integrations have been settled.
func (s *Server) pipeline(cl *call) (res result, err error) {
	if err := s.authenticate(cl); err != nil {
		return result{}, err
	}
	if err := s.guard(cl); err != nil {
		return result{}, err
	}
	if err := s.rateLimit(cl); err != nil {
		return result{}, err
	}
	if cl.key != nil && cl.op.scope != "" && !cl.key.allows(cl.op.scope) {
		return result{}, errForbidden(cl.op.scope)
	}
	if err := s.validate(cl); err != nil {
		return result{}, err
	}
	if res, ok, err := s.stub(cl); ok {
		return res, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cl.key != nil {
		cl.user = s.st.users[cl.key.userID]
		if cl.user == nil {
			// The key was revoked and its user dropped between authentication and now.
			return result{}, errAuth("API key has been revoked")
		}
		if s.persist != nil {
			before := markOf(cl.user)
			defer func() {
				// Why: settling integrations and refreshing a bio change a user on a GET too.
				if markOf(cl.user) != before || (err == nil && cl.op.method != http.MethodGet) {
					s.persistUser(cl.user)
				}
			}()
		}
		s.settle(cl.user, cl.now)
	}
	return cl.op.handler(s, cl)
}
