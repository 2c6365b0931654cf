package v2

import (
	"bytes"
	"context"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/memharness/memharness/mock/chat"
)

// ContentTypeChatStream is the content type of a streamed completion, as
// OpenAI-compatible servers send it.
const ContentTypeChatStream = "text/event-stream; charset=utf-8"

// streamKnobs are the pacing and fault knobs in force (none: no pacing).
func (s *Surface) streamKnobs() chat.Knobs {
	var k chat.Knobs
	if s.o.StreamKnobs != nil {
		k = s.o.StreamKnobs()
	}
	if k.ChunkSize <= 0 {
		k.ChunkSize = chat.DefaultChunkSize
	}
	return k
}

// streamChat writes the answer as OpenAI-style Server-Sent Events. The
// vendor documents `stream` but not its wire format [GAP]; since public
// clients drive these paths with the openai SDK, every provider streams
// chat.completion.chunk objects: a first chunk with the assistant role,
// content deltas of ChunkSize runes, a last chunk with finish_reason, a
// usage chunk (choices: []) when stream_options.include_usage is set, then
// `data: [DONE]`. Each event is flushed at once and paced on the mock
// clock; the stream stops as soon as the client disconnects.
func (s *Surface) streamChat(cl *call, ans chatAnswer) (any, error) {
	knobs := s.streamKnobs()
	w := cl.c.Writer
	w.Header().Set("Content-Type", ContentTypeChatStream)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	st := &chatStreamer{s: s, ctx: cl.c.Request.Context(), sink: chat.NewHTTPSink(w), knobs: knobs, ans: ans}
	// Failure injection (FailProbability): the stream breaks after some
	// content, without a finish chunk or [DONE], drawn from the request.
	failAt := -1
	if knobs.FailProbability > 0 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(ans.id))
		rnd := rand.New(rand.NewPCG(uint64(s.o.Seed), h.Sum64()))
		if float64(rnd.Uint64()>>11)/(1<<53) < knobs.FailProbability {
			failAt = 1 + int(rnd.Uint64()%4)
		}
	}
	sent := 0
	for i, c := range ans.choices {
		if err := st.chunk(i, map[string]any{"role": "assistant", "content": ""}, nil); err != nil {
			return written, nil
		}
		rest := c.text
		for rest != "" {
			var part string
			part, rest = splitRunes(rest, knobs.ChunkSize)
			if err := st.chunk(i, map[string]any{"content": part}, nil); err != nil {
				return written, nil
			}
			sent++
			if sent == failAt {
				return written, nil
			}
		}
		finish := c.finish
		if err := st.chunk(i, map[string]any{}, &finish); err != nil {
			return written, nil
		}
	}
	if ans.req.includeUsage {
		body := st.base()
		body["choices"] = []any{}
		body["usage"] = ans.openAIUsage()
		if err := st.event(body); err != nil {
			return written, nil
		}
	}
	_ = st.raw([]byte("data: [DONE]\n\n"))
	return written, nil
}

// chatStreamer writes one stream's events.
type chatStreamer struct {
	s     *Surface
	ctx   context.Context
	sink  chat.Sink
	knobs chat.Knobs
	ans   chatAnswer
	sent  int
}

func (st *chatStreamer) base() map[string]any {
	m := map[string]any{"id": st.ans.id, "object": "chat.completion.chunk", "created": st.ans.created,
		"model": st.ans.answerModel()}
	if st.ans.req.model.provider == providerGPT {
		m["system_fingerprint"] = st.ans.fingerprint()
	}
	return m
}

func (st *chatStreamer) chunk(index int, delta map[string]any, finish *string) error {
	body := st.base()
	var fr any
	if finish != nil {
		fr = *finish
	}
	body["choices"] = []any{map[string]any{"index": index, "delta": delta, "logprobs": nil, "finish_reason": fr}}
	return st.event(body)
}

func (st *chatStreamer) event(body map[string]any) error {
	var buf bytes.Buffer
	buf.WriteString("data: ")
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	buf.WriteString("\n\n")
	return st.raw(buf.Bytes())
}

// raw paces and writes one event: FirstEvent before the first, PerChunk
// before the others, on the mock clock; a gone client ends the stream.
func (st *chatStreamer) raw(b []byte) error {
	d := st.knobs.PerChunk
	if st.sent == 0 {
		d = st.knobs.FirstEvent
	}
	if d > 0 {
		select {
		case <-st.ctx.Done():
			return st.ctx.Err()
		case <-st.s.ctx.Done():
			return st.s.ctx.Err()
		case <-st.s.p.Clock.After(d):
		}
	}
	if err := st.ctx.Err(); err != nil {
		return err
	}
	if _, err := st.sink.Write(b); err != nil {
		return err
	}
	st.sink.Flush()
	st.sent++
	return nil
}

// splitRunes splits off the first n runes of s.
func splitRunes(s string, n int) (string, string) {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return s[:i], s[i:]
}
