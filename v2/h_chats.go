package v2

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/platform/limits"
)

// chatHandlers are the chat operations of memories-v2.yaml. The four paths
// are served identically: the docs' prose says /vu (video) and /iu (image)
// while their curl examples use /chat/completions and /ilm/chat/completions
// [CONFLICT], and every model answers on every path.
func (s *Surface) chatHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"v2_vu_chat":  s.hChat,
		"v2_iu_chat":  s.hChat,
		"v2_ilm_chat": s.hChat,
		"v2_chat":     s.hChat,
	}
}

// chatRequest is a parsed chat completion request.
type chatRequest struct {
	modelName    string // as sent, with its prefix
	model        chatModel
	prompt       string // text of the last user message
	history      []chat.Turn
	texts        []string // every text of every message (token count)
	sources      []chatSource
	maxTokens    int
	n            int
	stop         []string
	stream       bool
	includeUsage bool
	jsonMode     bool
	jsonProps    map[string]string // property -> type of a requested schema
}

// chatChoice is one generated answer.
type chatChoice struct {
	text   string
	finish string // "stop" or "length"
	tokens int
}

// hChat answers a chat completion: a bare provider-style object, or an
// OpenAI-style event stream with "stream": true.
func (s *Surface) hChat(cl *call) (any, error) {
	req, err := s.parseChat(cl)
	if err != nil {
		return nil, err
	}
	// Chat is priced per model, so the pipeline's precharge (per-operation
	// tariffs) does not see it: an empty balance is refused here, before
	// any answer is generated.
	if l := s.p.Ledger; l.Enabled() {
		if l.Check(cl.account, limits.NewCharge(cl.op.id, limits.UnitToken, 0, 0)) != nil {
			return nil, errNoBalance
		}
	}
	if err := s.resolveChatMedia(cl, req); err != nil {
		return nil, err
	}
	input := textTokens(req.texts...)
	for _, src := range req.sources {
		input += mediaTokens(src)
	}
	choices := make([]chatChoice, req.n)
	output := 0
	for i := range choices {
		choices[i] = s.chatAnswer(req, i)
		output += choices[i].tokens
	}
	s.chargeChat(cl, req.model, input, output)
	ans := chatAnswer{req: req, choices: choices, input: input, output: output,
		id: s.chatID(req.model.provider), created: s.p.Clock.Now().Unix()}
	if req.stream {
		return s.streamChat(cl, ans)
	}
	writeJSON(cl.c, http.StatusOK, ans.object())
	return written, nil
}

// chargeChat debits input and output tokens at the model's prices (the
// tier chosen by the prompt size). One credit is $0.01.
func (s *Surface) chargeChat(cl *call, m chatModel, input, output int) {
	cl.charged = true
	l := s.p.Ledger
	if !l.Enabled() {
		return
	}
	in, out := m.price(input)
	usd := (float64(input)*in + float64(output)*out) / 1e6
	l.Debit(cl.account, limits.NewCharge(cl.op.id, limits.UnitToken, float64(input+output), usd/limits.CreditUSD))
}

