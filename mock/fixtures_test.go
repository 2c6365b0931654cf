package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/memharness/memharness/mock/media/mediatest"
	fixture "github.com/memharness/memharness/toolkit/fixtures"
)

const birdsManifest = `
accounts:
  - api_key: sk-birds
    credits: 42
    videos:
      - unique_id: birds
        name: ridge_morning
        created: 2025-10-01T08:00:00Z
        visual:
          - {start: 0, end: 6, text: "a golden eagle circles the ridge"}
          - {start: 6, end: 12, text: "clouds drift over the valley"}
        audio:
          - {start: 0, end: 5, text: "wind and a distant call"}
        summary: "An eagle over a mountain ridge."
        chapters:
          - {title: "The eagle", start: 0, end: 6}
          - {title: "The valley", start: 6, end: 12}
      - unique_id: birds
        name: harbour_boats
        tags: [sea]
        created: 2025-10-01T09:00:00Z
        duration: 20
      - unique_id: birds
        name: broken_upload
        status: FAIL
        cause: unsupported video codec mpeg4
`

func loadBirds(t *testing.T, ts *testServer) {
	t.Helper()
	m, err := fixture.Parse("birds.yaml", []byte(birdsManifest))
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.srv.LoadFixtures(m); err != nil {
		t.Fatal(err)
	}
}

// TestFixtureContentDrivesSearchChatAndTranscripts is the first
// acceptance check: a fixture transcript is what search ranks, what chat
// cites and what the transcript endpoints return, word for word.
func TestFixtureContentDrivesSearchChatAndTranscripts(t *testing.T) {
	ts := newTestServer(t, Options{})
	loadBirds(t, ts)
	list := ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-birds", map[string]any{"unique_id": "birds", "page": 1, "size": 20})
	vids, _ := data(list)["videos"].([]any)
	if len(vids) != 3 {
		t.Fatalf("list_videos: %v", list)
	}
	byName := map[string]map[string]any{}
	for _, v := range vids {
		m := v.(map[string]any)
		byName[m["video_name"].(string)] = m
	}
	ridge := byName["ridge_morning"]["video_no"].(string)
	if byName["broken_upload"]["status"] != "FAILED" || byName["ridge_morning"]["status"] != "PARSE" {
		t.Fatalf("statuses: %v", vids)
	}

	search := ts.json(http.MethodPost, "/serve/api/v1/search", "sk-birds", map[string]any{"search_param": "eagle", "search_type": "BY_VIDEO", "unique_id": "birds"})
	hits, _ := search["data"].([]any)
	if len(hits) == 0 || hits[0].(map[string]any)["videoNo"] != ridge {
		t.Fatalf("search for eagle does not rank the fixture first: %v", search)
	}

	tr := ts.serve(httptestRequest(http.MethodGet, "/serve/api/v1/get_video_transcription?video_no="+ridge+"&unique_id=birds", "sk-birds", "", ""))
	if b, _ := json.Marshal(tr); !strings.Contains(string(b), "a golden eagle circles the ridge") || !strings.Contains(string(b), "clouds drift over the valley") {
		t.Fatalf("transcript is not the fixture's: %s", b)
	}

	hs := httptest.NewServer(ts.srv.Handler())
	defer hs.Close()
	body := `{"video_nos":["` + ridge + `"],"prompt":"Where does the eagle fly?","unique_id":"birds"}`
	req, _ := http.NewRequest(http.MethodPost, hs.URL+"/serve/api/v1/chat_stream", strings.NewReader(body))
	req.Header.Set("Authorization", "sk-birds")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	stream := readAll(res.Body)
	res.Body.Close()
	if !strings.Contains(stream, "a golden eagle circles the ridge") {
		t.Fatalf("chat_stream does not cite the fixture segment:\n%.2000s", stream)
	}
	acct := ts.json(http.MethodGet, "/_mock/accounts/sk-birds", "", nil)
	if acct["balance"].(float64) > 42 {
		t.Fatalf("balance %v, want at most the fixture's 42", acct["balance"])
	}
}

