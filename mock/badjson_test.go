package mock

import (
	"net/http"
	"strings"
	"testing"
)

// TestInvalidUTF8JSONBodyAnswers0001: an unterminated JSON string of
// invalid UTF-8 made goccy/go-json's decoder panic and the connection drop
// (found by v2's fuzzer); it must be an ordinary 0001.
func TestInvalidUTF8JSONBodyAnswers0001(t *testing.T) {
	ts := newTestServer(t, Options{})
	body := `{"https://you` + strings.Repeat("\x97", 4096)
	rec := ts.do(http.MethodPost, "/serve/api/v1/list_videos", "sk-a", "application/json", strings.NewReader(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("HTTP %d", rec.Code)
	}
	if m := decode(t, rec); code(m) != CodeBadParam {
		t.Fatalf("answer %v, want 0001", m)
	}
}
