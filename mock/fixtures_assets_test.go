package mock

import (
	"bytes"
	"encoding/json"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/openapi"
	fixture "github.com/memharness/memharness/toolkit/fixtures"
)

// v2Assets writes a manifest with v2 assets beside a generated MP4 and
// returns the manifest's path and the MP4's bytes.
func v2AssetsManifest(t *testing.T, src string) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	clip := mediatest.MP4(mediatest.MP4Options{Duration: 12, Width: 640, Height: 360, Audio: true})
	if err := os.WriteFile(filepath.Join(dir, "beach.mp4"), clip, 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "assets.yaml")
	if err := os.WriteFile(manifest, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return manifest, clip
}

const v2AssetsYAML = `accounts:
  - api_key: sk-alias
    assets:
      - asset_id: re_612345678901234567
        file: beach.mp4
        created: 2025-10-01T08:00:00Z
      - file: beach.mp4
        name: later.mp4
        status: UPLOADING
      - name: broken.mov
        status: FAILED
        cause: unsupported codec
        size: 2048
        created: 2025-10-02T08:00:00Z
        modified: 2025-10-02T08:00:03Z
`

// v2Meta is the one metadata row of an asset, and the HTTP status.
func v2Meta(t *testing.T, ts *testServer, key, id string) (int, map[string]any) {
	t.Helper()
	rec := ts.do(http.MethodGet, "/serve/api/v2/"+id+"/metadata", key, "", nil)
	body := decode(t, rec)
	d, _ := body["data"].(map[string]any)
	rows, _ := d["resource"].([]any)
	if len(rows) != 1 {
		return rec.Code, body
	}
	return rec.Code, rows[0].(map[string]any)
}

// controlAssets is GET /_mock/v2/assets by id.
func controlAssets(t *testing.T, ts *testServer, key string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, a := range ts.json(http.MethodGet, "/_mock/v2/assets?api_key="+key, "", nil)["assets"].([]any) {
		m := a.(map[string]any)
		out[m["filename"].(string)] = m
	}
	return out
}

// TestFixtureV2Assets: a manifest's v2 asset with a file is stored and
// probed like an upload, under the account its (linked) key belongs to:
// metadata answers SUCCESS, the probed facts are the file's, download
// returns the exact bytes and a chat completion about it answers;
// UPLOADING completes on the clock; FAILED keeps its cause and size.
func TestFixtureV2Assets(t *testing.T) {
	ts := newTestServer(t, Options{})
	if linked := ts.json(http.MethodPut, "/_mock/accounts/sk-v2fx/keys", "", map[string]any{"keys": []string{"sk-alias"}}); linked["account"] != "sk-v2fx" {
		t.Fatalf("link: %v", linked)
	}
	path, clip := v2AssetsManifest(t, v2AssetsYAML)
	m, err := fixture.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.srv.LoadFixtures(m); err != nil {
		t.Fatal(err)
	}
	const id = "re_612345678901234567"
	// The owner's key sees what was loaded under its linked key.
	st, row := v2Meta(t, ts, "sk-v2fx", id)
	created := strconv.FormatInt(time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC).UnixMilli(), 10)
	if st != http.StatusOK || row["upload_status"] != "SUCCESS" || row["file_size"] != strconv.Itoa(len(clip)) ||
		row["original_filename"] != "beach" || row["extension"] != "mp4" || row["create_time"] != created || row["modify_time"] != created {
		t.Fatalf("metadata: %d %v", st, row)
	}
	facts := controlAssets(t, ts, "sk-v2fx")
	beach := facts["beach.mp4"]
	if d, _ := beach["duration"].(float64); math.Abs(d-12) > 0.1 || beach["width"] != 640.0 || beach["height"] != 360.0 ||
		beach["has_audio"] != true || beach["kind"] != "video" || beach["sha256"] == "" {
		t.Fatalf("probed facts: %v", beach)
	}
	dl := ts.do(http.MethodGet, "/serve/api/v2/"+id+"/download", "sk-alias", "", nil)
	if dl.Code != http.StatusOK || !bytes.Equal(dl.Body.Bytes(), clip) || dl.Header().Get("Content-Type") != "video/mp4" {
		t.Fatalf("download: %d %s, %d bytes (want %d)", dl.Code, dl.Header().Get("Content-Type"), dl.Body.Len(), len(clip))
	}
	chat, _ := json.Marshal(map[string]any{"model": "gemini:gemini-2.5-pro", "messages": []any{map[string]any{"role": "user",
		"content": []any{map[string]any{"type": "text", "text": "What happens in this video?"},
			map[string]any{"type": "input_file", "file_uri": id, "mime_type": "video/mp4"}}}}})
	rec := ts.do(http.MethodPost, "/serve/api/v2/vu/chat/completions", "sk-alias", "application/json", bytes.NewReader(chat))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "choices") {
		t.Fatalf("chat about the fixture asset: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(http.MethodPost, "/serve/api/v2/vu/chat/completions", "sk-stranger", "application/json", bytes.NewReader(chat)); rec.Code == http.StatusOK {
		t.Fatalf("another account chats about the asset: %s", rec.Body)
	}

	later := facts["later.mp4"]["id"].(string)
	if _, row := v2Meta(t, ts, "sk-v2fx", later); row["upload_status"] != "UPLOADING" {
		t.Fatalf("UPLOADING fixture: %v", row)
	}
	ts.clk.Advance(time.Second) // half the default 2s upload time
	if _, row := v2Meta(t, ts, "sk-v2fx", later); row["upload_status"] != "SUCCESS" {
		t.Fatalf("UPLOADING fixture after the upload time: %v", row)
	}
	broken := facts["broken.mov"]
	if broken["status"] != "FAILED" || broken["cause"] != "unsupported codec" || broken["size"] != 2048.0 {
		t.Fatalf("FAILED fixture: %v", broken)
	}
	if _, row := v2Meta(t, ts, "sk-v2fx", broken["id"].(string)); row["upload_status"] != "FAILED" || row["file_size"] != "2048" {
		t.Fatalf("FAILED metadata: %v", row)
	}
}

