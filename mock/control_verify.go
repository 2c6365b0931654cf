package mock

import (
	"encoding/json"

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
	raw, err := cl.jsonBody()
	if err != nil {
		return nil, err
	}
	var m verify.Matcher
	if err := json.Unmarshal(raw, &m); err != nil {
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

// jsonBody is a control-plane request's JSON body as sent. A body sent
// as a form (curl -d without a Content-Type) is refused rather than read
// as something else: a matcher read wrongly would match everything.
func (cl *call) jsonBody() ([]byte, error) {
	if len(cl.raw) == 0 {
		return nil, apiErr(CodeBadParam, "send a JSON body with Content-Type: application/json")
	}
	return cl.raw, nil
}
