package v2

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

func sampleMP4() []byte {
	return mediatest.MP4(mediatest.MP4Options{Duration: 12, Audio: true})
}

func TestUploadLifecycleDownloadDelete(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	data := sampleMP4()
	up := ts.upload("sk-a", "beach.mp4", data)
	if up.Status != 200 || up.Body["code"] != float64(200) || up.Body["msg"] != "success" ||
		up.Body["success"] != true || up.Body["failed"] != false {
		t.Fatalf("upload envelope: %d %s", up.Status, up.Raw)
	}
	id := up.data()["asset_id"].(string)
	if !strings.HasPrefix(id, "re_") || len(id) != 21 {
		t.Fatalf("asset id %q, want re_ + 18 digits", id)
	}
	for _, step := range []struct {
		advance time.Duration
		want    string
	}{
		{advance: 0, want: StatusWaiting},
		{advance: time.Second, want: StatusUploading},
		{advance: time.Second, want: StatusSuccess},
	} {
		ts.clk.Advance(step.advance)
		if got := ts.status("sk-a", id); got != step.want {
			t.Fatalf("after +%v: %s, want %s", step.advance, got, step.want)
		}
	}
	md := ts.do(http.MethodGet, "/"+id+"/metadata", "sk-a", "", nil)
	row := md.data()["resource"].([]any)[0].(map[string]any)
	if row["extension"] != "mp4" || row["original_filename"] != "beach" || row["file_size"] != strconv.Itoa(len(data)) {
		t.Fatalf("metadata row %v", row)
	}
	if md.data()["total"] != float64(1) {
		t.Fatalf("total %v", md.data()["total"])
	}
	dl := ts.do(http.MethodGet, "/"+id+"/download", "sk-a", "", nil)
	if dl.Status != 200 || !bytes.Equal(dl.Raw, data) {
		t.Fatalf("download: %d, %d bytes (want %d identical)", dl.Status, len(dl.Raw), len(data))
	}
	if cd := dl.Header.Get("Content-Disposition"); cd != `attachment; filename="beach.mp4"` || dl.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("download headers %v", dl.Header)
	}
	blob := ts.do(http.MethodGet, "/download?bucket=mavi-resource&blob="+id+".mp4", "sk-a", "", nil)
	if blob.Status != 200 || !bytes.Equal(blob.Raw, data) {
		t.Fatalf("download by blob: %d", blob.Status)
	}
	del := ts.do(http.MethodDelete, "/"+id, "sk-a", "", nil)
	if del.Status != 200 || del.Body["data"] != nil {
		t.Fatalf("delete: %d %s", del.Status, del.Raw)
	}
	expectError(t, ts.do(http.MethodGet, "/"+id+"/metadata", "sk-a", "", nil), 400, "Asset not found")
	expectError(t, ts.do(http.MethodDelete, "/asset/"+id, "sk-a", "", nil), 400, "Asset not found")
}

func TestUnreadableUploadFails(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	id := ts.upload("sk-a", "broken.mp4", mediatest.Corrupt()).data()["asset_id"].(string)
	ts.clk.Advance(time.Minute)
	if got := ts.status("sk-a", id); got != StatusFailed {
		t.Fatalf("corrupt upload is %s, want FAILED", got)
	}
	// A FAILED asset is not downloadable.
	expectError(t, ts.do(http.MethodGet, "/"+id+"/download", "sk-a", "", nil), 400, "Resource does not exist")
}

func TestImageAndAudioUploads(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	img := ts.ready("sk-a", "cat.png", mediatest.PNG(64, 48, 1))
	if a, _ := ts.s.assets.get("sk-a", img); a.Kind != KindImage || a.Width != 64 || a.Height != 48 {
		t.Fatalf("image facts %+v", a)
	}
	wav := ts.ready("sk-a", "talk.wav", wavBytes(16000, 3))
	if a, _ := ts.s.assets.get("sk-a", wav); a.Kind != KindAudio || a.Duration < 2.99 || a.Duration > 3.01 {
		t.Fatalf("wav facts %+v", a)
	}
}