// TestExportLoadRoundTrip: what export writes loads back into a fresh
// mock as the same library, generated content included.
func TestExportLoadRoundTrip(t *testing.T) {
	a := newTestServer(t, Options{})
	loadBirds(t, a)
	// An upload the fixture did not describe: its generated content must
	// survive the round trip too.
	up := a.upload("sk-birds", "birds", "forest_walk.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 9, Audio: true}), nil)
	if code(up) != "0000" {
		t.Fatal(up)
	}
	a.clk.Advance(5 * 60e9)
	a.srv.Tick()
	first := a.json(http.MethodGet, "/_mock/export?api_key=sk-birds", "", nil)
	raw, _ := json.Marshal(first)

	b := newTestServer(t, Options{Seed: 99}) // another seed: content can only come from the manifest
	rec := b.do(http.MethodPost, "/_mock/fixtures", "", "application/json", bytes.NewReader(raw))
	if rec.Code != http.StatusOK {
		t.Fatalf("load export: %d %s", rec.Code, rec.Body.String())
	}
	second := b.json(http.MethodGet, "/_mock/export?api_key=sk-birds", "", nil)
	if !reflect.DeepEqual(first, second) {
		x, _ := json.MarshalIndent(first, "", " ")
		y, _ := json.MarshalIndent(second, "", " ")
		t.Fatalf("round trip differs:\n%s\n---\n%s", x, y)
	}
	videos := first["accounts"].([]any)[0].(map[string]any)["videos"].([]any)
	if len(videos) != 4 {
		t.Fatalf("exported %d videos, want 4", len(videos))
	}
	only := a.json(http.MethodGet, "/_mock/export?api_key=sk-birds&unique_id=nowhere", "", nil)
	if vs := only["accounts"].([]any)[0].(map[string]any)["videos"]; vs != nil {
		t.Fatalf("unique_id filter: %v", vs)
	}
}

// TestBadManifestLoadsNothing: an error names file, line and field, and
// the valid part of the manifest is not loaded either.
func TestBadManifestLoadsNothing(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "a_good.yaml")
	bad := filepath.Join(dir, "b_bad.yaml")
	if err := os.WriteFile(good, []byte("accounts:\n  - api_key: sk-fx-good\n    videos:\n      - name: fine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("accounts:\n  - api_key: sk-fx-bad\n    videos:\n      - name: one\n      - name: two\n        status: PARSED\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{Fixtures: []string{dir}, RateLimits: "off"})
	var fe *fixture.Error
	if !errors.As(err, &fe) || fe.File != bad || fe.Line != 6 || fe.Field != "accounts[0].videos[1].status" {
		t.Fatalf("New with a bad manifest: %v", err)
	}

	// At run time: a missing media file fails the whole load.
	ts := newTestServer(t, Options{})
	body := `{"accounts":[{"api_key":"sk-fx-run","videos":[{"name":"ok"},{"name":"gone","file":"/nonexistent/clip.mp4"}]}]}`
	rec := ts.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(body))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "clip.mp4") {
		t.Fatalf("missing file: %d %s", rec.Code, rec.Body.String())
	}
	list := ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-fx-run", map[string]any{"page": 1, "size": 20})
	if vs, _ := data(list)["videos"].([]any); len(vs) != 0 {
		t.Fatalf("a failed load left %d videos", len(vs))
	}
}

