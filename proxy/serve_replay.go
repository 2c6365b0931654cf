package proxy

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/memharness/memharness/proxy/replay"
)

// serveReplay answers r from a recording. It returns false when none
// matches and the gateway is not strict: the request (its body restored)
// then goes to the mock.
func (g *Gateway) serveReplay(w http.ResponseWriter, r *http.Request, rt *Route) bool {
	q := replay.Request{
		Surface: rt.Surface, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"),
	}
	if r.Body != nil && r.Body != http.NoBody {
		// Read at most the recording limit (+1 to know it was exceeded);
		// what stays unread goes to the mock untouched.
		buf, err := io.ReadAll(io.LimitReader(r.Body, g.opts.MaxRequestCapture+1))
		if err != nil {
			rt.Errors(w, r, http.StatusBadRequest, "reading the request body: "+err.Error(), g.clk.Now())
			return true
		}
		q.Body = buf
		q.BodyTooLarge = int64(len(buf)) > g.opts.MaxRequestCapture
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
	}
	rec, ok := g.opts.Replay.Match(q)
	if !ok {
		if !g.opts.Strict {
			return false
		}
		msg := "no recording matches " + r.Method + " " + r.URL.Path
		if c := g.opts.Replay.Closest(q); c != nil {
			msg += "; closest recorded request: " + c.Describe() + " (" + c.File + ")"
		} else {
			msg += "; nothing is recorded"
		}
		g.log.Info("replay: no recording", "method", r.Method, "path", r.URL.Path)
		rt.Errors(w, r, http.StatusNotFound, msg, g.clk.Now())
		return true
	}
	if r.Body != nil {
		// Drain what is left of an upload so the connection stays usable.
		_, _ = io.Copy(io.Discard, r.Body)
	}
	g.writeRecording(w, r, rec)
	return true
}

// writeRecording writes a recorded answer: headers and status as
// recorded, the body byte for byte, and an event stream event by event at
// its recorded offsets scaled by the replay speed.
func (g *Gateway) writeRecording(w http.ResponseWriter, r *http.Request, rec *replay.Recording) {
	h := w.Header()
	for k, v := range rec.Header {
		h[k] = append([]string(nil), v...)
	}
	if len(rec.Events) == 0 {
		w.WriteHeader(rec.Status)
		_, _ = w.Write(rec.Body)
		return
	}
	w.WriteHeader(rec.Status)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	start := g.clk.Now()
	off := 0
	for _, ev := range rec.Events {
		at := time.Duration(ev.OffsetMS / g.opts.Speed * float64(time.Millisecond))
		if wait := at - g.clk.Now().Sub(start); wait > 0 {
			select {
			case <-g.clk.After(wait):
			case <-r.Context().Done():
				return
			}
		}
		end := min(off+ev.Bytes, len(rec.Body))
		if _, err := w.Write(rec.Body[off:end]); err != nil {
			return
		}
		_ = rc.Flush()
		off = end
	}
	if off < len(rec.Body) {
		_, _ = w.Write(rec.Body[off:])
	}
}
