package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startRun runs the binary's loop with args and returns its addresses and
// the channel its result arrives on.
func startRun(t *testing.T, args ...string) ([]string, chan error) {
	t.Helper()
	ready := make(chan []string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(append([]string{"--addr", "127.0.0.1:0", "--memsync-addr", "127.0.0.1:0", "--log-level", "error"}, args...), io.Discard, io.Discard, ready)
	}()
	select {
	case addrs := <-ready:
		return addrs, done
	case err := <-done:
		t.Fatalf("run %v ended early: %v", args, err)
	case <-time.After(20 * time.Second):
		t.Fatalf("run %v did not start", args)
	}
	return nil, nil
}

// stopAll sends SIGTERM (every running loop of this process stops) and
// waits for the given loops.
func stopAll(t *testing.T, dones ...chan error) {
	t.Helper()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, d := range dones {
		select {
		case err := <-d:
			if err != nil {
				t.Fatalf("run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no graceful shutdown")
		}
	}
}

func post(t *testing.T, url, key, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestRecordThenReplayStrict is the "done when": a mockserver
// proxying to another one records list_videos; with the upstream gone, a
// third one in strict replay serves the recorded body byte for byte and
// refuses what was never recorded.
func TestRecordThenReplayStrict(t *testing.T) {
	dir := t.TempDir()
	const key = "sk-record-e2e-7f3a"
	up, upDone := startRun(t)
	px, pxDone := startRun(t, "--upstream", "http://"+up[0], "--memsync-upstream", "http://"+up[1], "--record", dir)
	if st, b := post(t, "http://"+px[0]+"/serve/api/v1/upload_url", key, `{"url":"https://example.com/beach_day.mp4"}`); st != 200 || !bytes.Contains(b, []byte(`"0000"`)) {
		t.Fatalf("upload_url through the proxy: %d %s", st, b)
	}
	_, recorded := post(t, "http://"+px[0]+"/serve/api/v1/list_videos", key, `{}`)
	if !bytes.Contains(recorded, []byte("beach_day")) {
		t.Fatalf("list_videos: %s", recorded)
	}
	// The control plane is the proxy's own, not the upstream's.
	resp, err := http.Get("http://" + px[0] + "/_mock/drift")
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(rep, []byte(`"exchanges": 2`)) || !bytes.Contains(rep, []byte(`"findings": []`)) {
		t.Fatalf("drift: %d %s", resp.StatusCode, rep)
	}
	stopAll(t, upDone, pxDone)

	files, _ := filepath.Glob(filepath.Join(dir, "*.har"))
	if len(files) != 1 {
		t.Fatalf("recordings: %v", files)
	}
	raw, _ := os.ReadFile(files[0])
	if bytes.Contains(raw, []byte(key)) {
		t.Fatal("the key reached the recording")
	}

	rp, rpDone := startRun(t, "--replay", dir, "--replay-strict")
	st, b := post(t, "http://"+rp[0]+"/serve/api/v1/list_videos", "sk-anyone", `{}`)
	if st != 200 || !bytes.Equal(b, recorded) {
		t.Fatalf("replayed list_videos %d:\n%s\nrecorded:\n%s", st, b, recorded)
	}
	st, b = post(t, "http://"+rp[0]+"/serve/api/v1/search", key, `{"search_param":"beach"}`)
	if st != 404 || !bytes.Contains(b, []byte("closest recorded request: POST /serve/api/v1/")) {
		t.Fatalf("strict miss: %d %s", st, b)
	}
	stopAll(t, rpDone)
}

func TestProxyFlagsAreValidated(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "bad upstream", args: []string{"--upstream", "ftp://x"}, want: "--upstream"},
		{name: "record without upstream", args: []string{"--record", "d"}, want: "--record needs"},
		{name: "strict without replay", args: []string{"--replay-strict"}, want: "--replay-strict needs"},
		{name: "speed", args: []string{"--replay", "d", "--replay-speed", "0"}, want: "--replay-speed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.args, func(string) string { return "" }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	c, err := Load([]string{"--replay", "a", "--replay", "b"}, func(k string) string {
		if k == "MOCK_UPSTREAM" {
			return "http://127.0.0.1:9"
		}
		return ""
	}, io.Discard)
	if err != nil || strings.Join(c.Proxy.Replay, ",") != "a,b" || c.Proxy.Upstream != "http://127.0.0.1:9" {
		t.Fatalf("%+v %v", c.Proxy, err)
	}
}

