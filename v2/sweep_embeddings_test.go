package v2

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
)

// embeddingSweep covers the embedding operations (h_embeddings.go): one
// minimal valid request per operationId.
func embeddingSweep() map[string]sweepCase {
	return map[string]sweepCase{
		"v2_embed_video": func(env *sweepEnv) (string, string, string, io.Reader) {
			return jsonCase(http.MethodPost, "/embeddings/video",
				`{"asset_id":"`+env.video+`","model":"multimodalembedding@001"}`)(env)
		},
		"v2_embed_image": func(env *sweepEnv) (string, string, string, io.Reader) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			_ = mw.WriteField("model", "multimodalembedding@001")
			fw, _ := mw.CreateFormFile("file", "photo.png")
			_, _ = fw.Write(env.pngBytes)
			_ = mw.Close()
			return http.MethodPost, "/embeddings/image", mw.FormDataContentType(), &buf
		},
		"v2_embed_text": jsonCase(http.MethodPost, "/embeddings/text",
			`{"input":["a day at the beach","a mountain hike"],"model":"gemini-embedding-001","dimensionality":768}`),
	}
}
