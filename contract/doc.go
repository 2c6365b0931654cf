// Package contract is the contract suite of the Memories.ai API (and
// MemSync): the Gherkin features of ../features run by godog against the
// in-process mock, a mock at a URL (the built mockserver binary) or the real
// API, so teams learn whether their assumptions and the service still agree.
//
// Every response a step receives is validated against openapi/ (status,
// content type, body schema; a Server-Sent Events stream event by event)
// and a violation fails the step with the operation, the JSON pointer, the
// reason and an excerpt of the body.
//
// The suite runs from `go test ./contract` (flags -godog.tags, -godog.format
// ...) and from cmd/contract; both use Suite:
//
//	s, err := contract.NewSuite(ctx, contract.Config{TargetURL: url, APIKey: key})
//	...
//	defer s.Close()
//	status := s.Run() // 0 when every scenario passed
//
// Targets: with no TargetURL an in-process mock is started on a loopback
// httptest server (v1.2 rate limits and credits on, 300 ms processing).
// A target is a mock when GET /_mock/health answers 200. When it is not,
// scenarios tagged @mock-only, @costly or @destructive are left out unless
// the tag expression or CONTRACT_INCLUDE names them, and @callback ones when
// the target cannot reach a receiver on 127.0.0.1; the run prints what it
// left out and why. Each scenario has its own unique_id namespace and, on a
// mock that accepts any key, its own account.
//
// The steps live in one file per concern (steps_http.go, steps_auth.go,
// steps_upload.go, steps_stream.go, steps_limits.go, steps_control.go,
// steps_memsync.go); STEPS.md lists them with examples.
package contract
