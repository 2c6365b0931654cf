package v2

// captionHandlers are the caption operations of memories-v2.yaml.
func (s *Surface) captionHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{}
}
