package v2

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// hostPost sends a stream-host request with an X-Mock-Force header.
func (ts *testSurface) hostPost(t *testing.T, path, key, force string, body any) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", key)
	if force != "" {
		req.Header.Set("X-Mock-Force", force)
	}
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, req)
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s: %d %q", path, rec.Code, rec.Body.String())
	}
	return rec.Code, m
}

// TestStreamHostHonoursMockForce: X-Mock-Force reaches stream.memories.ai
// through the platform guard and answers in the host's own format (no
// envelope: status -1 or 5000 and the reason in text), on streamConnect
// and stop alike; a refused start starts nothing and a refused stop stops
// nothing.
func TestStreamHostHonoursMockForce(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	cb := newReceiver(t, 0)
	start := map[string]any{"url": "rtmp://your.server:1935/live/stream", "user_prompt": "What is on screen?", "callback": cb.srv.URL}
	tests := []struct {
		name, force string
		status      int
		hostStatus  float64
		text        string
	}{
		{name: "rate limit", force: "429", status: 429, hostStatus: -1, text: "Request has exceeded the limit."},
		{name: "rate limit v1 spelling", force: "0429", status: 429, hostStatus: -1, text: "Request has exceeded the limit."},
		{name: "balance", force: "402", status: 402, hostStatus: -1, text: "Insufficient balance"},
		{name: "key", force: "401", status: 401, hostStatus: -1, text: "Unauthorized"},
		{name: "feature", force: "403", status: 403, hostStatus: -1, text: "User not authorized for stream processing"},
		{name: "bad parameter", force: "400", status: 400, hostStatus: -1, text: "Invalid request"},
		{name: "duplicate", force: "409", status: 409, hostStatus: -1, text: "Request conflict or duplicate request"},
		{name: "http 500", force: "http500", status: 500, hostStatus: 5000, text: "Internal server error"},
		{name: "network", force: "network", status: 500, hostStatus: 5000, text: "Internal server error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, m := ts.hostPost(t, StreamConnectPath, "sk-f", tc.force, start)
			if st != tc.status || m["status"] != tc.hostStatus || m["text"] != tc.text || m["task_id"] != "" {
				t.Fatalf("streamConnect: %d %v, want %d status %v %q", st, m, tc.status, tc.hostStatus, tc.text)
			}
			if _, ok := m["code"]; ok {
				t.Fatalf("the stream host has no envelope: %v", m)
			}
			if n := ts.s.Running(); n != 0 {
				t.Fatalf("%d streams running after a forced refusal", n)
			}
		})
	}
	t.Run("malformed header", func(t *testing.T) {
		st, m := ts.hostPost(t, StreamConnectPath, "sk-f", "teapot", start)
		if st != 400 || m["status"] != float64(-1) || !strings.HasPrefix(m["text"].(string), "Invalid request: ") {
			t.Fatalf("%d %v", st, m)
		}
	})
	// A running task: a forced stop refuses and the task keeps running.
	st, m := ts.hostPost(t, StreamConnectPath, "sk-f", "", start)
	id, _ := m["task_id"].(string)
	if st != 200 || id == "" {
		t.Fatalf("start: %d %v", st, m)
	}
	if st, m := ts.hostPost(t, "/v1/understand/stop/"+id, "sk-f", "401", nil); st != 401 || m["status"] != float64(-1) || m["task_id"] != id {
		t.Fatalf("forced stop: %d %v", st, m)
	}
	if n := ts.s.Running(); n != 1 {
		t.Fatalf("%d streams running after a refused stop, want 1", n)
	}
	if st, m := ts.hostPost(t, "/v1/understand/stop/"+id, "sk-f", "", nil); st != 200 || m["status"] != float64(14) {
		t.Fatalf("stop: %d %v", st, m)
	}
	// The journal names the forced answers as the host's statuses.
	found := false
	for _, e := range ts.p.Journal.Last(100) {
		if e.Surface == "stream" && e.OperationID == "stream_connect" && e.Status == 429 && e.Code == "-1" {
			found = true
		}
	}
	if !found {
		t.Error("the journal has no forced 429 of stream_connect")
	}
}

// TestStreamHostForcedLatencyWaitsOnTheClock: latency=… holds the answer
// until the mock clock has moved that far.
func TestStreamHostForcedLatencyWaitsOnTheClock(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	cb := newReceiver(t, 0)
	start := map[string]any{"url": "rtmp://e.com/l", "user_prompt": "p", "callback": cb.srv.URL}
	done := make(chan int, 1)
	go func() {
		st, _ := ts.hostPost(t, StreamConnectPath, "sk-l", "latency=30s", start)
		done <- st
	}()
	deadline := time.After(10 * time.Second)
	for ts.clk.Waiters() == 0 {
		select {
		case <-deadline:
			t.Fatal("the request never waited on the clock")
		case st := <-done:
			t.Fatalf("answered %d before the clock moved", st)
		default:
			time.Sleep(time.Millisecond)
		}
	}
	ts.clk.Advance(29 * time.Second)
	select {
	case st := <-done:
		t.Fatalf("answered %d after 29 s of a 30 s latency", st)
	case <-time.After(50 * time.Millisecond):
	}
	ts.clk.Advance(time.Second)
	select {
	case st := <-done:
		if st != 200 {
			t.Fatalf("status %d after the latency", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer after the latency")
	}
	ts.s.stopAllStreams()
}

// TestStreamHostForcedReset drops the connection on a real listener.
func TestStreamHostForcedReset(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	srv := httptest.NewServer(ts.h)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+StreamConnectPath, strings.NewReader(`{}`))
	req.Header.Set("Authorization", "sk-r")
	req.Header.Set("X-Mock-Force", "reset")
	resp, err := srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d, want a dropped connection", resp.StatusCode)
	}
	if n := ts.s.Running(); n != 0 {
		t.Fatalf("%d streams running", n)
	}
}
