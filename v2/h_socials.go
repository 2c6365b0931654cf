package v2

// socialHandlers are the social operations of memories-v2.yaml.
func (s *Surface) socialHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{}
}
