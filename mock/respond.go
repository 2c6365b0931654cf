package mock

import (
	"bytes"
	"net/http"
	"sync"

	json "github.com/goccy/go-json"

	"github.com/memharness/memharness/platform/apierr"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// write is the one response adapter: every envelope of the emulated API,
// success or error, in the operation's error style, is written here.
func (s *Server) write(cl *call, data any, err error) {
	if err == nil && data == written {
		if cl.code == "" {
			cl.code = CodeOK
		}
		s.record(cl)
		return
	}
	ae := toAPI(err)
	if ae != nil && s.writeFault(cl, ae) {
		s.record(cl)
		return
	}
	style := s.style
	if cl.op.caption && (ae == nil || !s.httpStyle) {
		// The caption host answers integer codes: 0 is success, -1 failure
		// (seed 000's http style still applies to its errors).
		style = apierr.Caption{}
	}
	var status int
	var body any
	if ae == nil {
		cl.code = CodeOK
		if fast, ok := data.(jsonAppender); ok && !s.httpStyle && !cl.op.caption {
			s.writeRaw(cl, http.StatusOK, func(b []byte) []byte { return appendEnvelope(b, fast) })
			s.record(cl)
			return
		}
		status, body = style.Success(data)
	} else {
		cl.code = ae.Code
		status, body = style.Failure(ae)
		if ae == errInternal {
			s.opts.Logger.Error("internal error", "operation", cl.op.id, "err", err)
		}
	}
	s.writeJSON(cl, status, body)
	s.record(cl)
}

// writeJSON encodes v without HTML escaping (the vendor does not escape
// '<', '>' or '&') and with an explicit length.
func (s *Server) writeJSON(cl *call, status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		s.opts.Logger.Error("encode response", "operation", cl.op.id, "err", err)
		buf.Reset()
		buf.WriteString(`{"code":"0500","msg":"Internal server error","data":null,"success":false,"failed":true}`)
	}
	w := cl.c.Writer
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// rawPool holds byte slices for hand-encoded bodies; a slice that grew is
// put back grown, so steady traffic stops allocating.
var rawPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// writeRaw writes a body built by fill into a pooled slice.
func (s *Server) writeRaw(cl *call, status int, fill func([]byte) []byte) {
	p := rawPool.Get().(*[]byte)
	out := fill((*p)[:0])
	w := cl.c.Writer
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out)
	if cap(out) <= 1<<20 {
		*p = out[:0]
	}
	rawPool.Put(p)
}
