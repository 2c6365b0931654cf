package refdocs

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

const prefix = "/_mock/docs"

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

// TestIndexListsEverySpecAndOperation: the index names every embedded
// description and every one of its operations (method, path, operationId),
// with the control plane in a section of its own after the emulated APIs.
func TestIndexListsEverySpecAndOperation(t *testing.T) {
	specs, err := EmbeddedSpecs()
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) < 3 || specs[0].Name != "memories" || specs[len(specs)-1].Name != "control" {
		t.Fatalf("want memories first and control last, got %v", names(specs))
	}
	h := New(prefix, nil)
	rec := get(t, h, http.MethodGet, prefix)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := html.UnescapeString(rec.Body.String())
	api, control := strings.Index(page, "<h2>"+SectionAPI+"</h2>"), strings.Index(page, "<h2>"+SectionControl+"</h2>")
	if api < 0 || control < api {
		t.Fatalf("sections: %q at %d, %q at %d", SectionAPI, api, SectionControl, control)
	}
	for _, s := range specs {
		var doc struct {
			Info  struct{ Title string }
			Paths map[string]map[string]json.RawMessage
		}
		if err := json.Unmarshal(s.JSON, &doc); err != nil {
			t.Fatal(err)
		}
		at := strings.Index(page, `<article id="`+s.Name+`">`)
		if at < 0 || !strings.Contains(page[at:], doc.Info.Title) {
			t.Errorf("%s: no article with title %q", s.Name, doc.Info.Title)
			continue
		}
		if (s.Name == "control") != (at > control) {
			t.Errorf("%s is in the wrong section", s.Name)
		}
		n := 0
		for p, item := range doc.Paths {
			for method, raw := range item {
				if _, ok := methodOrder[method]; !ok {
					continue
				}
				var o struct {
					OperationID string `json:"operationId"`
				}
				if err := json.Unmarshal(raw, &o); err != nil {
					t.Fatal(err)
				}
				n++
				row := regexp.MustCompile(`(?s)<td class="m \w+">` + strings.ToUpper(method) + `</td><td><code>` + regexp.QuoteMeta(p) + `</code></td><td>.{0,200}<code>` + regexp.QuoteMeta(o.OperationID) + `</code>`)
				if !row.MatchString(page) {
					t.Errorf("%s: no row for %s %s (%s)", s.Name, method, p, o.OperationID)
				}
			}
		}
		if !strings.Contains(page, s.Name+".json</a> · "+itoa(n)+" operations") {
			t.Errorf("%s: operation count %d not shown", s.Name, n)
		}
	}
}

// TestSpecPages: every description has a Redoc page that loads the embedded
// bundle and that description, and the description is served byte for byte.
func TestSpecPages(t *testing.T) {
	specs, err := EmbeddedSpecs()
	if err != nil {
		t.Fatal(err)
	}
	h := New(prefix, nil)
	for _, s := range specs {
		rec := get(t, h, http.MethodGet, prefix+"/"+s.Name)
		// html/template escapes "/" in script strings as "\/".
		body := strings.ReplaceAll(rec.Body.String(), `\/`, "/")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s page: %d", s.Name, rec.Code)
		}
		for _, want := range []string{
			`import { init } from "` + prefix + `/` + BundleName + `"`,
			`init("` + prefix + `/` + s.Name + `.json"`,
			`<div id="redoc">`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s page lacks %q", s.Name, want)
			}
		}
		if rec := get(t, h, http.MethodGet, prefix+"/"+s.Name+".json"); !bytes.Equal(rec.Body.Bytes(), s.JSON) || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s.json not served as embedded (%s)", s.Name, rec.Header().Get("Content-Type"))
		}
		if rec := get(t, h, http.MethodGet, prefix+"/"+s.Name+".yaml"); !bytes.Equal(rec.Body.Bytes(), s.YAML) {
			t.Errorf("%s.yaml not served as embedded", s.Name)
		}
	}
}

// externalRef matches a URL that a browser would fetch from another host.
var externalRef = regexp.MustCompile(`(?i)(src|href|from|url)\s*[=(]?\s*["']?(https?:)?//`)

// TestOffline: nothing the reference serves makes the browser contact
// another host. The pages reference only this handler's files, a content
// security policy forbids other origins, and the bundle is the vendored one,
// which names no font or script CDN.
func TestOffline(t *testing.T) {
	h := New(prefix, nil)
	specs, err := EmbeddedSpecs()
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{prefix}
	for _, s := range specs {
		paths = append(paths, prefix+"/"+s.Name)
	}
	for _, p := range paths {
		rec := get(t, h, http.MethodGet, p)
		if m := externalRef.FindString(strings.ReplaceAll(rec.Body.String(), `\/`, "/")); m != "" {
			t.Errorf("%s references another host: %q", p, m)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "http") {
			t.Errorf("%s: content security policy %q", p, csp)
		}
		body := strings.ReplaceAll(rec.Body.String(), `\/`, "/")
		for _, link := range regexp.MustCompile(`(?:href|from|init\()\s*=?\s*"(/[^"#]*)`).FindAllStringSubmatch(body, -1) {
			if r := get(t, h, http.MethodGet, link[1]); r.Code != http.StatusOK {
				t.Errorf("%s links %s, which answers %d", p, link[1], r.Code)
			}
		}
	}
	rec := get(t, h, http.MethodGet, prefix+"/"+BundleName)
	want, err := os.ReadFile("assets/" + BundleName)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), want) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("bundle not served as vendored (%s)", rec.Header().Get("Content-Type"))
	}
	for _, cdn := range []string{"fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "unpkg.com"} {
		if bytes.Contains(want, []byte(cdn)) {
			t.Errorf("vendored bundle mentions %s", cdn)
		}
	}
	// Why: the one resource the bundle loads from elsewhere is Redocly's
	// attribution logo (an <img> hidden on error); img-src 'self' blocks it,
	// so offline the sidebar shows "API docs by" without the logo.
	srcs := regexp.MustCompile("src:[^`]{0,20}`(https?://[^`]+)`").FindAllSubmatch(want, -1)
	if len(srcs) == 0 {
		t.Error("the attribution logo's src was not found: re-check what the bundle loads")
	}
	for _, m := range srcs {
		if !strings.HasPrefix(string(m[1]), "https://cdn.redoc.ly/redoc/logo-mini") {
			t.Errorf("bundle loads %s", m[1])
		}
	}
}

