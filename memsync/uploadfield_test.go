package memsync

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"testing"
)

// TestFileAsTextFieldIs422: a `file` form field sent as plain text (no filename in its
// Content-Disposition) answers FastAPI's 422 {"detail":[...]} on both paths, validated against
// memsync.yaml by the harness, and leaves the key usable; a file part with an empty filename
// is still a file, as Starlette decides.
func TestFileAsTextFieldIs422(t *testing.T) {
	for _, path := range []string{"/v1/integrations/files", "/integrations/files"} {
		t.Run(path, func(t *testing.T) {
			h := newHarness(t, Options{})
			res := h.upload(path, "k-text-field", "", nil, map[string]string{"file": "hello"})
			if res.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", res.status, res.raw)
			}
			detail, _ := res.body["detail"].([]any)
			if len(detail) != 1 {
				t.Fatalf("detail %v, want one entry", res.body["detail"])
			}
			d, _ := detail[0].(map[string]any)
			loc, _ := d["loc"].([]any)
			if d["type"] != "value_error" || len(loc) != 2 || loc[0] != "body" || loc[1] != "file" || d["input"] != "hello" {
				t.Errorf("detail entry %v", d)
			}
			if _, enveloped := res.body["error"]; enveloped {
				t.Errorf("a FastAPI validation answer carries no MemSync envelope: %s", res.raw)
			}
			list := h.do(http.MethodGet, "/v1/api-keys", "k-text-field", nil)
			if list.status != http.StatusOK {
				t.Fatalf("the key should still work: %d %s", list.status, list.raw)
			}
		})
	}

	t.Run("empty filename is a file", func(t *testing.T) {
		h := newHarness(t, Options{})
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", `form-data; name="file"; filename=""`)
		hdr.Set("Content-Type", "text/plain")
		p, _ := mw.CreatePart(hdr)
		_, _ = p.Write([]byte("I went hiking in the Alps."))
		_ = mw.Close()
		req := httptest.NewRequest(http.MethodPost, "/v1/integrations/files", bytes.NewReader(buf.Bytes()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("X-API-Key", "k-empty-name")
		res := h.send(req, buf.Bytes())
		if res.status == http.StatusUnprocessableEntity {
			t.Fatalf("a file part with an empty filename was taken for a text field: %s", res.raw)
		}
	})
}