// parseChat reads the body the pipeline validated against the schema
// (whose ChatModel enum mirrors chatModels, TestChatModelEnumMatchesCatalogue);
// anything still out of place answers the live API's catch-all 400.
func (s *Surface) parseChat(cl *call) (*chatRequest, error) {
	req := &chatRequest{modelName: cl.str("model"), n: 1}
	m, ok := chatModels[req.modelName]
	if !ok {
		return nil, errInvalid
	}
	req.model = m
	msgs, _ := cl.body["messages"].([]any)
	if len(msgs) == 0 {
		return nil, errInvalid
	}
	lastUser := -1
	for i, raw := range msgs {
		if mm, ok := raw.(map[string]any); ok && mm["role"] == "user" {
			lastUser = i
		}
	}
	for i, raw := range msgs {
		msg, ok := raw.(map[string]any)
		if !ok {
			return nil, errInvalid
		}
		role, _ := msg["role"].(string)
		text, err := req.addContent(msg["content"])
		if err != nil {
			return nil, err
		}
		switch {
		case i == lastUser:
			req.prompt = text
		case role == "user" || role == "assistant":
			req.history = append(req.history, chat.Turn{Role: role, Content: text})
		}
	}
	if v, ok := cl.num("max_tokens"); ok {
		req.maxTokens = int(v)
	}
	if v, ok := cl.num("n"); ok && v >= 1 {
		req.n = int(v)
	}
	switch st := cl.body["stop"].(type) {
	case string:
		if st != "" {
			req.stop = []string{st}
		}
	case []any:
		for _, e := range st {
			if x, ok := e.(string); ok && x != "" {
				req.stop = append(req.stop, x)
			}
		}
	}
	req.stream = cl.boolField("stream")
	if so, ok := cl.body["stream_options"].(map[string]any); ok {
		req.includeUsage, _ = so["include_usage"].(bool)
	}
	req.jsonMode, req.jsonProps = structuredOutput(cl.body)
	return req, nil
}

// addContent collects one message's content: its text is returned; its
// media parts are kept for resolution. Part types: text, input_file
// (Gemini), video_url / image_url (Nova, GPT; a string or {url}), image /
// video (Qwen).
func (req *chatRequest) addContent(c any) (string, error) {
	switch v := c.(type) {
	case nil:
		return "", nil
	case string:
		req.texts = append(req.texts, v)
		return v, nil
	case []any:
		var texts []string
		for _, raw := range v {
			part, ok := raw.(map[string]any)
			if !ok {
				return "", errInvalid
			}
			typ, _ := part["type"].(string)
			switch typ {
			case "text":
				t, _ := part["text"].(string)
				texts = append(texts, t)
				req.texts = append(req.texts, t)
			case "input_file":
				uri, _ := part["file_uri"].(string)
				mt, _ := part["mime_type"].(string)
				req.sources = append(req.sources, chatSource{id: uri, name: mt})
			case "video_url", "image_url", "image", "video":
				ref := urlValue(part[typ])
				mt := "video/*"
				if strings.HasPrefix(typ, "image") {
					mt = "image/*"
				}
				req.sources = append(req.sources, chatSource{id: ref, name: mt})
			default:
				return "", errInvalid
			}
		}
		return strings.Join(texts, "\n"), nil
	}
	return "", errInvalid
}

// urlValue reads "…" or {"url": "…"} (OpenAI's image_url object).
func urlValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		u, _ := x["url"].(string)
		return u
	}
	return ""
}

// resolveChatMedia replaces the references collected by addContent (id =
// the reference, name = the MIME type, or "image/*" / "video/*" from the
// part type) with resolved sources, once per distinct reference.
func (s *Surface) resolveChatMedia(cl *call, req *chatRequest) error {
	seen := map[string]bool{}
	out := req.sources[:0]
	for _, ref := range req.sources {
		if seen[ref.id] {
			continue
		}
		seen[ref.id] = true
		src, err := s.resolveMedia(cl, ref.id, ref.name)
		if err != nil {
			return err
		}
		out = append(out, src)
	}
	req.sources = out
	return nil
}

// describeWords are prompts that ask what the media shows; they get the
// summary the v1 chat writes for "summarize".
var describeWords = []string{"describe", "what is in", "what's in", "what is this", "what is shown", "explain", "what does",
	"tell me about", "what is happening", "said", " say", "transcri", "compare"}

// chatAnswer generates choice i. The answer is grounded in the resolved
// media by the v1 chat generator (videos and audio) and the content
// model's image captions; the same request gives the same text.
func (s *Surface) chatAnswer(req *chatRequest, i int) chatChoice {
	return s.answers.get(answerKey(req, i), func() chatChoice { return s.generateAnswer(req, i) })
}

