package v2

import (
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/openapi"
	"github.com/memharness/memharness/platform/limits"
)

// transcriptionFixture is a surface with a 20 s MP3, a 12 s MP4 with
// audio, a 6 s MP4 without audio and a PNG, all SUCCESS, for one key.
type transcriptionFixture struct {
	ts                                *testSurface
	key                               string
	audio, video, silent, image, wait string
}

const fixtureKey = "sk-transcribe"

func newTranscriptionFixture(t *testing.T, to testOpts) *transcriptionFixture {
	t.Helper()
	ts := newTestSurface(t, to)
	f := &transcriptionFixture{ts: ts, key: fixtureKey}
	f.audio = ts.ready(f.key, "interview.mp3", mp3Seconds(20))
	f.video = ts.ready(f.key, "beach_day.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 12, Audio: true}))
	f.silent = ts.ready(f.key, "timelapse.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 6, Width: 640, Height: 360}))
	f.image = ts.ready(f.key, "still.png", pngBytes())
	// An upload still WAITING: not usable.
	f.wait = ts.upload(f.key, "late.mp3", mp3Seconds(5)).data()["asset_id"].(string)
	return f
}

func (f *transcriptionFixture) duration(id string) float64 {
	a, err := f.ts.s.assets.get(f.ts.p.Accounts.Resolve(f.key), id)
	if err != nil {
		f.ts.t.Fatal(err)
	}
	return a.Duration
}

// hook sets a loopback receiver as the account webhook.
func (f *transcriptionFixture) hook(t *testing.T) *receiver {
	r := newReceiver(t, 0)
	f.ts.p.Accounts.SetWebhook(f.key, r.srv.URL)
	return r
}

// await advances the clock until r received a delivery and returns it.
func (f *transcriptionFixture) await(t *testing.T, r *receiver) map[string]any {
	t.Helper()
	f.ts.advanceUntil(func() bool { return len(r.got) > 0 })
	return r.wait(t)
}

// checkTimes fails unless every (start, end) pair is ordered and inside
// [0, d].
func checkTimes(t *testing.T, items []any, startKey, endKey string, d float64) {
	t.Helper()
	prev := 0.0
	for i, it := range items {
		m := it.(map[string]any)
		s, e := m[startKey].(float64), m[endKey].(float64)
		if s < 0 || e < s || e > d || s < prev-1e-9 {
			t.Fatalf("item %d: [%v, %v] not ordered inside [0, %v] (previous start %v)", i, s, e, d, prev)
		}
		prev = s
	}
}

func TestWhisperSync(t *testing.T) {
	f := newTranscriptionFixture(t, testOpts{})
	tests := []struct {
		name      string
		path      string
		body      map[string]any
		asset     string
		speaker   bool
		wantEmpty bool
	}{
		{name: "audio", path: "/transcriptions/sync-generate-audio", body: map[string]any{"asset_id": f.audio}, asset: f.audio},
		{name: "audio with model", path: "/transcriptions/sync-generate-audio", body: map[string]any{"asset_id": f.audio, "model": "whisper-1"}, asset: f.audio},
		{name: "video with speakers", path: "/transcriptions/sync-generate-audio", body: map[string]any{"asset_id": f.video, "speaker": true}, asset: f.video, speaker: true},
		{name: "no audio track", path: "/transcriptions/sync-generate-audio", body: map[string]any{"asset_id": f.silent, "speaker": true}, asset: f.silent, speaker: true, wantEmpty: true},
		{name: "legacy path", path: "/asset/" + f.audio + "/transcription", body: map[string]any{"model": "whisper"}, asset: f.audio},
		{name: "legacy diarization", path: "/asset/" + f.video + "/transcription", body: map[string]any{"model": "whisper", "speaker_diarization": true}, asset: f.video, speaker: true},
		{name: "legacy without body", path: "/asset/" + f.audio + "/transcription", asset: f.audio},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a answer
			if tc.body == nil { // no body at all, not JSON null
				a = f.ts.do(http.MethodPost, tc.path, f.key, "", nil)
			} else {
				a = f.ts.json(http.MethodPost, tc.path, f.key, tc.body)
			}
			if a.Status != 200 {
				t.Fatalf("%d %s", a.Status, a.Raw)
			}
			d := a.data()
			items := d["items"].([]any)
			if d["model"] != "whisper-1" || (len(items) == 0) != tc.wantEmpty {
				t.Fatalf("answer %s", a.Raw)
			}
			checkTimes(t, items, "start_time", "end_time", f.duration(tc.asset))
			for _, it := range items {
				m := it.(map[string]any)
				sp, has := m["speaker"]
				if has != tc.speaker || tc.speaker && !regexp.MustCompile(`^SPEAKER_\d\d$`).MatchString(sp.(string)) {
					t.Fatalf("speaker %v (present %v), want present %v", sp, has, tc.speaker)
				}
				if strings.TrimSpace(m["text"].(string)) == "" {
					t.Fatalf("empty text: %s", a.Raw)
				}
			}
		})
	}
}