// TestVendoredVersion: the bundle, assets/VERSION and vendor.sh agree on
// the pinned Redoc version, so a hand-replaced bundle is noticed.
func TestVendoredVersion(t *testing.T) {
	script, err := os.ReadFile("vendor.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^VERSION=(\S+)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("vendor.sh pins no VERSION")
	}
	version := string(m[1])
	integrity := regexp.MustCompile(`(?m)^INTEGRITY=(\S+)$`).FindSubmatch(script)
	meta, err := assets.ReadFile("assets/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if integrity == nil || string(meta) != "redoc "+version+" "+string(integrity[1])+"\n" {
		t.Errorf("assets/VERSION %q does not match vendor.sh (%s)", meta, version)
	}
	head := make([]byte, 400)
	f, err := assets.Open("assets/" + BundleName)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.ReadFull(f, head); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(head, []byte("Version: "+version+"\n")) {
		t.Errorf("bundle header is not Redoc %s: %q", version, head)
	}
}

func TestRequests(t *testing.T) {
	h := New(prefix+"/", nil)
	tests := []struct {
		name, method, path string
		code               int
		contentType        string
	}{
		{name: "index", method: http.MethodGet, path: prefix, code: 200, contentType: "text/html; charset=utf-8"},
		{name: "index with slash", method: http.MethodGet, path: prefix + "/", code: 200, contentType: "text/html; charset=utf-8"},
		{name: "head", method: http.MethodHead, path: prefix + "/memories", code: 200, contentType: "text/html; charset=utf-8"},
		{name: "licence", method: http.MethodGet, path: prefix + "/LICENSE.redoc", code: 200, contentType: "text/plain; charset=utf-8"},
		{name: "unknown page", method: http.MethodGet, path: prefix + "/nope", code: 404},
		{name: "no traversal", method: http.MethodGet, path: prefix + "/../openapi/memories.yaml", code: 404},
		{name: "outside the prefix", method: http.MethodGet, path: "/other", code: 404},
		{name: "post", method: http.MethodPost, path: prefix, code: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, h, tt.method, tt.path)
			if rec.Code != tt.code {
				t.Fatalf("%s %s: %d, want %d", tt.method, tt.path, rec.Code, tt.code)
			}
			if tt.contentType != "" && rec.Header().Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tt.contentType)
			}
			if tt.code >= 400 {
				// The control plane's error shape.
				var e struct{ Error string }
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
					t.Errorf("error body %q is not {\"error\":...}", rec.Body.String())
				}
			}
		})
	}
}

// TestCustomSpecs: a description without a YAML source or tags still gets
// a page and an index entry, and a load error is a 500, not a panic.
func TestCustomSpecs(t *testing.T) {
	h := New(prefix, func() ([]Spec, error) {
		return []Spec{{Name: "tiny", Section: SectionAPI, JSON: []byte(`{"openapi":"3.0.3","info":{"title":"Tiny <API>","version":"1"},"paths":{"/x":{"get":{"operationId":"getX"}}}}`)}}, nil
	})
	rec := get(t, h, http.MethodGet, prefix)
	if !strings.Contains(rec.Body.String(), "Tiny &lt;API&gt;") || !strings.Contains(rec.Body.String(), "<code>getX</code>") {
		t.Errorf("index: %s", rec.Body.String())
	}
	if rec := get(t, h, http.MethodGet, prefix+"/tiny.yaml"); rec.Code != http.StatusNotFound {
		t.Errorf("yaml of a spec without one: %d", rec.Code)
	}
	broken := New(prefix, func() ([]Spec, error) { return nil, errors.New("boom") })
	if rec := get(t, broken, http.MethodGet, prefix); rec.Code != http.StatusInternalServerError {
		t.Errorf("load error: %d", rec.Code)
	}
	bad := New(prefix, func() ([]Spec, error) { return []Spec{{Name: "bad", JSON: []byte("{")}}, nil })
	if rec := get(t, bad, http.MethodGet, prefix); rec.Code != http.StatusInternalServerError {
		t.Errorf("invalid JSON: %d", rec.Code)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"API Keys": "api-keys", "Control": "control", "understand_uploadImg": "understand_uploadimg", " a--b ": "a-b"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func names(specs []Spec) []string {
	var out []string
	for _, s := range specs {
		out = append(out, s.Name)
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
