package mock

import (
	"strings"

	"github.com/memharness/memharness/platform/journal"
)

// record adds the finished request to the platform's journal, with what
// request verification matches on: key fingerprint, unique_id, query and
// the decoded body (file parts as name, size and SHA-256), and the answer
// as the client received it (journal.Writer in front of the response).
func (s *Server) record(cl *call) {
	e := s.entryOf(cl)
	cl.answer.Fill(&e)
	s.p.Journal.Add(e)
}

// entryOf is the journal entry of a request (so far: a stub reads it
// before the answer exists).
func (s *Server) entryOf(cl *call) journal.Entry {
	e := journal.Entry{
		Time:        cl.start,
		Surface:     "v1",
		Method:      cl.c.Request.Method,
		Path:        cl.c.Request.URL.Path,
		OperationID: cl.op.id,
		APIKey:      journal.Fingerprint(cl.key),
		KeyID:       journal.KeyID(cl.key),
		Status:      cl.c.Writer.Status(),
		Code:        cl.code,
		DurationMS:  float64(s.clk.Now().Sub(cl.start).Microseconds()) / 1000,
		UniqueID:    strings.TrimSpace(cl.str("unique_id")),
	}
	if q := cl.c.Request.URL.Query(); len(q) > 0 {
		e.Query = q
	}
	e.Body, e.BodyDigest = journal.Capture(cl.journalBody())
	return e
}

// journalBody is the decoded body as the journal keeps it.
func (cl *call) journalBody() any {
	if cl.array != nil {
		return cl.array
	}
	if cl.body == nil && len(cl.files) == 0 {
		return nil
	}
	if len(cl.files) == 0 {
		return cl.body
	}
	m := make(map[string]any, len(cl.body)+len(cl.files))
	for k, v := range cl.body {
		m[k] = v
	}
	for field, us := range cl.files {
		parts := make([]any, 0, len(us))
		for _, u := range us {
			parts = append(parts, map[string]any{"filename": u.Filename, "size": u.Size, "sha256": u.SHA256})
		}
		if len(parts) == 1 {
			m[field] = parts[0]
		} else {
			m[field] = parts
		}
	}
	return m
}
