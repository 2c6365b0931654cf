package v2

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/model"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/platform/webhook"
)

// transcriptionHandlers are the transcription operations of memories-v2.yaml
// (V2_SURFACE §6.6) and the frame description and summary of §6.2, which
// live under /transcriptions too.
func (s *Surface) transcriptionHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"v2_audio_sync":                 s.hAudioSync,
		"v2_audio_async":                s.hAudioAsync,
		"v2_speaker_sync":               s.hSpeakerSync,
		"v2_speaker_async":              s.hSpeakerAsync,
		"v2_multi_speaker_async":        s.hMultiSpeaker,
		"v2_speech_to_text":             s.hSpeechToText,
		"v2_asset_transcription_legacy": s.hLegacyTranscription,
		"v2_video_description":          s.hVideoDescription,
		"v2_video_summary":              s.hVideoSummary,
	}
}

const (
	whisperModel  = "whisper-1"
	pyannoteModel = "pyannote"
	summaryModel  = "gemini-2.5-flash"
)

// descModels are the models the frame-description page lists (no
// "gemini:" prefix here, unlike the chat completions).
var descModels = map[string]bool{
	"gemini-2.5-flash-lite": true, "gemini-2.5-flash": true,
	"gemini-2.5-flash-preview-09-2025": true, "gemini-2.5-flash-lite-preview-09-2025": true,
}

// medium is what a transcription reads: an asset of the caller, or (for
// speech-to-text) a URL the mock does not fetch.
type medium struct {
	id       string // asset id or URL: with the seed it fixes the content
	name     string
	kind     string
	duration float64
	hasAudio bool
	audioURL string
}

func assetMedium(a *Asset) medium {
	return medium{id: a.ID, name: a.Filename, kind: a.Kind, duration: a.Duration, hasAudio: a.HasAudio,
		audioURL: fmt.Sprintf("https://storage.googleapis.com/%s/%s.%s", Bucket, a.ID, a.Ext)}
}

// generate is the deterministic content of m (the v1 content model).
func (s *Surface) generate(m medium) *content.Video {
	return content.Generate(content.VideoInput{Seed: s.o.Seed, VideoNo: m.id, Name: m.name,
		Duration: m.duration, HasAudio: m.hasAudio})
}

// transcribable is the body's asset when it is SUCCESS and has a time
// line (video or audio); an image is one of the live API's "other
// validation failures".
func (s *Surface) transcribable(cl *call, id string) (*Asset, error) {
	a, err := s.usable(cl, id)
	if err != nil {
		return nil, err
	}
	if a.Kind != KindVideo && a.Kind != KindAudio {
		return nil, errInvalid
	}
	return a, nil
}

// segTime rounds a time to centiseconds and keeps it inside [0, d]: segment
// times never pass the probed duration, even after rounding (d <= 0 is
// an unknown duration and is not a bound).
func segTime(t, d float64) float64 {
	r := math.Round(t*100) / 100
	if d > 0 {
		r = math.Min(r, math.Floor(d*100)/100)
	}
	return math.Max(r, 0)
}

// speech is m's audio transcript, times inside the duration; empty when
// m has no audio track (the documented empty answer).
func (s *Surface) speech(m medium) []model.Segment {
	if !m.hasAudio {
		return []model.Segment{}
	}
	segs := s.generate(m).Audio
	out := make([]model.Segment, 0, len(segs))
	for _, g := range segs {
		g.Start, g.End = segTime(g.Start, m.duration), segTime(g.End, m.duration)
		out = append(out, g)
	}
	// The content model cuts speech at whole seconds; a speech model cuts
	// where the words end (2.98 in the docs' example). Each inner cut moves
	// by up to ±0.3 s, deterministically, keeping segments ≥ 0.5 s long.
	for i := 0; i+1 < len(out); i++ {
		shift := float64(int(hash64(s.o.Seed, m.id, "cut", fmt.Sprint(i))%61)-30) / 100
		cut := segTime(out[i].End+shift, m.duration)
		if cut > out[i].Start+0.5 && cut < out[i+1].End-0.5 {
			out[i].End, out[i+1].Start = cut, cut
		}
	}
	return out
}