func TestSpeakerSync(t *testing.T) {
	f := newTranscriptionFixture(t, testOpts{})
	a := f.ts.json(http.MethodPost, "/transcriptions/sync-generate-speaker", f.key, map[string]any{"asset_id": f.video})
	if a.Status != 200 || a.data()["model"] != "pyannote" {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	items := a.data()["items"].([]any)
	if len(items) == 0 {
		t.Fatal("no speaker turns")
	}
	checkTimes(t, items, "start", "end", f.duration(f.video))
	for i := 1; i < len(items); i++ {
		if items[i].(map[string]any)["speaker"] == items[i-1].(map[string]any)["speaker"] {
			t.Fatalf("turns %d and %d have the same speaker: consecutive turns are merged", i-1, i)
		}
	}
	empty := f.ts.json(http.MethodPost, "/transcriptions/sync-generate-speaker", f.key, map[string]any{"asset_id": f.silent})
	if empty.Status != 200 || len(empty.data()["items"].([]any)) != 0 {
		t.Fatalf("no audio track: %s", empty.Raw)
	}
}

// TestTranscriptionErrors runs the verified-live errors against every
// operation of this area.
func TestTranscriptionErrors(t *testing.T) {
	f := newTranscriptionFixture(t, testOpts{})
	const invalid = "Request has exceeded the limit."
	ops := []struct {
		path  string
		extra map[string]any
		async bool
		video bool // needs a video asset
	}{
		{path: "/transcriptions/sync-generate-audio"},
		{path: "/transcriptions/async-generate-audio", async: true},
		{path: "/transcriptions/sync-generate-speaker"},
		{path: "/transcriptions/async-generate-speaker", async: true},
		{path: "/transcriptions/async-generate-multi-speaker", async: true},
		{path: "/transcriptions/speech-to-text"},
		{path: "/transcriptions/speech-to-text", extra: map[string]any{"provider": "assemblyai"}},
		{path: "/transcriptions/async-generate-video", extra: map[string]any{"model": "gemini-2.5-flash"}, async: true, video: true},
		{path: "/transcriptions/async-summary", async: true},
		{path: "/video/extract-frames", async: true, video: true},
	}
	with := func(extra map[string]any, kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range extra {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, op := range ops {
		good := f.audio
		if op.video {
			good = f.video
		}
		cases := []struct {
			name   string
			body   map[string]any
			status int
			msg    string
			hook   bool
		}{
			{name: "unknown asset", body: with(op.extra, "asset_id", "re_600000000000000001"), status: 400, msg: invalid, hook: true},
			{name: "asset of another account", body: with(op.extra, "asset_id", good), status: 400, msg: invalid, hook: true},
			{name: "asset still waiting", body: with(op.extra, "asset_id", f.wait), status: 400, msg: invalid, hook: true},
			{name: "image asset", body: with(op.extra, "asset_id", f.image), status: 400, msg: invalid, hook: true},
			{name: "asset_id not a string", body: with(op.extra, "asset_id", 42), status: 400, msg: invalid, hook: true},
		}
		if op.path != "/transcriptions/speech-to-text" {
			// speech-to-text has three optional sources (covered in TestSpeechToText).
			cases = append(cases, struct {
				name   string
				body   map[string]any
				status int
				msg    string
				hook   bool
			}{name: "missing asset_id", body: with(op.extra), status: 400, msg: "asset_id cannot be null or empty", hook: true})
		}
		if op.async {
			cases = append(cases, struct {
				name   string
				body   map[string]any
				status int
				msg    string
				hook   bool
			}{name: "no webhook", body: with(op.extra, "asset_id", good), status: 400, msg: "An async request requires at least one webhook."})
		}
		for _, tc := range cases {
			t.Run(strings.TrimPrefix(op.path, "/")+"/"+tc.name, func(t *testing.T) {
				key := f.key
				if tc.name == "asset of another account" {
					key = "sk-someone-else"
				}
				f.ts.p.Accounts.SetWebhook(key, "")
				if tc.hook {
					f.ts.p.Accounts.SetWebhook(key, "http://127.0.0.1:9/hook")
				}
				expectError(t, f.ts.json(http.MethodPost, op.path, key, tc.body), tc.status, tc.msg)
			})
		}
	}
	wrongModel := []struct {
		name string
		path string
		body map[string]any
	}{
		{name: "whisper sync", path: "/transcriptions/sync-generate-audio", body: map[string]any{"asset_id": f.audio, "model": "whisper-2"}},
		{name: "whisper async", path: "/transcriptions/async-generate-audio", body: map[string]any{"asset_id": f.audio, "model": "gpt-4o-transcribe"}},
		{name: "legacy", path: "/asset/" + f.audio + "/transcription", body: map[string]any{"model": "whisper-large"}},
		{name: "description", path: "/transcriptions/async-generate-video", body: map[string]any{"asset_id": f.video, "model": "gemini:gemini-2.5-flash"}},
		{name: "description model missing", path: "/transcriptions/async-generate-video", body: map[string]any{"asset_id": f.video}},
		{name: "description of audio", path: "/transcriptions/async-generate-video", body: map[string]any{"asset_id": f.audio, "model": "gemini-2.5-flash"}},
		{name: "frames of audio", path: "/video/extract-frames", body: map[string]any{"asset_id": f.audio}},
		{name: "stt provider", path: "/transcriptions/speech-to-text", body: map[string]any{"asset_id": f.audio, "provider": "deepgram"}},
		{name: "stt model", path: "/transcriptions/speech-to-text", body: map[string]any{"asset_id": f.audio, "model_id": "scribe_v9"}},
		{name: "stt speech model", path: "/transcriptions/speech-to-text", body: map[string]any{"asset_id": f.audio, "provider": "assemblyai", "speech_model": "whisper"}},
	}
	f.ts.p.Accounts.SetWebhook(f.key, "http://127.0.0.1:9/hook")
	for _, tc := range wrongModel {
		t.Run("wrong model/"+tc.name, func(t *testing.T) {
			a := f.ts.json(http.MethodPost, tc.path, f.key, tc.body)
			if tc.name == "description model missing" {
				expectError(t, a, 400, "model cannot be null or empty")
				return
			}
			expectError(t, a, 400, invalid)
		})
	}
}

// callbackSchema validates a webhook body against a component of the spec.
func callbackSchema(t *testing.T, name string, body map[string]any) {
	t.Helper()
	spec, err := openapi.MemoriesV2()
	if err != nil {
		t.Fatal(err)
	}
	ref := spec.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("no schema %s", name)
	}
	if err := ref.Value.VisitJSON(body); err != nil {
		raw, _ := json.Marshal(body)
		t.Fatalf("callback does not match %s: %v\n%s", name, err, raw)
	}
}

// TestAsyncCallbacks runs every async operation of the area to its
// webhook on a loopback receiver and checks the documented body.
func TestAsyncCallbacks(t *testing.T) {
	f := newTranscriptionFixture(t, testOpts{})
	inner := func(body map[string]any) map[string]any {
		d := body["data"].(map[string]any)
		if d["msg"] != "success" || d["success"] != true {
			t.Fatalf("data.msg/success: %v", d)
		}
		return d["data"].(map[string]any)
	}
	tests := []struct {
		name   string
		path   string
		body   map[string]any
		schema string
		check  func(t *testing.T, body map[string]any)
	}{
		{name: "whisper", path: "/transcriptions/async-generate-audio", body: map[string]any{"asset_id": f.audio},
			schema: "WhisperCallback", check: func(t *testing.T, body map[string]any) {
				d := inner(body)
				items := d["data"].([]any)
				if len(items) == 0 {
					t.Fatal("no segments")
				}
				checkTimes(t, items, "start_time", "end_time", f.duration(f.audio))
				if sp, ok := items[0].(map[string]any)["speaker"]; !ok || sp != nil {
					t.Fatalf("speaker %v (present %v), want null", sp, ok)
				}
				u := d["usage_metadata"].(map[string]any)
				if u["model"] != "whisper-1" || math.Abs(u["duration"].(float64)-f.duration(f.audio)) > 0.01 {
					t.Fatalf("usage_metadata %v", u)
				}
			}},
		{name: "whisper with speaker", path: "/transcriptions/async-generate-audio", body: map[string]any{"asset_id": f.video, "speaker": true},
			schema: "WhisperCallback", check: func(t *testing.T, body map[string]any) {
				items := inner(body)["data"].([]any)
				if sp, _ := items[0].(map[string]any)["speaker"].(string); !strings.HasPrefix(sp, "SPEAKER_") {
					t.Fatalf("speaker %q", sp)
				}
			}},
		{name: "whisper no audio", path: "/transcriptions/async-generate-audio", body: map[string]any{"asset_id": f.silent},
			schema: "WhisperCallback", check: func(t *testing.T, body map[string]any) {
				if items := inner(body)["data"].([]any); len(items) != 0 {
					t.Fatalf("segments of a silent video: %v", items)
				}
			}},
		{name: "speaker", path: "/transcriptions/async-generate-speaker", body: map[string]any{"asset_id": f.video},
			schema: "SpeakerCallback", check: func(t *testing.T, body map[string]any) {
				d := inner(body)
				checkTimes(t, d["data"].([]any), "start", "end", f.duration(f.video))
				if d["usage_metadata"].(map[string]any)["model"] != "pyannote" {
					t.Fatalf("usage %v", d["usage_metadata"])
				}
			}},
		{name: "multi speaker video", path: "/transcriptions/async-generate-multi-speaker", body: map[string]any{"asset_id": f.video},
			schema: "MultiSpeakerCallback", check: func(t *testing.T, body map[string]any) {
				d := inner(body)
				items, faces := d["audio_transcription"].([]any), d["faces"].([]any)
				checkTimes(t, items, "start_time", "end_time", f.duration(f.video))
				names := map[string]bool{}
				for _, fc := range faces {
					names[fc.(map[string]any)["name"].(string)] = true
				}
				for _, it := range items {
					if sp := it.(map[string]any)["speaker"].(string); !names[sp] {
						t.Fatalf("speaker %q has no face (faces %v)", sp, faces)
					}
				}
				if len(faces) == 0 || len(d["usage_metadata"].([]any)) != 2 {
					t.Fatalf("faces %v usage %v", faces, d["usage_metadata"])
				}
			}},
		{name: "multi speaker audio", path: "/transcriptions/async-generate-multi-speaker", body: map[string]any{"asset_id": f.audio},
			schema: "MultiSpeakerCallback", check: func(t *testing.T, body map[string]any) {
				d := inner(body)
				if len(d["faces"].([]any)) != 0 || len(d["audio_transcription"].([]any)) == 0 {
					t.Fatalf("audio asset: %v", d)
				}
			}},
		{name: "description", path: "/transcriptions/async-generate-video", body: map[string]any{"asset_id": f.video, "model": "gemini-2.5-flash-lite"},
			schema: "DescriptionCallback", check: func(t *testing.T, body map[string]any) {
				d := inner(body)
				segs := d["data"].([]any)
				checkTimes(t, segs, "start_time", "end_time", f.duration(f.video))
				last := segs[len(segs)-1].(map[string]any)
				if f.duration(f.video)-last["end_time"].(float64) > 0.01 || segs[0].(map[string]any)["transcript"] == "" {
					t.Fatalf("segments do not cover the video: %v", segs)
				}
				u := d["usage_metadata"].(map[string]any)
				if u["model"] != "gemini-2.5-flash-lite" || u["prompt_tokens"].(float64) < 12*258 || u["output_tokens"].(float64) <= 0 {
					t.Fatalf("usage %v", u)
				}
			}},
		{name: "summary", path: "/transcriptions/async-summary", body: map[string]any{"asset_id": f.video},
			schema: "SummaryCallback", check: func(t *testing.T, body map[string]any) {
				if s, _ := inner(body)["summary"].(string); len(s) < 40 {
					t.Fatalf("summary %q", s)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.hook(t)
			a := f.ts.json(http.MethodPost, tc.path, f.key, tc.body)
			if a.Status != 200 {
				t.Fatalf("%d %s", a.Status, a.Raw)
			}
			id := a.data()["task_id"].(string)
			if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
				t.Fatalf("task id %q", id)
			}
			body := f.await(t, r)
			if body["code"] != float64(200) || body["message"] != "SUCCESS" || body["task_id"] != id {
				t.Fatalf("callback envelope %v", body)
			}
			callbackSchema(t, tc.schema, body)
			tc.check(t, body)
		})
	}
}

func TestSpeechToText(t *testing.T) {
	f := newTranscriptionFixture(t, testOpts{})
	d := f.duration(f.audio)
	stt := func(body map[string]any) answer {
		return f.ts.json(http.MethodPost, "/transcriptions/speech-to-text", f.key, body)
	}
	t.Run("elevenlabs words in seconds", func(t *testing.T) {
		a := stt(map[string]any{"asset_id": f.audio, "diarize": true, "num_speakers": 1})
		data := a.data()
		words := data["words"].([]any)
		if a.Status != 200 || data["language_code"] != "en" || len(words) < 3 || data["text"] == "" {
			t.Fatalf("%d %s", a.Status, a.Raw)
		}
		checkTimes(t, words, "start", "end", d)
		for _, w := range words {
			m := w.(map[string]any)
			switch m["type"] {
			case "word":
				if m["speaker_id"] != "speaker_0" {
					t.Fatalf("num_speakers 1: speaker_id %v", m["speaker_id"])
				}
			case "spacing":
				if m["text"] != " " {
					t.Fatalf("spacing %v", m)
				}
			default:
				t.Fatalf("type %v", m["type"])
			}
		}
		if words[len(words)-1].(map[string]any)["end"].(float64) < d/2 {
			t.Fatal("words end early: times are not seconds")
		}
	})
	t.Run("elevenlabs options", func(t *testing.T) {
		a := stt(map[string]any{"asset_id": f.audio, "provider": "elevenlabs", "language_code": "EN", "timestamps_granularity": "segment", "tag_audio_events": true})
		data := a.data()
		var events, words int
		for _, w := range data["words"].([]any) {
			m := w.(map[string]any)
			if _, ok := m["speaker_id"]; ok {
				t.Fatal("speaker_id without diarize")
			}
			switch m["type"] {
			case "audio_event":
				events++
			case "word":
				words++
			}
		}
		if data["language_code"] != "en" || data["language_probability"] != 1.0 || events != 1 ||
			!strings.Contains(data["text"].(string), "(laughter)") || words < 2 {
			t.Fatalf("%s", a.Raw)
		}
		none := stt(map[string]any{"asset_id": f.audio, "timestamps_granularity": "none"})
		if len(none.data()["words"].([]any)) != 0 || none.data()["text"] == "" {
			t.Fatalf("granularity none: %s", none.Raw)
		}
	})
	t.Run("assemblyai times in milliseconds", func(t *testing.T) {
		a := stt(map[string]any{"asset_id": f.audio, "provider": "assemblyai", "speaker_labels": true})
		data := a.data()
		words := data["words"].([]any)
		if a.Status != 200 || data["status"] != "completed" || data["language_code"] != "en_us" || len(words) < 3 ||
			data["audio_duration"] != math.Round(d) || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-`).MatchString(data["id"].(string)) {
			t.Fatalf("%d %s", a.Status, a.Raw)
		}
		for _, w := range words {
			m := w.(map[string]any)
			s, e := m["start"].(float64), m["end"].(float64)
			if s != math.Trunc(s) || e != math.Trunc(e) || e > d*1000 || s > e {
				t.Fatalf("word %v: want integer ms inside %v s", m, d)
			}
			if sp, _ := m["speaker"].(string); len(sp) != 1 {
				t.Fatalf("speaker %v", m["speaker"])
			}
		}
		if words[len(words)-1].(map[string]any)["end"].(float64) < d*1000/2 {
			t.Fatal("times are not milliseconds")
		}
		if len(data["utterances"].([]any)) == 0 {
			t.Fatal("no utterances with speaker_labels")
		}
	})
	t.Run("assemblyai options", func(t *testing.T) {
		a := stt(map[string]any{"asset_id": f.audio, "provider": "assemblyai", "punctuate": false, "format_text": false,
			"audio_start_from": 2000, "audio_end_at": 9000, "summarization": true, "auto_chapters": true})
		data := a.data()
		if data["utterances"] != nil || data["summary"] == nil || len(data["chapters"].([]any)) == 0 {
			t.Fatalf("%s", a.Raw)
		}
		if txt := data["text"].(string); txt != strings.ToLower(txt) || strings.ContainsAny(txt, ".,?!") {
			t.Fatalf("punctuate/format_text false: %q", txt)
		}
		for _, w := range data["words"].([]any) {
			m := w.(map[string]any)
			if m["start"].(float64) < 2000 || m["end"].(float64) > 9000 || m["speaker"] != nil {
				t.Fatalf("word %v outside the window or with a speaker", m)
			}
		}
	})
	t.Run("assemblyai webhook_url", func(t *testing.T) {
		r := newReceiver(t, 0)
		a := stt(map[string]any{"asset_id": f.audio, "provider": "assemblyai", "webhook_url": r.srv.URL})
		got := r.wait(t)
		if got["transcript_id"] != a.data()["id"] || got["status"] != "completed" {
			t.Fatalf("AssemblyAI notification %v", got)
		}
	})
	t.Run("source priority", func(t *testing.T) {
		byAsset := stt(map[string]any{"asset_id": f.audio})
		both := stt(map[string]any{"asset_id": f.audio, "url": "https://example.com/other.mp3", "source_url": "gs://b/x.mp3"})
		gs := stt(map[string]any{"source_url": "gs://mavi-resource/" + f.audio + ".mp3"})
		if !reflect.DeepEqual(byAsset.data(), both.data()) || !reflect.DeepEqual(byAsset.data(), gs.data()) {
			t.Fatal("asset_id must win over url and source_url, and gs://mavi-resource/<asset> is the asset")
		}
		byURL := stt(map[string]any{"url": "https://example.com/podcast.mp3", "source_url": "gs://other/x.mp3", "provider": "assemblyai"})
		if byURL.Status != 200 || byURL.data()["audio_url"] != "https://example.com/podcast.mp3" {
			t.Fatalf("url: %s", byURL.Raw)
		}
		bySource := stt(map[string]any{"source_url": "gs://other/x.mp3", "provider": "assemblyai"})
		if bySource.data()["audio_url"] != "https://storage.googleapis.com/other/x.mp3" {
			t.Fatalf("source_url: %s", bySource.Raw)
		}
	})
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{name: "no source", body: map[string]any{"provider": "elevenlabs"}},
		{name: "url not http", body: map[string]any{"url": "ftp://example.com/a.mp3"}},
		{name: "url without host", body: map[string]any{"url": "podcast.mp3"}},
		{name: "unknown asset", body: map[string]any{"asset_id": "re_600000000000000002", "url": "https://example.com/a.mp3"}},
	} {
		t.Run("error/"+tc.name, func(t *testing.T) {
			expectError(t, stt(tc.body), 400, "Request has exceeded the limit.")
		})
	}
	t.Run("no audio track", func(t *testing.T) {
		for _, p := range []string{"elevenlabs", "assemblyai"} {
			a := stt(map[string]any{"asset_id": f.silent, "provider": p})
			if a.Status != 200 || a.data()["text"] != "" || len(a.data()["words"].([]any)) != 0 {
				t.Fatalf("%s: %s", p, a.Raw)
			}
		}
	})
}

// TestTranscriptionCharges checks the prices: Whisper per second, doubled
// with speaker labels, the providers per hour, the description per token
// and extract-frames per second.
func TestTranscriptionCharges(t *testing.T) {
	f := newTranscriptionFixture(t, testOpts{credits: true})
	acct := f.ts.p.Accounts.Resolve(f.key)
	f.ts.p.Accounts.SetWebhook(f.key, "http://127.0.0.1:9/hook")
	d := f.duration(f.audio)
	cost := func(op string, q limits.Quantity) float64 {
		c, ok := limits.CostOf(op, q)
		if !ok {
			t.Fatalf("no tariff %s", op)
		}
		return c.Credits
	}
	tests := []struct {
		name string
		path string
		body map[string]any
		want float64
	}{
		{name: "whisper", path: "/transcriptions/sync-generate-audio", body: map[string]any{"asset_id": f.audio}, want: d * 0.001 / limits.CreditUSD},
		{name: "whisper speaker", path: "/transcriptions/async-generate-audio", body: map[string]any{"asset_id": f.audio, "speaker": true}, want: d * 0.002 / limits.CreditUSD},
		{name: "legacy diarization", path: "/asset/" + f.audio + "/transcription", body: map[string]any{"speaker_diarization": true}, want: d * 0.002 / limits.CreditUSD},
		{name: "speaker", path: "/transcriptions/sync-generate-speaker", body: map[string]any{"asset_id": f.audio}, want: d * 0.001 / limits.CreditUSD},
		{name: "multi speaker", path: "/transcriptions/async-generate-multi-speaker", body: map[string]any{"asset_id": f.audio}, want: d / 60 * 0.1 / limits.CreditUSD},
		{name: "elevenlabs", path: "/transcriptions/speech-to-text", body: map[string]any{"asset_id": f.audio}, want: d / 3600 * 0.39 / limits.CreditUSD},
		{name: "assemblyai", path: "/transcriptions/speech-to-text", body: map[string]any{"asset_id": f.audio, "provider": "assemblyai"}, want: d / 3600 * 0.15 / limits.CreditUSD},
		{name: "frames", path: "/video/extract-frames", body: map[string]any{"asset_id": f.video}, want: f.duration(f.video) * 0.01 / limits.CreditUSD},
		{name: "summary is free", path: "/transcriptions/async-summary", body: map[string]any{"asset_id": f.video}, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.ts.p.Ledger.Balance(acct)
			if a := f.ts.json(http.MethodPost, tc.path, f.key, tc.body); a.Status != 200 {
				t.Fatalf("%d %s", a.Status, a.Raw)
			}
			if got := before - f.ts.p.Ledger.Balance(acct); math.Abs(got-tc.want) > 2e-6 {
				t.Fatalf("charged %.6f credits, want %.6f", got, tc.want)
			}
		})
	}
	t.Run("description per token", func(t *testing.T) {
		before := f.ts.p.Ledger.Balance(acct)
		if a := f.ts.json(http.MethodPost, "/transcriptions/async-generate-video", f.key, map[string]any{"asset_id": f.video, "model": "gemini-2.5-flash"}); a.Status != 200 {
			t.Fatalf("%d %s", a.Status, a.Raw)
		}
		got := before - f.ts.p.Ledger.Balance(acct)
		// At least the frames' input tokens; output adds a little.
		if floor := cost(limits.OpV2DescInput, limits.Quantity{Tokens: 12*258 + 12*32}); got < floor || got > 3*floor {
			t.Fatalf("charged %.6f credits, want about %.6f", got, floor)
		}
	})
	t.Run("empty balance", func(t *testing.T) {
		f.ts.p.Ledger.SetBalance(acct, 0)
		for _, tc := range []struct{ path, model string }{
			{path: "/transcriptions/sync-generate-audio"},
			{path: "/transcriptions/async-generate-video", model: "gemini-2.5-flash"},
			{path: "/video/extract-frames"},
		} {
			body := map[string]any{"asset_id": f.video}
			if tc.model != "" {
				body["model"] = tc.model
			}
			expectError(t, f.ts.json(http.MethodPost, tc.path, f.key, body), 402, "")
		}
	})
}

// TestTranscriptionDeterminism: the same seed gives the same answers on a
// fresh surface; another seed gives different ones.
func TestTranscriptionDeterminism(t *testing.T) {
	run := func(seed int64) []string {
		f := newTranscriptionFixture(t, testOpts{opts: Options{Seed: seed}})
		var out []string
		for _, req := range []struct {
			path string
			body map[string]any
		}{
			{path: "/transcriptions/sync-generate-audio", body: map[string]any{"asset_id": f.video, "speaker": true}},
			{path: "/transcriptions/sync-generate-speaker", body: map[string]any{"asset_id": f.audio}},
			{path: "/transcriptions/speech-to-text", body: map[string]any{"asset_id": f.audio, "diarize": true}},
			{path: "/transcriptions/speech-to-text", body: map[string]any{"url": "https://example.com/a.mp3", "provider": "assemblyai"}},
		} {
			a := f.ts.json(http.MethodPost, req.path, f.key, req.body)
			raw, _ := json.Marshal(a.data())
			out = append(out, string(raw))
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different answers")
	}
	for i := range a {
		if a[i] == c[i] {
			t.Fatalf("answer %d is the same under another seed", i)
		}
	}
}

// TestCallbackStringCodes: with --v2-codes string the callbacks carry
// "0000", as the older API-reference pages show, and still match the spec.
func TestCallbackStringCodes(t *testing.T) {
	f := newTranscriptionFixture(t, testOpts{opts: Options{StringCodes: true}})
	r := f.hook(t)
	a := f.ts.json(http.MethodPost, "/transcriptions/async-generate-speaker", f.key, map[string]any{"asset_id": f.audio})
	if a.Status != 200 || a.Body["code"] != "0000" {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	body := f.await(t, r)
	if body["code"] != "0000" || body["message"] != "SUCCESS" {
		t.Fatalf("callback %v", body)
	}
	callbackSchema(t, "SpeakerCallback", body)
}
