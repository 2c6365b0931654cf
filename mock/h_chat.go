package mock

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/store"
)

// Session kinds, kept so a session continues with the product it started in.
const (
	kindVideoChat = "video_chat"
	kindMarketer  = "marketer"
	kindPersonal  = "personal"
)

// wantsStream reports whether a chat call streams: the *_stream operations
// always do; /chat does when the client asks for text/event-stream, as the
// August 2025 docs describe.
func wantsStream(cl *call, always bool) bool {
	return always || strings.Contains(strings.ToLower(cl.c.GetHeader("Accept")), "text/event-stream")
}

// session loads the caller's session named by session_id (number or
// string; "" or absent starts a new one).
func (s *Server) session(cl *call, kind string) (*store.Session, error) {
	id := strings.TrimSpace(cl.str("session_id"))
	if id == "" || id == "0" {
		now := s.clk.Now()
		return &store.Session{ID: s.ids.number(), Account: cl.account, Namespace: cl.ns(), Kind: kind, CreatedAt: now, UpdatedAt: now}, nil
	}
	sess, err := s.store.GetSession(cl.account, cl.ns(), id)
	if err != nil {
		return nil, apiErr(CodeBadParam, "session not found")
	}
	return sess, nil
}

// history turns a session's messages back into exchanges.
func history(sess *store.Session) ([]chat.Turn, []chat.Exchange) {
	var turns []chat.Turn
	var ex []chat.Exchange
	for i := 0; i+1 < len(sess.Messages); i += 2 {
		u, a := sess.Messages[i], sess.Messages[i+1]
		ans := chat.Answer{Content: a.Content}
		_ = json.Unmarshal(a.Thinkings, &ans.Thinkings)
		_ = json.Unmarshal(a.Refs, &ans.Refs)
		turns = append(turns, chat.Turn{Role: "user", Content: u.Content}, chat.Turn{Role: "assistant", Content: a.Content})
		ex = append(ex, chat.Exchange{Prompt: u.Content, Answer: ans})
	}
	return turns, ex
}

// remember appends an exchange to the session and saves it.
func (s *Server) remember(sess *store.Session, prompt string, ans chat.Answer, videoNos []string) error {
	now := s.clk.Now()
	if sess.Title == "" {
		sess.Title = chat.SessionTitle(prompt)
	}
	th, _ := json.Marshal(ans.Thinkings)
	refs, _ := json.Marshal(ans.Refs)
	sess.Messages = append(sess.Messages,
		store.Message{Role: "user", Content: prompt, At: now},
		store.Message{Role: "assistant", Content: ans.Content, Thinkings: th, Refs: refs, At: now})
	for _, no := range videoNos {
		if !contains(sess.VideoNos, no) {
			sess.VideoNos = append(sess.VideoNos, no)
		}
	}
	sess.UpdatedAt = now
	return s.store.PutSession(sess)
}

// turnSeed makes each turn of each session deterministic under --seed.
func (s *Server) turnSeed(sessionID string, turn int) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(sessionID))
	_, _ = h.Write([]byte(strconv.Itoa(turn)))
	return s.opts.Seed ^ int64(h.Sum64()&0x7fffffffffffffff)
}

// knobs returns the stream knobs in force: the options, until the control
// plane replaces them.
func (s *Server) knobs() chat.Knobs {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stream != nil {
		return *s.stream
	}
	return chat.Knobs{FirstEvent: s.opts.StreamFirstEvent, PerChunk: s.opts.StreamChunkDelay,
		ChunkSize: s.opts.StreamChunkSize, FailProbability: s.opts.StreamFailProbability}
}

func (s *Server) setKnobs(k chat.Knobs) {
	s.mu.Lock()
	s.stream = &k
	s.mu.Unlock()
}

// chatVideo converts a stored video and its content for the generator.
func chatVideo(v *store.Video, c *content.Video) chat.Video {
	return chat.Video{VideoNo: v.No, Name: v.Name, Duration: v.Duration, Visual: c.Visual, Audio: c.Audio}
}

