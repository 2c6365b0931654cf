package mock

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/media/mediatest"
)

// receiver is a loopback callback endpoint that records every POST.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	got    chan map[string]any
	fail   int // answer 500 to the first fail requests
}

func newReceiver(t *testing.T, fail int) *receiver {
	r := &receiver{got: make(chan map[string]any, 64), fail: fail}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(req.Body).Decode(&m)
		r.mu.Lock()
		failing := r.fail > 0
		if failing {
			r.fail--
		}
		r.mu.Unlock()
		if failing {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		r.mu.Lock()
		r.bodies = append(r.bodies, m)
		r.mu.Unlock()
		r.got <- m
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) wait(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m := <-r.got:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no callback arrived")
		return nil
	}
}

func (ts *testServer) upload(key, ns, name string, file []byte, fields map[string][]string) map[string]any {
	ts.t.Helper()
	if fields == nil {
		fields = map[string][]string{}
	}
	if ns != "" {
		fields["unique_id"] = []string{ns}
	}
	body, ct := multipartBody(ts.t, fields, map[string][]fileSpec{"file": {{name: name, data: file}}})
	return decode(ts.t, ts.do(http.MethodPost, "/serve/api/v1/upload", key, ct, body))
}

func (ts *testServer) listVideo(key, ns, no string) map[string]any {
	ts.t.Helper()
	m := ts.json(http.MethodPost, "/serve/api/v1/list_videos", key, map[string]any{"video_no": no, "unique_id": ns})
	vs, _ := data(m)["videos"].([]any)
	if len(vs) != 1 {
		ts.t.Fatalf("list_videos for %s: %v", no, m)
	}
	return vs[0].(map[string]any)
}

func TestUploadLifecycleCallbackDownloadDelete(t *testing.T) {
	ts := newTestServer(t, Options{ProcessingTime: 5 * time.Second})
	rcv := newReceiver(t, 1) // the first delivery fails: the callback must be retried
	file := mediatest.MP4(mediatest.MP4Options{Duration: 12, Width: 640, Height: 360, Audio: true})

	up := ts.upload("sk-a", "", "beach_day.mp4", file, map[string][]string{"callback": {rcv.srv.URL}})
	if code(up) != "0000" {
		t.Fatalf("upload: %v", up)
	}
	no := data(up)["videoNo"].(string)
	if len(no) != 20 || !strings.HasPrefix(no, "VI") {
		t.Fatalf("video number %q is not VI + 18 digits", no)
	}
	if st := data(up)["videoStatus"]; st != "UNPARSE" {
		t.Fatalf("status at upload %v, want UNPARSE", st)
	}
	if got := ts.listVideo("sk-a", "default", no)["status"]; got != "UNPARSE" {
		t.Fatalf("before processing: %v", got)
	}
	ts.clk.Advance(5 * time.Second)
	ts.srv.Tick()
	item := ts.listVideo("sk-a", "default", no)
	if item["status"] != "PARSE" || item["duration"] != "12" || item["video_name"] != "beach_day" {
		t.Fatalf("after processing: %v", item)
	}
	// The first attempt failed; the retry fires after the backoff.
	for ts.clk.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	ts.clk.Advance(time.Second)
	cb := rcv.wait(t)
	if cb["videoNo"] != no || cb["status"] != "PARSE" {
		t.Fatalf("callback %v", cb)
	}

	rec := ts.do(http.MethodPost, "/serve/api/v1/download", "sk-a", "application/json", strings.NewReader(`{"video_no":"`+no+`"}`))
	if ct := rec.Header().Get("Content-Type"); ct != "application/octet-stream" {
		t.Fatalf("download content type %q: %s", ct, rec.Body.String())
	}
	if sha256.Sum256(rec.Body.Bytes()) != sha256.Sum256(file) {
		t.Fatal("downloaded bytes differ from the upload")
	}

	del := func() string {
		return code(decode(t, ts.do(http.MethodPost, "/serve/api/v1/delete_videos", "sk-a", "application/json", strings.NewReader(`["`+no+`"]`))))
	}
	if got := del(); got != "0000" {
		t.Fatalf("first delete: %s", got)
	}
	if got := del(); got != "0409" {
		t.Fatalf("second delete: %s, want 0409", got)
	}
	rec = ts.do(http.MethodPost, "/serve/api/v1/download", "sk-a", "application/json", strings.NewReader(`{"video_no":"`+no+`"}`))
	if code(decode(t, rec)) != "0001" {
		t.Fatalf("download after delete: %s", rec.Body.String())
	}
}

func TestFailedMediaEndsFailedWithCause(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"corrupt", mediatest.Corrupt(), "unreadable"},
		{"mpeg-4 part 2", mediatest.MP4(mediatest.MP4Options{Codec: "mp4v"}), "mpeg4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			up := ts.upload("sk-a", "", "clip.mp4", tt.file, nil)
			no := data(up)["videoNo"].(string)
			ts.clk.Advance(time.Minute)
			item := ts.listVideo("sk-a", "default", no)
			if item["status"] != "FAILED" || !strings.Contains(strings.ToLower(item["cause"].(string)), tt.want) {
				t.Fatalf("got %v, want FAILED with a cause mentioning %q", item, tt.want)
			}
		})
	}
}

func TestRestartWithDataDirKeepsLibrary(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	file := mediatest.MP4(mediatest.MP4Options{Duration: 7})
	ts := newTestServer(t, Options{DataDir: dir, Clock: clk})
	ts.clk = clk
	no := data(ts.upload("sk-a", "team", "persist.mp4", file, nil))["videoNo"].(string)
	clk.Advance(time.Minute)
	ts.srv.Tick()
	balance := ts.srv.meter.ledger.Balance("sk-a")
	if err := ts.srv.Close(); err != nil {
		t.Fatal(err)
	}

	ts2 := newTestServer(t, Options{DataDir: dir, Clock: clk})
	item := ts2.listVideo("sk-a", "team", no)
	if item["status"] != "PARSE" || item["duration"] != "7" {
		t.Fatalf("after restart: %v", item)
	}
	if got := ts2.srv.meter.ledger.Balance("sk-a"); got != balance {
		t.Fatalf("balance after restart %v, want %v", got, balance)
	}
	rec := ts2.do(http.MethodPost, "/serve/api/v1/download", "sk-a", "application/json", strings.NewReader(`{"video_no":"`+no+`","unique_id":"team"}`))
	got, _ := io.ReadAll(rec.Body)
	if !bytes.Equal(got, file) {
		t.Fatal("media lost across restart")
	}
}
