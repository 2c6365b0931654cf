package memsync

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/memharness/memharness/internal/specschema"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/toolkit/stubs"
)

// UseStubs makes the pipeline consult reg (the user stubs of the process's
// platform, POST /_mock/stubs) after a request is authenticated, within
// its rate limit, in scope and valid: a matching stub answers instead of
// the handler. Nil stops consulting.
func (s *Server) UseStubs(reg *stubs.Registry) { s.stubs.Store(reg) }

// HasOperation reports whether id is an operationId of memsync.yaml.
func (s *Server) HasOperation(id string) bool {
	_, ok := s.ops[id]
	return ok
}

// requestEntry is the journal entry of what the client sent: the part of
// an entry stubs match on, and the start of the one the pipeline records.
func (s *Server) requestEntry(cl *call) journal.Entry {
	c := cl.c
	e := journal.Entry{Time: cl.now, Surface: "memsync", Method: c.Request.Method,
		Path: c.Request.URL.Path, OperationID: cl.op.id, APIKey: journal.Fingerprint(c.GetHeader("X-API-Key")),
		KeyID: journal.KeyID(c.GetHeader("X-API-Key"))}
	// What the client sent, so POST /_mock/requests/find (and stubs'
	// matchers) match MemSync requests by query and body like v1's.
	if q := c.Request.URL.Query(); len(q) > 0 {
		e.Query = q
	}
	if len(cl.sent) > 0 {
		e.Body, e.BodyDigest = journal.Capture(cl.sent)
	}
	return e
}

// stub answers from the user stub that matches the request, if any.
func (s *Server) stub(cl *call) (result, bool, error) {
	reg := s.stubs.Load()
	if reg == nil || !reg.Has(cl.op.id) {
		return result{}, false, nil
	}
	st, ok := reg.Answer(s.requestEntry(cl))
	if !ok {
		return result{}, false, nil
	}
	a := st.Answer
	if a.DelayMS > 0 {
		select {
		case <-s.clk.After(time.Duration(a.DelayMS * float64(time.Millisecond))):
		case <-cl.c.Request.Context().Done():
		}
	}
	for k, v := range a.Headers {
		cl.c.Header(k, v)
	}
	res, err := s.stubAnswer(a)
	return res, true, err
}

// stubAnswer turns a stub's answer into what the one adapter writes: an
// error in MemSync's envelope for code/msg (HTTP 400 unless a status is
// given), the success envelope around data, a raw body as given.
func (s *Server) stubAnswer(a stubs.Answer) (result, error) {
	status := a.Status
	switch {
	case a.Code != "" || a.Msg != "":
		if status == 0 {
			status = http.StatusBadRequest
		}
		code := a.Code
		if code == "" {
			code = "VALIDATION_ERROR"
		}
		return result{}, &apiError{Status: status, Code: code, Message: a.Msg}
	case len(a.Body) > 0:
		if status == 0 {
			status = http.StatusOK
		}
		var body any
		if err := json.Unmarshal(a.Body, &body); err != nil {
			return result{}, err
		}
		if status >= 400 {
			return result{}, &apiError{Status: status, Code: rawErrorCode(body), Raw: body}
		}
		return result{Status: status, Body: body, Bare: true}, nil
	case len(a.Events) > 0:
		// MemSync has no streams: CheckStub refuses events, and an
		// unchecked stub's answer says why rather than inventing a frame.
		return result{}, &apiError{Status: http.StatusInternalServerError, Code: "INTERNAL_ERROR",
			Message: "stubbed events: MemSync answers no event streams"}
	}
	if status == 0 {
		status = http.StatusOK
	}
	return result{Status: status, Body: a.Data}, nil
}

// rawErrorCode reads error.code of a raw error body, for the journal.
func rawErrorCode(body any) string {
	m, _ := body.(map[string]any)
	inner, _ := m["error"].(map[string]any)
	if c, ok := inner["code"].(string); ok {
		return c
	}
	return "STUBBED"
}

// CheckStub refuses a stub for a MemSync operation whose answer
// memsync.yaml does not allow, naming the violation: the body the adapter
// would write must match the operation's response schema for its status.
func (s *Server) CheckStub(st *stubs.Stub) error {
	op, ok := s.ops[st.Operation]
	if !ok {
		return fmt.Errorf("operation %q is not an operation of memsync.yaml", st.Operation)
	}
	if len(st.Answer.Events) > 0 {
		return fmt.Errorf("%s does not stream: MemSync declares no text/event-stream answer", op.id)
	}
	res, err := s.stubAnswer(st.Answer)
	status, body := res.Status, res.Body
	if ae, isAPI := err.(*apiError); isAPI {
		status, body = ae.Status, ae.Raw
		if body == nil {
			body = s.errorBody(ae)
		}
	} else if err != nil {
		return err
	} else if s.envelope && !res.Bare {
		body = map[string]any{"data": res.Body, "status": "success", "timestamp": formatTime(s.clk.Now())}
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var value any
	if err := json.Unmarshal(raw, &value); err != nil {
		return err
	}
	item := s.spec.Paths.Value(op.path)
	if item == nil {
		return fmt.Errorf("%s: no path %s in memsync.yaml", op.id, op.path)
	}
	sc := specschema.JSONResponse(item.GetOperation(op.method), status)
	if sc == nil {
		return fmt.Errorf("%s declares no JSON answer with HTTP %d", op.id, status)
	}
	if leaves := specschema.Explain(sc, value); len(leaves) > 0 {
		ptr := leaves[0].Pointer
		if ptr == "" {
			ptr = "/"
		}
		return fmt.Errorf("answer breaks the %s response schema at %s: %s", op.id, ptr, leaves[0].Reason)
	}
	return nil
}