// openStream writes the stream headers.
func openStream(cl *call, contentType string) chat.Sink {
	w := cl.c.Writer
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return chat.NewHTTPSink(w)
}

// streamEnd answers a chat error the way the stream documents it: an
// error end event rather than an envelope.
func (s *Server) streamEnd(cl *call, sessionID, msg string) (any, error) {
	sink := openStream(cl, chat.ContentTypeVideoChat)
	_ = chat.StreamError(sink, sessionID, msg)
	cl.code = "ERROR"
	cl.charged = true // nothing was generated
	return written, nil
}

// chatRequest reads what every chat operation needs: whether it streams
// and the (required) prompt.
func (s *Server) chatRequest(cl *call, always bool) (stream bool, prompt string, err error) {
	s.Tick()
	prompt = strings.TrimSpace(cl.str("prompt"))
	if prompt == "" {
		return false, "", apiErr(CodeBadParam, "parameter error: prompt is required")
	}
	return wantsStream(cl, always), prompt, nil
}

// hChat is POST /chat and /chat_stream: a chat grounded in parsed videos.
func (s *Server) hChat(always bool) handlerFunc {
	return func(cl *call) (any, error) {
		stream, prompt, err := s.chatRequest(cl, always)
		if err != nil {
			return nil, err
		}
		nos := cl.strs("video_nos")
		if len(nos) == 0 {
			nos = cl.strs("videoNos") // the docs' sample body spells it so
		}
		if len(nos) == 0 {
			return nil, apiErr(CodeBadParam, "parameter error: video_nos is required")
		}
		if !content.IsEnglish(prompt) {
			return nil, errNotEnglish
		}
		sess, err := s.session(cl, kindVideoChat)
		if err != nil {
			return nil, err
		}
		var videos []chat.Video
		var unparsed []string
		for _, no := range nos {
			v, err := s.store.GetVideo(cl.account, cl.ns(), no)
			if err != nil {
				continue
			}
			if v.Status != store.StatusParse {
				unparsed = append(unparsed, v.No)
				continue
			}
			videos = append(videos, chatVideo(v, s.world.contentOf(v)))
		}
		switch {
		case len(videos) == 0 && len(unparsed) == 0:
			if stream {
				return s.streamEnd(cl, sess.ID, chat.MsgNoVideos)
			}
			return nil, apiErr(CodeBadParam, chat.MsgNoVideos)
		case len(unparsed) > 0:
			if stream {
				return s.streamEnd(cl, sess.ID, chat.NotParsedMessage(unparsed...))
			}
			return nil, apiErr(CodeBadParam, "%s", chat.NotParsedMessage(unparsed...))
		}
		return s.answer(cl, sess, prompt, videos, chat.VideoChat, stream, nos)
	}
}

// answer generates, streams or returns, meters and records one turn.
func (s *Server) answer(cl *call, sess *store.Session, prompt string, videos []chat.Video, kind chat.Kind, stream bool, nos []string) (any, error) {
	turns, _ := history(sess)
	seed := s.turnSeed(sess.ID, len(turns)/2)
	ans := chat.Generate(chat.Request{Seed: seed, Prompt: prompt, Videos: videos, History: turns, Kind: kind})
	cl.usage.tokens = int64(ans.InputTokens + ans.OutputTokens)
	if !stream {
		if err := s.remember(sess, prompt, ans, nos); err != nil {
			return nil, err
		}
		if kind == chat.Personal {
			return ans.PersonalData(sess.ID), nil
		}
		return ans.ChatData(sess.ID), nil
	}
	rnd := rand.New(rand.NewPCG(uint64(seed), 0x737365))
	var err error
	if kind == chat.Personal {
		err = chat.StreamPersonal(cl.c.Request.Context(), openStream(cl, chat.ContentTypePersonal), s.clk, s.knobs(), ans, rnd)
	} else {
		err = chat.StreamVideoChat(cl.c.Request.Context(), openStream(cl, chat.ContentTypeVideoChat), s.clk, s.knobs(), sess.ID, ans, rnd)
	}
	switch {
	case err == nil:
		if rerr := s.remember(sess, prompt, ans, nos); rerr != nil {
			s.opts.Logger.Error("save session", "session", sess.ID, "err", rerr)
		}
	case errors.Is(err, chat.ErrInjectedFailure):
		cl.code = "ERROR"
	default:
		// The client went away: generation stopped, nothing is recorded,
		// only what was generated so far would be billed; bill nothing.
		cl.code = "DISCONNECTED"
		cl.charged = true
	}
	return written, nil
}