// wavBytes is a silent mono 16-bit PCM WAV of secs seconds.
func wavBytes(rate, secs int) []byte {
	n := rate * 2 * secs
	var b bytes.Buffer
	le := func(v uint32, size int) {
		for i := 0; i < size; i++ {
			b.WriteByte(byte(v >> (8 * i)))
		}
	}
	b.WriteString("RIFF")
	le(uint32(36+n), 4)
	b.WriteString("WAVEfmt ")
	le(16, 4)
	le(1, 2)
	le(1, 2)
	le(uint32(rate), 4)
	le(uint32(rate*2), 4)
	le(2, 2)
	le(16, 2)
	b.WriteString("data")
	le(uint32(n), 4)
	b.Write(make([]byte, n))
	return b.Bytes()
}

func TestSignedURLFlow(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	for _, tc := range []struct {
		name      string
		multipart bool
	}{
		{name: "PUT raw body"},
		{name: "POST multipart", multipart: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := ts.json(http.MethodPost, "/upload/signed-url", "sk-a", map[string]any{"original_filename": "clip.mp4"})
			if a.Status != 200 || a.data()["expires_in"] != float64(93600) {
				t.Fatalf("signed-url: %d %s", a.Status, a.Raw)
			}
			id := a.data()["asset_id"].(string)
			u := a.data()["signed_url"].(string)
			path := u[strings.Index(u, BasePath)+len(BasePath):]
			if got := ts.status("sk-a", id); got != StatusWaiting {
				t.Fatalf("before bytes: %s", got)
			}
			data := sampleMP4()
			var up answer
			if tc.multipart {
				up = ts.uploadTo(path, data)
			} else {
				up = ts.do(http.MethodPut, path, "", "application/octet-stream", bytes.NewReader(data))
			}
			if up.Status != 200 {
				t.Fatalf("signed upload: %d %s", up.Status, up.Raw)
			}
			// The URL is single-use.
			again := ts.do(http.MethodPut, path, "", "application/octet-stream", bytes.NewReader(data))
			if again.Status == 200 {
				t.Fatal("a signed URL accepted bytes twice")
			}
			ts.clk.Advance(time.Minute)
			if got := ts.status("sk-a", id); got != StatusSuccess {
				t.Fatalf("after bytes: %s", got)
			}
			dl := ts.do(http.MethodGet, "/"+id+"/download", "sk-a", "", nil)
			if !bytes.Equal(dl.Raw, data) {
				t.Fatal("downloaded bytes differ")
			}
		})
	}
	bad := ts.do(http.MethodPut, "/signed-upload/re_1?token=nope", "", "application/octet-stream", strings.NewReader("x"))
	expectError(t, bad, 403, "Invalid or expired signed URL")
}

func (ts *testSurface) uploadTo(path string, data []byte) answer {
	var buf bytes.Buffer
	mw := newMultipart(&buf, "file", "clip.mp4", data)
	return ts.do(http.MethodPost, path, "", mw, &buf)
}

func TestSeed000Errors(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	expectError(t, ts.json(http.MethodPost, "/upload/signed-url", "", map[string]any{"original_filename": "a.mp4"}), 401, "Unauthorized")
	expectError(t, ts.json(http.MethodPost, "/upload/signed-url", "sk-a", map[string]any{}), 400, "original_filename cannot be null or empty")
	expectError(t, ts.json(http.MethodPost, "/upload/signed-url", "sk-a", map[string]any{"original_filename": 7}), 400, "Request has exceeded the limit.")
	expectError(t, ts.do(http.MethodPost, "/upload/signed-url", "sk-a", "application/json", strings.NewReader("{")), 400, "Request has exceeded the limit.")
	expectError(t, ts.do(http.MethodGet, "/download?bucket=mavi-resource", "sk-a", "", nil), 400, "blob cannot be null or empty")
	expectError(t, ts.do(http.MethodPut, "/upload", "sk-a", "", nil), 405, "Method not allowed")
	nf := ts.do(http.MethodGet, "/no/such/route/here", "sk-a", "", nil)
	if nf.Status != 404 || nf.Body["error"] != "Not Found" {
		t.Fatalf("unknown route: %d %s", nf.Status, nf.Raw)
	}
}

