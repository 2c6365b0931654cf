// Package fakeapi is a small in-memory stand-in for the Memories.ai v1 API,
// answering in the documented shapes, for the tests of the client,
// scenarios and load tester while the real mock (package mock) is written.
// It is test support, not the mock: no validation beyond what the tests
// need, no rate limits or credits unless a test injects them with Codes.
package fakeapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune the fake.
type Options struct {
	// ParseAfter is how many status reads (list_videos / get_metadata) of a
	// video return UNPARSE before it turns PARSE (default 0: PARSE at the
	// first read after upload).
	ParseAfter int
	// Code, when set, picks the envelope code of the n-th request (from 1)
	// of an operation; "" or "0000" answers normally. Tests inject 0429 and
	// 0402 with it.
	Code func(op string, n int64) string
	// Gate, when set, holds every request until a value can be received
	// from it (or it is closed): a slow target under the test's control.
	Gate <-chan struct{}
	// Delay is a fixed service time added to every request.
	Delay time.Duration
}

type video struct {
	no, ns, name string
	status       string
	reads        int
	deleted      bool
}

// Server is the fake API. It is an http.Handler.
type Server struct {
	opts   Options
	mu     sync.Mutex
	videos map[string]*video
	order  []string
	seq    atomic.Int64
	counts sync.Map // op -> *atomic.Int64
}

// New returns an empty fake.
func New(o Options) *Server {
	return &Server{opts: o, videos: map[string]*video{}}
}

// Count returns how many requests an operation received.
func (s *Server) Count(op string) int64 {
	if v, ok := s.counts.Load(op); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

func (s *Server) next(op string) int64 {
	v, _ := s.counts.LoadOrStore(op, new(atomic.Int64))
	return v.(*atomic.Int64).Add(1)
}

func envelope(w http.ResponseWriter, code, msg string, data any) {
	w.Header().Set("Content-Type", "application/json")
	ok := code == "0000"
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "msg": msg, "data": data, "success": ok, "failed": !ok})
}

