package proxy_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/har"
	"github.com/memharness/memharness/proxy/replay"
)

// recorder is a Recorder writing to dir, closed with the test.
func recorder(t *testing.T, dir string, redact []string, maxBody int64) *proxy.Recorder {
	t.Helper()
	rec, err := proxy.NewRecorder(proxy.RecorderOptions{Dir: dir, Redact: redact, MaxBody: maxBody, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rec.Close() })
	return rec
}

// readAll returns the concatenated bytes of every file in dir.
func readAll(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func TestRecordingKeepsNoKey(t *testing.T) {
	const key, msKey, secretField = "sk-live-8c1f0a77d2", "ms-live-55aa01", "hunter2-password"
	// The upstream echoes the key in a body: the recorder must scrub it
	// there too.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session=abc123def")
		_, _ = io.WriteString(w, `{"code":"0000","data":{"you":"`+r.Header.Get("Authorization")+`","password":"`+secretField+`","n":1}}`)
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	rec := recorder(t, dir, []string{"password"}, 0)
	g, gw := gateway(t, proxy.Options{Observers: []proxy.Observer{rec}}, up.URL)

	req, _ := http.NewRequest("POST", gw.URL+"/serve/api/v1/chat?token="+key, strings.NewReader(`{"prompt":"hi","password":"`+secretField+`","nested":{"password":"x`+secretField+`"}}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("X-API-Key", msKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(got, []byte(key)) {
		t.Fatalf("the caller must get the answer unchanged: %s", got)
	}
	g.Drain()
	rec.Flush()
	files := rec.Files()
	if len(files) != 1 {
		t.Fatalf("files: %v", files)
	}
	all := readAll(t, dir)
	for _, secret := range []string{key, msKey, secretField, "abc123def"} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("%q reached the disk", secret)
		}
	}
	doc, err := har.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	e := doc.Log.Entries[0]
	if doc.Log.Version != "1.2" || e.Request.Method != "POST" || !strings.HasPrefix(e.Request.URL, up.URL+"/serve/api/v1/chat?token=") {
		t.Fatalf("entry: %+v", e.Request)
	}
	if har.Header(e.Request.Headers, "Authorization") != har.Redacted || har.Header(e.Request.Headers, "X-Api-Key") != har.Redacted {
		t.Errorf("headers: %+v", e.Request.Headers)
	}
	if want := `{"prompt":"hi","password":"REDACTED","nested":{"password":"REDACTED"}}`; e.Request.PostData.Text != want {
		t.Errorf("request body\n got %s\nwant %s", e.Request.PostData.Text, want)
	}
}

func TestRecordingCapsBodiesWithSizeAndHash(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"n":`+itoa(n)+`}`)
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	rec := recorder(t, dir, nil, 1000)
	g, gw := gateway(t, proxy.Options{Observers: []proxy.Observer{rec}}, up.URL)
	body := bytes.Repeat([]byte("0123456789"), 200) // 2000 bytes > 1000
	st, _, _ := call(t, "POST", gw.URL+"/serve/api/v1/upload", "k", "video/mp4", string(body))
	if st != 200 {
		t.Fatal(st)
	}
	g.Drain()
	rec.Flush()
	doc, err := har.ReadFile(rec.Files()[0])
	if err != nil {
		t.Fatal(err)
	}
	pd := doc.Log.Entries[0].Request.PostData
	sum := sha256.Sum256(body)
	if pd == nil || !pd.Omitted || pd.Size != 2000 || pd.SHA256 != hex.EncodeToString(sum[:]) || pd.Text != "" {
		t.Fatalf("postData: %+v", pd)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestRecordThenReplayServesTheSameBytesWithTheUpstreamGone(t *testing.T) {
	srv, up := upstreamMock(t, nil)
	_ = srv
	dir := t.TempDir()
	rec := recorder(t, dir, nil, 0)
	g, gw := gateway(t, proxy.Options{Observers: []proxy.Observer{rec}}, up.URL)
	const key = "sk-replay-0001"
	_, _, up1 := call(t, "POST", gw.URL+"/serve/api/v1/upload_url", key, "application/json", `{"url":"https://example.com/cat_video.mp4","callback":"http://127.0.0.1:1/cb"}`)
	_, _, list := call(t, "POST", gw.URL+"/serve/api/v1/list_videos", key, "application/json", `{"page":1, "size":20}`)
	g.Drain()
	rec.Flush()
	up.Close()

	ix, err := replay.Load([]string{dir}, replay.Options{})
	if err != nil || ix.Len() != 2 || len(ix.Problems()) != 0 {
		t.Fatalf("load: %v, %d recordings, problems %v", err, ix.Len(), ix.Problems())
	}
	_, rp := gateway(t, proxy.Options{Replay: ix, Strict: true}, "")
	// Key order and spacing differ, the key differs: still a match.
	st, h, b := call(t, "POST", rp.URL+"/serve/api/v1/list_videos", "sk-other", "application/json", `{"size":20,"page":1}`)
	if st != 200 || !bytes.Equal(b, list) || h.Get("Content-Type") != "application/json" {
		t.Fatalf("replayed list_videos: %d %q\n%s\nrecorded\n%s", st, h.Get("Content-Type"), b, list)
	}
	// The callback URL is volatile: ignored.
	_, _, b = call(t, "POST", rp.URL+"/serve/api/v1/upload_url", key, "application/json", `{"url":"https://example.com/cat_video.mp4","callback":"http://127.0.0.1:2/other"}`)
	if !bytes.Equal(b, up1) {
		t.Fatalf("replayed upload_url: %s", b)
	}
	// Strict: a request never recorded is refused, naming the closest.
	st, _, b = call(t, "POST", rp.URL+"/serve/api/v1/list_videos", key, "application/json", `{"page":2,"size":20}`)
	if st != http.StatusNotFound || !bytes.Contains(b, []byte(`closest recorded request: POST /serve/api/v1/list_videos json:{\"page\":1,\"size\":20}`)) {
		t.Fatalf("strict miss: %d %s", st, b)
	}
}

func TestReplayWithoutStrictFallsBackToTheMockWithTheBodyIntact(t *testing.T) {
	ix := replay.New(replay.Options{})
	got := make(chan string, 1)
	local := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	})
	_, rp := gateway(t, proxy.Options{Replay: ix, Local: local}, "")
	body := strings.Repeat("x", 3<<20) // larger than the match window
	call(t, "POST", rp.URL+"/serve/api/v1/upload", "k", "video/mp4", body)
	if b := <-got; b != body {
		t.Fatalf("the mock got %d bytes, sent %d", len(b), len(body))
	}
}

func TestReplayPacesEventsOnTheClock(t *testing.T) {
	events := []string{"data:{\"type\":\"thinking\"}\n\n", "data:{\"type\":\"content\"}\n\n"}
	e := har.Entry{Surface: "memories",
		Request: har.Request{Method: "POST", URL: "http://x/serve/api/v1/chat_stream", PostData: &har.PostData{MimeType: "application/json", Text: `{"prompt":"p"}`}},
		Response: har.Response{Status: 200, Headers: []har.NameValue{{Name: "Content-Type", Value: "text/event-stream"}},
			Content: har.Content{MimeType: "text/event-stream", Text: strings.Join(events, ""),
				Events: []har.Event{{OffsetMS: 0, Bytes: len(events[0])}, {OffsetMS: 400, Bytes: len(events[1])}}}},
	}
	ix := replay.New(replay.Options{})
	if err := ix.Add("mem", 0, &e); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	_, rp := gateway(t, proxy.Options{Replay: ix, Strict: true, Clock: clk, Speed: 2}, "")
	resp, err := http.Post(rp.URL+"/serve/api/v1/chat_stream", "application/json", strings.NewReader(`{"prompt":"p"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if ev, err := readEvent(br); err != nil || ev != events[0] {
		t.Fatalf("first event %q %v", ev, err)
	}
	// The second event waits 400 ms / speed 2 = 200 ms on the clock.
	deadline := time.Now().Add(waitLong)
	for clk.Waiters() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the replay is not waiting on the clock")
		}
		time.Sleep(time.Millisecond)
	}
	clk.Advance(199 * time.Millisecond)
	if clk.Waiters() != 1 {
		t.Fatal("the second event left before its time")
	}
	clk.Advance(time.Millisecond)
	if ev, err := readEvent(br); err != nil || ev != events[1] {
		t.Fatalf("second event %q %v", ev, err)
	}
}
