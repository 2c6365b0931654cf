package mock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestResetOneAccount proves POST /_mock/reset?api_key=K forgets K's
// library, balance, journal and faults and leaves every other account as
// it was.
func TestResetOneAccount(t *testing.T) {
	ts := newTestServer(t, Options{})
	file := mediatest.MP4(mediatest.MP4Options{Duration: 5})
	keys := []string{"sk-reset-me", "sk-keep-me"}
	nos := map[string]string{}
	for _, k := range keys {
		up := ts.upload(k, "ns", "eagle_ridge.mp4", file, nil)
		if code(up) != "0000" {
			t.Fatalf("upload %s: %v", k, up)
		}
		nos[k] = data(up)["videoNo"].(string)
		ts.json(http.MethodPut, "/_mock/accounts/"+k+"/balance", "", map[string]any{"credits": 7})
		ts.json(http.MethodPut, "/_mock/faults?api_key="+k, "", map[string]any{"operations": map[string]any{"folders": map[string]any{"error_rate": 1, "error_kind": "network_abnormal"}}})
	}
	ts.clk.Advance(time.Minute)
	ts.srv.Tick()

	if got := ts.json(http.MethodPost, "/_mock/reset?api_key=sk-reset-me", "", nil); got["status"] != "ok" {
		t.Fatalf("reset: %v", got)
	}

	list := func(k string) []any {
		m := ts.json(http.MethodPost, "/serve/api/v1/list_videos", k, map[string]any{"unique_id": "ns", "page": 1, "size": 20})
		vs, _ := data(m)["videos"].([]any)
		return vs
	}
	if vs := list("sk-reset-me"); len(vs) != 0 {
		t.Fatalf("reset account still lists %d videos", len(vs))
	}
	if vs := list("sk-keep-me"); len(vs) != 1 || vs[0].(map[string]any)["video_no"] != nos["sk-keep-me"] {
		t.Fatalf("other account lost its video: %v", vs)
	}
	if _, err := ts.srv.Store().LookupVideo(nos["sk-reset-me"]); err == nil {
		t.Fatal("the reset account's video is still in the store")
	}
	search := func(k string) []any {
		m := ts.json(http.MethodPost, "/serve/api/v1/search", k, map[string]any{"search_param": "eagle ridge", "search_type": "BY_VIDEO", "unique_id": "ns"})
		hits, _ := m["data"].([]any)
		return hits
	}
	if hits := search("sk-reset-me"); len(hits) != 0 {
		t.Fatalf("reset account still finds %d hits", len(hits))
	}
	if hits := search("sk-keep-me"); len(hits) == 0 {
		t.Fatal("other account's video is no longer searchable")
	}
	balance := func(k string) float64 {
		b, _ := ts.json(http.MethodGet, "/_mock/accounts/"+k, "", nil)["balance"].(float64)
		return b
	}
	if b := balance("sk-keep-me"); b >= 7 {
		t.Fatalf("other account's balance = %v, want below the 7 it was set to (search is metered)", b)
	}
	if b := balance("sk-reset-me"); b <= 7 {
		t.Fatalf("reset account's balance = %v, want the free credits back", b)
	}
	folders := func(k string) string {
		return code(ts.json(http.MethodGet, "/serve/api/v1/folders", k, nil))
	}
	if c := folders("sk-keep-me"); c == "0000" {
		t.Fatal("other account lost its faults")
	}
	if c := folders("sk-reset-me"); c != "0000" {
		t.Fatalf("reset account still has faults: %s", c)
	}
	reqs := ts.json(http.MethodGet, "/_mock/requests?api_key=sk-reset-me", "", nil)["requests"].([]any)
	for _, r := range reqs {
		if r.(map[string]any)["operation_id"] == "upload" {
			t.Fatal("the reset account's upload is still journalled")
		}
	}
	other := ts.json(http.MethodGet, "/_mock/requests?api_key=sk-keep-me&limit=1000", "", nil)["requests"].([]any)
	uploads := 0
	for _, r := range other {
		if r.(map[string]any)["operation_id"] == "upload" {
			uploads++
		}
	}
	if uploads != 1 {
		t.Fatalf("other account's journal has %d uploads, want 1", uploads)
	}
}

