package mock

import "github.com/memharness/memharness/platform/journal"

// record adds the finished request to the platform's journal.
func (s *Server) record(cl *call) {
	s.p.Journal.Add(journal.Entry{
		Time:        cl.start,
		Surface:     "v1",
		Method:      cl.c.Request.Method,
		Path:        cl.c.Request.URL.Path,
		OperationID: cl.op.id,
		APIKey:      journal.Fingerprint(cl.key),
		Status:      cl.c.Writer.Status(),
		Code:        cl.code,
		DurationMS:  float64(s.clk.Now().Sub(cl.start).Microseconds()) / 1000,
	})
}
