package mock

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The list_videos page is the hottest body the mock writes; it is encoded
// by hand (same bytes as encoding/json, field order as the seed) instead
// of through reflection.

// jsonAppender is a body that can append its own JSON; the response
// adapter then writes the envelope around it without reflection.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// MarshalJSON implements json.Marshaler.
func (p videoPage) MarshalJSON() ([]byte, error) {
	return p.appendJSON(make([]byte, 0, 64+len(p.Videos)*200)), nil
}

func (p videoPage) appendJSON(b []byte) []byte {
	b = append(b, `{"videos":[`...)
	for i, v := range p.Videos {
		if i > 0 {
			b = append(b, ',')
		}
		b = v.appendJSON(b)
	}
	b = append(b, `],"current_page":`...)
	b = strconv.AppendInt(b, int64(p.CurrentPage), 10)
	b = append(b, `,"page_size":`...)
	b = strconv.AppendInt(b, int64(p.PageSize), 10)
	b = append(b, `,"total_count":`...)
	b = appendString(b, p.TotalCount)
	return append(b, '}')
}

// appendEnvelope writes a v1 success envelope around a body that appends
// itself, byte for byte what the encoder would write.
func appendEnvelope(b []byte, data jsonAppender) []byte {
	b = append(b, `{"code":"0000","msg":"success","data":`...)
	b = data.appendJSON(b)
	return append(b, `,"success":true,"failed":false}`+"\n"...)
}

// MarshalJSON implements json.Marshaler.
func (v videoItem) MarshalJSON() ([]byte, error) { return v.appendJSON(nil), nil }

func (v videoItem) appendJSON(b []byte) []byte {
	b = append(b, `{"duration":"`...)
	b = strconv.AppendInt(b, v.Duration, 10)
	b = append(b, `","size":"`...)
	b = strconv.AppendInt(b, v.Size, 10)
	b = append(b, `","status":`...)
	b = appendString(b, v.Status)
	b = append(b, `,"cause":`...)
	b = appendString(b, v.Cause)
	b = append(b, `,"video_no":`...)
	b = appendString(b, v.VideoNo)
	b = append(b, `,"video_name":`...)
	b = appendString(b, v.VideoName)
	b = append(b, `,"create_time":"`...)
	b = strconv.AppendInt(b, v.CreateTime, 10)
	return append(b, `"}`...)
}

// appendString appends s as a JSON string. Plain ASCII (the usual case)
// is copied; anything needing escapes goes through encoding/json without
// HTML escaping, like the rest of the mock's output.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendEscaped(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendEscaped(b []byte, s string) []byte {
	raw, err := json.Marshal(s)
	if err != nil {
		return append(b, `""`...)
	}
	// encoding/json escapes <, > and & for HTML; the mock does not.
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+5 < len(raw) && raw[i+1] == 'u' && raw[i+2] == '0' && raw[i+3] == '0' {
			switch string(raw[i+4 : i+6]) {
			case "3c":
				b = append(b, '<')
				i += 5
				continue
			case "3e":
				b = append(b, '>')
				i += 5
				continue
			case "26":
				b = append(b, '&')
				i += 5
				continue
			}
		}
		if raw[i] == '\\' && i+1 < len(raw) {
			b = append(b, raw[i], raw[i+1])
			i++
			continue
		}
		b = append(b, raw[i])
	}
	return b
}