// TestFaultsForOneAccount proves faults set with api_key hit only that
// account, and that the global form still applies to the others.
func TestFaultsForOneAccount(t *testing.T) {
	ts := newTestServer(t, Options{})
	spec := map[string]any{"operations": map[string]any{"folders": map[string]any{"error_rate": 1, "error_kind": "network_abnormal"}}}
	ts.json(http.MethodPut, "/_mock/faults?api_key=sk-broken", "", spec)
	folders := func(k string) string {
		return code(ts.json(http.MethodGet, "/serve/api/v1/folders", k, nil))
	}
	if c := folders("sk-broken"); c != "0001" {
		t.Fatalf("scoped account answered %s, want the injected 0001", c)
	}
	if c := folders("sk-fine"); c != "0000" {
		t.Fatalf("another account answered %s, want 0000", c)
	}
	got := ts.json(http.MethodGet, "/_mock/faults?api_key=sk-broken", "", nil)
	if got["scoped"] != true || got["operations"].(map[string]any)["folders"] == nil {
		t.Fatalf("scoped faults read back: %v", got)
	}
	if g := ts.json(http.MethodGet, "/_mock/faults", "", nil)["operations"].(map[string]any); len(g) != 0 {
		t.Fatalf("global faults changed: %v", g)
	}
	ts.json(http.MethodPut, "/_mock/faults?api_key=sk-broken", "", map[string]any{"operations": map[string]any{}})
	if c := folders("sk-broken"); c != "0000" {
		t.Fatalf("after clearing, the account answered %s", c)
	}
}

// TestRequestsFind checks verification through the control plane: counts,
// expectations, near misses and per-key deletion.
func TestRequestsFind(t *testing.T) {
	ts := newTestServer(t, Options{})
	for _, q := range []string{"eagle", "falcon"} {
		ts.json(http.MethodPost, "/serve/api/v1/search", "sk-verify-1", map[string]any{"search_param": q, "search_type": "BY_VIDEO", "unique_id": "u1"})
	}
	ts.json(http.MethodPost, "/serve/api/v1/search", "sk-verify-2", map[string]any{"search_param": "eagle", "search_type": "BY_AUDIO"})

	find := func(m map[string]any) map[string]any {
		rec := ts.do(http.MethodPost, "/_mock/requests/find", "", "application/json", jsonReader(t, m))
		if rec.Code != http.StatusOK {
			t.Fatalf("find %v: HTTP %d %s", m, rec.Code, rec.Body.String())
		}
		return decode(t, rec)
	}
	got := find(map[string]any{"operation": "search", "api_key": "sk-verify-1", "body": map[string]any{"search_param": map[string]any{"equals": "eagle"}}})
	if got["count"] != 1.0 || got["ok"] != true {
		t.Fatalf("find: %v", got)
	}
	req := got["requests"].([]any)[0].(map[string]any)
	if req["unique_id"] != "u1" || req["body"].(map[string]any)["search_type"] != "BY_VIDEO" {
		t.Fatalf("journalled request lacks unique_id or body: %v", req)
	}
	if got := find(map[string]any{"operation": "search", "count": 3}); got["count"] != 3.0 || got["ok"] != true {
		t.Fatalf("count 3: %v", got)
	}
	miss := find(map[string]any{"operation": "search", "api_key": "sk-verify-1", "body": map[string]any{"search_param": "eagles"}})
	if miss["count"] != 0.0 || miss["ok"] != false {
		t.Fatalf("wrong matcher matched: %v", miss)
	}
	near := miss["near_misses"].([]any)
	first := near[0].(map[string]any)
	diffs := first["differences"].([]any)
	d := diffs[0].(map[string]any)
	if len(diffs) != 1 || d["field"] != "body.search_param" || d["actual"] != "falcon" && d["actual"] != "eagle" {
		t.Fatalf("best near miss: %v", first)
	}
	rec := ts.do(http.MethodPost, "/_mock/requests/find", "", "application/json", jsonReader(t, map[string]any{"body": map[string]any{"x": map[string]any{"matches": "("}}}))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("bad regex: HTTP %d %s", rec.Code, rec.Body.String())
	}

	del := ts.json(http.MethodDelete, "/_mock/requests?api_key=sk-verify-1", "", nil)
	if del["deleted"] != 2.0 {
		t.Fatalf("delete per key: %v", del)
	}
	if got := find(map[string]any{"operation": "search", "at_least": 0}); got["count"] != 1.0 {
		t.Fatalf("after deleting one key's entries: %v", got)
	}
	ts.json(http.MethodDelete, "/_mock/requests", "", nil)
	if got := find(map[string]any{"at_most": 0}); got["count"] != 0.0 || got["ok"] != true {
		t.Fatalf("after deleting all: %v", got)
	}
}

