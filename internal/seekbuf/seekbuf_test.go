package seekbuf

import (
	"io"
	"testing"
)

// TestPatchBack writes, seeks back to patch a header, seeks past the end and
// writes again, as go-mp4's Writer does with box sizes.
func TestPatchBack(t *testing.T) {
	var b Buffer
	_, _ = b.Write([]byte("....body"))
	if _, err := b.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	_, _ = b.Write([]byte("HEAD"))
	if pos, _ := b.Seek(2, io.SeekEnd); pos != 10 {
		t.Fatalf("SeekEnd+2 = %d, want 10", pos)
	}
	_, _ = b.Write([]byte("x"))
	if got := string(b.Bytes()); got != "HEADbody\x00\x00x" {
		t.Fatalf("buffer %q", got)
	}
	if _, err := b.Seek(-20, io.SeekCurrent); err == nil {
		t.Fatal("a negative position was accepted")
	}
	if _, err := b.Seek(0, 7); err == nil {
		t.Fatal("an invalid whence was accepted")
	}
}
