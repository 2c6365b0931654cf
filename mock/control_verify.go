package mock

import (
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/toolkit/verify"
)

// requestsOf returns up to limit journal entries sent with key, newest
// first.
func (s *Server) requestsOf(key string, limit int) []journal.Entry {
	var out []journal.Entry
	for _, e := range s.p.Journal.Last(0) {
		if e.SameKey(key) {
			out = append(out, e)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	if out == nil {
		out = []journal.Entry{}
	}
	return out
}

// cRequestsFind is POST /_mock/requests/find: the journal entries a
// matcher selects, the count against the expectation, and the near misses
// when the expectation fails.
func (s *Server) cRequestsFind(cl *call) (any, error) {
	var m verify.Matcher
	if err := remarshal(cl.body, &m); err != nil {
		return nil, apiErr(CodeBadParam, "matcher: %v", err)
	}
	res, err := verify.Find(s.p.Journal.Last(0), m)
	if err != nil {
		return nil, apiErr(CodeBadParam, "%v", err)
	}
	return res, nil
}

// cRequestsDelete is DELETE /_mock/requests: forget the journal, or only
// the entries of one key.
func (s *Server) cRequestsDelete(cl *call) (any, error) {
	if key := cl.c.Query("api_key"); key != "" {
		return map[string]any{"deleted": s.p.Journal.ForgetKey(key)}, nil
	}
	return map[string]any{"deleted": s.p.Journal.Remove(func(journal.Entry) bool { return true })}, nil
}

// FindRequests matches the journal, as POST /_mock/requests/find does.
func (s *Server) FindRequests(m verify.Matcher) (verify.Result, error) {
	return verify.Find(s.p.Journal.Last(0), m)
}
