package v2

// registry maps every operationId of memories-v2.yaml to its handler. Each
// area of the API contributes its own map (one file per area), so adding
// an area touches only its file and this list.
func (s *Surface) registry() map[string]handlerFunc {
	out := map[string]handlerFunc{}
	for _, area := range []map[string]handlerFunc{
		s.assetHandlers(),
		s.frameHandlers(),
		s.captionHandlers(),
		s.transcriptionHandlers(),
		s.embeddingHandlers(),
		s.chatHandlers(),
		s.socialHandlers(),
		s.agentHandlers(),
		s.streamHandlers(),
	} {
		for id, h := range area {
			out[id] = h
		}
	}
	return out
}
