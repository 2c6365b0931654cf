package replay

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Video is a video seen in recorded answers: what replay can import into
// the mock's stateful library so that search and chat work offline on the
// recorded videos.
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
	// Seen lists where the video was found ("list_videos (file#3)").
	Seen []string
}

// importedOps are the operations whose answers describe videos, by the
// last element of their path (the /v1/<name> aliases end the same way).
var importedOps = map[string]bool{"list_videos": true, "get_private_video_details": true, "get_metadata": true}

// Videos returns the videos described by successful recorded answers of
// list_videos, get_private_video_details and get_metadata, merged by
// number (later answers fill what earlier ones lacked), sorted by number.
func (ix *Index) Videos() []Video {
	byNo := map[string]*Video{}
	for _, r := range ix.all {
		op := r.Path[strings.LastIndexByte(r.Path, '/')+1:]
		if !importedOps[op] || r.Status != 200 {
			continue
		}
		var env struct {
			Code any             `json:"code"`
			Data json.RawMessage `json:"data"`
		}
		dec := json.NewDecoder(bytes.NewReader(r.Body))
		dec.UseNumber()
		if dec.Decode(&env) != nil || (env.Code != "0000" && env.Code != json.Number("0") && env.Code != json.Number("200")) {
			continue
		}
		var items []map[string]any
		if op == "list_videos" {
			var d struct {
				Videos []map[string]any `json:"videos"`
			}
			if json.Unmarshal(env.Data, &d) != nil {
				continue
			}
			items = d.Videos
		} else {
			var d map[string]any
			if json.Unmarshal(env.Data, &d) != nil || d == nil {
				continue
			}
			items = []map[string]any{d}
		}
		ns := namespaceOf(r)
		for _, it := range items {
			no, _ := it["video_no"].(string)
			if no == "" {
				continue
			}
			v := byNo[no]
			if v == nil {
				v = &Video{No: no, Namespace: ns}
				byNo[no] = v
			}
			v.merge(it)
			v.Seen = append(v.Seen, op+" ("+r.File+"#"+strconv.Itoa(r.Entry)+")")
		}
	}
	out := make([]Video, 0, len(byNo))
	for _, v := range byNo {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].No < out[j].No })
	return out
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

// number reads a JSON number or numeric string ("48", 48, "12.5").
func number(x any) (float64, bool) {
	switch t := x.(type) {
	case float64:
		return t, true
	case string:
		f, err := strconv.ParseFloat(t, 64)
		return f, err == nil
	}
	return 0, false
}

// namespaceOf is the unique_id of a recorded request (query, JSON or form
// body), "default" when absent as the API defaults it.
func namespaceOf(r *Recording) string {
	if q, err := url.ParseQuery(r.Query); err == nil && q.Get("unique_id") != "" {
		return q.Get("unique_id")
	}
	if pd := r.HAR.Request.PostData; pd != nil && !pd.Omitted {
		var body map[string]any
		if json.Unmarshal([]byte(pd.Text), &body) == nil {
			if s, ok := body["unique_id"].(string); ok && s != "" {
				return s
			}
		}
		if v, err := url.ParseQuery(pd.Text); err == nil && v.Get("unique_id") != "" {
			return v.Get("unique_id")
		}
	}
	return "default"
}