// taskAfter is how long an async task on m runs: the base task time plus
// a thirtieth of the media, as Options.TaskTime documents.
func (s *Surface) taskAfter(duration float64) time.Duration {
	return s.o.TaskTime + time.Duration(math.Max(duration, 0)/30*float64(time.Second))
}

// taskResult wraps a processing result the way the callbacks nest it:
// data.data is the result, data.msg and data.success describe it.
func taskResult(inner map[string]any) map[string]any {
	return map[string]any{"data": inner, "msg": "success", "success": true}
}

// usageMeta is the usage_metadata object of the callbacks.
func usageMeta(duration float64, model string, prompt, output int) map[string]any {
	return map[string]any{"duration": math.Round(duration*100) / 100, "model": model,
		"prompt_tokens": prompt, "output_tokens": output}
}

// --- Whisper ---

// whisperItems renders segments as Whisper items. The sync answer has a
// `speaker` only when asked for; the callback always has the key, null
// when speaker labels were not requested (as the callback table says).
func whisperItems(segs []model.Segment, speaker, callback bool) []map[string]any {
	out := make([]map[string]any, 0, len(segs))
	for _, g := range segs {
		it := map[string]any{"text": g.Text, "start_time": g.Start, "end_time": g.End}
		switch {
		case speaker:
			it["speaker"] = g.Speaker
		case callback:
			it["speaker"] = nil
		}
		out = append(out, it)
	}
	return out
}

// whisperRequest validates a Whisper call and sets its price: per second
// of media, doubled with speaker labels.
func (s *Surface) whisperRequest(cl *call, id, modelName string, speaker bool, models ...string) (*Asset, error) {
	a, err := s.transcribable(cl, id)
	if err != nil {
		return nil, err
	}
	if modelName != "" {
		ok := false
		for _, m := range models {
			ok = ok || modelName == m
		}
		if !ok {
			return nil, errInvalid
		}
	}
	cl.usage.MediaSeconds = a.Duration
	if speaker {
		cl.chargeOp = limits.OpV2WhisperSpeaker
	}
	return a, nil
}

// hAudioSync is POST /transcriptions/sync-generate-audio.
func (s *Surface) hAudioSync(cl *call) (any, error) {
	speaker := cl.boolField("speaker")
	a, err := s.whisperRequest(cl, cl.str("asset_id"), cl.str("model"), speaker, whisperModel)
	if err != nil {
		return nil, err
	}
	return map[string]any{"model": whisperModel, "items": whisperItems(s.speech(assetMedium(a)), speaker, false)}, nil
}

// hAudioAsync is POST /transcriptions/async-generate-audio.
func (s *Surface) hAudioAsync(cl *call) (any, error) {
	speaker := cl.boolField("speaker")
	a, err := s.whisperRequest(cl, cl.str("asset_id"), cl.str("model"), speaker, whisperModel)
	if err != nil {
		return nil, err
	}
	job := mediumJob(jobWhisper, assetMedium(a))
	job.Speaker = speaker
	return s.startAsync(cl, "", s.taskAfter(a.Duration), job)
}

// whisperResult is the async Whisper callback's data.
func (s *Surface) whisperResult(m medium, speaker bool) any {
	return taskResult(map[string]any{
		"data":           whisperItems(s.speech(m), speaker, true),
		"usage_metadata": usageMeta(m.duration, whisperModel, 0, 0),
	})
}

// hLegacyTranscription is the undocumented POST /asset/{asset_id}/transcription
// the vendor's published v2 client calls with {"model":"whisper",
// "speaker_diarization":bool}. Its answer is not documented; the mock
// answers Whisper's sync shape [UNCERTAIN].
func (s *Surface) hLegacyTranscription(cl *call) (any, error) {
	speaker := cl.boolField("speaker_diarization")
	a, err := s.whisperRequest(cl, cl.params["asset_id"], cl.str("model"), speaker, "whisper", whisperModel)
	if err != nil {
		return nil, err
	}
	return map[string]any{"model": whisperModel, "items": whisperItems(s.speech(assetMedium(a)), speaker, false)}, nil
}

