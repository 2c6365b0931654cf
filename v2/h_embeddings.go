package v2

import (
	"strings"
)

// embeddingHandlers are the embedding operations of memories-v2.yaml.
func (s *Surface) embeddingHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"v2_embed_video": s.hEmbedVideo,
		"v2_embed_image": s.hEmbedImage,
		"v2_embed_text":  s.hEmbedText,
	}
}

// keywordBoost is the extra weight of a medium's keywords (the words that
// steered its content: file name, setting) over words that merely occur in
// its generated transcripts.
const keywordBoost = 2

// mediaEmbedding embeds what the content model "sees and hears" in a
// source: every visual and audio segment and the summary, the keywords
// boosted.
func (s *Surface) mediaEmbedding(src chatSource, dims int) []float32 {
	v := s.understand(src)
	texts := []string{v.Summary}
	for _, seg := range v.Visual {
		texts = append(texts, seg.Text)
	}
	for _, seg := range v.Audio {
		texts = append(texts, seg.Text)
	}
	return embedVector(embedWeights(embedTerms(texts...), v.Keywords, keywordBoost), dims)
}

// hEmbedVideo is POST /embeddings/video: one 1408-dimensional vector for
// the whole video (multimodalembedding@001, the only documented model; the
// schema's enum refuses others). The price is not documented [GAP]: free.
func (s *Surface) hEmbedVideo(cl *call) (any, error) {
	a, err := s.usable(cl, cl.str("asset_id"))
	if err != nil {
		return nil, err
	}
	// Only videos: multimodalembedding@001 embeds video and image frames,
	// not audio files or stills, so other assets get the catch-all 400.
	if a.Kind != KindVideo {
		return nil, errInvalid
	}
	src := chatSource{kind: a.Kind, id: a.ID, name: a.Filename, duration: a.Duration, hasAudio: a.HasAudio}
	return map[string]any{"embedding": s.mediaEmbedding(src, dimsMultimodal)}, nil
}

// hEmbedImage is POST /embeddings/image: multipart `file` + `model`, or
// JSON `asset_id` + `model` (an image asset or an extracted frame).
// $0.0001 per image (the pipeline charges the tariff).
func (s *Surface) hEmbedImage(cl *call) (any, error) {
	dims := dimsMultimodal
	if cl.str("model") == "mobileclip" {
		dims = dimsMobileCLIP
	}
	var src chatSource
	switch {
	case cl.file != nil:
		a := &Asset{Ext: extOf(cl.file.Filename), Size: cl.file.Size}
		probe(a, cl.file.Pending.File())
		if a.Final != StatusSuccess || a.Kind != KindImage {
			return nil, errInvalid
		}
		src = chatSource{kind: KindImage, id: "b64_" + cl.file.SHA256[:16], name: cl.file.Filename}
	case strings.HasPrefix(cl.c.ContentType(), "multipart/"):
		return nil, missing("file")
	default:
		a, err := s.usable(cl, cl.str("asset_id"))
		if err != nil {
			return nil, err
		}
		if a.Kind != KindImage && a.Kind != KindFrame {
			return nil, errInvalid
		}
		src = chatSource{kind: KindImage, id: a.ID, name: a.Filename}
	}
	return map[string]any{"embedding": s.mediaEmbedding(src, dims)}, nil
}

// maxEmbedInputs bounds one text request (Vertex AI's batch limit for
// Gemini embeddings is 250 texts) [UNCERTAIN for the vendor].
const maxEmbedInputs = 250

// hEmbedText is POST /embeddings/text: `data` is an array with one
// {"embedding"} per input, in input order, as the VI page insists; the AR
// pages show a single {"embedding"} object [CONFLICT], which the mock does
// not emit. $0.0000002 per token (words × 1.3).
func (s *Surface) hEmbedText(cl *call) (any, error) {
	var inputs []string
	switch v := cl.body["input"].(type) {
	case string:
		inputs = []string{v}
	case []any:
		for _, e := range v {
			t, ok := e.(string)
			if !ok {
				return nil, errInvalid
			}
			inputs = append(inputs, t)
		}
	}
	if len(inputs) == 0 {
		return nil, missing("input")
	}
	if len(inputs) > maxEmbedInputs {
		return nil, errInvalid
	}
	dims := dimsGeminiText
	if d, ok := cl.num("dimensionality"); ok {
		if d != float64(int(d)) || d < minDimensonality || d > dimsGeminiText {
			return nil, errInvalid
		}
		dims = int(d)
	}
	data := make([]map[string]any, len(inputs))
	for i, t := range inputs {
		data[i] = map[string]any{"embedding": embedVector(embedWeights(embedTerms(t), nil, 0), dims)}
	}
	cl.usage.Tokens = int64(textTokens(inputs...))
	return data, nil
}
