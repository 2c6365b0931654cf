package v2

// agentSweep covers the agent operations (h_agents.go): one minimal valid
// request per operationId.
func agentSweep() map[string]sweepCase {
	return map[string]sweepCase{}
}