// --- pyannote diarization ---

// turns merges consecutive segments of one speaker into speaker turns,
// as a diarization model reports them (no text).
func turns(segs []model.Segment) []model.Segment {
	out := []model.Segment{}
	for _, g := range segs {
		if n := len(out); n > 0 && out[n-1].Speaker == g.Speaker {
			out[n-1].End = g.End
			continue
		}
		out = append(out, model.Segment{Start: g.Start, End: g.End, Speaker: g.Speaker})
	}
	return out
}

func turnItems(segs []model.Segment) []map[string]any {
	out := make([]map[string]any, 0, len(segs))
	for _, g := range turns(segs) {
		out = append(out, map[string]any{"start": g.Start, "end": g.End, "speaker": g.Speaker})
	}
	return out
}

func (s *Surface) speakerRequest(cl *call) (*Asset, error) {
	a, err := s.transcribable(cl, cl.str("asset_id"))
	if err != nil {
		return nil, err
	}
	cl.usage.MediaSeconds = a.Duration
	return a, nil
}

// hSpeakerSync is POST /transcriptions/sync-generate-speaker.
func (s *Surface) hSpeakerSync(cl *call) (any, error) {
	a, err := s.speakerRequest(cl)
	if err != nil {
		return nil, err
	}
	return map[string]any{"model": pyannoteModel, "items": turnItems(s.speech(assetMedium(a)))}, nil
}

// hSpeakerAsync is POST /transcriptions/async-generate-speaker.
func (s *Surface) hSpeakerAsync(cl *call) (any, error) {
	a, err := s.speakerRequest(cl)
	if err != nil {
		return nil, err
	}
	return s.startAsync(cl, "", s.taskAfter(a.Duration), mediumJob(jobSpeaker, assetMedium(a)))
}

// speakerResult is the async diarization callback's data.
func (s *Surface) speakerResult(m medium) any {
	return taskResult(map[string]any{
		"data":           turnItems(s.speech(m)),
		"usage_metadata": usageMeta(m.duration, pyannoteModel, 0, 0),
	})
}

// --- multimodal speaker recognition ---

// personNames are the names speaker recognition gives the faces it finds.
var personNames = []string{"Alice Chen", "Marcus Johnson", "Priya Patel", "Daniel Kim", "Sofia Rossi",
	"James Carter", "Elena Petrova", "Omar Haddad", "Grace Okafor", "Lucas Silva", "Hannah Weber", "Kenji Tanaka"}

