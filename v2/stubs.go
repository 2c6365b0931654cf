package v2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/memharness/memharness/internal/specschema"
	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/toolkit/stubs"
)

// HasOperation reports whether id is an operationId of memories-v2.yaml
// this surface serves (for the stub registry's checks).
func (s *Surface) HasOperation(id string) bool {
	_, ok := s.ops[id]
	return ok
}

// requestEntry is the journal entry of what the client sent: the part of
// an entry the stub registry matches on, and the start of record's.
func (s *Surface) requestEntry(cl *call) journal.Entry {
	e := journal.Entry{
		Time: cl.start, Surface: "v2", Method: cl.c.Request.Method, Path: cl.c.Request.URL.Path,
		OperationID: cl.opID(), APIKey: journal.Fingerprint(cl.key), KeyID: journal.KeyID(cl.key),
	}
	// What the client sent, so POST /_mock/requests/find (and stubs'
	// matchers) match v2 requests by query and body (a file part by name,
	// size and SHA-256) as they do v1's.
	if q := cl.c.Request.URL.Query(); len(q) > 0 {
		e.Query = q
	}
	if cl.sent != nil && cl.file == nil && len(cl.sent) <= journal.MaxBodyBytes {
		// JSON the parse already checked: kept as sent, not encoded again.
		e.Body = cl.sent
	} else {
		e.Body, e.BodyDigest = journal.Capture(cl.journalBody())
	}
	return e
}

// stub answers the request with the user stub that matches it, if any
// (platform.Platform.Stubs, shared with v1). The pipeline asks after the
// guard and the parse: a stub loses to X-Mock-Force and wins over the
// handler.
func (s *Surface) stub(cl *call) (any, bool, error) {
	reg := s.p.Stubs
	if reg == nil || !reg.Has(cl.op.id) {
		return nil, false, nil
	}
	st, ok := reg.Answer(s.requestEntry(cl))
	if !ok {
		return nil, false, nil
	}
	data, err := s.serveStub(cl, st)
	return data, true, err
}

// serveStub writes a stub's answer: code/msg and data through the one
// response adapter (v2's envelope, HTTP status = code), a raw body or an
// event stream as given.
func (s *Surface) serveStub(cl *call, st stubs.Stub) (any, error) {
	a := st.Answer
	if a.DelayMS > 0 {
		select {
		case <-s.p.Clock.After(stubs.Delay(a.DelayMS)):
		case <-cl.c.Request.Context().Done():
			return nil, errReset
		}
	}
	for k, v := range a.Headers {
		cl.c.Writer.Header().Set(k, v)
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
	ae := stubError(a)
	if a.Status == 0 {
		if ae != nil {
			return nil, ae
		}
		return a.Data, nil
	}
	// An explicit status: the styled body with that status.
	_, body := s.styled(a)
	cl.code = apierr.CodeOK
	if ae != nil {
		cl.code = ae.Code
	}
	writeJSON(cl.c, a.Status, body)
	return written, nil
}

// stubError is a code/msg answer as an API error ("429" or "0429").
func stubError(a stubs.Answer) *apierr.Error {
	if a.Code == "" && a.Msg == "" {
		return nil
	}
	code := a.Code
	switch {
	case code == "":
		code = apierr.CodeBadParam
	case len(code) == 3 && strings.Trim(code, "0123456789") == "":
		code = "0" + code
	}
	return &apierr.Error{Code: code, Msg: a.Msg}
}

// styled is the status and envelope the adapter writes for a code/msg or
// data answer.
func (s *Surface) styled(a stubs.Answer) (int, any) {
	if ae := stubError(a); ae != nil {
		return s.style.Failure(ae)
	}
	return s.style.Success(a.Data)
}

// streamStub writes a stub's event list as the operation's stream frames
// it (an "event:" line when the event is named, the data prefix, the
// JSON; a terminator such as [DONE] bare), each after its delay on the
// mock's clock.
func (s *Surface) streamStub(cl *call, a stubs.Answer) (any, error) {
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	framing := s.streamOf(cl.op, status)
	w := cl.c.Writer
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", ContentTypeChatStream)
	}
	w.WriteHeader(status)
	for _, e := range a.Events {
		if e.DelayMS > 0 {
			select {
			case <-s.p.Clock.After(stubs.Delay(e.DelayMS)):
			case <-cl.c.Request.Context().Done():
				cl.code = "reset"
				return written, nil
			}
		}
		var buf bytes.Buffer
		if e.Event != "" {
			buf.WriteString("event: " + e.Event + "\n")
		}
		buf.WriteString(framing.DataPrefix)
		if framing.IsTerminator(e.Data) {
			buf.WriteString(framing.Terminator)
		} else if err := json.Compact(&buf, e.Data); err != nil {
			buf.Write(e.Data)
		}
		buf.WriteString("\n\n")
		if _, err := w.Write(buf.Bytes()); err != nil {
			return written, nil
		}
		w.Flush()
	}
	cl.code = apierr.CodeOK
	return written, nil
}

// streamOf reads the event description of op's text/event-stream answer;
// its data prefix defaults to "data: " (the OpenAI-style chat stream and
// the agent's stream both put a space after the colon).
func (s *Surface) streamOf(op *operation, status int) specschema.Stream {
	return specschema.StreamAt(s.spec, op.spec, status, "data: ")
}

// CheckStub refuses a stub for a v2 operation whose answer
// memories-v2.yaml does not allow, naming the violation: the envelope (or
// raw body) must match the operation's response schema for its status,
// and each stubbed event the stream's event schema.
func (s *Surface) CheckStub(st *stubs.Stub) error {
	op, ok := s.ops[st.Operation]
	if !ok {
		return fmt.Errorf("operation %q is not an operation of memories-v2.yaml", st.Operation)
	}
	a := st.Answer
	status := a.Status
	if len(a.Events) > 0 {
		if status == 0 {
			status = http.StatusOK
		}
		return s.checkStubEvents(op, a, status)
	}
	var body any
	if len(a.Body) > 0 {
		if status == 0 {
			status = http.StatusOK
		}
		if err := json.Unmarshal(a.Body, &body); err != nil {
			return fmt.Errorf("body: %v", err)
		}
	} else {
		st, rendered := s.styled(a)
		if status == 0 {
			status = st
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
	if leaves := specschema.Explain(sc, body); len(leaves) > 0 {
		return fmt.Errorf("answer breaks the %s response schema at %s: %s", op.id, orRoot(leaves[0].Pointer), leaves[0].Reason)
	}
	return nil
}

// checkStubEvents checks a stubbed event list against the stream's event
// schema (package specschema, as the contract suite checks captured
// streams).
func (s *Surface) checkStubEvents(op *operation, a stubs.Answer, status int) error {
	if !specschema.Produces(op.spec, status, "text/event-stream") {
		return fmt.Errorf("%s declares no text/event-stream answer with HTTP %d", op.id, status)
	}
	return stubs.CheckEvents(op.id, s.streamOf(op, status), a.Events)
}

// orRoot writes the whole document's JSON pointer as "/".
func orRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
