package v2

// agentHandlers are the agent operations of memories-v2.yaml.
func (s *Surface) agentHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{}
}
