package mock

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/platform/apierr"
)

// TestGeneratedAnswersAreSchemaValid runs the example/schema generator (the
// fallback for an operation without a stateful handler) for every emulated
// operation and checks the envelope it would send against the operation's
// success schema, and that it is deterministic.
func TestGeneratedAnswersAreSchemaValid(t *testing.T) {
	ts := newTestServer(t, Options{})
	for id, op := range ts.srv.ops {
		if op.control || strings.HasSuffix(id, "_stream") || id == "download" {
			continue // streams and downloads succeed with a non-JSON body
		}
		t.Run(id, func(t *testing.T) {
			run := func() []byte {
				rec := httptest.NewRecorder()
				c, _ := gin.CreateTestContext(rec)
				c.Request = httptest.NewRequest(op.method, op.path, strings.NewReader(`{}`))
				cl := &call{s: ts.srv, c: c, op: op}
				d, err := ts.srv.generated(op)(cl)
				if err != nil {
					t.Fatal(err)
				}
				env := apierr.Envelope{Code: CodeOK, Msg: "success", Data: d, Success: new(true), Failed: new(false)}
				if op.caption {
					env = apierr.Envelope{Code: 0, Msg: "success", Data: d}
				}
				raw, err := json.Marshal(env)
				if err != nil {
					t.Fatal(err)
				}
				return raw
			}
			a, b := run(), run()
			if string(a) != string(b) {
				t.Fatalf("not deterministic:\n%s\n%s", a, b)
			}
			sc := successSchema(op)
			if sc == nil {
				t.Skip("no JSON success schema (binary or stream only)")
			}
			var v any
			_ = json.Unmarshal(a, &v)
			if err := sc.VisitJSON(v); err != nil {
				t.Fatalf("generated answer does not match the schema: %v\n%s", err, a)
			}
		})
	}
	_ = http.MethodGet
}
