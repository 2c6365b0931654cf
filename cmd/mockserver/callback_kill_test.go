package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// delivery is one entry of GET /_mock/callbacks, as far as these tests
// read it.
type delivery struct {
	ID       string         `json:"id"`
	URL      string         `json:"url"`
	Payload  map[string]any `json:"payload"`
	Attempts int            `json:"attempts"`
	Status   string         `json:"status"`
	History  []struct {
		StatusCode int `json:"status_code"`
	} `json:"history"`
}

// callbacks reads the process's delivery log.
func (p *mockProc) callbacks() []delivery {
	p.t.Helper()
	res, err := http.Get(p.base + "/_mock/callbacks")
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	var log struct {
		Deliveries []delivery `json:"deliveries"`
	}
	if err := json.NewDecoder(res.Body).Decode(&log); err != nil || res.StatusCode != http.StatusOK {
		p.t.Fatalf("/_mock/callbacks: HTTP %d %v", res.StatusCode, err)
	}
	return log.Deliveries
}

// uploadV1 uploads data through the v1 API with a callback URL and
// returns the videoNo.
func (p *mockProc) uploadV1(key, name string, data []byte, callback string) string {
	p.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.WriteField("callback", callback)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, p.base+"/serve/api/v1/upload", &buf)
	req.Header.Set("Authorization", key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	var env struct {
		Code string `json:"code"`
		Data struct {
			VideoNo string `json:"videoNo"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil || env.Code != "0000" || env.Data.VideoNo == "" {
		p.t.Fatalf("v1 upload: HTTP %d %+v %v", res.StatusCode, env, err)
	}
	return env.Data.VideoNo
}

// TestV1CallbackSurvivesKill9 runs the built mockserver on a data
// directory; a v1 upload's callback receiver answers 500 until the process
// has been killed with SIGKILL between two retries. After a restart on the
// same --data-dir the callback is retried under the same id, with its
// earlier attempts in /_mock/callbacks, and arrives exactly once; a third
// start finds nothing left to send. (The real clock runs: processing takes
// the default 2 s, retries wait 1 s, then 2 s, 4 s, 8 s.)
func TestV1CallbackSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the mockserver binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("kill -9 semantics")
	}
	var failing atomic.Bool
	failing.Store(true)
	var refused, accepted atomic.Int32
	got := make(chan map[string]any, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			refused.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		accepted.Add(1)
		got <- m
	}))
	defer hook.Close()

	bin := buildMockserver(t)
	dir := t.TempDir()
	const key = "sk-callback-kill9"
	p := startMockserver(t, bin, dir)
	video := p.uploadV1(key, "talk.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 4, Audio: true}), hook.URL+"/cb")

	// Wait for a failed attempt with a retry pending, then kill.
	var before delivery
	deadline := time.Now().Add(30 * time.Second)
	for {
		if list := p.callbacks(); len(list) == 1 && list[0].Attempts >= 1 && list[0].Status == "pending" {
			before = list[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed attempt: %+v\n%s", p.callbacks(), p.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.kill9()
	if before.Payload["videoNo"] != video || before.Payload["status"] != "PARSE" {
		t.Fatalf("callback before the kill: %+v", before)
	}
	failedBefore := refused.Load()
	if failedBefore < int32(before.Attempts) {
		t.Fatalf("receiver saw %d attempts, the log %d", failedBefore, before.Attempts)
	}
	failing.Store(false)

	q := startMockserver(t, bin, dir)
	if list := q.callbacks(); len(list) != 1 || list[0].ID != before.ID || list[0].Attempts < before.Attempts ||
		list[0].URL != hook.URL+"/cb" {
		t.Fatalf("log after restart: %+v, before the kill %+v", list, before)
	}
	select {
	case m := <-got:
		if m["videoNo"] != video || m["status"] != "PARSE" {
			t.Fatalf("callback %v", m)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("callback never arrived after the restart: %+v\n%s", q.callbacks(), q.out)
	}
	var after delivery
	deadline = time.Now().Add(20 * time.Second)
	for {
		if list := q.callbacks(); len(list) == 1 && list[0].Status == "delivered" {
			after = list[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never logged delivered: %+v", q.callbacks())
		}
		time.Sleep(20 * time.Millisecond)
	}
	n := len(after.History)
	if after.ID != before.ID || n < 2 || after.History[n-1].StatusCode != http.StatusOK ||
		after.History[0].StatusCode != http.StatusInternalServerError || after.Attempts != n {
		t.Fatalf("delivery after the restart: %+v", after)
	}
	q.kill9()

	// Nothing is pending any more: a third start sends nothing (its
	// journal is read before it serves, so the log shows what it reloaded).
	r := startMockserver(t, bin, dir)
	if list := r.callbacks(); len(list) != 0 {
		t.Fatalf("log on a third start: %+v", list)
	}
	if a := accepted.Load(); a != 1 {
		t.Fatalf("callback delivered %d times, want once", a)
	}
	if refused.Load() != failedBefore {
		t.Fatalf("attempts while failing: %d, then %d", failedBefore, refused.Load())
	}
}
