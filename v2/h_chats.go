package v2

// chatHandlers are the chat operations of memories-v2.yaml.
func (s *Surface) chatHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{}
}