// generateAnswer is chatAnswer without the cache.
func (s *Surface) generateAnswer(req *chatRequest, i int) chatChoice {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d", req.modelName, i)
	seed := s.o.Seed ^ int64(h.Sum64()&0x7fffffffffffffff)
	prompt := strings.TrimSpace(req.prompt)
	genPrompt := prompt
	low := strings.ToLower(prompt)
	if prompt == "" {
		genPrompt = "Summarize the video."
	} else if chat.DetectIntent(prompt) == chat.Generic {
		for _, w := range describeWords {
			if strings.Contains(low, w) {
				genPrompt = "Summarize the video. " + prompt
				break
			}
		}
	}
	var videos []chat.Video
	var images []chatSource
	for _, src := range req.sources {
		if src.kind == KindImage {
			images = append(images, src)
		} else {
			videos = append(videos, s.chatVideo(src))
		}
	}
	var b strings.Builder
	if len(videos) > 0 {
		b.WriteString(chat.Content(chat.Request{Seed: seed, Prompt: genPrompt, Videos: videos, History: req.history, Kind: chat.VideoChat}))
	}
	for k, img := range images {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		caption := s.imageCaption(img)
		if len(images) > 1 || len(videos) > 0 {
			fmt.Fprintf(&b, "**Image %d:** %s", k+1, caption)
		} else {
			fmt.Fprintf(&b, "Here is what this image shows: %s", caption)
		}
	}
	if b.Len() == 0 {
		// Nothing to look at: a plain reply that says so (the mock has no
		// language model).
		if prompt == "" {
			prompt = "(empty prompt)"
		}
		fmt.Fprintf(&b, "You asked: %q. No video, image or file was attached to this request, so there is no media to ground an answer in. Attach one as a content part (input_file, video_url or image_url) and ask again.", gistWords(prompt, 40))
	}
	text := b.String()
	if req.jsonMode {
		text = jsonAnswer(text, req.jsonProps, videos, images)
	}
	finish := "stop"
	text, _ = cutStop(text, req.stop)
	tokens := textTokens(text)
	if req.maxTokens > 0 && tokens > req.maxTokens {
		text, finish = cutWords(text, req.maxTokens*10/13), "length"
		tokens = textTokens(text)
	}
	return chatChoice{text: text, finish: finish, tokens: tokens}
}

// gistWords keeps the first n words of s.
func gistWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = append(f[:n], "…")
	}
	return strings.Join(f, " ")
}

