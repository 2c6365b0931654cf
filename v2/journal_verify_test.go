package v2

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/toolkit/verify"
)

// TestJournalEntriesAreVerifiable: v2 requests carry what request
// verification matches on (the key's full fingerprint, the query, the
// decoded body, a file part by name, size and SHA-256), so a test finds
// them by body and query as it finds v1 requests.
func TestJournalEntriesAreVerifiable(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	data := mediatest.MP4(mediatest.MP4Options{Duration: 2})
	sum := sha256.Sum256(data)
	ts.upload("sk-verify-aaaa", "beach.mp4", data)
	ts.json(http.MethodPost, "/upload/signed-url", "sk-verify-aaaa", map[string]any{"original_filename": "clip.mp4"})
	ts.json(http.MethodPost, "/upload/signed-url", "sk-verify-bbbb", map[string]any{"original_filename": "clip.mp4"})
	ts.do(http.MethodGet, "/download?bucket=mavi-resource&blob=nothing.mp4", "sk-verify-aaaa", "", nil)
	entries := ts.p.Journal.Last(0)

	for _, tt := range []struct {
		name string
		m    verify.Matcher
		want int
	}{
		{name: "body equals, full key", m: verify.Matcher{Surface: "v2", APIKey: "sk-verify-aaaa", Body: map[string]*verify.Field{"original_filename": verify.Eq("clip.mp4")}}, want: 1},
		{name: "file part", m: verify.Matcher{Surface: "v2", Body: map[string]*verify.Field{"file.filename": verify.Eq("beach.mp4"), "file.sha256": verify.Eq(hex.EncodeToString(sum[:]))}}, want: 1},
		{name: "query", m: verify.Matcher{Surface: "v2", Query: map[string]*verify.Field{"blob": verify.Eq("nothing.mp4")}}, want: 1},
		{name: "keys sharing a prefix differ", m: verify.Matcher{Surface: "v2", APIKey: "sk-verify-bbbb"}, want: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := verify.Find(entries, tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if res.Count != tt.want {
				t.Fatalf("count %d, want %d (near misses %+v)", res.Count, tt.want, res.NearMisses)
			}
		})
	}
}