// TestFixtureFileIsProbed: a media file is read and probed like an upload,
// its bytes downloadable; media the API would refuse fails.
func TestFixtureFileIsProbed(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clip.mp4"), mediatest.MP4(mediatest.MP4Options{Duration: 7, Width: 640, Height: 360}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "junk.mp4"), []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "lib.yaml")
	if err := os.WriteFile(manifest, []byte("accounts:\n  - api_key: sk-fx-file\n    videos:\n      - file: clip.mp4\n      - file: junk.mp4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, Options{Fixtures: []string{manifest}})
	list := ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-fx-file", map[string]any{"page": 1, "size": 20})
	vs, _ := data(list)["videos"].([]any)
	if len(vs) != 2 {
		t.Fatalf("list: %v", list)
	}
	st := map[string]string{}
	for _, v := range vs {
		m := v.(map[string]any)
		st[m["video_name"].(string)] = m["status"].(string)
	}
	if st["clip"] != "PARSE" || st["junk"] != "FAILED" {
		t.Fatalf("statuses %v, want clip PARSE and junk FAILED (the wire spelling)", st)
	}
}

// TestFixtureRequestBodyErrorNamesLine: a manifest posted to the control
// plane is refused with the line and field of the problem.
func TestFixtureRequestBodyErrorNamesLine(t *testing.T) {
	ts := newTestServer(t, Options{})
	// Shape errors are caught by the control plane's schema, with the field.
	body := "{\"accounts\": [\n  {\"api_key\": \"sk-line\",\n   \"videos\": [{\"name\": \"a\", \"status\": \"DONE\"}]}]}"
	rec := ts.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(body))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "accounts.0.videos.0.status") {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	// The manifest's own rules name the line of the body as sent.
	body = "{\"accounts\": [\n  {\"api_key\": \"sk-line\",\n   \"videos\": [{\"name\": \"a\",\n     \"visual\": [{\"start\": 5, \"end\": 2, \"text\": \"x\"}]}]}]}"
	rec = ts.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(body))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "request body:4: accounts[0].videos[0].visual[0]") {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
}

// TestFixtureImages: images load (probed from their file), list, and
// round-trip through export like videos.
func TestFixtureImages(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "eagle.png"), mediatest.PNG(64, 48, 7), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "imgs.yaml")
	src := "accounts:\n  - api_key: sk-img\n    images:\n      - file: eagle.png\n        unique_id: birds\n        tags: [bird]\n        created: 2025-10-02T10:00:00Z\n"
	if err := os.WriteFile(manifest, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	a := newTestServer(t, Options{Fixtures: []string{manifest}})
	first := a.json(http.MethodGet, "/_mock/export?api_key=sk-img", "", nil)
	imgs := first["accounts"].([]any)[0].(map[string]any)["images"].([]any)
	im := imgs[0].(map[string]any)
	if len(imgs) != 1 || im["name"] != "eagle" || im["width"] != 64.0 || im["height"] != 48.0 || im["format"] == "" {
		t.Fatalf("exported images: %v", imgs)
	}
	list := a.json(http.MethodPost, "/serve/api/v1/img_list_page", "sk-img", map[string]any{"unique_id": "birds", "page": 1, "size": 10})
	if b, _ := json.Marshal(list); !strings.Contains(string(b), im["id"].(string)) {
		t.Fatalf("img_list_page does not list the fixture image: %s", b)
	}
	raw, _ := json.Marshal(first)
	b := newTestServer(t, Options{})
	if rec := b.do(http.MethodPost, "/_mock/fixtures", "", "application/json", bytes.NewReader(raw)); rec.Code != http.StatusOK {
		t.Fatalf("load export: %d %s", rec.Code, rec.Body.String())
	}
	if second := b.json(http.MethodGet, "/_mock/export?api_key=sk-img", "", nil); !reflect.DeepEqual(first, second) {
		t.Fatalf("image round trip differs:\n%v\n%v", first, second)
	}
	bad := "accounts:\n  - api_key: sk-img2\n    images:\n      - file: missing.png\n"
	if err := os.WriteFile(manifest, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Fixtures: []string{manifest}, RateLimits: "off"}); err == nil || !strings.Contains(err.Error(), "imgs.yaml:4") {
		t.Fatalf("missing image file: %v", err)
	}
}
