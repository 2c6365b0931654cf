package v2

// embeddingSweep covers the embedding operations (h_embeddings.go): one minimal valid
// request per operationId.
func embeddingSweep() map[string]sweepCase {
	return map[string]sweepCase{}
}
