package v2

import (
	"io"
	"net/http"
	"strings"
)

// streamSweep covers the live-stream operations (h_streams.go). A stop case
// first stops every running stream (so no stream of the sweep account
// keeps producing callbacks while later cases move the clock), then starts
// the stream it stops.
func streamSweep() map[string]sweepCase {
	return map[string]sweepCase{
		"v2_stream_start": jsonCase(http.MethodPost, "/stream/start",
			`{"url":"rtmp://example.com/live/stream","enable_content_moderation":true,"enable_logo_detection":true,"fps":1,"max_logos":5}`),
		"v2_audio_stream_start": jsonCase(http.MethodPost, "/audio-stream/start",
			`{"audio_url":"rtmp://example.com/live/audio","provider":"assemblyai"}`),
		"v2_stream_stop": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/stream/stop", "application/json",
				strings.NewReader(`{"task_id":"` + env.freshStream("/stream/start", `{"url":"rtmp://example.com/live/s"}`) + `"}`)
		},
		"v2_audio_stream_stop": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/audio-stream/stop", "application/json",
				strings.NewReader(`{"task_id":"` + env.freshStream("/audio-stream/start", `{"audio_url":"rtmp://example.com/live/a","provider":"elevenlabs"}`) + `"}`)
		},
	}
}

// freshStream stops the sweep account's streams and starts one at path.
func (env *sweepEnv) freshStream(path, body string) string {
	env.ts.s.stopAllStreams()
	a := env.ts.do(http.MethodPost, path, env.key, "application/json", strings.NewReader(body))
	if a.Status != http.StatusOK {
		env.ts.t.Fatalf("%s: %d %s", path, a.Status, a.Raw)
	}
	return a.data()["task_id"].(string)
}
