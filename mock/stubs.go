package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/memharness/memharness/internal/specschema"
	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/toolkit/stubs"
)

// startToolkit takes the platform's stub registry (which the v2 pipeline
// consults too), sets its checker, and loads the --stubs and --fixtures
// files; New calls it once the route table exists.
func (s *Server) startToolkit() error {
	s.stubs = s.p.Stubs
	s.stubs.SetChecker(s.checkStub)
	for _, path := range s.opts.Stubs {
		list, err := stubs.LoadFile(path)
		if err != nil {
			return fmt.Errorf("stubs: %w", err)
		}
		if _, err := s.addStubs(list...); err != nil {
			return fmt.Errorf("stubs: %s: %w", path, err)
		}
	}
	return s.loadFixtureFiles()
}

// stubFor returns the user stub that answers this request, if any. It
// runs after X-Mock-Force, faults and rate limits (the guard) and after
// the request is parsed: stubs win over the handlers and lose to a forced
// answer.
func (s *Server) stubFor(cl *call) (stubs.Stub, bool) {
	// Most requests have no stub: skip building their journal entry.
	if s.stubs == nil || !s.stubs.Has(cl.op.id) {
		return stubs.Stub{}, false
	}
	return s.stubs.Answer(s.entryOf(cl))
}

// serveStub writes a stub's answer. Business errors and success data go
// through the one response adapter (the configured error style); raw
// bodies and event streams are written as given.
func (s *Server) serveStub(cl *call, st stubs.Stub) (any, error) {
	a := st.Answer
	if a.DelayMS > 0 {
		select {
		case <-s.clk.After(stubs.Delay(a.DelayMS)):
		case <-cl.c.Request.Context().Done():
			return nil, errReset
		}
	}
	h := cl.c.Writer.Header()
	for k, v := range a.Headers {
		h.Set(k, v)
	}
	switch {
	case len(a.Events) > 0:
		return s.streamStub(cl, a)
	case len(a.Body) > 0:
		status := a.Status
		if status == 0 {
			status = http.StatusOK
		}
		cl.code = stubs.BodyCode(a.Body)
		cl.c.Data(status, "application/json", a.Body)
		return written, nil
	}
	status, body, ae := s.renderStub(cl.op, a)
	if a.Status == 0 {
		if ae != nil {
			return nil, ae
		}
		return a.Data, nil
	}
	// An explicit status: the styled body with that status.
	if ae != nil {
		cl.code = ae.Code
	} else {
		cl.code = CodeOK
	}
	_ = status
	s.writeJSON(cl, a.Status, body)
	return written, nil
}

// streamStub writes a stub's event list as the API frames the
// operation's stream (its x-sse-data-prefix, "data:" by default, the JSON
// and a blank line; the terminator, e.g. [DONE], bare), waiting each
// event's delay on the mock's clock.
func (s *Server) streamStub(cl *call, a stubs.Answer) (any, error) {
	w := cl.c.Writer
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/event-stream;charset=UTF-8")
	}
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	framing := s.streamOf(cl.op, status)
	for _, e := range a.Events {
		if e.DelayMS > 0 {
			select {
			case <-s.clk.After(stubs.Delay(e.DelayMS)):
			case <-cl.c.Request.Context().Done():
				cl.code = "reset"
				return written, nil
			}
		}
		var buf bytes.Buffer
		switch {
		case framing.IsTerminator(e.Data):
			buf.WriteString(framing.Terminator)
		case json.Compact(&buf, e.Data) != nil:
			buf.Reset()
			buf.Write(e.Data)
		}
		if _, err := fmt.Fprintf(w, "%s%s\n\n", framing.DataPrefix, buf.Bytes()); err != nil {
			return written, nil
		}
		w.Flush()
	}
	cl.code = CodeOK
	return written, nil
}

// renderStub is the status and body the adapter would write for a
// code/msg or data answer, and the error for a business error.
func (s *Server) renderStub(op *operation, a stubs.Answer) (int, any, *APIError) {
	var ae *APIError
	if a.Code != "" || a.Msg != "" {
		code := a.Code
		if code == "" {
			code = CodeBadParam
		}
		ae = &APIError{Code: code, Msg: a.Msg}
	}
	style := s.style
	if op.caption && (ae == nil || !s.httpStyle) {
		style = apierr.Caption{}
	}
	if ae != nil {
		st, body := style.Failure(ae)
		return st, body, ae
	}
	st, body := style.Success(a.Data)
	return st, body, nil
}

// checkStub refuses a stub whose answer the API description does not
// allow, naming the violation: the stub's operation must exist, and its
// answer must match the operation's response schema for its status.
func (s *Server) checkStub(st *stubs.Stub) error {
	if err := s.stubbable(st.Operation); err != nil {
		return err
	}
	op, v1 := s.ops[st.Operation]
	if !v1 {
		if s.v2 != nil && s.v2.HasOperation(st.Operation) {
			return s.v2.CheckStub(st)
		}
		return s.memSync().CheckStub(st)
	}
	a := st.Answer
	if len(a.Events) > 0 {
		return s.checkStubEvents(op, a)
	}
	var status int
	var body any
	if len(a.Body) > 0 {
		status = a.Status
		if status == 0 {
			status = http.StatusOK
		}
		if err := json.Unmarshal(a.Body, &body); err != nil {
			return fmt.Errorf("body: %v", err)
		}
	} else {
		var rendered any
		status, rendered, _ = s.renderStub(op, a)
		if a.Status != 0 {
			status = a.Status
		}
		raw, err := json.Marshal(rendered)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			return err
		}
	}
	sc := specschema.JSONResponse(op.spec, status)
	if sc == nil {
		return fmt.Errorf("%s declares no JSON answer with HTTP %d", op.id, status)
	}
	if err := sc.VisitJSON(body); err != nil {
		if se := deepestViolation(sc, body, err); se != nil {
			return fmt.Errorf("answer breaks the %s response schema at /%s: %s", op.id, joinPointer(se.JSONPointer()), se.Reason)
		}
		return fmt.Errorf("answer breaks the %s response schema: %v", op.id, err)
	}
	return nil
}

