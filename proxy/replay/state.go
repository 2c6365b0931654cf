package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/memharness/memharness/toolkit/fixtures"
)

// Video is a video seen in recorded answers: what replay can import into
// the mock's stateful library so that search and chat work offline on the
// recorded videos and their recorded content.
type Video struct {
	No        string
	Name      string
	Namespace string // the request's unique_id ("default" when absent)
	Status    string
	Cause     string
	Duration  float64
	Size      int64
	Created   time.Time
	Width     int
	Height    int
	FPS       float64
	// Visual and Audio are the recorded transcripts (get_video_transcription
	// or get_video_caption, get_audio_transcription), in time order; Summary
	// and Chapters the recorded generate_summary answer (chapters from a
	// CHAPTER summary only). Empty when not recorded: the mock generates
	// that part.
	Visual   []fixtures.Segment
	Audio    []fixtures.Segment
	Summary  string
	Chapters []fixtures.Chapter
	// Seen lists where the video was found ("list_videos (file#3)").
	Seen []string
	// Notes list what was recorded but cannot be imported as is (segments
	// dropped, an unknown status).
	Notes []string
}

// Imported operations, by the last element of their path (the /v1/<name>
// aliases end the same way). Public-library operations (PI- videos) are
// left out: the public library is not the account's.
const (
	opList     = "list_videos"
	opDetails  = "get_private_video_details"
	opMetadata = "get_metadata"
	opVisual   = "get_video_transcription"
	opCaption  = "get_video_caption"
	opAudio    = "get_audio_transcription"
	opSummary  = "generate_summary"
)

// Videos returns the videos described by successful recorded answers of the
// v1 surface's list_videos, get_private_video_details, get_metadata,
// get_video_transcription (or get_video_caption), get_audio_transcription
// and generate_summary, merged by number (later answers replace what
// earlier ones said), sorted by number.
func (ix *Index) Videos() []Video {
	byNo := map[string]*Video{}
	get := func(no, ns string) *Video {
		v := byNo[no]
		if v == nil {
			v = &Video{No: no, Namespace: ns}
			byNo[no] = v
		}
		return v
	}
	for _, r := range ix.all {
		if r.Surface != "memories" && r.Surface != "" {
			// v2 and MemSync answers have other shapes and other ids.
			continue
		}
		op := r.Path[strings.LastIndexByte(r.Path, '/')+1:]
		switch op {
		case opList, opDetails, opMetadata, opVisual, opCaption, opAudio, opSummary:
		default:
			continue
		}
		data, ok := successData(r)
		if !ok {
			continue
		}
		ns := namespaceOf(r)
		seen := op + " (" + r.File + "#" + strconv.Itoa(r.Entry) + ")"
		switch op {
		case opList, opDetails, opMetadata:
			for _, it := range videoItems(op, data) {
				no, _ := it["video_no"].(string)
				if no == "" {
					continue
				}
				v := get(no, ns)
				v.merge(it)
				v.Seen = append(v.Seen, seen)
			}
		case opVisual, opCaption, opAudio:
			no, segs, ok := transcription(data)
			if no == "" {
				no = requestParam(r, "video_no")
			}
			if !ok || no == "" {
				continue
			}
			v := get(no, ns)
			kind := "visual"
			if op == opAudio {
				kind = "audio"
			}
			kept, dropped := cleanSegments(segs)
			if dropped > 0 {
				v.Notes = append(v.Notes, fmt.Sprintf("%d %s segment(s) of %s dropped (empty text, end <= start)", dropped, kind, seen))
			}
			if len(kept) == 0 {
				continue
			}
			if op == opAudio {
				v.Audio = kept
			} else {
				v.Visual = kept
			}
			v.Seen = append(v.Seen, seen)
		case opSummary:
			// The answer names no video: the request does. A chapter ends
			// where the next starts, the last at the video's end (finish).
			no := requestParam(r, "video_no")
			summary, starts, titles, descs, ok := summaryOf(data)
			if !ok || no == "" {
				continue
			}
			v := get(no, ns)
			if summary != "" {
				v.Summary = summary
			}
			if strings.EqualFold(requestParam(r, "type"), "CHAPTER") && len(titles) > 0 {
				// TOPIC items are themes, not spans of the timeline.
				v.Chapters = v.Chapters[:0]
				for i := range titles {
					v.Chapters = append(v.Chapters, fixtures.Chapter{Title: titles[i], Description: descs[i], Start: starts[i]})
				}
			}
			v.Seen = append(v.Seen, seen)
		}
	}
	out := make([]Video, 0, len(byNo))
	for _, v := range byNo {
		v.finish()
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].No < out[j].No })
	return out
}

