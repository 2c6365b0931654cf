package v2

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/openapi"
)

// exampleAssetID finds asset ids in spec examples, alone or inside URLs.
var exampleAssetID = regexp.MustCompile(`\b(re|imc?)_[0-9][0-9_]{5,}`)

// withID replaces every asset id of an example value with id.
func withID(v any, id string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = withID(e, id)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withID(e, id)
		}
		return out
	case string:
		return exampleAssetID.ReplaceAllLiteralString(x, id)
	}
	return v
}

// assetOp is an operation of memories-v2.yaml that names an asset, in the
// path or in its JSON request example.
type assetOp struct {
	id, method, path string
	example          any
}

func assetOps(t *testing.T) []assetOp {
	t.Helper()
	spec, err := openapi.MemoriesV2()
	if err != nil {
		t.Fatal(err)
	}
	var out []assetOp
	for p, item := range spec.Paths.Map() {
		for method, o := range item.Operations() {
			if strings.HasPrefix(o.OperationID, "v2_signed_upload") {
				continue // authorised by the signed URL's token, not the key
			}
			op := assetOp{id: o.OperationID, method: method, path: p}
			if rb := o.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil {
					op.example = mt.Example
					if op.example == nil {
						for _, ex := range mt.Examples {
							if ex != nil && ex.Value != nil {
								op.example = ex.Value.Value
								break
							}
						}
					}
				}
			}
			raw, _ := json.Marshal(op.example)
			if strings.Contains(p, "{asset_id}") || exampleAssetID.Match(raw) || op.id == "v2_download_blob" {
				out = append(out, op)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// TestAssetIsolationAcrossAccounts: for every operation that names an
// asset, another account using the asset's id is refused with a 4xx in
// seed 000's envelope, never served; the owner's asset is intact
// afterwards (bytes, status) and another account lists none of it.
func TestAssetIsolationAcrossAccounts(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	const owner, other = "sk-owner", "sk-intruder"
	hook := newReceiver(t, 0)
	ts.p.Accounts.SetWebhook(owner, hook.srv.URL)
	ts.p.Accounts.SetWebhook(other, hook.srv.URL)
	video := sampleMP4()
	vid := ts.ready(owner, "private.mp4", video)
	img := ts.ready(owner, "private.png", pngBytes())
	ops := assetOps(t)
	if len(ops) < 8 {
		t.Fatalf("only %d operations name an asset", len(ops))
	}
	for _, op := range ops {
		t.Run(op.id, func(t *testing.T) {
			id := vid
			if strings.Contains(op.id, "image") || strings.Contains(op.id, "_iu_") || strings.Contains(op.id, "_ilm_") {
				id = img
			}
			path := strings.NewReplacer("{asset_id}", id).Replace(op.path)
			if op.id == "v2_download_blob" {
				path += "?bucket=" + Bucket + "&blob=" + id + ".mp4"
			}
			send := func(key string) answer {
				if op.example != nil {
					return ts.json(op.method, path, key, withID(op.example, id))
				}
				return ts.do(op.method, path, key, "", nil)
			}
			a := send(other)
			if a.Status < 400 || a.Status >= 500 {
				t.Fatalf("another account's %s %s answered HTTP %d: %.300s", op.method, path, a.Status, a.Raw)
			}
			if a.Body["success"] != false || a.Body["failed"] != true || a.Body["data"] != nil {
				t.Fatalf("refusal is not seed 000's error envelope: %.300s", a.Raw)
			}
			if !strings.HasPrefix(op.id, "v2_delete") {
				// The same request from the owner is served: the refusal
				// was the account's, not the request's.
				if own := send(owner); own.Status != http.StatusOK {
					t.Fatalf("the owner's own request answered HTTP %d: %.300s", own.Status, own.Raw)
				}
			}
			ts.clk.Advance(2 * time.Second)
		})
	}
	if got := ts.s.Assets(ts.p.Accounts.Resolve(other)); len(got) != 0 {
		t.Fatalf("the other account holds %d assets", len(got))
	}
	if st := ts.status(owner, vid); st != StatusSuccess {
		t.Fatalf("owner's video is %s after the other account's attempts", st)
	}
	if dl := ts.do(http.MethodGet, "/"+vid+"/download", owner, "", nil); !bytes.Equal(dl.Raw, video) {
		t.Fatal("owner's bytes changed")
	}
}