// TestFixtureV2AssetsRoundTrip: export writes an account's assets (a v2
// upload included) as described assets, and loading that export into a
// fresh mock exports identically and answers the same metadata; the
// bytes are not exported, so the copy's download says so.
func TestFixtureV2AssetsRoundTrip(t *testing.T) {
	a := newTestServer(t, Options{})
	path, _ := v2AssetsManifest(t, strings.Replace(v2AssetsYAML, "sk-alias", "sk-v2rt", 1))
	m, err := fixture.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.srv.LoadFixtures(m); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	up := v2Upload(t, a, "sk-v2rt", "clip.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 3}), &buf)
	a.clk.Advance(5 * time.Second)
	first := a.json(http.MethodGet, "/_mock/export?api_key=sk-v2rt", "", nil)
	assets, _ := first["accounts"].([]any)[0].(map[string]any)["assets"].([]any)
	if len(assets) != 4 {
		t.Fatalf("exported assets: %v", first)
	}
	// What export writes is what control.yaml's FixtureManifest describes.
	spec, err := openapi.Control()
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Components.Schemas["FixtureManifest"].Value.VisitJSON(first); err != nil {
		t.Fatalf("export does not match FixtureManifest: %v", err)
	}
	raw, _ := json.Marshal(first)

	b := newTestServer(t, Options{Seed: 99})
	rec := b.do(http.MethodPost, "/_mock/fixtures", "", "application/json", bytes.NewReader(raw))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"assets":4`) {
		t.Fatalf("load export: %d %s", rec.Code, rec.Body)
	}
	second := b.json(http.MethodGet, "/_mock/export?api_key=sk-v2rt", "", nil)
	if !reflect.DeepEqual(first, second) {
		x, _ := json.MarshalIndent(first, "", " ")
		y, _ := json.MarshalIndent(second, "", " ")
		t.Fatalf("round trip differs:\n%s\n---\n%s", x, y)
	}
	for _, id := range []string{"re_612345678901234567", up} {
		_, x := v2Meta(t, a, "sk-v2rt", id)
		_, y := v2Meta(t, b, "sk-v2rt", id)
		if !reflect.DeepEqual(x, y) || x["upload_status"] != "SUCCESS" {
			t.Fatalf("metadata of %s: %v, after the round trip %v", id, x, y)
		}
	}
	if dl := b.do(http.MethodGet, "/serve/api/v2/"+up+"/download", "sk-v2rt", "", nil); dl.Code != http.StatusBadRequest ||
		!strings.Contains(dl.Body.String(), "Resource does not exist") {
		t.Fatalf("download of a described asset: %d %s", dl.Code, dl.Body)
	}
	if only := a.json(http.MethodGet, "/_mock/export?api_key=sk-v2rt&unique_id=birds", "", nil); only["accounts"].([]any)[0].(map[string]any)["assets"] != nil {
		t.Fatalf("a namespace export carries assets: %v", only)
	}
}

// v2Upload uploads through POST /serve/api/v2/upload and returns the id.
func v2Upload(t *testing.T, ts *testServer, key, name string, data []byte, buf *bytes.Buffer) string {
	t.Helper()
	buf.Reset()
	mw := multipart.NewWriter(buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	rec := ts.do(http.MethodPost, "/serve/api/v2/upload", key, mw.FormDataContentType(), buf)
	body := decode(t, rec)
	id, _ := body["data"].(map[string]any)["asset_id"].(string)
	if rec.Code != http.StatusOK || id == "" {
		t.Fatalf("v2 upload: %d %v", rec.Code, body)
	}
	return id
}

// TestBadV2AssetFixtureLoadsNothing: an asset the v2 surface refuses
// names the manifest's file, line and field, and nothing of the manifest
// is loaded: not its videos, not its other assets.
func TestBadV2AssetFixtureLoadsNothing(t *testing.T) {
	tests := []struct {
		name, src string
		opts      Options
		memsync   bool // attach MemSync, holding memory mem_00000000beef
		want      []string
	}{
		{name: "missing file", src: "accounts:\n  - api_key: sk-bad\n    videos:\n      - name: fine\n    assets:\n      - file: beach.mp4\n      - file: gone.mp4\n",
			want: []string{"assets.yaml:7", "accounts[0].assets[1]", "gone.mp4"}},
		{name: "kind unknown", src: "accounts:\n  - api_key: sk-bad\n    assets:\n      - file: beach.mp4\n      - name: notes.txt\n",
			want: []string{"assets.yaml:5", "accounts[0].assets[1]", "kind"}},
		{name: "id taken", src: "accounts:\n  - api_key: sk-bad\n    assets:\n      - file: beach.mp4\n  - api_key: sk-bad2\n    assets:\n      - {name: a.mp4, asset_id: re_612345678901234567}\n",
			want: []string{"assets.yaml:7", "accounts[1].assets[0]", "re_612345678901234567 already exists"}},
		{name: "v2 off", src: "accounts:\n  - api_key: sk-bad\n    videos:\n      - name: fine\n    assets:\n      - file: beach.mp4\n",
			opts: Options{DisableV2: true}, want: []string{"assets.yaml:6", "accounts[0].assets[0]", "--v2 off"}},
		{name: "a memory refused after the assets were read", src: "accounts:\n  - api_key: sk-bad\n    assets:\n      - file: beach.mp4\n    memories:\n      - {memory: Likes tea, id: mem_00000000beef}\n",
			memsync: true, want: []string{"assets.yaml:6", "accounts[0].memories[0].id", "already exists"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, tt.opts)
			if !tt.opts.DisableV2 {
				// The id the "id taken" row collides with.
				pre, _ := v2AssetsManifest(t, "accounts:\n  - api_key: sk-first\n    assets:\n      - {name: x.mp4, asset_id: re_612345678901234567}\n")
				m, err := fixture.Load(pre)
				if err != nil {
					t.Fatal(err)
				}
				if err := ts.srv.LoadFixtures(m); err != nil {
					t.Fatal(err)
				}
			}
			if tt.memsync {
				withMemSync(t, ts, 1)
				pre := `{"accounts":[{"api_key":"sk-mem","memories":[{"id":"mem_00000000beef","memory":"Likes coffee"}]}]}`
				if rec := ts.do(http.MethodPost, "/_mock/fixtures", "", "application/json", strings.NewReader(pre)); rec.Code != http.StatusOK {
					t.Fatalf("preload memory: %d %s", rec.Code, rec.Body)
				}
			}
			path, _ := v2AssetsManifest(t, tt.src)
			m, err := fixture.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			err = ts.srv.LoadFixtures(m)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not name %q", err, w)
				}
			}
			list := ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-bad", map[string]any{"page": 1, "size": 20})
			if vs, _ := data(list)["videos"].([]any); len(vs) != 0 {
				t.Fatalf("a failed load left %d videos", len(vs))
			}
			if !tt.opts.DisableV2 {
				if n := len(ts.srv.V2().Assets("sk-bad")); n != 0 {
					t.Fatalf("a failed load left %d assets", n)
				}
			}
		})
	}
}
