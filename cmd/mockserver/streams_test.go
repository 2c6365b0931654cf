package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/memharness/memharness/mock"
)

func TestMaxStreamsFlag(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    int
		wantErr bool
	}{
		{name: "default", want: 5},
		{name: "flag", args: []string{"--max-streams", "2"}, want: 2},
		{name: "env", env: map[string]string{"MOCK_MAX_STREAMS": "7"}, want: 7},
		{name: "flag over env", args: []string{"--max-streams", "3"}, env: map[string]string{"MOCK_MAX_STREAMS": "7"}, want: 3},
		{name: "zero", args: []string{"--max-streams", "0"}, wantErr: true},
		{name: "negative", args: []string{"--max-streams", "-1"}, wantErr: true},
		{name: "not a number", args: []string{"--max-streams", "many"}, wantErr: true},
		{name: "bad env", env: map[string]string{"MOCK_MAX_STREAMS": "x"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got max streams %d", cfg.Mock.MaxStreams)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Mock.MaxStreams != tc.want {
				t.Fatalf("MaxStreams = %d, want %d", cfg.Mock.MaxStreams, tc.want)
			}
		})
	}
}

func TestMaxStreamsHelp(t *testing.T) {
	var out strings.Builder
	_, _ = Load([]string{"-h"}, func(string) string { return "" }, &out)
	if !strings.Contains(out.String(), "max-streams") || !strings.Contains(out.String(), "status 16") {
		t.Fatalf("usage does not describe --max-streams:\n%s", out.String())
	}
}

// TestMaxStreamsCapsStreams builds the mock from the parsed flags and
// starts streams of one account until the cap: the next start answers
// status 16, a stop frees a slot.
func TestMaxStreamsCapsStreams(t *testing.T) {
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer hooks.Close()
	cfg, err := Load([]string{"--max-streams", "2", "--v2-webhook", hooks.URL + "/hook", "--callback-hosts", "loopback"},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mock.New(cfg.Mock)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	post := func(path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/serve/api/v2"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "sk-cap")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, m
	}
	video := `{"url":"rtmp://live.example.com/app/stream","enable_content_moderation":true}`
	audio := `{"audio_url":"rtmp://live.example.com/app/audio","provider":"elevenlabs"}`
	var first string
	for i, body := range []string{video, audio} {
		st, m := post([]string{"/stream/start", "/audio-stream/start"}[i], body)
		if st != http.StatusOK || m["code"] != float64(200) {
			t.Fatalf("start %d under the cap: %d %v", i+1, st, m)
		}
		if i == 0 {
			first = m["data"].(map[string]any)["task_id"].(string)
		}
	}
	st, m := post("/stream/start", video)
	if st != http.StatusTooManyRequests || m["code"] != float64(16) || !strings.Contains(m["message"].(string), "at most 2") {
		t.Fatalf("start over the cap: %d %v, want 429 with code 16", st, m)
	}
	if st, m := post("/stream/stop", `{"task_id":"`+first+`"}`); st != http.StatusOK {
		t.Fatalf("stop: %d %v", st, m)
	}
	if st, m := post("/stream/start", video); st != http.StatusOK || m["code"] != float64(200) {
		t.Fatalf("start after a stop: %d %v", st, m)
	}
}
