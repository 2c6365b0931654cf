package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The video-chat and marketer streams come from a Java service (18-digit
// snowflake session ids, "code":"SUCCESS", Spring's `data:` framing), so their
// JSON is written the way Jackson writes it: fields in declaration order, no
// whitespace, only '"', '\\' and control characters escaped (short forms for
// \b \t \n \f \r, otherwise \u00XX in upper-case hex), '/', '<', '>', '&' and
// non-ASCII left as they are. encoding/json would escape <, >, & and U+2028,
// so the encoders below are hand-written and allocation-free.

const hexUpper = "0123456789ABCDEF"
const hexLower = "0123456789abcdef"

// appendJavaString appends s as a Jackson-style JSON string. Invalid UTF-8
// becomes U+FFFD (a Java string cannot hold it in the first place).
func appendJavaString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\t':
				b = append(b, '\\', 't')
			case '\n':
				b = append(b, '\\', 'n')
			case '\f':
				b = append(b, '\\', 'f')
			case '\r':
				b = append(b, '\\', 'r')
			default:
				b = append(b, '\\', 'u', '0', '0', hexUpper[c>>4], hexUpper[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += n
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendPyString appends s the way Python's json.dumps does by default
// (ensure_ascii=True): everything outside printable ASCII, DEL included, as
// \uxxxx in lower-case hex, astral characters as surrogate pairs. The
// personal-media stream is documented as `data: {"token": "..."}`, with the
// ", "/": " separators of json.dumps, which points at a Python service.
func appendPyString(b []byte, s string) []byte {
	b = append(b, '"')
	u := func(b []byte, v rune) []byte {
		return append(b, '\\', 'u', hexLower[v>>12&0xF], hexLower[v>>8&0xF], hexLower[v>>4&0xF], hexLower[v&0xF])
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7F && c != '"' && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
			i++
			continue
		case '\b':
			b = append(b, '\\', 'b')
			i++
			continue
		case '\t':
			b = append(b, '\\', 't')
			i++
			continue
		case '\n':
			b = append(b, '\\', 'n')
			i++
			continue
		case '\f':
			b = append(b, '\\', 'f')
			i++
			continue
		case '\r':
			b = append(b, '\\', 'r')
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r > 0xFFFF {
			r -= 0x10000
			b = u(b, 0xD800+(r>>10)&0x3FF)
			b = u(b, 0xDC00+r&0x3FF)
			continue
		}
		b = u(b, r)
	}
	return append(b, '"')
}

// appendSeconds writes a time as the vendor's sample does: whole seconds as
// integers (23), fractions as decimals (30.5).
func appendSeconds(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendRef writes one ref entry in the order of the vendor's sample:
// video{duration (a string), video_no, video_name}, then refItems whose
// fields are videoNo, startTime, type, endTime, text (endTime and text only
// for transcript items, as the sample's keyframe shows).
func appendRef(b []byte, r Ref) []byte {
	b = append(b, `{"video":{"duration":"`...)
	b = appendSeconds(b, r.Video.Duration)
	b = append(b, `","video_no":`...)
	b = appendJavaString(b, r.Video.VideoNo)
	b = append(b, `,"video_name":`...)
	b = appendJavaString(b, r.Video.Name)
	b = append(b, `},"refItems":[`...)
	for i, it := range r.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRefItem(b, it)
	}
	return append(b, "]}"...)
}

func appendRefItem(b []byte, it RefItem) []byte {
	b = append(b, `{"videoNo":`...)
	b = appendJavaString(b, it.VideoNo)
	b = append(b, `,"startTime":`...)
	b = appendSeconds(b, it.Start)
	b = append(b, `,"type":`...)
	b = appendJavaString(b, it.Type)
	if it.Type != RefKeyframe {
		b = append(b, `,"endTime":`...)
		b = appendSeconds(b, it.End)
		b = append(b, `,"text":`...)
		b = appendJavaString(b, it.Text)
	}
	return append(b, '}')
}

// MarshalJSON writes the vendor's ref shape.
func (r Ref) MarshalJSON() ([]byte, error) { return appendRef(nil, r), nil }

// MarshalJSON writes the vendor's refItem shape.
func (it RefItem) MarshalJSON() ([]byte, error) { return appendRefItem(nil, it), nil }

// UnmarshalJSON reads the vendor's ref shape (duration as a string or a
// number), so stored sessions round-trip.
func (r *Ref) UnmarshalJSON(data []byte) error {
	var w struct {
		Video struct {
			Duration  json.RawMessage `json:"duration"`
			VideoNo   string          `json:"video_no"`
			VideoName string          `json:"video_name"`
		} `json:"video"`
		RefItems []RefItem `json:"refItems"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	d := strings.Trim(string(bytes.TrimSpace(w.Video.Duration)), `"`)
	var dur float64
	if d != "" && d != "null" {
		var err error
		if dur, err = strconv.ParseFloat(d, 64); err != nil {
			return fmt.Errorf("chat: ref duration %q: %w", d, err)
		}
	}
	*r = Ref{Video: Video{VideoNo: w.Video.VideoNo, Name: w.Video.VideoName, Duration: dur}, Items: w.RefItems}
	return nil
}

// UnmarshalJSON reads the vendor's refItem shape.
func (it *RefItem) UnmarshalJSON(data []byte) error {
	var w struct {
		VideoNo   string  `json:"videoNo"`
		StartTime float64 `json:"startTime"`
		EndTime   float64 `json:"endTime"`
		Type      string  `json:"type"`
		Text      string  `json:"text"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*it = RefItem{VideoNo: w.VideoNo, Start: w.StartTime, End: w.EndTime, Type: w.Type, Text: w.Text}
	return nil
}

// ChatData is the `data` object of the non-stream /chat and /marketer_chat
// responses (API_FACTS A7.13, observed): role "ASSISTANT", the content, the
// thinking steps with their refs nested, and the session id. The caller
// wraps it in the v1 envelope.
func (a Answer) ChatData(sessionID string) map[string]any {
	th := a.Thinkings
	if th == nil {
		th = []Thinking{}
	}
	return map[string]any{
		"role":       "ASSISTANT",
		"content":    a.Content,
		"thinkings":  th,
		"session_id": sessionID,
	}
}

// PersonalData is the `data` object of the non-stream /chat_personal
// response ({"role":"ASSISTANT","content":...,"session_id":...}, the newer
// platform docs' shape rather than the v1.2 placeholder).
func (a Answer) PersonalData(sessionID string) map[string]any {
	return map[string]any{
		"role":       "ASSISTANT",
		"content":    a.Content,
		"session_id": sessionID,
	}
}

// Exchange is one question and its answer, as a session store records them.
type Exchange struct {
	Prompt string `json:"prompt"`
	Answer Answer `json:"answer"`
}

// sessionThinking is a thinking step as get_session_detail lists it: title
// and content only, the refs move to the message.
type sessionThinking struct {
	Title   string `json:"title"`
	Content string `json:"content"`
}

// SessionMessages lists exchanges as get_session_detail's `messages`
// (API_FACTS A7.22): {"role":"user","content"} then {"role":"assistant",
// "content","thinkings":[{title,content}],"refs":[...]} for each exchange.
func SessionMessages(exchanges ...Exchange) []map[string]any {
	out := make([]map[string]any, 0, 2*len(exchanges))
	for _, e := range exchanges {
		th := make([]sessionThinking, 0, len(e.Answer.Thinkings))
		for _, t := range e.Answer.Thinkings {
			th = append(th, sessionThinking{t.Title, t.Content})
		}
		refs := e.Answer.Refs
		if refs == nil {
			refs = []Ref{}
		}
		out = append(out,
			map[string]any{"role": "user", "content": e.Prompt},
			map[string]any{"role": "assistant", "content": e.Answer.Content, "thinkings": th, "refs": refs},
		)
	}
	return out
}

// SessionDetail is get_session_detail's `data`: {title, messages, session_id}.
func SessionDetail(title, sessionID string, exchanges ...Exchange) map[string]any {
	return map[string]any{"title": title, "messages": SessionMessages(exchanges...), "session_id": sessionID}
}

// SessionTitle is the title list_sessions shows for a session: its first
// prompt, whitespace-collapsed and cut to 80 characters (the vendor's sample
// title is the user's question, "Identify common objects across all videos.").
func SessionTitle(firstPrompt string) string {
	t := strings.Join(strings.Fields(firstPrompt), " ")
	if utf8.RuneCountInString(t) > 80 {
		r := []rune(t)
		t = strings.TrimSpace(string(r[:80])) + "…"
	}
	return t
}
