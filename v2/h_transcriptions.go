package v2

// transcriptionHandlers are the transcription operations of memories-v2.yaml.
func (s *Surface) transcriptionHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{}
}
