package v2

import (
	"bytes"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
	fixture "github.com/memharness/memharness/toolkit/fixtures"
)

// fixtureManifest writes a manifest beside two media files (an MP4 and a
// PNG) and loads it.
func fixtureManifest(t *testing.T, src string) (fixture.Manifest, []byte) {
	t.Helper()
	dir := t.TempDir()
	clip := mediatest.MP4(mediatest.MP4Options{Duration: 5, Audio: true})
	for name, data := range map[string][]byte{"clip.mp4": clip, "still.png": mediatest.PNG(32, 24, 3), "noext": clip} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := fixture.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return m, clip
}

// mediaFiles counts the files under the store's media directory.
func mediaFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(dir, "media"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return n
}

// TestFixtureBatchUndoLeavesNothing: a prepared batch holds its bytes as
// pending media and nothing visible; Undo before or after Store leaves
// neither assets nor media behind.
func TestFixtureBatchUndoLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	ts := newTestSurface(t, testOpts{dir: dir})
	m, _ := fixtureManifest(t, "accounts:\n  - api_key: sk-fx\n    assets:\n      - file: clip.mp4\n      - file: still.png\n")
	before := mediaFiles(t, dir)
	for _, store := range []bool{false, true} {
		b, err := ts.s.PrepareFixtureAssets(m)
		if err != nil {
			t.Fatal(err)
		}
		if b.Len() != 2 || len(ts.s.Assets("sk-fx")) != 0 {
			t.Fatalf("prepared: %d in the batch, %d visible", b.Len(), len(ts.s.Assets("sk-fx")))
		}
		if store {
			if err := b.Store(); err != nil {
				t.Fatal(err)
			}
			if got := ts.s.Assets("sk-fx"); len(got) != 2 || got[0].MediaKey == "" {
				t.Fatalf("stored: %+v", got)
			}
		}
		b.Undo()
		if n := len(ts.s.Assets("sk-fx")); n != 0 || mediaFiles(t, dir) != before {
			t.Fatalf("after Undo (stored %v): %d assets, %d media files (want %d)", store, n, mediaFiles(t, dir), before)
		}
	}
	// A file that cannot be read refuses the batch and drops the bytes
	// already read for earlier assets.
	bad, _ := fixtureManifest(t, "accounts:\n  - api_key: sk-fx\n    assets:\n      - file: clip.mp4\n      - file: gone.mp4\n")
	if _, err := ts.s.PrepareFixtureAssets(bad); err == nil || !strings.Contains(err.Error(), "m.yaml:5: accounts[0].assets[1]: file") {
		t.Fatalf("missing file: %v", err)
	}
	if n := mediaFiles(t, dir); n != before {
		t.Fatalf("a refused batch left %d media files, want %d", n, before)
	}
}

// TestFixtureAssetsProbedAndPersisted: fixture files are probed like
// uploads (kind by extension, else sniffed; an image's size), the
// assets are records like uploads and survive a restart with their bytes.
func TestFixtureAssetsProbedAndPersisted(t *testing.T) {
	dir := t.TempDir()
	first := newTestSurface(t, testOpts{dir: dir})
	m, clip := fixtureManifest(t, "accounts:\n  - api_key: sk-fx\n    assets:\n      - {file: clip.mp4, asset_id: re_600000000000000042}\n      - file: still.png\n      - file: noext\n")
	b, err := first.s.PrepareFixtureAssets(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Store(); err != nil {
		t.Fatal(err)
	}
	got := map[string]Asset{}
	for _, a := range first.s.Assets("sk-fx") {
		got[a.Filename] = a
	}
	if a := got["clip.mp4"]; a.ID != "re_600000000000000042" || a.Kind != KindVideo || a.Duration < 4.9 || !a.HasAudio || a.ContentType != "video/mp4" {
		t.Fatalf("clip: %+v", a)
	}
	if a := got["still.png"]; a.Kind != KindImage || a.Width != 32 || a.Height != 24 || a.ContentType != "image/png" {
		t.Fatalf("still: %+v", a)
	}
	if a := got["noext"]; a.Kind != KindVideo || a.Status(first.clk.Now()) != StatusSuccess {
		t.Fatalf("sniffed: %+v", a)
	}
	first.s.Close()
	_ = first.p.Close()
	_ = first.st.Close()

	second := newTestSurface(t, testOpts{dir: dir, clk: first.clk})
	second.clk.Advance(time.Hour)
	if st := second.status("sk-fx", "re_600000000000000042"); st != StatusSuccess {
		t.Fatalf("after restart: %s", st)
	}
	if dl := second.do(http.MethodGet, "/re_600000000000000042/download", "sk-fx", "", nil); !bytes.Equal(dl.Raw, clip) {
		t.Fatalf("bytes after restart: %d %d bytes", dl.Status, len(dl.Raw))
	}
	// The id is taken now: a second load of the manifest is refused.
	if _, err := second.s.PrepareFixtureAssets(m); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("loading the same id twice: %v", err)
	}
}
