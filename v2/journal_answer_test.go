package v2

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestJournalKeepsTheAnswer: the journal entry of a v2 request holds the
// answer as sent: the envelope as JSON, a download as size and SHA-256.
func TestJournalKeepsTheAnswer(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	data := mediatest.MP4(mediatest.MP4Options{Duration: 4})
	id := ts.ready("sk-a", "beach.mp4", data)

	md := ts.do(http.MethodGet, "/"+id+"/metadata", "sk-a", "", nil)
	e := ts.p.Journal.Last(1)[0]
	if e.OperationID == "" || e.AnswerType != "application/json" || !json.Valid(e.Answer) ||
		!bytes.Equal(e.Answer, bytes.TrimSpace(md.Raw)) {
		t.Fatalf("metadata entry %s %q: %s\nclient got %s", e.OperationID, e.AnswerType, e.Answer, md.Raw)
	}

	bad := ts.do(http.MethodGet, "/re_000000000000000000/metadata", "sk-a", "", nil)
	if e := ts.p.Journal.Last(1)[0]; bad.Status != http.StatusBadRequest || !bytes.Equal(e.Answer, bytes.TrimSpace(bad.Raw)) {
		t.Fatalf("error entry %s, client got %d %s", e.Answer, bad.Status, bad.Raw)
	}

	dl := ts.do(http.MethodGet, "/"+id+"/download", "sk-a", "", nil)
	e = ts.p.Journal.Last(1)[0]
	sum := sha256.Sum256(data)
	if !bytes.Equal(dl.Raw, data) || e.Answer != nil || e.AnswerDigest == nil ||
		e.AnswerDigest.Size != len(data) || e.AnswerDigest.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("download entry %+v", e.AnswerDigest)
	}
}
