package memsync

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/platform"
	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/limits"
)

// UseGuard makes the pipeline apply the platform's guard (X-Mock-Force
// and the configured faults of the key's account, as on the Memories.ai
// hosts) to every authenticated request, right after the key check and
// before MemSync's own rate limit, scope check, validation and stubs: so
// a forced answer wins over a stub. Its rate limit is not applied
// (platform.GuardFaults): MemSync keeps its own documented per-key
// windows. Nil stops guarding.
func (s *Server) UseGuard(p *platform.Platform) { s.guardP.Store(p) }

// errReset asks the adapter to drop the connection (X-Mock-Force: reset or
// a reset fault); it is never rendered as a body.
var errReset = &apiError{Status: http.StatusBadGateway, Code: "reset", Message: "connection reset by fault injection"}

// guard runs the platform's guard for cl and turns its verdict into
// MemSync's own answers.
func (s *Server) guard(cl *call) error {
	p := s.guardP.Load()
	if p == nil || cl.key == nil {
		return nil
	}
	v, err := p.GuardFaults(cl.c.Request, p.Accounts.Resolve(cl.key.Key), cl.op.id, s.seq.Add(1))
	if err != nil {
		return errValidation(limits.ForceHeader, err.Error())
	}
	cl.c.Writer = platform.SlowBody(cl.c.Writer, v.SlowBodyBPS, s.clk)
	switch {
	case v.Reset:
		return errReset
	case v.HTTP500, v.Network:
		// MemSync has no "network abnormal" business error: a failure
		// behind the API surfaces as its documented 500 envelope.
		return errInternal()
	case v.Forced != "":
		return s.forced(cl, v.Forced)
	}
	return nil
}

// errInternal is MemSync's 500 INTERNAL_ERROR.
func errInternal() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Code: "INTERNAL_ERROR", Message: "Internal server error"}
}

// forced is the answer an X-Mock-Force code asks for, in MemSync's
// envelope and with the status and code MemSync documents for that kind
// of failure. Codes MemSync has no counterpart for (0402: it bills
// nothing; 0003, 9009) are refused as a bad header, naming what can be
// forced here, rather than inventing an answer.
func (s *Server) forced(cl *call, code string) *apiError {
	switch code {
	case apierr.CodeBadParam:
		return errValidation("", "Forced by "+limits.ForceHeader)
	case apierr.CodeUnauthorized:
		return errAuth("Forced by " + limits.ForceHeader)
	case apierr.CodeForbidden:
		return errForbidden(cl.op.scope)
	case apierr.CodeDuplicate:
		// The only 409 MemSync documents (the delete pages).
		return &apiError{Status: http.StatusConflict, Code: "DELETION_CONFLICT",
			Message: "Memory is currently being processed and cannot be deleted",
			Details: map[string]any{"processing_status": "embedding_generation"}}
	case apierr.CodeRateLimited:
		// As its own limiter answers: the window ends on the next minute.
		start := cl.now.Unix() - mod(cl.now.Unix(), 60)
		return errRateLimited("Rate limit exceeded", groupLimit(cl.op.group), time.Unix(start+60, 0).UTC(), cl.now)
	}
	return errValidation(limits.ForceHeader, fmt.Sprintf(
		"%s has no MemSync counterpart (forceable here: 400, 401, 403, 409, 429, 500, network, reset, latency=…, slow=…)", code))
}

// dropConnection answers errReset: the connection closes without a
// response, or, where it cannot be taken over (HTTP/2, recorders), an
// empty 502 that closes it.
func dropConnection(c *gin.Context, w gin.ResponseWriter) int {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return 0
		}
	}
	c.Header("Connection", "close")
	c.Status(http.StatusBadGateway)
	c.Writer.WriteHeaderNow()
	return http.StatusBadGateway
}
