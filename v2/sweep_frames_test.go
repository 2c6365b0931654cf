package v2

// frameSweep covers the frame operations (h_frames.go): one minimal valid
// request per operationId.
func frameSweep() map[string]sweepCase {
	return map[string]sweepCase{}
}
