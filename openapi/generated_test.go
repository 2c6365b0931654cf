package openapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

var update = flag.Bool("update", false, "rewrite the generated *.json descriptions from the YAML sources")

// TestGeneratedJSON keeps each embedded JSON rendering identical to its
// YAML source. After editing a YAML file run:
//
//	go test ./openapi -run TestGeneratedJSON -update
func TestGeneratedJSON(t *testing.T) {
	for _, name := range []string{MemoriesFile, ControlFile, MemSyncFile, MemoriesV2File, StreamFile} {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(name)
			if os.IsNotExist(err) {
				t.Skipf("%s is not part of this build", name)
			}
			if err != nil {
				t.Fatal(err)
			}
			doc, err := openapi3.NewLoader().LoadFromData(src)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			path := jsonName(name)
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%s missing: run go test ./openapi -run TestGeneratedJSON -update", path)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s is stale: run go test ./openapi -run TestGeneratedJSON -update", path)
			}
		})
	}
}
