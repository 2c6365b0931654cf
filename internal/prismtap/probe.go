package prismtap

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// pathParam matches a {name} segment of a path template.
var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// Probe proves Prism validates request bodies for real: for every operation
// of doc with a JSON request body it sends, through prism, a body of the
// wrong JSON type (a string where the schema wants an object, an object
// where it wants an array) and collects the operations for which Prism
// reported no request violation. A schema Prism's validator cannot compile
// is skipped silently by Prism (a nullable enum listing null did that to
// SearchRequest), and this is how such a schema shows. header is sent with
// every request (the API key).
func Probe(ctx context.Context, client *http.Client, prism string, doc *openapi3.T, header http.Header) (checked int, silent []string, err error) {
	paths := doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, path := range keys {
		for method, op := range paths[path].Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				continue
			}
			body := `"not the documented body"`
			if mt.Schema.Value.Type.Is("string") {
				body = `{"not": "a string"}`
			}
			u := prism + pathParam.ReplaceAllString(path, "probe")
			req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
			if err != nil {
				return checked, silent, err
			}
			for k, vs := range header {
				req.Header[k] = vs
			}
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				return checked, silent, fmt.Errorf("prismtap: probe %s %s: %w", method, path, err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			checked++
			var vs []Violation
			if h := res.Header.Get("sl-violations"); h != "" {
				if vs, err = parseHeader(h); err != nil {
					return checked, silent, err
				}
			}
			if !hasRequestBodyViolation(vs) {
				silent = append(silent, fmt.Sprintf("%s %s (%s)", method, path, op.OperationID))
			}
		}
	}
	return checked, silent, nil
}

func hasRequestBodyViolation(vs []Violation) bool {
	for _, v := range vs {
		if len(v.Location) >= 2 && v.Location[0] == "request" && v.Location[1] == "body" {
			return true
		}
	}
	return false
}
