package v2

// transcriptionSweep covers the transcription operations (h_transcriptions.go): one minimal valid
// request per operationId.
func transcriptionSweep() map[string]sweepCase {
	return map[string]sweepCase{}
}
