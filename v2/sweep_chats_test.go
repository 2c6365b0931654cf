package v2

import (
	"io"
	"net/http"
	"strings"
)

// chatSweep covers the chat operations (h_chats.go): one minimal valid
// request per operationId, each in another provider's documented form.
func chatSweep() map[string]sweepCase {
	body := func(path, format string, ref func(*sweepEnv) string) sweepCase {
		return func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, path, "application/json", strings.NewReader(strings.ReplaceAll(format, "REF", ref(env)))
		}
	}
	video := func(env *sweepEnv) string { return env.video }
	image := func(env *sweepEnv) string { return env.image }
	return map[string]sweepCase{
		"v2_vu_chat": body("/vu/chat/completions", `{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":[`+
			`{"type":"text","text":"What happens in this video?"},{"type":"input_file","file_uri":"REF","mime_type":"video/mp4"}]}]}`, video),
		"v2_iu_chat": body("/iu/chat/completions", `{"model":"gpt:gpt-4o","messages":[{"role":"user","content":[`+
			`{"type":"text","text":"Describe this image."},{"type":"image_url","image_url":{"url":"REF"}}]}]}`, image),
		"v2_ilm_chat": body("/ilm/chat/completions", `{"model":"nova:amazon.nova-lite-v1:0","messages":[{"role":"user","content":[`+
			`{"type":"text","text":"What is in this picture?"},{"type":"image_url","image_url":"REF"}]}]}`, image),
		"v2_chat": body("/chat/completions", `{"model":"qwen:qwen3-vl-plus","messages":[{"role":"system","content":"You are a video analyst."},`+
			`{"role":"user","content":[{"type":"video_url","video_url":"REF"},{"type":"text","text":"Summarize this video."}]}]}`, video),
	}
}
