// Package openapi embeds the OpenAPI descriptions that drive the mock: the emulated
// Memories.ai API (memories.yaml), the mock's own control plane (control.yaml) and the
// MemSync API (memsync.yaml). Routing, request validation, response generation and the
// contract suite are all derived from these files, so they are loaded and validated here
// once per call and handed out as fresh values that callers may mutate freely.
package openapi

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Files holds every *.yaml description in this directory and the JSON
// renderings generated from them (see TestGeneratedJSON): the YAML is the
// source humans edit, the JSON is what start-up parses, five times faster.
//
//go:embed *.yaml *.json
var Files embed.FS

// File names of the embedded descriptions.
const (
	// MemoriesFile is the description of the emulated Memories.ai API.
	MemoriesFile = "memories.yaml"
	// ControlFile is the description of the mock's control plane under /_mock.
	ControlFile = "control.yaml"
	// MemSyncFile is the description of the emulated MemSync API.
	MemSyncFile = "memsync.yaml"
	// MemoriesV2File is the description of Visual Intelligence v2 (/serve/api/v2).
	MemoriesV2File = "memories-v2.yaml"
	// StreamFile is the description of the stream.memories.ai host
	// (/v1/understand/streamConnect and /v1/understand/stop/{task_id}).
	StreamFile = "stream.yaml"
)

// ErrNotFound reports that a requested description is not embedded.
var ErrNotFound = errors.New("openapi: description not embedded")

// Memories parses and validates memories.yaml and returns a fresh document.
func Memories() (*openapi3.T, error) { return load(MemoriesFile) }

// Control parses and validates control.yaml and returns a fresh document.
func Control() (*openapi3.T, error) { return load(ControlFile) }

// MemSync parses and validates memsync.yaml and returns a fresh document. It returns an
// error wrapping ErrNotFound when the file is not part of the build.
func MemSync() (*openapi3.T, error) { return load(MemSyncFile) }

// MemoriesV2 parses and validates memories-v2.yaml and returns a fresh document.
func MemoriesV2() (*openapi3.T, error) { return load(MemoriesV2File) }

// Stream parses and validates stream.yaml and returns a fresh document.
func Stream() (*openapi3.T, error) { return load(StreamFile) }

// Raw returns the bytes of one embedded description, for example "memories.yaml".
func Raw(name string) ([]byte, error) {
	b, err := Files.ReadFile(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, name)
		}
		return nil, fmt.Errorf("openapi: read %s: %w", name, err)
	}
	return b, nil
}

// load parses one embedded file without external references and validates it. A new loader
// is used every time so that no parsed state is shared between callers.
func load(name string) (*openapi3.T, error) {
	b, err := Raw(jsonName(name))
	if err != nil {
		b, err = Raw(name)
	}
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	// Why: the descriptions are self-contained; refusing external refs keeps loading
	// hermetic (no file system or network access at startup).
	loader.IsExternalRefsAllowed = false
	t, err := loader.LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("openapi: parse %s: %w", name, err)
	}
	if err := t.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi: validate %s: %w", name, err)
	}
	return t, nil
}

// jsonName is the generated JSON rendering of a YAML description.
func jsonName(yamlName string) string {
	return strings.TrimSuffix(yamlName, ".yaml") + ".json"
}

// OperationIDs returns the operationIds of a loaded spec, sorted.
func OperationIDs(t *openapi3.T) []string {
	if t == nil || t.Paths == nil {
		return nil
	}
	var ids []string
	for _, item := range t.Paths.Map() {
		for _, op := range item.Operations() {
			if op != nil && op.OperationID != "" {
				ids = append(ids, op.OperationID)
			}
		}
	}
	sort.Strings(ids)
	return ids
}