// hMarketerChat is POST /marketer_chat and /marketer_chat_stream: a chat
// over the public library, narrowed by `type` and by @creator / #hashtag
// in the prompt.
func (s *Server) hMarketerChat(always bool) handlerFunc {
	return func(cl *call) (any, error) {
		stream, prompt, err := s.chatRequest(cl, always)
		if err != nil {
			return nil, err
		}
		platform, err := platformParam(cl)
		if err != nil {
			return nil, err
		}
		sess, err := s.session(cl, kindMarketer)
		if err != nil {
			return nil, err
		}
		creators, tags := chat.ParseFilters(prompt)
		pvs := s.world.public.ready().find(platform, prompt, creators, tags, 5)
		videos := make([]chat.Video, 0, len(pvs))
		nos := make([]string, 0, len(pvs))
		for _, pv := range pvs {
			videos = append(videos, pv.chatVideo())
			nos = append(nos, pv.no)
		}
		return s.answer(cl, sess, prompt, videos, chat.Marketer, stream, nos)
	}
}

// hChatPersonal is POST /chat_personal and /chat_personal_stream: a chat
// over the caller's own parsed videos and images.
func (s *Server) hChatPersonal(always bool) handlerFunc {
	return func(cl *call) (any, error) {
		stream, prompt, err := s.chatRequest(cl, always)
		if err != nil {
			return nil, err
		}
		sess, err := s.session(cl, kindPersonal)
		if err != nil {
			return nil, err
		}
		ns := nsKey(cl.account, cl.ns())
		hits := s.world.idx().Search(content.Query{Namespace: ns, Text: prompt, Mode: content.ByVideo, TopK: 20})
		var videos []chat.Video
		var nos []string
		for _, h := range hits {
			if contains(nos, h.VideoNo) || len(nos) >= 3 {
				continue
			}
			v, err := s.store.GetVideo(cl.account, cl.ns(), h.VideoNo)
			if err != nil || v.Status != store.StatusParse {
				continue
			}
			videos = append(videos, chatVideo(v, s.world.contentOf(v)))
			nos = append(nos, v.No)
		}
		return s.answer(cl, sess, prompt, videos, chat.Personal, stream, nos)
	}
}

// hListSessions is GET /list_sessions: 20 per page, newest first.
func (s *Server) hListSessions(cl *call) (any, error) {
	page := cl.int("page", 1)
	if page < 1 {
		return nil, apiErr(CodeBadParam, "parameter error: page must be positive")
	}
	const size = 20
	ss, total, err := s.store.ListSessions(cl.account, cl.ns(), (page-1)*size, size)
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(ss))
	for _, se := range ss {
		items = append(items, map[string]any{"sessionId": se.ID, "title": se.Title})
	}
	return map[string]any{"sessions": items, "current_page": page, "page_size": size, "total_count": strconv.Itoa(total)}, nil
}

// hSessionDetail is GET /get_session_detail (sessionId or session_id).
func (s *Server) hSessionDetail(cl *call) (any, error) {
	id := firstNonEmpty(cl.str("sessionId"), cl.str("session_id"))
	if id == "" {
		return nil, apiErr(CodeBadParam, "parameter error: sessionId is required")
	}
	sess, err := s.store.GetSession(cl.account, cl.ns(), id)
	if err != nil {
		return nil, apiErr(CodeBadParam, "session not found")
	}
	_, ex := history(sess)
	return chat.SessionDetail(sess.Title, sess.ID, ex...), nil
}