func messageOf(code string) string {
	switch code {
	case "0429":
		return "Request has exceeded the limit."
	case "0402":
		return "Insufficient balance."
	case "0401":
		return "authorization invalid"
	case "0409":
		return "duplicate request not allowed"
	}
	return "error"
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.ReplaceAll(strings.TrimPrefix(r.URL.Path, "/serve/api/v1/"), "/", "_")
	n := s.next(op)
	if s.opts.Gate != nil {
		select {
		case <-s.opts.Gate:
		case <-r.Context().Done():
			return
		}
	}
	if s.opts.Delay > 0 {
		select {
		case <-time.After(s.opts.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if r.Header.Get("Authorization") == "" {
		envelope(w, "0401", messageOf("0401"), nil)
		return
	}
	if s.opts.Code != nil {
		if c := s.opts.Code(op, n); c != "" && c != "0000" {
			envelope(w, c, messageOf(c), nil)
			return
		}
	}
	body, _ := io.ReadAll(r.Body)
	switch op {
	case "upload_url", "upload":
		form, _ := url.ParseQuery(string(body))
		ns := form.Get("unique_id")
		if ns == "" {
			var j struct {
				UniqueID string `json:"unique_id"`
			}
			_ = json.Unmarshal(body, &j)
			ns = j.UniqueID
		}
		v := s.add(ns)
		envelope(w, "0000", "success", map[string]any{"videoNo": v.no, "videoName": v.name, "videoStatus": "UNPARSE", "uploadTime": fmt.Sprint(time.Now().UnixMilli())})
	case "list_videos":
		var q struct {
			VideoNo  string `json:"video_no"`
			Status   string `json:"status"`
			UniqueID string `json:"unique_id"`
		}
		_ = json.Unmarshal(body, &q)
		envelope(w, "0000", "success", s.list(q.VideoNo, q.Status, q.UniqueID))
	case "get_metadata", "get_private_video_details":
		v := s.read(r.URL.Query().Get("video_no"))
		if v == nil {
			envelope(w, "0001", "video not found", nil)
			return
		}
		envelope(w, "0000", "success", v)
	case "search", "search_public":
		envelope(w, "0000", "success", s.search())
	case "delete_videos":
		var ids []string
		if err := json.Unmarshal(body, &ids); err != nil {
			envelope(w, "0001", "body must be a JSON array of video numbers", nil)
			return
		}
		envelope(w, s.delete(ids), "success", nil)
	case "chat_stream":
		s.stream(w)
	case "chat", "marketer_chat", "chat_personal":
		envelope(w, "0000", "success", map[string]any{"role": "ASSISTANT", "content": "An answer.", "thinkings": []any{}, "session_id": "630309515755999232"})
	case "list_sessions":
		envelope(w, "0000", "success", map[string]any{"sessions": []any{}, "current_page": 1, "page_size": 20, "total_count": "0"})
	case "download":
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write([]byte("fake video bytes"))
	default:
		envelope(w, "0000", "success", map[string]any{})
	}
}

func (s *Server) add(ns string) *video {
	if ns == "" {
		ns = "default"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	no := fmt.Sprintf("VI%018d", 600000000000000000+s.seq.Add(1))
	v := &video{no: no, ns: ns, name: "video-" + no[len(no)-4:], status: "UNPARSE"}
	s.videos[no] = v
	s.order = append(s.order, no)
	return v
}

// advance counts a status read and flips the video to PARSE after
// ParseAfter reads. Callers hold mu.
func (s *Server) advance(v *video) {
	v.reads++
	if v.status == "UNPARSE" && v.reads > s.opts.ParseAfter {
		v.status = "PARSE"
	}
}

func wire(v *video) map[string]any {
	return map[string]any{"duration": "12", "size": "3284512", "status": v.status, "cause": "null", "video_no": v.no, "video_name": v.name, "create_time": "1754037217992"}
}

func (s *Server) list(no, status, ns string) map[string]any {
	if ns == "" {
		ns = "default"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	vids := []any{}
	for _, id := range s.order {
		v := s.videos[id]
		if v.deleted || v.ns != ns || (no != "" && v.no != no) {
			continue
		}
		if no != "" {
			s.advance(v)
		}
		if status != "" && v.status != status {
			continue
		}
		vids = append(vids, wire(v))
	}
	return map[string]any{"videos": vids, "current_page": 1, "page_size": 20, "total_count": fmt.Sprint(len(vids))}
}

func (s *Server) read(no string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.videos[no]
	if v == nil || v.deleted {
		return nil
	}
	s.advance(v)
	return wire(v)
}

func (s *Server) search() []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	hits := []any{}
	score := 0.9
	for _, id := range s.order {
		v := s.videos[id]
		if v.deleted || v.status != "PARSE" {
			continue
		}
		hits = append(hits, map[string]any{"videoNo": v.no, "videoName": v.name, "startTime": "13", "endTime": "18", "score": score})
		score /= 2
		if len(hits) == 5 {
			break
		}
	}
	return hits
}

func (s *Server) delete(ids []string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if v := s.videos[id]; v == nil || v.deleted {
			// Deleting twice is a duplicate request (API_FACTS A7.26).
			return "0409"
		}
	}
	for _, id := range ids {
		s.videos[id].deleted = true
	}
	return "0000"
}

func (s *Server) stream(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	fl, _ := w.(http.Flusher)
	lines := []string{
		`{"type":"thinking","title":"Based on selected videos, fetch detailed information","content":"Okay","sessionId":"606120397607260160"}`,
		`{"type":"ref","sessionId":"606120397607260160","ref":[]}`,
		`{"type":"content","role":"assistant","content":"A summary","sessionId":"606120397607260160"}`,
		`{"type":"content","role":"assistant","content":" of the video.","sessionId":"606120397607260160"}`,
		`{"code":"SUCCESS","data":"Done"}`,
	}
	for _, l := range lines {
		_, _ = io.WriteString(w, "data:"+l+"\n\n")
		if fl != nil {
			fl.Flush()
		}
	}
}
