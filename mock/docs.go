package mock

import "github.com/memharness/memharness/refdocs"

// docsPrefix is where the control plane serves the API reference
// (mock_docs and mock_docs_page in control.yaml).
const docsPrefix = "/_mock/docs"

// docsHandler serves the API reference rendered from the embedded specs
// (package refdocs). It is built once per route table and renders its
// pages on the first request, so start-up pays nothing for it.
func (s *Server) docsHandler() handlerFunc {
	h := refdocs.New(docsPrefix, nil)
	return func(cl *call) (any, error) {
		h.ServeHTTP(cl.c.Writer, cl.c.Request)
		return written, nil
	}
}