// hash64 hashes the seed and parts (each followed by a zero byte).
func hash64(seed int64, parts ...string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	_, _ = h.Write(b[:])
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

// hMultiSpeaker is POST /transcriptions/async-generate-multi-speaker:
// pyannote turns matched to faces. A video's speakers get names and a
// face each; an audio asset has no faces, so its speakers keep their
// anonymous labels and `faces` is empty [GAP: the page shows no example].
// $0.1 per minute.
func (s *Surface) hMultiSpeaker(cl *call) (any, error) {
	a, err := s.speakerRequest(cl)
	if err != nil {
		return nil, err
	}
	return s.startAsync(cl, "", s.taskAfter(a.Duration), mediumJob(jobMultiSpeaker, assetMedium(a)))
}

// multiSpeakerResult is the multi-speaker recognition callback's data.
func (s *Surface) multiSpeakerResult(m medium) any {
	segs := s.speech(m)
	names := map[string]string{}
	faces := []map[string]any{}
	if m.kind == KindVideo {
		start := int(hash64(s.o.Seed, m.id, "faces") % uint64(len(personNames)))
		for _, g := range segs {
			if _, ok := names[g.Speaker]; ok {
				continue
			}
			i := len(names)
			name := personNames[(start+i)%len(personNames)]
			names[g.Speaker] = name
			id := fmt.Sprintf("face_%d", i)
			faces = append(faces, map[string]any{"face_id": id, "name": name, "face_file_protocol": "gs",
				"face_file_bucket": Bucket, "face_file_blob": fmt.Sprintf("faces/%s/%s.jpg", m.id, id)})
		}
	}
	items := make([]map[string]any, 0, len(segs))
	var texts []string
	for _, g := range segs {
		who := g.Speaker
		if n, ok := names[who]; ok {
			who = n
		}
		items = append(items, map[string]any{"start_time": g.Start, "end_time": g.End, "speaker": who, "text": g.Text})
		texts = append(texts, g.Text)
	}
	usage := []map[string]any{usageMeta(m.duration, pyannoteModel, 0, 0)}
	if m.kind == KindVideo {
		usage = append(usage, usageMeta(m.duration, summaryModel, videoTokens(m), 20*len(faces)))
	}
	return taskResult(map[string]any{"audio_transcription": items, "faces": faces, "usage_metadata": usage})
}

// --- frame description and summary ---

// Gemini's documented media cost: 258 tokens per sampled frame (one per
// second) and 32 per second of audio; descPrompt is the fixed instruction.
const (
	frameTokens      = 258
	audioSecTokens   = 32
	descPromptTokens = 120
)

func videoTokens(m medium) int {
	secs := int(math.Ceil(math.Max(m.duration, 1)))
	n := descPromptTokens
	if m.kind == KindVideo {
		n += secs * frameTokens
	}
	if m.hasAudio {
		n += secs * audioSecTokens
	}
	return n
}

// outTokens estimates generated tokens: words × 1.3, rounded up.
func outTokens(texts ...string) int {
	n := 0
	for _, t := range texts {
		n += len(strings.Fields(t))
	}
	return (n*13 + 9) / 10
}

// hVideoDescription is POST /transcriptions/async-generate-video: Gemini
// describes the frames, one segment per shot of the content model's
// visual transcript. Charged per token ($0.45/1M in, $3.75/1M out) when
// the task is accepted; an empty balance answers 402 first.
func (s *Surface) hVideoDescription(cl *call) (any, error) {
	modelName := cl.str("model")
	a, err := s.usable(cl, cl.str("asset_id"))
	if err != nil {
		return nil, err
	}
	if !descModels[modelName] || a.Kind != KindVideo {
		return nil, errInvalid
	}
	m := assetMedium(a)
	visual := s.generate(m).Visual
	segs := make([]map[string]any, 0, len(visual))
	var texts []string
	for _, g := range visual {
		segs = append(segs, map[string]any{"start_time": segTime(g.Start, m.duration), "end_time": segTime(g.End, m.duration),
			"transcript": g.Text})
		texts = append(texts, g.Text)
	}
	prompt, output := videoTokens(m), outTokens(texts...)+8*len(segs)
	in, _ := limits.CostOf(limits.OpV2DescInput, limits.Quantity{Tokens: int64(prompt)})
	out, _ := limits.CostOf(limits.OpV2DescOutput, limits.Quantity{Tokens: int64(output)})
	l := s.p.Ledger
	cl.charged = true
	if err := l.Check(cl.account, limits.NewCharge(cl.op.id, in.Unit, in.Quantity+out.Quantity, in.Credits+out.Credits)); err != nil {
		return nil, errNoBalance
	}
	after := s.taskAfter(a.Duration)
	job, err := fixedJob(taskResult(map[string]any{"data": segs, "error_rate": 0.0,
		"usage_metadata": usageMeta(after.Seconds(), modelName, prompt, output)}))
	if err != nil {
		return nil, err
	}
	data, err := s.startAsync(cl, "", after, job)
	if err == nil {
		l.Debit(cl.account, in)
		l.Debit(cl.account, out)
	}
	return data, err
}

// hVideoSummary is POST /transcriptions/async-summary: the content
// model's summary paragraph. The price is not documented [GAP]: free.
func (s *Surface) hVideoSummary(cl *call) (any, error) {
	a, err := s.transcribable(cl, cl.str("asset_id"))
	if err != nil {
		return nil, err
	}
	m := assetMedium(a)
	after := s.taskAfter(a.Duration)
	job := mediumJob(jobSummary, m)
	job.After = after
	return s.startAsync(cl, "", after, job)
}

// summaryResult is the async summary callback's data.
func (s *Surface) summaryResult(m medium, after time.Duration) any {
	sum := s.generate(m).Summary
	return taskResult(map[string]any{"summary": sum,
		"usage": usageMeta(after.Seconds(), summaryModel, videoTokens(m), outTokens(sum))})
}

// --- speech-to-text (ElevenLabs, AssemblyAI) ---

// sttSource resolves the audio source in the documented priority order
// asset_id > url > source_url. The mock does not fetch URLs: a URL's
// content and duration (15-180 s) are derived from the URL and the seed,
// except a gs://mavi-resource/<asset_id>.<ext> source of the caller, which
// is the asset itself.
func (s *Surface) sttSource(cl *call) (medium, error) {
	if id := cl.str("asset_id"); id != "" {
		a, err := s.transcribable(cl, id)
		if err != nil {
			return medium{}, err
		}
		return assetMedium(a), nil
	}
	raw, schemes := cl.str("url"), []string{"http", "https"}
	if raw == "" {
		raw, schemes = cl.str("source_url"), []string{"http", "https", "gs"}
	}
	if raw == "" {
		return medium{}, errInvalid
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return medium{}, errInvalid
	}
	ok := false
	for _, sc := range schemes {
		ok = ok || strings.EqualFold(u.Scheme, sc)
	}
	if !ok {
		return medium{}, errInvalid
	}
	if strings.EqualFold(u.Scheme, "gs") {
		if u.Host == Bucket {
			blob := strings.TrimPrefix(u.Path, "/")
			if a, err := s.transcribable(cl, strings.TrimSuffix(blob, "."+extOf(blob))); err == nil {
				return assetMedium(a), nil
			}
		}
		// Signed like the vendor does with gs:// paths.
		raw = fmt.Sprintf("https://storage.googleapis.com/%s%s", u.Host, u.Path)
	}
	h := hash64(s.o.Seed, raw, "duration")
	d := 15 + float64(h%16500)/100
	return medium{id: raw, name: path.Base(u.Path), kind: KindAudio, duration: d, hasAudio: true, audioURL: raw}, nil
}

// hSpeechToText is POST /transcriptions/speech-to-text. The provider
// (default elevenlabs) decides the answer's shape: ElevenLabs times are
// seconds (floats), AssemblyAI's are milliseconds (integers).
func (s *Surface) hSpeechToText(cl *call) (any, error) {
	provider := strings.ToLower(cl.str("provider"))
	if provider == "" {
		provider = "elevenlabs"
	}
	if provider != "elevenlabs" && provider != "assemblyai" {
		return nil, errInvalid
	}
	m, err := s.sttSource(cl)
	if err != nil {
		return nil, err
	}
	cl.usage.MediaSeconds = m.duration
	if provider == "assemblyai" {
		if err := s.checkHook(cl.str("webhook_url")); err != nil {
			return nil, err
		}
		cl.chargeOp = limits.OpV2AssemblyAI
		return s.assemblyAI(cl, m), nil
	}
	return s.elevenLabs(cl, m), nil
}

// speakerIndex is n of "SPEAKER_0n".
func speakerIndex(label string) int {
	var n int
	_, _ = fmt.Sscanf(strings.TrimPrefix(label, "SPEAKER_"), "%d", &n)
	return n
}

// splitWords spreads a segment's words over its time span in proportion
// to their length (a word's share includes the space after it).
func splitWords(g model.Segment) (words []string, starts, ends []float64) {
	words = strings.Fields(g.Text)
	total := 0
	for _, w := range words {
		total += len(w) + 1
	}
	t, span := g.Start, g.End-g.Start
	for _, w := range words {
		d := span * float64(len(w)) / float64(total)
		starts = append(starts, t)
		ends = append(ends, t+d)
		t += span * float64(len(w)+1) / float64(total)
	}
	return words, starts, ends
}

// elevenLabs renders the Scribe answer. timestamps_granularity "word"
// (default) gives word and spacing entries, "segment" one entry per
// segment, "none" no entries [GAP: Scribe itself knows none, word and
// character]; speaker_id ("speaker_0") only with diarize, folded onto
// num_speakers when given; tag_audio_events adds one "(laughter)" event.
// Translation (source_lang/target_lang) is not simulated: the text stays
// in the content model's English.
func (s *Surface) elevenLabs(cl *call, m medium) map[string]any {
	lang, prob := strings.ToLower(cl.str("language_code")), 1.0
	if lang == "" {
		lang, prob = "en", float64(95+(hash64(s.o.Seed, m.id, "lang")>>32)%5)/100
	}
	segs := s.speech(m)
	if len(segs) == 0 {
		return map[string]any{"language_code": lang, "language_probability": 0.0, "text": "", "words": []any{}}
	}
	gran := cl.str("timestamps_granularity")
	if gran == "" {
		gran = "word"
	}
	diarize := cl.boolField("diarize")
	numSpk, _ := cl.num("num_speakers")
	event := -1
	if cl.boolField("tag_audio_events") {
		event = int(hash64(s.o.Seed, m.id, "event") % uint64(len(segs)))
	}
	speakerOf := func(g model.Segment) string {
		n := speakerIndex(g.Speaker)
		if numSpk >= 1 {
			n %= int(numSpk)
		}
		return fmt.Sprintf("speaker_%d", n)
	}
	words := []map[string]any{}
	add := func(text, typ string, start, end float64, g model.Segment) {
		w := map[string]any{"text": text, "start": segTime(start, m.duration), "end": segTime(end, m.duration), "type": typ}
		if diarize && typ == "word" {
			w["speaker_id"] = speakerOf(g)
		}
		words = append(words, w)
	}
	var text []string
	for i, g := range segs {
		if i > 0 && gran == "word" {
			add(" ", "spacing", g.Start, g.Start, g)
		}
		text = append(text, g.Text)
		switch gran {
		case "word":
			ws, st, en := splitWords(g)
			for j, w := range ws {
				if j > 0 {
					add(" ", "spacing", en[j-1], st[j], g)
				}
				add(w, "word", st[j], en[j], g)
			}
		case "segment":
			add(g.Text, "word", g.Start, g.End, g)
		}
		if i == event {
			text = append(text, "(laughter)")
			if gran != "none" {
				add("(laughter)", "audio_event", g.End, g.End, g)
			}
		}
	}
	return map[string]any{"language_code": lang, "language_probability": math.Round(prob*100) / 100,
		"text": strings.Join(text, " "), "words": words}
}

// uuidOf formats 32 hex digits as a dashed UUID.
func uuidOf(h string) string {
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// assemblyAI renders an AssemblyAI transcript object (completed; the
// vendor polls until then): times in integer milliseconds, speaker
// letters and utterances with speaker_labels, the audio_start_from /
// audio_end_at window, punctuate and format_text, and summary and chapters
// from the content model when asked for. A webhook_url receives
// AssemblyAI's own notification {transcript_id, status}.
func (s *Surface) assemblyAI(cl *call, m medium) map[string]any {
	id := uuidOf(s.ids.task())
	lang := cl.str("language_code")
	if lang == "" {
		lang = "en_us"
	}
	labels := cl.boolField("speaker_labels")
	punctuate, format := true, true
	if v, ok := cl.body["punctuate"].(bool); ok {
		punctuate = v
	}
	if v, ok := cl.body["format_text"].(bool); ok {
		format = v
	}
	from, hasFrom := cl.num("audio_start_from")
	to, hasTo := cl.num("audio_end_at")
	ms := func(t float64) int64 { return int64(math.Round(segTime(t, m.duration) * 1000)) }
	fix := func(w string) string {
		if !punctuate {
			w = strings.TrimRight(strings.TrimLeft(w, "\"'"), ".,?!;:\"'")
		}
		if !format {
			w = strings.ToLower(w)
		}
		return w
	}
	conf := func(parts ...string) float64 {
		return float64(90+(hash64(s.o.Seed, parts...)>>32)%10) / 100
	}
	words := []map[string]any{}
	utterances := []map[string]any{}
	var text []string
	var confSum float64
	for i, g := range s.speech(m) {
		spk := string(rune('A' + speakerIndex(g.Speaker)%26))
		ws, st, en := splitWords(g)
		var uWords []map[string]any
		var uText []string
		for j, w := range ws {
			start, end := ms(st[j]), ms(en[j])
			if hasFrom && float64(start) < from || hasTo && float64(end) > to {
				continue
			}
			w = fix(w)
			c := conf(m.id, fmt.Sprint(i, "/", j))
			confSum += c
			word := map[string]any{"text": w, "start": start, "end": end, "confidence": c, "speaker": nil}
			if labels {
				word["speaker"] = spk
			}
			words = append(words, word)
			uWords = append(uWords, word)
			uText = append(uText, w)
			text = append(text, w)
		}
		if len(uWords) == 0 {
			continue
		}
		if n := len(utterances); labels && n > 0 && utterances[n-1]["speaker"] == spk {
			u := utterances[n-1]
			u["text"] = u["text"].(string) + " " + strings.Join(uText, " ")
			u["end"] = uWords[len(uWords)-1]["end"]
			u["words"] = append(u["words"].([]map[string]any), uWords...)
			continue
		}
		utterances = append(utterances, map[string]any{"speaker": spk, "text": strings.Join(uText, " "),
			"start": uWords[0]["start"], "end": uWords[len(uWords)-1]["end"], "confidence": conf(m.id, "u", fmt.Sprint(i)),
			"words": uWords})
	}
	confidence := 0.0
	if len(words) > 0 {
		confidence = math.Round(confSum/float64(len(words))*1000) / 1000
	}
	out := map[string]any{
		"id": id, "status": "completed", "language_code": lang, "audio_url": m.audioURL,
		"audio_duration": int(math.Round(m.duration)), "text": strings.Join(text, " "), "words": words,
		"utterances": nil, "confidence": confidence, "punctuate": punctuate, "format_text": format,
		"speaker_labels": labels, "speech_model": "universal", "language_detection": cl.boolField("language_detection"),
		"summarization": cl.boolField("summarization"), "summary": nil, "auto_chapters": cl.boolField("auto_chapters"),
		"chapters": nil, "webhook_url": nil, "audio_start_from": nil, "audio_end_at": nil,
	}
	if v := cl.str("speech_model"); v != "" {
		out["speech_model"] = v
	}
	if labels {
		out["utterances"] = utterances
		if n, ok := cl.num("speakers_expected"); ok {
			out["speakers_expected"] = int(n)
		}
	}
	if hasFrom {
		out["audio_start_from"] = int64(from)
	}
	if hasTo {
		out["audio_end_at"] = int64(to)
	}
	if m.hasAudio && (cl.boolField("summarization") || cl.boolField("auto_chapters")) {
		v := s.generate(m)
		if cl.boolField("summarization") {
			out["summary"] = v.Summary
			out["summary_type"], out["summary_model"] = sttOr(cl.str("summary_type"), "bullets"), sttOr(cl.str("summary_model"), "informative")
		}
		if cl.boolField("auto_chapters") {
			chapters := []map[string]any{}
			for _, c := range v.Chapters {
				chapters = append(chapters, map[string]any{"gist": c.Title, "headline": c.Title, "summary": c.Description,
					"start": ms(c.Start), "end": ms(c.End)})
			}
			out["chapters"] = chapters
		}
	}
	if hook := cl.str("webhook_url"); hook != "" {
		out["webhook_url"] = hook
		s.p.Webhooks.EnqueueFor(webhook.Target{Surface: "v2", Account: cl.account}, hook, map[string]any{"transcript_id": id, "status": "completed"})
	}
	return out
}

func sttOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