// TestReplayImportsRecordedVideos records a session whose list_videos
// shows a parsed video; replayed without the upstream (not strict), the
// video is in the library of --replay-account: search finds it and a chat
// stream cites it. replay-check lists it.
func TestReplayImportsRecordedVideos(t *testing.T) {
	dir := t.TempDir()
	const key = "sk-import-e2e-11"
	up, upDone := startRun(t)
	px, pxDone := startRun(t, "--upstream", "http://"+up[0], "--record", dir)
	_, b := post(t, "http://"+px[0]+"/serve/api/v1/upload_url", key, `{"url":"https://example.com/kite_festival_beach.mp4"}`)
	var u struct {
		Data struct {
			VideoNo string `json:"videoNo"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &u); err != nil || u.Data.VideoNo == "" {
		t.Fatalf("upload_url: %s", b)
	}
	// The upstream's own control plane finishes processing.
	if st, b := post(t, "http://"+up[0]+"/_mock/videos/"+u.Data.VideoNo+"/complete", "", ``); st != 200 {
		t.Fatalf("complete: %d %s", st, b)
	}
	if _, b := post(t, "http://"+px[0]+"/serve/api/v1/list_videos", key, `{}`); !bytes.Contains(b, []byte(`"status":"PARSE"`)) {
		t.Fatalf("list_videos: %s", b)
	}
	stopAll(t, upDone, pxDone)

	var out bytes.Buffer
	if err := run([]string{"replay-check", dir}, &out, io.Discard, nil); err != nil {
		t.Fatalf("replay-check: %v\n%s", err, out.String())
	}
	for _, want := range []string{"2 recordings in 1 files", "POST /serve/api/v1/list_videos", u.Data.VideoNo + "  kite_festival_beach  PARSE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("replay-check output lacks %q:\n%s", want, out.String())
		}
	}

	rp, rpDone := startRun(t, "--replay", dir, "--replay-account", "sk-offline")
	_, b = post(t, "http://"+rp[0]+"/serve/api/v1/search", "sk-offline", `{"search_param":"kite","search_type":"BY_VIDEO","top_k":10,"filtering_level":"low"}`)
	if !bytes.Contains(b, []byte(u.Data.VideoNo)) {
		t.Fatalf("search offline does not find the recorded video: %s", b)
	}
	_, b = post(t, "http://"+rp[0]+"/serve/api/v1/chat_stream", "sk-offline", `{"video_nos":["`+u.Data.VideoNo+`"],"prompt":"What happens in this video?"}`)
	if !bytes.Contains(b, []byte(`"type":"ref"`)) || !bytes.Contains(b, []byte(`"videoNo":"`+u.Data.VideoNo+`"`)) || !bytes.Contains(b, []byte(`"data":"Done"`)) {
		t.Fatalf("chat_stream offline does not cite the recorded video: %s", b)
	}
	stopAll(t, rpDone)
}

func get(t *testing.T, url, key string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestReplayImportsRecordedContent records the transcripts and summary of
// an upstream video whose content says something no generated content
// does; replayed with the upstream gone, search for that word finds the
// video first and a chat stream about it cites it and its recorded words.
func TestReplayImportsRecordedContent(t *testing.T) {
	const (
		key   = "sk-content-e2e-5"
		eagle = "VI700000000000000001"
		pasta = "VI700000000000000002"
	)
	fx := filepath.Join(t.TempDir(), "lib.yaml")
	if err := os.WriteFile(fx, []byte(`accounts:
  - api_key: `+key+`
    videos:
      - video_no: `+eagle+`
        name: clip_0042.mp4
        duration: 40
        visual:
          - {start: 0, end: 20, text: "a golden eagle circles the ridge"}
          - {start: 20, end: 40, text: "the bird dives towards the valley floor"}
        audio:
          - {start: 1, end: 6, text: "look how high it flies"}
      - video_no: `+pasta+`
        name: clip_0043.mp4
        duration: 30
        visual:
          - {start: 0, end: 30, text: "a cook stirs pasta in a steel pot"}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	up, upDone := startRun(t, "--fixtures", fx, "--rate-limits", "off")
	px, pxDone := startRun(t, "--upstream", "http://"+up[0], "--record", dir)
	base := "http://" + px[0] + "/serve/api/v1/"
	for _, q := range []string{
		"get_video_transcription?video_no=" + eagle,
		"get_audio_transcription?video_no=" + eagle,
		"generate_summary?video_no=" + eagle + "&type=CHAPTER",
		"get_video_transcription?video_no=" + pasta,
	} {
		if st, b := get(t, base+q, key); st != 200 || !bytes.Contains(b, []byte(`"0000"`)) {
			t.Fatalf("%s through the proxy: %d %s", q, st, b)
		}
	}
	stopAll(t, upDone, pxDone)

	var out bytes.Buffer
	if err := run([]string{"replay-check", dir}, &out, io.Discard, nil); err != nil {
		t.Fatalf("replay-check: %v\n%s", err, out.String())
	}
	for _, want := range []string{"2 videos would be imported", eagle + "  " + eagle + "  PARSE", "visual 2, audio 1, summary, chapters 2", pasta + "  " + pasta + "  PARSE", "unique_id=default  visual 1\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("replay-check output lacks %q:\n%s", want, out.String())
		}
	}

	rp, rpDone := startRun(t, "--replay", dir, "--replay-account", "sk-offline")
	_, b := post(t, "http://"+rp[0]+"/serve/api/v1/search", "sk-offline", `{"search_param":"eagle","search_type":"BY_VIDEO","top_k":10,"filtering_level":"low"}`)
	var found struct {
		Data []struct {
			VideoNo string `json:"videoNo"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &found); err != nil || len(found.Data) == 0 || found.Data[0].VideoNo != eagle {
		t.Fatalf("search offline for the recorded word does not find %s first: %s", eagle, b)
	}
	_, b = post(t, "http://"+rp[0]+"/serve/api/v1/chat_stream", "sk-offline", `{"video_nos":["`+eagle+`","`+pasta+`"],"prompt":"Where does the eagle circle?"}`)
	if !bytes.Contains(b, []byte(`"type":"ref"`)) || !bytes.Contains(b, []byte(`"videoNo":"`+eagle+`"`)) || !bytes.Contains(b, []byte("golden eagle")) {
		t.Fatalf("chat_stream offline does not cite the recorded content: %s", b)
	}
	stopAll(t, rpDone)
}

// TestReplayCheckHelpSaysWhatIsImported: the help names what replay
// imports and what it leaves out.
func TestReplayCheckHelpSaysWhatIsImported(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"replay-check", "-h"}, &out, io.Discard, nil)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"get_video_transcription", "get_audio_transcription", "generate_summary", "Not imported:", "public-library videos"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}