// successData returns the data of a successful v1 (or v2-style) envelope.
func successData(r *Recording) (json.RawMessage, bool) {
	if r.Status != 200 {
		return nil, false
	}
	var env struct {
		Code any             `json:"code"`
		Data json.RawMessage `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if dec.Decode(&env) != nil || (env.Code != "0000" && env.Code != json.Number("0") && env.Code != json.Number("200")) {
		return nil, false
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		// A video without audio answers get_audio_transcription with null.
		return nil, false
	}
	return env.Data, true
}

// videoItems are the video objects of a list_videos, details or metadata
// answer.
func videoItems(op string, data json.RawMessage) []map[string]any {
	if op == opList {
		var d struct {
			Videos []map[string]any `json:"videos"`
		}
		if json.Unmarshal(data, &d) != nil {
			return nil
		}
		return d.Videos
	}
	var d map[string]any
	if json.Unmarshal(data, &d) != nil || d == nil {
		return nil
	}
	return []map[string]any{d}
}

// transcription reads a transcription answer's data: the documented
// example's {videoNo, transcriptions[{index, content, startTime, endTime}]}
// (times as strings), and the v1.2 field table's transcription[{start,
// end, text}] in case the service ever answers that way.
func transcription(data json.RawMessage) (string, []fixtures.Segment, bool) {
	var d struct {
		VideoNo        string           `json:"videoNo"`
		VideoNoSnake   string           `json:"video_no"`
		Transcriptions []map[string]any `json:"transcriptions"`
		Transcription  []map[string]any `json:"transcription"`
	}
	if json.Unmarshal(data, &d) != nil {
		return "", nil, false
	}
	no := d.VideoNo
	if no == "" {
		no = d.VideoNoSnake
	}
	items := d.Transcriptions
	if items == nil {
		items = d.Transcription
	}
	if items == nil {
		return no, nil, false
	}
	segs := make([]fixtures.Segment, 0, len(items))
	for _, it := range items {
		s := fixtures.Segment{Text: firstString(it, "content", "text")}
		s.Start, _ = firstNumber(it, "startTime", "start")
		s.End, _ = firstNumber(it, "endTime", "end")
		if sp, ok := it["speaker"].(string); ok {
			s.Speaker = sp
		}
		segs = append(segs, s)
	}
	return no, segs, true
}

// summaryOf reads a generate_summary answer's data: {summary, items[{title,
// description, start}]} (start as a string).
func summaryOf(data json.RawMessage) (summary string, starts []float64, titles, descs []string, ok bool) {
	var d struct {
		Summary string           `json:"summary"`
		Items   []map[string]any `json:"items"`
	}
	if json.Unmarshal(data, &d) != nil {
		return "", nil, nil, nil, false
	}
	for _, it := range d.Items {
		title := strings.TrimSpace(firstString(it, "title"))
		start, okStart := firstNumber(it, "start")
		if title == "" || !okStart || start < 0 {
			continue
		}
		titles = append(titles, title)
		descs = append(descs, firstString(it, "description"))
		starts = append(starts, start)
	}
	return strings.TrimSpace(d.Summary), starts, titles, descs, d.Summary != "" || len(titles) > 0
}

// cleanSegments sorts segments by start and drops the ones a library
// cannot hold (empty text, end not after start).
func cleanSegments(segs []fixtures.Segment) ([]fixtures.Segment, int) {
	kept := make([]fixtures.Segment, 0, len(segs))
	for _, s := range segs {
		s.Text = strings.TrimSpace(s.Text)
		if s.Text == "" || s.Start < 0 || s.End <= s.Start {
			continue
		}
		kept = append(kept, s)
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Start < kept[j].Start })
	return kept, len(segs) - len(kept)
}

// finish settles what depends on everything recorded: chapter ends, a name
// and a status for a video seen only in content answers.
func (v *Video) finish() {
	if v.Name == "" {
		// Seen only in transcripts or summaries, which carry no name.
		v.Name = v.No
	}
	switch v.Status {
	case "", "PARSE", "UNPARSE", "FAIL":
	case "FAILED":
		v.Status = "FAIL"
	default:
		v.Notes = append(v.Notes, fmt.Sprintf("status %q imported as PARSE", v.Status))
		v.Status = "PARSE"
	}
	if v.Status == "" {
		// Only parsed videos have transcripts and summaries.
		v.Status = "PARSE"
	}
	if len(v.Chapters) == 0 {
		return
	}
	sort.SliceStable(v.Chapters, func(i, j int) bool { return v.Chapters[i].Start < v.Chapters[j].Start })
	end := v.Duration
	for _, list := range [][]fixtures.Segment{v.Visual, v.Audio} {
		for _, s := range list {
			end = max(end, s.End)
		}
	}
	kept := v.Chapters[:0]
	for i, c := range v.Chapters {
		c.End = end
		if i+1 < len(v.Chapters) {
			c.End = v.Chapters[i+1].Start
		}
		if c.End <= c.Start {
			if i+1 < len(v.Chapters) {
				continue // two chapters at one instant: the later one stays
			}
			c.End = c.Start + 1 // the video's end is unknown: one second
		}
		kept = append(kept, c)
	}
	v.Chapters = kept
}

// HasContent reports whether recorded content (transcripts, summary,
// chapters) replaces generated content.
func (v Video) HasContent() bool {
	return len(v.Visual) > 0 || len(v.Audio) > 0 || v.Summary != "" || len(v.Chapters) > 0
}

// ContentSummary describes in a few words what is imported beyond the
// video's record ("visual 3, audio 2, summary, chapters 4"), or that the
// content stays generated.
func (v Video) ContentSummary() string {
	var parts []string
	if n := len(v.Visual); n > 0 {
		parts = append(parts, fmt.Sprintf("visual %d", n))
	}
	if n := len(v.Audio); n > 0 {
		parts = append(parts, fmt.Sprintf("audio %d", n))
	}
	if v.Summary != "" {
		parts = append(parts, "summary")
	}
	if n := len(v.Chapters); n > 0 {
		parts = append(parts, fmt.Sprintf("chapters %d", n))
	}
	if len(parts) == 0 {
		return "record only (content generated)"
	}
	return strings.Join(parts, ", ")
}

// Fixture converts the video to the mock's fixture format: record and
// recorded content. The UNPARSE status of a video still processing when
// recorded becomes PARSE: replay imports it finished, so search and chat
// can use it at once.
func (v Video) Fixture() fixtures.Video {
	fv := fixtures.Video{
		UniqueID: v.Namespace, VideoNo: v.No, Name: v.Name, Status: v.Status, Duration: v.Duration,
		Visual: v.Visual, Audio: v.Audio, Summary: v.Summary, Chapters: v.Chapters,
	}
	if fv.Status == "UNPARSE" {
		fv.Status = "PARSE"
	}
	if fv.Status == "FAIL" {
		fv.Cause = v.Cause
	}
	if !v.Created.IsZero() {
		fv.Created = v.Created.UTC().Format(time.RFC3339Nano) // keeps create_time's milliseconds
	}
	return fv
}

// merge fills the fields an answer carries; the status is the latest seen.
func (v *Video) merge(m map[string]any) {
	if s, ok := m["video_name"].(string); ok && s != "" {
		v.Name = s
	}
	if s, ok := m["status"].(string); ok && s != "" {
		v.Status = s
	}
	if s, ok := m["cause"].(string); ok && s != "null" {
		v.Cause = s
	}
	if f, ok := number(m["duration"]); ok {
		v.Duration = f
	}
	if f, ok := number(m["size"]); ok {
		v.Size = int64(f)
	}
	if f, ok := number(m["create_time"]); ok && f > 0 {
		v.Created = time.UnixMilli(int64(f)).UTC()
	}
	if f, ok := number(m["width"]); ok {
		v.Width = int(f)
	}
	if f, ok := number(m["height"]); ok {
		v.Height = int(f)
	}
	if f, ok := number(m["fps"]); ok {
		v.FPS = f
	}
}

// firstString is the first of keys holding a string.
func firstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok {
			return s
		}
	}
	return ""
}

// firstNumber is the first of keys holding a number or numeric string.
func firstNumber(m map[string]any, keys ...string) (float64, bool) {
	for _, k := range keys {
		if f, ok := number(m[k]); ok {
			return f, true
		}
	}
	return 0, false
}

// number reads a JSON number or numeric string ("48", 48, "12.5").
func number(x any) (float64, bool) {
	switch t := x.(type) {
	case float64:
		return t, true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		return f, err == nil
	}
	return 0, false
}

// requestParam is a parameter of a recorded request: its query, JSON or
// form body.
func requestParam(r *Recording, name string) string {
	if q, err := url.ParseQuery(r.Query); err == nil && q.Get(name) != "" {
		return q.Get(name)
	}
	if pd := r.HAR.Request.PostData; pd != nil && !pd.Omitted {
		var body map[string]any
		if json.Unmarshal([]byte(pd.Text), &body) == nil {
			if s, ok := body[name].(string); ok && s != "" {
				return s
			}
		}
		if v, err := url.ParseQuery(pd.Text); err == nil && v.Get(name) != "" {
			return v.Get(name)
		}
	}
	return ""
}

// namespaceOf is the unique_id of a recorded request (query, JSON or form
// body), "default" when absent as the API defaults it.
func namespaceOf(r *Recording) string {
	if ns := requestParam(r, "unique_id"); ns != "" {
		return ns
	}
	return "default"
}
