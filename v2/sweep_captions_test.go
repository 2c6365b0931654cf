package v2

// captionSweep covers the caption operations (h_captions.go): one minimal valid
// request per operationId.
func captionSweep() map[string]sweepCase {
	return map[string]sweepCase{}
}
