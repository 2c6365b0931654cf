package contract

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// TestOperationCoverage keeps the coverage table: every operation of
// openapi/memories.yaml and openapi/memories-v2.yaml needs at least one
// scenario tagged @op:<operationId> (v2 ones also @v2), and every @op: tag
// must name a real operation.
func TestOperationCoverage(t *testing.T) {
	specs, err := LoadSpecs()
	if err != nil {
		t.Fatal(err)
	}
	pickles, err := ScanFeatures(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ops := specs.OperationIDs(APIMemories)
	if len(ops) != 53 {
		t.Errorf("memories.yaml has %d operations, the suite was written for 53: add scenarios for the new ones", len(ops))
	}
	v2ops := specs.OperationIDs(APIV2)
	known := map[string]bool{}
	for _, op := range ops {
		known[op] = true
	}
	for _, op := range v2ops {
		known[op] = true
	}
	// MemSync operations are tagged too; their coverage is not counted here.
	for _, op := range specs.OperationIDs(APIMemSync) {
		known[op] = true
	}
	count := map[string]int{}
	for _, p := range pickles {
		for _, tag := range p.Tags {
			op, ok := strings.CutPrefix(tag, "@op:")
			if !ok {
				continue
			}
			if !known[op] {
				t.Errorf("%s: tag %s names no operation of memories.yaml or memories-v2.yaml", p.Location(), tag)
			}
			if strings.HasPrefix(op, "v2_") && !p.HasTag("@v2") {
				t.Errorf("%s: a scenario of v2 operation %s must be tagged @v2", p.Location(), op)
			}
			count[op]++
		}
	}
	for _, set := range []struct {
		name string
		ops  []string
	}{{"memories.yaml", ops}, {"memories-v2.yaml", v2ops}} {
		var table strings.Builder
		fmt.Fprintf(&table, "%-34s %s\n", "operation", "scenarios")
		var missing []string
		for _, op := range set.ops {
			fmt.Fprintf(&table, "%-34s %d\n", op, count[op])
			if count[op] == 0 {
				missing = append(missing, op)
			}
		}
		t.Logf("coverage of %s (%d operations, %d scenarios):\n%s", set.name, len(set.ops), len(pickles), table.String())
		if len(missing) > 0 {
			sort.Strings(missing)
			t.Errorf("operations of %s without a scenario: %s", set.name, strings.Join(missing, ", "))
		}
	}
	if len(pickles) < 40 {
		t.Errorf("%d scenarios, want at least 40", len(pickles))
	}
}

// TestScenarioTags checks the tag vocabulary: every scenario of a feature
// that uses the control plane is @mock-only, tags are known.
func TestScenarioTags(t *testing.T) {
	pickles, err := ScanFeatures(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"@smoke": true, "@sse": true, "@lifecycle": true, "@mock-only": true, "@costly": true,
		"@destructive": true, "@callback": true, "@v2": true,
		// concurrency and the target's configuration (parallel.go)
		TagSerial: true, TagNeedsRateLimits: true, TagNeedsCredits: true, TagTiming: true,
	}
	for _, p := range pickles {
		for _, tag := range p.Tags {
			if strings.HasPrefix(tag, "@op:") || allowed[tag] {
				continue
			}
			// Feature-level capability tags (@upload, @search ...) name the file.
			if strings.Contains(p.URI, strings.TrimPrefix(tag, "@")+".feature") {
				continue
			}
			t.Errorf("%s: unknown tag %s", p.Location(), tag)
		}
	}
}
