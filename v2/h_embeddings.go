package v2

// embeddingHandlers are the embedding operations of memories-v2.yaml.
func (s *Surface) embeddingHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{}
}
