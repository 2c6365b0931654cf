package mock

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

func init() {
	// The spec sweep validates every control answer; the reference's
	// pages, sources and bundle are text, so their decoder hands it over.
	for _, ct := range []string{"text/html", "application/yaml", "text/javascript"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// TestDocsServed: the control plane serves the API reference (refdocs
// tests its content) and guards it with the control token like the rest.
func TestDocsServed(t *testing.T) {
	ts := newTestServer(t, Options{})
	tests := []struct {
		name, path, want string
		code             int
	}{
		{name: "index", path: "/_mock/docs", code: 200, want: "memharness mock control plane"},
		{name: "page", path: "/_mock/docs/memories", code: 200, want: `<div id="redoc">`},
		{name: "description", path: "/_mock/docs/control.json", code: 200, want: `"mock_docs_page"`},
		{name: "unknown page", path: "/_mock/docs/nope", code: 404, want: `{"error":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			ts.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("GET %s: %d %.200s; want %d with %q", tt.path, rec.Code, rec.Body.String(), tt.code, tt.want)
			}
		})
	}

	locked := newTestServer(t, Options{ControlToken: "secret"})
	rec := httptest.NewRecorder()
	locked.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_mock/docs", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("without the control token: %d", rec.Code)
	}
}
