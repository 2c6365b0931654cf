package mock

// checkCallback answers 0001 when a request's callback URL names a host
// outside Options.CallbackHosts (--callback-hosts), before anything is
// stored or queued, so a refused request changes nothing. An empty callback
// is always fine: it means no callback.
func (s *Server) checkCallback(field, raw string) error {
	if raw == "" {
		return nil
	}
	if err := s.opts.CallbackHosts.Check(raw); err != nil {
		return apiErr(CodeBadParam, "parameter error: %s: %v", field, err)
	}
	return nil
}
