// Package features embeds the Gherkin feature files of the contract suite,
// so the suite (go test ./contract, go run ./cmd/contract, a built binary)
// finds them wherever it runs. The files are the specification: one per
// capability, scenarios tagged @smoke, @sse, @lifecycle, @mock-only,
// @costly, @destructive, @callback and @op:<operationId>.
package features

import "embed"

// FS holds every *.feature file of this directory.
//
//go:embed *.feature
var FS embed.FS
