package drift

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
)

// Flusher is waited on before a report is rendered, so the report covers
// every exchange answered before the call (proxy.Gateway.Drain).
type Flusher interface{ Drain() }

// Handler serves GET /_mock/drift (JSON) and ?format=html; DELETE clears
// the findings.
func (c *Collector) Handler(before ...Flusher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
		case http.MethodDelete:
			for _, f := range before {
				f.Drain()
			}
			c.Reset()
			w.WriteHeader(http.StatusNoContent)
			return
		default:
			w.Header().Set("Allow", "GET, DELETE")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		for _, f := range before {
			f.Drain()
		}
		rep := c.Report()
		if r.URL.Query().Get("format") == "html" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = WriteHTML(w, rep)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	})
}

// WriteHTML renders a report as a standalone page.
func WriteHTML(w io.Writer, r Report) error { return page.Execute(w, r) }

var page = template.Must(template.New("drift").Funcs(template.FuncMap{
	"ts": func(t interface{ Format(string) string }) string { return t.Format("2006-01-02 15:04:05.000 MST") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>memharness drift report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.4em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4} code{font:12px ui-monospace,monospace}
.ok{color:#176f2c;font-weight:600} .where{font-variant:small-caps}
details pre{white-space:pre-wrap;word-break:break-all;background:#f8f8f8;padding:.6em;max-height:24em;overflow:auto}
</style></head><body>
<h1>Drift report</h1>
<p>Generated {{ts .Generated}} &middot; {{.Exchanges}} exchanges checked &middot; {{.Operations}} operations.</p>
{{if not .Findings}}<p class="ok">No drift: every answer matched the description.</p>{{else}}
<table><thead><tr><th>operation</th><th>where</th><th>pointer</th><th>rule</th><th>count</th><th>first / last seen</th></tr></thead><tbody>
{{range .Findings}}<tr>
<td><code>{{.Method}} {{.Path}}</code><br>{{.Operation}} <small>({{.Surface}})</small></td>
<td class="where">{{.Where}}</td><td><code>{{.Pointer}}</code></td><td>{{.Rule}}
<details><summary>example</summary>
<p><code>{{.Example.Pointer}}</code>: {{.Example.Reason}}</p>
<pre>{{.Example.Request.Method}} {{.Example.Request.URL}}
{{range .Example.Request.Headers}}{{.Name}}: {{.Value}}
{{end}}
{{.Example.Request.Body}}</pre>
<pre>HTTP {{.Example.Response.Status}}
{{range .Example.Response.Headers}}{{.Name}}: {{.Value}}
{{end}}
{{.Example.Response.Body}}</pre></details></td>
<td>{{.Count}}</td><td>{{ts .FirstSeen}}<br>{{ts .LastSeen}}</td></tr>
{{end}}</tbody></table>{{end}}
</body></html>
`))

// Description is the OpenAPI description of /_mock/drift (drift.yaml).
//
//go:embed drift.yaml
var Description []byte
