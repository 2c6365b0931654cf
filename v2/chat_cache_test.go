package v2

import (
	"bytes"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/memharness/memharness/mock/chat"
)

// TestChatAnswerCacheExact: a cached choice is the choice generating it
// again gives, and requests that differ in anything chatAnswer reads get
// different entries (a key missing a field would hand one variant
// another's cached text).
func TestChatAnswerCacheExact(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	s := ts.s
	beach := chatSource{kind: KindVideo, id: "re_000000000000000001", name: "beach_day.mp4", duration: 12, hasAudio: true}
	hills := chatSource{kind: KindVideo, id: "re_000000000000000002", name: "mountain_hike.mp4", duration: 40, hasAudio: true}
	img := chatSource{kind: KindImage, id: "re_000000000000000003", name: "cat.png"}
	base := func() *chatRequest {
		return &chatRequest{modelName: "gemini:gemini-2.5-flash", model: chatModels["gemini:gemini-2.5-flash"],
			prompt: "What happens in this video?", sources: []chatSource{beach}, n: 1}
	}
	variants := []struct {
		name string
		edit func(r *chatRequest)
	}{
		{name: "base", edit: func(*chatRequest) {}},
		{name: "model", edit: func(r *chatRequest) { r.modelName, r.model = "gpt:gpt-4o", chatModels["gpt:gpt-4o"] }},
		{name: "prompt", edit: func(r *chatRequest) { r.prompt = "Who is speaking?" }},
		{name: "other video", edit: func(r *chatRequest) { r.sources = []chatSource{hills} }},
		{name: "same id, longer", edit: func(r *chatRequest) { b := beach; b.duration = 30; r.sources = []chatSource{b} }},
		{name: "no audio", edit: func(r *chatRequest) { b := beach; b.hasAudio = false; r.sources = []chatSource{b} }},
		{name: "image too", edit: func(r *chatRequest) { r.sources = []chatSource{beach, img} }},
		{name: "no media", edit: func(r *chatRequest) { r.sources = nil }},
		{name: "history", edit: func(r *chatRequest) {
			r.history = []chat.Turn{{Role: "user", Content: "hi"}, {Role: "assistant", Content: "hello"}}
		}},
		{name: "max tokens", edit: func(r *chatRequest) { r.maxTokens = 12 }},
		{name: "stop", edit: func(r *chatRequest) { r.stop = []string{"."} }},
		{name: "json", edit: func(r *chatRequest) { r.jsonMode = true }},
		{name: "json schema", edit: func(r *chatRequest) {
			r.jsonMode, r.jsonProps = true, map[string]string{"tags": "array", "length": "number"}
		}},
	}
	keys := map[string]string{}
	for _, v := range variants {
		req := base()
		v.edit(req)
		for i := range 2 {
			k := answerKey(req, i)
			if other, dup := keys[k]; dup {
				t.Fatalf("%s choice %d shares a cache key with %s", v.name, i, other)
			}
			keys[k] = v.name
			first := s.chatAnswer(req, i)
			again := s.chatAnswer(req, i)
			fresh := s.generateAnswer(req, i)
			if first != fresh || again != fresh {
				t.Fatalf("%s choice %d: cached %+v, again %+v, generated %+v", v.name, i, first, again, fresh)
			}
		}
	}
}

// TestChatAnswerMemberOrder: the answer structs encode their members in
// alphabetical order, as the maps they replaced did, so the wire bytes are
// unchanged.
func TestChatAnswerMemberOrder(t *testing.T) {
	for _, model := range []string{"gemini:gemini-2.5-flash", "qwen:qwen3-vl-plus", "nova:amazon.nova-lite-v1:0", "gpt:gpt-4o"} {
		req := &chatRequest{modelName: model, model: chatModels[model]}
		ans := chatAnswer{req: req, choices: []chatChoice{{text: "a", finish: "stop", tokens: 1}, {text: "b", finish: "length"}},
			input: 3, output: 4, id: "x", created: 5}
		got, err := json.Marshal(ans.object())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(got, &m); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(m) // maps encode with sorted keys
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", model, got, want)
		}
	}
}
