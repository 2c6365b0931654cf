package limits

import (
	"strings"
	"time"
)

// Visual Intelligence v2 (V2_SURFACE §5 and §7). The rate-limit page gives
// "1 QPS each" for every video-processing, transcription and embedding
// endpoint, so each v2 operation has a bucket of its own: its group is the
// operationId with hyphens ("v2-upload"). Chat completions "follow the
// underlying model provider's limits", which the docs do not give; the
// mock allows 10 QPS there (a documented choice, adjustable with
// --rate-limit-file like any group).
var v2Ops = map[string]bool{
	"v2_upload": true, "v2_upload_signed_url": true, "v2_signed_upload_put": true, "v2_signed_upload_post": true,
	"v2_download": true, "v2_download_blob": true, "v2_delete_asset": true, "v2_delete_asset_legacy": true,
	"v2_asset_metadata": true, "v2_extract_frames": true,
	"v2_video_description": true, "v2_video_summary": true,
	"v2_embed_video": true, "v2_embed_image": true, "v2_embed_text": true,
	"v2_audio_sync": true, "v2_audio_async": true, "v2_speaker_sync": true, "v2_speaker_async": true,
	"v2_multi_speaker_async": true, "v2_speech_to_text": true, "v2_asset_transcription_legacy": true,
	"v2_social_metadata": true, "v2_social_transcript": true, "v2_social_mai_transcript": true, "v2_social_detail": true,
	"v2_vu_chat": true, "v2_iu_chat": true, "v2_ilm_chat": true, "v2_chat": true,
	// Visual Agents (issue 14): scene detection, split, edit, screenplay,
	// the searching agent.
	"v2_video_clip": true, "v2_video_split": true, "v2_video_edit": true,
	"v2_screenplay_create": true, "v2_screenplay_get": true, "v2_screenplay_download": true, "v2_queries_stream": true,
	// The screenplay cancel page was not found; the mock chooses
	// POST /screenplay/tasks/{task_id}/cancel.
	"v2_screenplay_cancel": true,
	// Live streams (issue 14): video moderation and audio transcription.
	"v2_stream_start": true, "v2_stream_stop": true, "v2_audio_stream_start": true, "v2_audio_stream_stop": true,
	// stream.memories.ai (openapi/stream.yaml): "4 concurrent tasks per key".
	"stream_connect": true, "stream_stop": true,
}

// v2StreamOps are limited by concurrency, not by rate: the rate-limit page
// gives "max N concurrent streams per account" for the starts and "no
// limit" for the stops, so both get a generous bucket (100 QPS, bursts of
// 100) that only a runaway client reaches.
var v2StreamOps = map[string]bool{"v2_stream_start": true, "v2_stream_stop": true,
	"v2_audio_stream_start": true, "v2_audio_stream_stop": true, "stream_connect": true, "stream_stop": true}

// v2Chat are the chat operations (provider limits: 10 QPS with bursts of
// 10 here).
var v2Chat = map[string]bool{"v2_vu_chat": true, "v2_iu_chat": true, "v2_ilm_chat": true, "v2_chat": true, "v2_queries_stream": true}

// V2Group is the rate-limit group of a v2 operation ("" for others).
func V2Group(opID string) string {
	if !v2Ops[opID] {
		return ""
	}
	return strings.ReplaceAll(opID, "_", "-")
}

// v2Limits is the v2 part of every profile (v1.2 and platform alike: the
// v2 table is one table).
func v2Limits() map[string]Limit {
	out := make(map[string]Limit, len(v2Ops))
	for op := range v2Ops {
		if v2StreamOps[op] {
			out[V2Group(op)] = Limit{Every: time.Second / 100, Burst: 100}
			continue
		}
		if v2Chat[op] {
			// Model providers meter by tokens per minute and let short
			// bursts through, so a client's back-to-back calls (the openai
			// SDK's request then its stream) are not refused.
			out[V2Group(op)] = Limit{Every: time.Second / 10, Burst: 10}
		} else {
			out[V2Group(op)] = qps(1)
		}
	}
	return out
}

