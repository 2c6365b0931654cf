package contract

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/memharness/memharness/openapi"
)

// API names the description a request is checked against.
type API string

// The descriptions the suite knows.
const (
	// APIMemories is openapi/memories.yaml, the emulated Memories.ai API.
	APIMemories API = "memories.yaml"
	// APIControl is openapi/control.yaml, the mock's /_mock/ control plane.
	APIControl API = "control.yaml"
	// APIMemSync is openapi/memsync.yaml, the MemSync API.
	APIMemSync API = "memsync.yaml"
	// APIV2 is openapi/memories-v2.yaml, Visual Intelligence v2; its paths
	// are relative to the v2 base URL (…/serve/api/v2).
	APIV2 API = "memories-v2.yaml"
)

// Operation is one operation of a description, as the steps address it.
type Operation struct {
	API       API
	ID        string
	Method    string
	Path      string // the spec's path template, e.g. /_mock/videos/{videoNo}/status
	Aliases   []string
	Spec      *openapi3.T
	PathItem  *openapi3.PathItem
	Operation *openapi3.Operation

	re     *regexp.Regexp // matches concrete paths, capturing the path parameters
	params []string
}

// Specs holds the loaded descriptions and an index of their operations. It
// is read-only after LoadSpecs, so one value serves every scenario.
type Specs struct {
	docs map[API]*openapi3.T
	byID map[API]map[string]*Operation
	all  []*Operation
}

// LoadSpecs loads memories.yaml, control.yaml, memories-v2.yaml and (when
// embedded) memsync.yaml and indexes their operations.
func LoadSpecs() (*Specs, error) {
	s := &Specs{docs: map[API]*openapi3.T{}, byID: map[API]map[string]*Operation{}}
	loaders := []struct {
		api      API
		load     func() (*openapi3.T, error)
		optional bool
	}{
		{APIMemories, openapi.Memories, false},
		{APIControl, openapi.Control, false},
		{APIMemSync, openapi.MemSync, true},
		{APIV2, openapi.MemoriesV2, false},
	}
	for _, l := range loaders {
		doc, err := l.load()
		if err != nil {
			if l.optional {
				continue
			}
			return nil, fmt.Errorf("contract: load %s: %w", l.api, err)
		}
		// Why: relative servers let a router (and our own matcher) accept any
		// host, the in-process loopback one as well as the real API's.
		doc.Servers = openapi3.Servers{{URL: "/"}}
		s.docs[l.api] = doc
		s.byID[l.api] = map[string]*Operation{}
		for _, path := range doc.Paths.InMatchingOrder() {
			item := doc.Paths.Value(path)
			for method, op := range item.Operations() {
				o := &Operation{API: l.api, ID: op.OperationID, Method: method, Path: path, Spec: doc, PathItem: item, Operation: op}
				o.re, o.params = templateRegexp(path)
				if raw, ok := op.Extensions["x-path-aliases"].([]any); ok {
					for _, a := range raw {
						if as, ok := a.(string); ok {
							o.Aliases = append(o.Aliases, as)
						}
					}
				}
				s.byID[l.api][o.ID] = o
				s.all = append(s.all, o)
			}
		}
	}
	// Literal paths before templated ones, so /v1/memories/search is not
	// taken for /v1/memories/{memory_id}.
	sort.SliceStable(s.all, func(i, j int) bool {
		return len(s.all[i].params) < len(s.all[j].params)
	})
	return s, nil
}

// Doc returns a loaded description, nil when it is not embedded.
func (s *Specs) Doc(api API) *openapi3.T { return s.docs[api] }

// Op returns the operation called id in the description api.
func (s *Specs) Op(api API, id string) (*Operation, bool) {
	o, ok := s.byID[api][id]
	return o, ok
}

// OperationIDs lists the operation ids of one description, sorted.
func (s *Specs) OperationIDs(api API) []string {
	var ids []string
	for id := range s.byID[api] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Match finds the operation a request addresses. Paths under /_mock/ belong
// to the control plane; apis says which other descriptions may match.
func (s *Specs) Match(method, path string, apis ...API) (*Operation, map[string]string, bool) {
	for _, o := range s.all {
		if !containsAPI(apis, o.API) || !strings.EqualFold(o.Method, method) {
			continue
		}
		if m := o.re.FindStringSubmatch(path); m != nil {
			params := map[string]string{}
			for i, name := range o.params {
				params[name] = m[i+1]
			}
			return o, params, true
		}
		for _, a := range o.Aliases {
			if a == path {
				return o, map[string]string{}, true
			}
		}
	}
	return nil, nil, false
}

func containsAPI(apis []API, a API) bool {
	for _, x := range apis {
		if x == a {
			return true
		}
	}
	return false
}

// Route builds the kin-openapi route of an operation by hand: our own
// matcher already found it, and this keeps alias paths and any host working.
func (o *Operation) Route() *routers.Route {
	return &routers.Route{Spec: o.Spec, Server: o.Spec.Servers[0], Path: o.Path, PathItem: o.PathItem, Method: o.Method, Operation: o.Operation}
}

// Expand fills a path template with parameters ({videoNo} -> value).
func (o *Operation) Expand(params map[string]string) (string, error) {
	p := o.Path
	for _, name := range o.params {
		v, ok := params[name]
		if !ok {
			return "", fmt.Errorf("operation %s needs the path parameter %q", o.ID, name)
		}
		p = strings.Replace(p, "{"+name+"}", v, 1)
	}
	return p, nil
}

var templateParam = regexp.MustCompile(`\{([^}]+)\}`)

func templateRegexp(path string) (*regexp.Regexp, []string) {
	var names []string
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range templateParam.FindAllStringSubmatchIndex(path, -1) {
		b.WriteString(regexp.QuoteMeta(path[last:m[0]]))
		b.WriteString("([^/]+)")
		names = append(names, path[m[2]:m[3]])
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(path[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String()), names
}

// StatusText is http.StatusText with the number, for messages.
func StatusText(code int) string { return fmt.Sprintf("%d %s", code, http.StatusText(code)) }