// checkStubEvents refuses a stubbed event list the operation's stream
// description does not allow: each event's data must match the event
// component the spec names for the stream (x-sse-events), checked and
// explained as the contract suite and the drift report check captured
// streams (package specschema); a terminator such as [DONE] may only come
// last.
func (s *Server) checkStubEvents(op *operation, a stubs.Answer) error {
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	if !specschema.Produces(op.spec, status, "text/event-stream") {
		if status == http.StatusOK {
			return fmt.Errorf("%s does not stream: the spec declares no text/event-stream answer", op.id)
		}
		return fmt.Errorf("%s declares no text/event-stream answer with HTTP %d", op.id, status)
	}
	return stubs.CheckEvents(op.id, s.streamOf(op, status), a.Events)
}

// streamOf reads the event description of op's text/event-stream answer;
// its data prefix defaults to "data:", as the video chat samples show.
func (s *Server) streamOf(op *operation, status int) specschema.Stream {
	return specschema.StreamAt(s.spec, op.spec, status, "data:")
}

// deepestViolation names the most specific problem: for a schema of
// alternatives (success envelope or error envelope) "matches none of
// anyOf" says nothing, so each alternative is tried and the violation
// deepest in the body is reported.
func deepestViolation(sc *openapi3.Schema, body any, err error) *openapi3.SchemaError {
	var best *openapi3.SchemaError
	consider := func(e error) {
		var se *openapi3.SchemaError
		if errors.As(e, &se) && (best == nil || len(se.JSONPointer()) > len(best.JSONPointer())) {
			best = se
		}
	}
	consider(err)
	for _, alt := range append(append([]*openapi3.SchemaRef{}, sc.AnyOf...), sc.OneOf...) {
		if alt == nil || alt.Value == nil {
			continue
		}
		if e := alt.Value.VisitJSON(body); e != nil {
			if d := deepestViolation(alt.Value, body, e); d != nil {
				consider(d)
			}
		}
	}
	return best
}

func joinPointer(p []string) string {
	out := ""
	for i, x := range p {
		if i > 0 {
			out += "/"
		}
		out += x
	}
	return out
}

// cStubsList is GET /_mock/stubs.
func (s *Server) cStubsList(cl *call) (any, error) {
	return map[string]any{"stubs": s.stubs.List(), "states": s.stubs.States()}, nil
}

// cStubsAdd is POST /_mock/stubs: one stub, an array, or {"stubs": [...]}.
func (s *Server) cStubsAdd(cl *call) (any, error) {
	// The body as sent: event data and raw bodies keep their key order.
	raw, err := cl.jsonBody()
	if err != nil {
		return nil, err
	}
	list, err := stubs.Parse(raw)
	if err != nil {
		return nil, apiErr(CodeBadParam, "%v", err)
	}
	added, err := s.addStubs(list...)
	if err != nil {
		return nil, apiErr(CodeBadParam, "%v", err)
	}
	return map[string]any{"stubs": added}, nil
}

// cStubsDelete is DELETE /_mock/stubs: every stub, or with api_key those
// whose match names that key.
func (s *Server) cStubsDelete(cl *call) (any, error) {
	if key := cl.c.Query("api_key"); key != "" {
		return map[string]any{"deleted": s.stubs.ForgetKey(key)}, nil
	}
	n := len(s.stubs.List())
	s.stubs.Reset()
	return map[string]any{"deleted": n}, nil
}

// cStubDelete is DELETE /_mock/stubs/{id}.
func (s *Server) cStubDelete(cl *call) (any, error) {
	if err := s.stubs.Delete(cl.c.Param("id")); err != nil {
		return nil, errStubMissing
	}
	return map[string]any{"deleted": 1}, nil
}

// errStubMissing answers 404 on the control plane.
var errStubMissing = &APIError{Code: CodeBadParam, Msg: "stub not found"}

// AddStubs registers user stubs (all or none), as POST /_mock/stubs does.
func (s *Server) AddStubs(list ...stubs.Stub) ([]stubs.Stub, error) { return s.addStubs(list...) }

// addStubs registers stubs, all or none, after refusing (even unchecked
// ones) any whose operation this mock's v1 pipeline does not serve: such a
// stub would be registered and never answer.
func (s *Server) addStubs(list ...stubs.Stub) ([]stubs.Stub, error) {
	for i, st := range list {
		if err := s.stubbable(st.Operation); err != nil {
			where := "stub " + strconv.Itoa(i)
			if st.ID != "" {
				where = "stub " + strconv.Quote(st.ID)
			}
			return nil, fmt.Errorf("%s: %w: %v", where, stubs.ErrBadStub, err)
		}
	}
	return s.stubs.Add(list...)
}

// stubbable refuses an operation no pipeline of this process consults
// stubs for: v1's (routes.go), v2's (/serve/api/v2) and, when a MemSync
// mock is attached (AttachMemSync), MemSync's.
func (s *Server) stubbable(id string) error {
	if op, ok := s.ops[id]; ok && !op.control {
		return nil
	}
	if s.v2 != nil && s.v2.HasOperation(id) {
		return nil
	}
	if ms := s.memSync(); ms != nil && ms.HasOperation(id) {
		return nil
	}
	return fmt.Errorf("operation %q is not an operation of memories.yaml, memories-v2.yaml or (with the MemSync mock in this process) memsync.yaml: only those can be stubbed", id)
}
