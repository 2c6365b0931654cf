package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestRecorderKeepsAnswersWithinTheBound(t *testing.T) {
	big := []byte(`{"data":"` + strings.Repeat("x", MaxBodyBytes) + `"}`)
	sse := "event: message\ndata: {\"a\":1}\n\n"
	for _, tc := range []struct {
		name       string
		ctype      string
		chunks     [][]byte
		wantAnswer string // JSON as reported, "" for none
		wantDigest *Digest
	}{
		{name: "json at once", ctype: "application/json", chunks: [][]byte{[]byte("{\"code\":\"0000\"}\n")},
			wantAnswer: `{"code":"0000"}`},
		{name: "json with charset", ctype: "application/json; charset=utf-8", chunks: [][]byte{[]byte(`[1,2]`)},
			wantAnswer: `[1,2]`},
		{name: "problem+json", ctype: "application/problem+json", chunks: [][]byte{[]byte(`{"detail":"x"}`)},
			wantAnswer: `{"detail":"x"}`},
		{name: "sse in pieces", ctype: "text/event-stream", chunks: [][]byte{[]byte(sse), []byte(sse)},
			wantAnswer: mustJSON(t, sse+sse)},
		{name: "json that does not parse is a string", ctype: "application/json", chunks: [][]byte{[]byte(`{"a":`)},
			wantAnswer: `"{\"a\":"`},
		{name: "over the bound", ctype: "application/json", chunks: [][]byte{big},
			wantDigest: &Digest{Size: len(big), SHA256: sha(big)}},
		{name: "over the bound in pieces", ctype: "text/event-stream", chunks: [][]byte{big[:100], big[100:50000], big[50000:]},
			wantDigest: &Digest{Size: len(big), SHA256: sha(big)}},
		{name: "binary is a digest whatever its size", ctype: "video/mp4", chunks: [][]byte{[]byte("\x00\x00\x00 ftypisom")},
			wantDigest: &Digest{Size: 12, SHA256: sha([]byte("\x00\x00\x00 ftypisom"))}},
		{name: "text that is not UTF-8", ctype: "text/plain", chunks: [][]byte{{0xff, 0xfe}},
			wantDigest: &Digest{Size: 2, SHA256: sha([]byte{0xff, 0xfe})}},
		{name: "no body", ctype: "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Recorder
			r.Begin(tc.ctype)
			for _, c := range tc.chunks {
				r.Write(c)
			}
			var e Entry
			r.Fill(&e)
			if e.AnswerType != tc.ctype {
				t.Errorf("content type %q, want %q", e.AnswerType, tc.ctype)
			}
			got := ""
			if e.Answer != nil {
				b, err := json.Marshal(e.Answer)
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if got != tc.wantAnswer {
				t.Errorf("answer %.80s, want %.80s", got, tc.wantAnswer)
			}
			if (e.AnswerDigest == nil) != (tc.wantDigest == nil) || e.AnswerDigest != nil && *e.AnswerDigest != *tc.wantDigest {
				t.Errorf("digest %+v, want %+v", e.AnswerDigest, tc.wantDigest)
			}
			if r.buf != nil || r.n != 0 || r.h != nil {
				t.Error("Fill must leave the recorder empty")
			}
		})
	}
}

// TestRecorderNeverHoldsMoreThanTheBound streams 1 MiB in 4 KiB writes and
// checks the recorder's buffer never grows past MaxBodyBytes.
func TestRecorderNeverHoldsMoreThanTheBound(t *testing.T) {
	var r Recorder
	r.Begin("text/event-stream")
	chunk := bytes.Repeat([]byte("data: 0123456789\n\n"), 228) // ~4 KiB
	all := sha256.New()
	for range 256 {
		r.Write(chunk)
		all.Write(chunk)
		if cap(r.buf) > 2*MaxBodyBytes {
			t.Fatalf("buffer capacity %d after %d bytes", cap(r.buf), r.n)
		}
	}
	var e Entry
	r.Fill(&e)
	if e.Answer != nil || e.AnswerDigest == nil || e.AnswerDigest.Size != 256*len(chunk) ||
		e.AnswerDigest.SHA256 != hex.EncodeToString(all.Sum(nil)) {
		t.Fatalf("digest %+v", e.AnswerDigest)
	}
}

func TestWriterRecordsWhatGinWrites(t *testing.T) {
	gin.SetMode(gin.TestMode)
	var e Entry
	eng := gin.New()
	eng.GET("/x", func(c *gin.Context) {
		var w Writer
		w.Reset(c.Writer)
		c.Writer = &w
		c.Header("Content-Type", "text/event-stream")
		c.Status(http.StatusOK)
		_, _ = c.Writer.WriteString("data: 1\n\n")
		c.Writer.Flush()
		_, _ = c.Writer.Write([]byte("data: 2\n\n"))
		WriterOf(c.Writer).Fill(&e)
	})
	rec := httptest.NewRecorder()
	eng.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	if rec.Body.String() != "data: 1\n\ndata: 2\n\n" {
		t.Fatalf("client got %q", rec.Body.String())
	}
	var s string
	if err := json.Unmarshal(e.Answer, &s); err != nil || s != rec.Body.String() || e.AnswerType != "text/event-stream" {
		t.Fatalf("journal kept %s (%q), %v", e.Answer, e.AnswerType, err)
	}
	if WriterOf(rec) != nil {
		t.Fatal("WriterOf a writer without a Writer")
	}
}

func TestEntryJSONHasTheAnswer(t *testing.T) {
	e := Entry{OperationID: "search", Answer: Answer(`{"code":"0000"}`), AnswerType: "application/json"}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"answer":{"code":"0000"}`)) || !bytes.Contains(b, []byte(`"answer_content_type":"application/json"`)) {
		t.Fatalf("encoded %s", b)
	}
	var back Entry
	if err := json.Unmarshal(b, &back); err != nil || string(back.Answer) != `{"code":"0000"}` {
		t.Fatalf("decoded %s, %v", back.Answer, err)
	}
	if b, _ := json.Marshal(Entry{}); bytes.Contains(b, []byte("answer")) {
		t.Fatalf("an entry without an answer encodes one: %s", b)
	}
}

func TestGetFindsAnEntryByNumber(t *testing.T) {
	j := New(3)
	for i := range 5 {
		j.Add(Entry{Path: string(rune('a' + i))})
	}
	for _, tc := range []struct {
		seq  uint64
		want string
		ok   bool
	}{
		{seq: 5, want: "e", ok: true}, {seq: 3, want: "c", ok: true}, {seq: 2}, {seq: 6}, {seq: 0},
	} {
		e, ok := j.Get(tc.seq)
		if ok != tc.ok || e.Path != tc.want {
			t.Errorf("Get(%d) = %q %v, want %q %v", tc.seq, e.Path, ok, tc.want, tc.ok)
		}
	}
	j.Remove(func(e Entry) bool { return e.Path == "d" })
	if _, ok := j.Get(4); ok {
		t.Error("Get of a removed entry")
	}
	if e, ok := j.Get(3); !ok || e.Path != "c" {
		t.Error("Get across a removed entry")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
