package store

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOpenDropsPendingUploadsOfADeadProcess: a kill -9 mid-upload leaves a
// .upload-* file; reopening the directory removes it and keeps committed
// media.
func TestOpenDropsPendingUploadsOfADeadProcess(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.Media().Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write([]byte("kept")); err != nil {
		t.Fatal(err)
	}
	key, err := p.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Media().Create(); err != nil { // never committed: the "crash"
		t.Fatal(err)
	}
	_ = st.Close()
	stale, _ := filepath.Glob(filepath.Join(dir, "media", ".upload-*"))
	if len(stale) != 1 {
		t.Fatalf("setup: %d pending files, want 1", len(stale))
	}

	st, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if left, _ := filepath.Glob(filepath.Join(dir, "media", ".upload-*")); len(left) != 0 {
		t.Fatalf("pending files left after reopen: %v", left)
	}
	f, err := st.Media().Open(key)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := os.ReadFile(f.Name())
	if string(b) != "kept" {
		t.Fatalf("committed media %q", b)
	}
}