// The v2 prices of the pricing summary (V2_SURFACE §7) that are charged
// per request. Chat completions are priced per model and charged by the
// handler with NewCharge; operations whose price the docs do not give are
// free in the mock.
var (
	// Extract frames: $0.01 per second of video.
	tV2Frames = tariff{UnitMediaSecond, usd(0.01), 1, mediaSeconds}
	// Whisper: $0.001/s ($0.002/s with speaker labels); diarization $0.001/s.
	tV2Whisper        = tariff{UnitMediaSecond, usd(0.001), 1, mediaSeconds}
	tV2WhisperSpeaker = tariff{UnitMediaSecond, usd(0.002), 1, mediaSeconds}
	// Multimodal speaker recognition: $0.1 per minute.
	tV2MultiSpeaker = tariff{UnitMediaMinute, usd(0.1), 1, mediaMinutes}
	// Speech-to-text: ElevenLabs $0.39/h, AssemblyAI $0.15/h, per second.
	tV2ElevenLabs = tariff{UnitMediaSecond, usd(0.39), 3600, mediaSeconds}
	tV2AssemblyAI = tariff{UnitMediaSecond, usd(0.15), 3600, mediaSeconds}
	// Image embedding $0.0001/image; text embedding $0.0000002/token.
	tV2ImageEmbed = tariff{UnitQuery, usd(0.0001), 1, queries}
	tV2TextEmbed  = tariff{UnitToken, usd(0.0000002), 1, tokens}
	// Frame description: $0.45/1M input and $3.75/1M output tokens; the
	// handler charges input and output separately with these two.
	tV2DescIn  = tariff{UnitToken, usd(0.45), 1e6, tokens}
	tV2DescOut = tariff{UnitToken, usd(3.75), 1e6, tokens}
	// Social metadata and transcript ~$0.01/video; MAI transcript ~$0.11.
	tV2Social    = tariff{UnitQuery, usd(0.01), 1, queries}
	tV2SocialMAI = tariff{UnitQuery, usd(0.11), 1, queries}
	// Screenplay: $1.00 per minute of video.
	tV2Screenplay = tariff{UnitMediaMinute, usd(1), 1, mediaMinutes}
	// Video stream moderation: $2/h with moderation and logo detection,
	// $1.5/h with one of them, times (1 + (fps-1) x 0.5). The stream
	// handlers charge fps-weighted seconds (5 s at fps 2 = 7.5 s), one 5-s
	// segment at start and one per segment processed.
	tV2StreamBoth   = tariff{UnitMediaSecond, usd(2), 3600, mediaSeconds}
	tV2StreamSingle = tariff{UnitMediaSecond, usd(1.5), 3600, mediaSeconds}
)

// Pseudo-operations for v2 prices that depend on the request.
const (
	OpV2WhisperSpeaker = "v2_whisper_speaker"
	OpV2AssemblyAI     = "v2_speech_to_text_assemblyai"
	OpV2DescInput      = "v2_video_description_input"
	OpV2DescOutput     = "v2_video_description_output"
	// OpV2StreamSingle is a moderation stream with one of its two features.
	OpV2StreamSingle = "v2_stream_single"
	// OpV2AudioStreamAssemblyAI is an audio stream on AssemblyAI (the
	// operation's own tariff is ElevenLabs').
	OpV2AudioStreamAssemblyAI = "v2_audio_stream_assemblyai"
	// OpV2AudioWSElevenLabs and OpV2AudioWSAssemblyAI are the real-time
	// audio WebSocket, billed per 5 s of audio received.
	OpV2AudioWSElevenLabs = "v2_audio_ws_elevenlabs"
	OpV2AudioWSAssemblyAI = "v2_audio_ws_assemblyai"
	// OpStreamUnderstand is stream.memories.ai's understanding stream,
	// billed every 5 s; its price is not published, the mock charges the
	// single-feature moderation rate ($1.5/h).
	OpStreamUnderstand = "stream_understand"
)

var v2Tariffs = map[string]*tariff{
	"v2_download":                   &tDownload,
	"v2_download_blob":              &tDownload,
	"v2_extract_frames":             &tV2Frames,
	"v2_audio_sync":                 &tV2Whisper,
	"v2_audio_async":                &tV2Whisper,
	"v2_asset_transcription_legacy": &tV2Whisper,
	OpV2WhisperSpeaker:              &tV2WhisperSpeaker,
	"v2_speaker_sync":               &tV2Whisper,
	"v2_speaker_async":              &tV2Whisper,
	"v2_multi_speaker_async":        &tV2MultiSpeaker,
	"v2_speech_to_text":             &tV2ElevenLabs,
	OpV2AssemblyAI:                  &tV2AssemblyAI,
	"v2_embed_image":                &tV2ImageEmbed,
	"v2_embed_text":                 &tV2TextEmbed,
	OpV2DescInput:                   &tV2DescIn,
	OpV2DescOutput:                  &tV2DescOut,
	"v2_social_metadata":            &tV2Social,
	"v2_social_transcript":          &tV2Social,
	"v2_social_detail":              &tV2Social,
	"v2_social_mai_transcript":      &tV2SocialMAI,
	"v2_screenplay_create":          &tV2Screenplay,
	"v2_stream_start":               &tV2StreamBoth,
	OpV2StreamSingle:                &tV2StreamSingle,
	"v2_audio_stream_start":         &tV2ElevenLabs,
	OpV2AudioStreamAssemblyAI:       &tV2AssemblyAI,
	OpV2AudioWSElevenLabs:           &tV2ElevenLabs,
	OpV2AudioWSAssemblyAI:           &tV2AssemblyAI,
	OpStreamUnderstand:              &tV2StreamSingle,
}
