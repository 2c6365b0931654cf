package v2

import (
	"io"
	"net/http"
	"strings"
)

// transcriptionSweep covers the transcription operations (h_transcriptions.go): one minimal valid
// request per operationId.
func transcriptionSweep() map[string]sweepCase {
	asset := func(path, field string, video bool, extra string) sweepCase {
		return func(env *sweepEnv) (string, string, string, io.Reader) {
			id := env.audio
			if video {
				id = env.video
			}
			return http.MethodPost, path, "application/json", strings.NewReader(`{"` + field + `":"` + id + `"` + extra + `}`)
		}
	}
	return map[string]sweepCase{
		"v2_audio_sync":          asset("/transcriptions/sync-generate-audio", "asset_id", false, ""),
		"v2_audio_async":         asset("/transcriptions/async-generate-audio", "asset_id", false, `,"speaker":true`),
		"v2_speaker_sync":        asset("/transcriptions/sync-generate-speaker", "asset_id", true, ""),
		"v2_speaker_async":       asset("/transcriptions/async-generate-speaker", "asset_id", false, ""),
		"v2_multi_speaker_async": asset("/transcriptions/async-generate-multi-speaker", "asset_id", true, ""),
		"v2_speech_to_text":      asset("/transcriptions/speech-to-text", "asset_id", false, ""),
		"v2_video_description":   asset("/transcriptions/async-generate-video", "asset_id", true, `,"model":"gemini-2.5-flash-lite"`),
		"v2_video_summary":       asset("/transcriptions/async-summary", "asset_id", true, ""),
		"v2_asset_transcription_legacy": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/asset/" + env.audio + "/transcription", "application/json",
				strings.NewReader(`{"model":"whisper","speaker_diarization":true}`)
		},
	}
}