// cutStop ends text before the first stop sequence (which is not
// included, as with OpenAI).
func cutStop(text string, stops []string) (string, bool) {
	cut := -1
	for _, st := range stops {
		if i := strings.Index(text, st); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut < 0 {
		return text, false
	}
	return text[:cut], true
}

// cutWords keeps the first n words of text, formatting included.
func cutWords(text string, n int) string {
	if n <= 0 {
		return ""
	}
	words, in := 0, false
	for i, r := range text {
		space := r == ' ' || r == '\n' || r == '\t' || r == '\r'
		if !space && !in {
			words++
			if words > n {
				return strings.TrimRight(text[:i], " \n\t\r")
			}
		}
		in = !space
	}
	return text
}

// structuredOutput reports whether JSON output was asked for (Gemini's
// extra_body.metadata.response_mime_type, Qwen's metadata.response_format,
// GPT's top-level response_format) and the schema's property types.
func structuredOutput(body map[string]any) (bool, map[string]string) {
	var meta map[string]any
	if eb, ok := body["extra_body"].(map[string]any); ok {
		meta, _ = eb["metadata"].(map[string]any)
	}
	props := func(schema any) map[string]string {
		sm, _ := schema.(map[string]any)
		pm, _ := sm["properties"].(map[string]any)
		out := map[string]string{}
		for k, v := range pm {
			t := ""
			if vm, ok := v.(map[string]any); ok {
				t, _ = vm["type"].(string)
			}
			out[k] = strings.ToLower(t)
		}
		return out
	}
	if mt, _ := meta["response_mime_type"].(string); mt == "application/json" {
		return true, props(meta["responseSchema"])
	}
	for _, rf := range []any{meta["response_format"], body["response_format"]} {
		m, ok := rf.(map[string]any)
		if !ok {
			continue
		}
		switch m["type"] {
		case "json_object":
			return true, nil
		case "json_schema":
			js, _ := m["json_schema"].(map[string]any)
			return true, props(js["schema"])
		}
	}
	return false, nil
}

// jsonAnswer renders the answer as a JSON object: the schema's properties
// filled by type (strings get the answer, arrays the media's keywords,
// numbers the duration), or {"answer": …} without a schema.
func jsonAnswer(text string, props map[string]string, videos []chat.Video, images []chatSource) string {
	plain := strings.NewReplacer("**", "", "*   ", "", "\n\n", " ", "\n", " ").Replace(text)
	if len(props) == 0 {
		b, _ := json.Marshal(map[string]any{"answer": plain})
		return string(b)
	}
	var keywords []string
	var duration float64
	for _, v := range videos {
		keywords = append(keywords, v.Name)
		duration += v.Duration
	}
	for _, im := range images {
		keywords = append(keywords, im.name)
	}
	out := make(map[string]any, len(props))
	for k, t := range props {
		switch t {
		case "array":
			out[k] = keywords
		case "number", "integer":
			out[k] = int(duration)
		case "boolean":
			out[k] = len(videos)+len(images) > 0
		case "object":
			out[k] = map[string]any{}
		default:
			out[k] = plain
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// chatID mints a completion id in the provider's documented format: Gemini
// resp_<uuid>, Qwen a bare uuid, Nova chatcmpl_<32 hex>, GPT chatcmpl-<29>.
func (s *Surface) chatID(provider string) string {
	h := s.ids.task()
	uuid := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	switch provider {
	case providerGemini:
		return "resp_" + uuid
	case providerQwen:
		return uuid
	case providerNova:
		return "chatcmpl_" + h
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	raw, _ := hex.DecodeString(h + s.ids.task()[:26])
	b := make([]byte, 29)
	for i := range b {
		b[i] = alphabet[int(raw[i%len(raw)])%len(alphabet)]
	}
	return "chatcmpl-" + string(b)
}

// chatAnswer is a finished completion, rendered per provider.
type chatAnswer struct {
	req     *chatRequest
	choices []chatChoice
	input   int
	output  int
	id      string
	created int64
}

// answerModel is the `model` field: Gemini and Nova echo the prefixed id
// (their examples do), Qwen the bare id, GPT the dated snapshot.
func (a chatAnswer) answerModel() string {
	switch a.req.model.provider {
	case providerQwen:
		return a.req.model.id
	case providerGPT:
		return a.req.model.snapshot()
	}
	return a.req.modelName
}

// fingerprint is GPT's system_fingerprint, fixed per model.
func (a chatAnswer) fingerprint() string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(a.req.model.id))
	return fmt.Sprintf("fp_%016x", h.Sum64())[:13]
}

// object is the non-stream answer in the provider's shape. The answer
// types are structs (fast to encode) whose members are in alphabetical
// order, the order the encoder gives a map's keys, so the bytes are those
// of the maps they replaced.
func (a chatAnswer) object() any {
	m := a.req.model
	switch m.provider {
	case providerGemini, providerQwen:
		choices := make([]textChoice, len(a.choices))
		for i, c := range a.choices {
			choices[i] = textChoice{Index: i, Text: c.text}
		}
		return textCompletion{Choices: choices, CreatedAt: a.created, ID: a.id,
			Meta:  completionMeta{Provider: m.provider, ProviderModel: m.id},
			Model: a.answerModel(), Object: "completion", Status: "completed",
			Usage: textUsage{InputTokens: a.input, OutputTokens: a.output, TotalTokens: a.input + a.output}}
	case providerNova:
		choices := make([]novaChoice, len(a.choices))
		for i, c := range a.choices {
			choices[i] = novaChoice{FinishReason: c.finish, Index: i, Message: novaMessage{Content: c.text, Role: "assistant"}}
		}
		// "output_token" (singular) is what the Nova example prints.
		return novaCompletion{Choices: choices, Created: a.created, ID: a.id, Model: a.answerModel(),
			Object: "chat.completion",
			Usage:  novaUsage{OutputToken: a.output, PromptTokens: a.input, TotalTokens: a.input + a.output}}
	}
	choices := make([]openAIChoice, len(a.choices))
	for i, c := range a.choices {
		choices[i] = openAIChoice{FinishReason: c.finish, Index: i,
			Message: openAIMessage{Annotations: []any{}, Content: c.text, Role: "assistant"}}
	}
	return openAICompletion{Choices: choices, Created: a.created, ID: a.id, Model: a.answerModel(),
		Object: "chat.completion", ServiceTier: "default", SystemFingerprint: a.fingerprint(), Usage: a.openAIUsage()}
}

// Gemini and Qwen answers: object "completion".
type textCompletion struct {
	Choices   []textChoice   `json:"choices"`
	CreatedAt int64          `json:"created_at"`
	ID        string         `json:"id"`
	Meta      completionMeta `json:"meta"`
	Model     string         `json:"model"`
	Object    string         `json:"object"`
	Status    string         `json:"status"`
	Usage     textUsage      `json:"usage"`
}

type textChoice struct {
	Index int    `json:"index"`
	Text  string `json:"text"`
}

type completionMeta struct {
	Provider      string `json:"provider"`
	ProviderModel string `json:"provider_model"`
}

type textUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// Nova answers: object "chat.completion" with Nova's usage names.
type novaCompletion struct {
	Choices []novaChoice `json:"choices"`
	Created int64        `json:"created"`
	ID      string       `json:"id"`
	Model   string       `json:"model"`
	Object  string       `json:"object"`
	Usage   novaUsage    `json:"usage"`
}

type novaChoice struct {
	FinishReason string      `json:"finish_reason"`
	Index        int         `json:"index"`
	Message      novaMessage `json:"message"`
}

type novaMessage struct {
	Content string `json:"content"`
	Role    string `json:"role"`
}

type novaUsage struct {
	OutputToken  int `json:"output_token"`
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// GPT answers: OpenAI's chat.completion.
type openAICompletion struct {
	Choices           []openAIChoice `json:"choices"`
	Created           int64          `json:"created"`
	ID                string         `json:"id"`
	Model             string         `json:"model"`
	Object            string         `json:"object"`
	ServiceTier       string         `json:"service_tier"`
	SystemFingerprint string         `json:"system_fingerprint"`
	Usage             openAIUsage    `json:"usage"`
}

type openAIChoice struct {
	FinishReason string        `json:"finish_reason"`
	Index        int           `json:"index"`
	Logprobs     *struct{}     `json:"logprobs"` // always null
	Message      openAIMessage `json:"message"`
}

type openAIMessage struct {
	Annotations []any     `json:"annotations"`
	Content     string    `json:"content"`
	Refusal     *struct{} `json:"refusal"` // always null
	Role        string    `json:"role"`
}

type openAIUsage struct {
	CompletionTokens        int                     `json:"completion_tokens"`
	CompletionTokensDetails openAICompletionDetails `json:"completion_tokens_details"`
	PromptTokens            int                     `json:"prompt_tokens"`
	PromptTokensDetails     openAIPromptDetails     `json:"prompt_tokens_details"`
	TotalTokens             int                     `json:"total_tokens"`
}

type openAICompletionDetails struct {
	AcceptedPredictionTokens int `json:"accepted_prediction_tokens"`
	AudioTokens              int `json:"audio_tokens"`
	ReasoningTokens          int `json:"reasoning_tokens"`
	RejectedPredictionTokens int `json:"rejected_prediction_tokens"`
}

type openAIPromptDetails struct {
	AudioTokens  int `json:"audio_tokens"`
	CachedTokens int `json:"cached_tokens"`
}

// openAIUsage is the usage object of GPT answers and of every stream's
// usage chunk.
func (a chatAnswer) openAIUsage() openAIUsage {
	return openAIUsage{CompletionTokens: a.output, PromptTokens: a.input, TotalTokens: a.input + a.output}
}