func TestStringCodesAndLimitStatus(t *testing.T) {
	ts := newTestSurface(t, testOpts{opts: Options{StringCodes: true, LimitStatus: 400}, rateLimits: "v1.2"})
	a := ts.json(http.MethodPost, "/upload/signed-url", "sk-a", map[string]any{"original_filename": "a.mp4"})
	if a.Body["code"] != "0000" {
		t.Fatalf("string code %v", a.Body["code"])
	}
	b := ts.json(http.MethodPost, "/upload/signed-url", "sk-a", map[string]any{"original_filename": "a.mp4"})
	if b.Status != 400 || b.Body["code"] != "0400" || b.Body["msg"] != "Request has exceeded the limit." {
		t.Fatalf("second call within a second: %d %s", b.Status, b.Raw)
	}
	ts.clk.Advance(time.Second)
	if c := ts.json(http.MethodPost, "/upload/signed-url", "sk-a", map[string]any{"original_filename": "a.mp4"}); c.Status != 200 {
		t.Fatalf("after a second: %d", c.Status)
	}
}

func TestRateLimitDefault429PerOperation(t *testing.T) {
	ts := newTestSurface(t, testOpts{rateLimits: "v1.2"})
	body := map[string]any{"original_filename": "a.mp4"}
	if a := ts.json(http.MethodPost, "/upload/signed-url", "sk-a", body); a.Status != 200 {
		t.Fatalf("first: %d", a.Status)
	}
	expectError(t, ts.json(http.MethodPost, "/upload/signed-url", "sk-a", body), 429, "Request has exceeded the limit.")
	// 1 QPS each: another operation has its own bucket, another account too.
	if a := ts.do(http.MethodGet, "/download?bucket=x&blob=y", "sk-a", "", nil); a.Status == 429 {
		t.Fatal("download shares the signed-url bucket")
	}
	if a := ts.json(http.MethodPost, "/upload/signed-url", "sk-b", body); a.Status != 200 {
		t.Fatalf("other account: %d", a.Status)
	}
	// Linked keys are one account: they share the bucket.
	if _, err := ts.p.Accounts.Link("sk-c", "sk-d"); err != nil {
		t.Fatal(err)
	}
	if a := ts.json(http.MethodPost, "/upload/signed-url", "sk-c", body); a.Status != 200 {
		t.Fatalf("sk-c: %d", a.Status)
	}
	expectError(t, ts.json(http.MethodPost, "/upload/signed-url", "sk-d", body), 429, "")
}

func TestIsolationAndLinkedKeys(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	id := ts.ready("sk-a", "a.mp4", sampleMP4())
	expectError(t, ts.do(http.MethodGet, "/"+id+"/metadata", "sk-b", "", nil), 400, "Asset not found")
	expectError(t, ts.do(http.MethodGet, "/"+id+"/download", "sk-b", "", nil), 400, "Resource does not exist")
	expectError(t, ts.do(http.MethodDelete, "/"+id, "sk-b", "", nil), 400, "Asset not found")
	if _, err := ts.p.Accounts.Link("sk-a", "sk-b"); err != nil {
		t.Fatal(err)
	}
	if got := ts.status("sk-b", id); got != StatusSuccess {
		t.Fatalf("linked key sees %s", got)
	}
}

func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	data := sampleMP4()
	first := newTestSurface(t, testOpts{dir: dir})
	id := first.ready("sk-a", "keep.mp4", data)
	first.s.Close()
	_ = first.p.Close()
	_ = first.st.Close()

	second := newTestSurface(t, testOpts{dir: dir, clk: first.clk})
	if got := second.status("sk-a", id); got != StatusSuccess {
		t.Fatalf("after restart: %s", got)
	}
	if dl := second.do(http.MethodGet, "/"+id+"/download", "sk-a", "", nil); !bytes.Equal(dl.Raw, data) {
		t.Fatal("bytes lost across restart")
	}
	// New ids never reuse persisted ones.
	id2 := second.ready("sk-a", "new.mp4", data)
	if id2 == id {
		t.Fatal("restart reused an asset id")
	}
}
