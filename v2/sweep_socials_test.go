package v2

import (
	"io"
	"net/http"
)

// socialSweep covers the social operations (h_socials.go): one minimal valid
// request per operationId.
func socialSweep() map[string]sweepCase {
	return map[string]sweepCase{
		"v2_social_metadata": jsonCase(http.MethodPost, "/tiktok/video/metadata",
			`{"video_url":"https://www.tiktok.com/@cutshall73/video/7543017294226558221","channel":"rapid"}`),
		"v2_social_transcript": jsonCase(http.MethodPost, "/youtube/video/transcript",
			`{"video_url":"https://www.youtube.com/watch?v=dQw4w9WgXcQ","channel":"memories.ai"}`),
		"v2_social_mai_transcript": func(env *sweepEnv) (string, string, string, io.Reader) {
			return jsonCase(http.MethodPost, "/instagram/video/mai/transcript",
				`{"video_url":"https://www.instagram.com/reel/DLlGZiCOBQ0/"}`)(env)
		},
		"v2_social_detail": jsonCase(http.MethodPost, "/twitter/video/detail", `{"video_id":"1989901761650323606"}`),
	}
}