// TestJournalKeepsBigBodiesAsDigest checks the journal's memory bound.
func TestJournalKeepsBigBodiesAsDigest(t *testing.T) {
	ts := newTestServer(t, Options{})
	big := make([]byte, 70<<10)
	for i := range big {
		big[i] = 'a'
	}
	ts.json(http.MethodPost, "/serve/api/v1/memories/add", "sk-big", map[string]any{"memories": []any{map[string]any{"role": "user", "content": string(big)}}})
	reqs := ts.json(http.MethodGet, "/_mock/requests?api_key=sk-big", "", nil)["requests"].([]any)
	r := reqs[0].(map[string]any)
	if r["body"] != nil {
		t.Fatal("a body over 64 KiB was kept whole")
	}
	dg, _ := r["body_digest"].(map[string]any)
	if dg == nil || dg["size"].(float64) < 70<<10 || len(dg["sha256"].(string)) != 64 {
		t.Fatalf("digest: %v", r)
	}
}

func jsonReader(t *testing.T, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

// TestToolkitBodiesMustBeJSON: a matcher, stub or manifest sent as a form
// (curl -d without a Content-Type) is refused, never read as an empty
// matcher that would match every request.
func TestToolkitBodiesMustBeJSON(t *testing.T) {
	ts := newTestServer(t, Options{})
	for _, path := range []string{"/_mock/requests/find", "/_mock/stubs", "/_mock/fixtures"} {
		rec := ts.do(http.MethodPost, path, "", "application/x-www-form-urlencoded", strings.NewReader(`{"operation":"search"}`))
		// find has no required field, so the form passes the schema and is
		// refused by the handler; the others fail their schema already.
		if rec.Code != http.StatusBadRequest || (path == "/_mock/requests/find" && !strings.Contains(rec.Body.String(), "application/json")) {
			t.Errorf("%s with a form body: %d %s", path, rec.Code, rec.Body.String())
		}
	}
}

// TestAdvanceOneAccount: time moves for one account's pending work only;
// the clock and the other accounts keep their pace.
func TestAdvanceOneAccount(t *testing.T) {
	ts := newTestServer(t, Options{ProcessingTime: time.Minute, ScrapeTime: time.Minute})
	file := mediatest.MP4(mediatest.MP4Options{Duration: 4})
	nos := map[string]string{}
	for _, k := range []string{"sk-fast", "sk-slow"} {
		nos[k] = data(ts.upload(k, "ns", "clip.mp4", file, nil))["videoNo"].(string)
	}
	task := data(ts.json(http.MethodPost, "/serve/api/v1/scraper_url", "sk-fast", map[string]any{"video_urls": []string{"https://www.tiktok.com/@a/video/1"}}))["taskId"].(string)
	before := ts.srv.Clock().Now()

	got := ts.json(http.MethodPost, "/_mock/clock/advance?api_key=sk-fast", "", map[string]any{"seconds": 60})
	if got["now"] != before.UTC().Format(time.RFC3339Nano) || !ts.srv.Clock().Now().Equal(before) {
		t.Fatalf("the mock clock moved: %v", got)
	}
	if st := ts.listVideo("sk-fast", "ns", nos["sk-fast"])["status"]; st != "PARSE" {
		t.Fatalf("advanced account's video: %v", st)
	}
	if st := ts.listVideo("sk-slow", "ns", nos["sk-slow"])["status"]; st != "UNPARSE" {
		t.Fatalf("other account's video: %v, want still UNPARSE", st)
	}
	res := ts.serve(httptestRequest(http.MethodGet, "/serve/api/v1/get_video_ids_by_task_id?task_id="+task, "sk-fast", "", ""))
	if b, _ := json.Marshal(res); !strings.Contains(string(b), "VI") {
		t.Fatalf("the advanced account's scraper task did not download: %s", b)
	}
	ts.json(http.MethodPost, "/_mock/clock/advance", "", map[string]any{"seconds": 60})
	if st := ts.listVideo("sk-slow", "ns", nos["sk-slow"])["status"]; st != "PARSE" {
		t.Fatalf("global advance: %v", st)
	}
}
