package v2

// chatSweep covers the chat operations (h_chats.go): one minimal valid
// request per operationId.
func chatSweep() map[string]sweepCase {
	return map[string]sweepCase{}
}
