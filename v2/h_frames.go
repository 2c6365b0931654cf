package v2

// frameHandlers are the frame operations of memories-v2.yaml.
func (s *Surface) frameHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{}
}
