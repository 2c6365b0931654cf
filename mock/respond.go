package mock

import (
	"bytes"
	"net/http"
	"sync"

	json "github.com/goccy/go-json"
)

// envelope is the v1 response body. Field order matches the vendor's.
type envelope struct {
	Code    any    `json:"code"`
	Msg     string `json:"msg"`
	Data    any    `json:"data"`
	Success *bool  `json:"success,omitempty"`
	Failed  *bool  `json:"failed,omitempty"`
}

var (
	yes = true
	no  = false
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// write is the one response adapter: every envelope of the emulated API,
// success or error, in either error style, is written here.
func (s *Server) write(cl *call, data any, err error) {
	if err == nil && data == written {
		if cl.code == "" {
			cl.code = CodeOK
		}
		s.record(cl)
		return
	}
	if ae := toAPI(err); ae != nil && s.writeFault(cl, ae) {
		s.record(cl)
		return
	}
	status := http.StatusOK
	var body envelope
	switch ae := toAPI(err); {
	case ae == nil && cl.op.caption:
		// The caption host answers integer codes: 0 is success.
		body = envelope{Code: 0, Msg: "success", Data: data}
		cl.code = CodeOK
	case ae == nil && s.opts.ErrorStyle == "http":
		body = envelope{Code: http.StatusOK, Msg: "success", Data: data}
		cl.code = CodeOK
	case ae == nil:
		if fast, ok := data.(jsonAppender); ok {
			cl.code = CodeOK
			s.writeRaw(cl, http.StatusOK, func(b []byte) []byte { return appendEnvelope(b, fast) })
			s.record(cl)
			return
		}
		body = envelope{Code: CodeOK, Msg: "success", Data: data, Success: &yes, Failed: &no}
		cl.code = CodeOK
	case s.opts.ErrorStyle == "http":
		var msg string
		status, msg = httpStyle(ae)
		body = envelope{Code: status, Msg: msg}
		cl.code = ae.Code
	case cl.op.caption:
		body = envelope{Code: -1, Msg: ae.Msg}
		cl.code = ae.Code
	default:
		body = envelope{Code: ae.Code, Msg: ae.Msg, Success: &no, Failed: &yes}
		cl.code = ae.Code
	}
	if ae := toAPI(err); ae == errInternal {
		s.opts.Logger.Error("internal error", "operation", cl.op.id, "err", err)
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
