package chat

import "github.com/memharness/memharness/mock/model"

// Kind selects which product answers a Request.
type Kind int

const (
	// VideoChat is /chat and /chat_stream: questions about the caller's own
	// (private) videos.
	VideoChat Kind = iota
	// Marketer is /marketer_chat(_stream): a marketing analysis of public
	// library posts (creator, hashtags, engagement counts from Video.Meta).
	Marketer
	// Personal is /chat_personal(_stream): questions about the caller's own
	// media ("When did I go to the beach?").
	Personal
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case VideoChat:
		return "video_chat"
	case Marketer:
		return "marketer"
	case Personal:
		return "personal"
	}
	return "unknown"
}

// Intent is what the prompt asks for; it picks the shape of the answer.
type Intent string

// The intents follow the sample questions of the vendor's Chat page.
const (
	Summary    Intent = "summary"    // "Generate summaries of these videos"
	Editing    Intent = "editing"    // "Give me editing suggestions ..."
	Highlights Intent = "highlights" // "Find the highlights ... give timestamps"
	Chapters   Intent = "chapters"   // "Divide these videos into chapters ..."
	Hashtags   Intent = "hashtags"   // "Generate hashtags and titles ..."
	TikTok     Intent = "tiktok"     // "Write titles, descriptions, and tags for TikTok"
	Audience   Intent = "audience"   // "What type of audience is this video suitable for?"
	Generic    Intent = "generic"    // anything else: answered from matching segments
)

// Video is one video the answer may draw on, with its transcripts.
type Video struct {
	VideoNo  string
	Name     string
	Duration float64 // seconds
	Visual   []model.Segment
	Audio    []model.Segment
	// Meta carries public-library fields as the get_public_video_detail
	// strings: blogger_id, hash_tag ("#nba#minnesota"), view_count,
	// like_count, share_count, comment_count, collect_count, music_name.
	Meta map[string]string
}

// Turn is one earlier message of the session.
type Turn struct {
	Role    string // "user" or "assistant"
	Content string
}

// Request is everything Generate needs.
type Request struct {
	Seed    int64
	Prompt  string
	Videos  []Video
	History []Turn
	Kind    Kind
}

// RefItem types, as the vendor's ref messages spell them.
const (
	RefKeyframe = "keyframe"
	RefVisualTS = "visual_ts"
	RefAudioTS  = "audio_ts"
)

// Ref is the evidence from one video: the video's identity and the transcript
// segments used. It serialises to the vendor's ref shape
// {"video":{"duration":"10","video_no":...,"video_name":...},"refItems":[...]}.
type Ref struct {
	Video Video
	Items []RefItem
}

// RefItem points at one transcript segment (visual_ts, audio_ts) or at the
// frame at a visual segment's start (keyframe, which has no End or Text).
type RefItem struct {
	VideoNo string
	Start   float64
	End     float64
	Type    string
	Text    string
}

// Thinking is one reasoning step shown before the answer. Refs is the
// evidence fetched in that step (sent as a ref event in streams and nested
// under the thinking in the non-stream /chat body).
type Thinking struct {
	Title   string `json:"title"`
	Content string `json:"content"`
	Refs    []Ref  `json:"refs,omitempty"`
}

// Answer is a generated reply.
type Answer struct {
	Intent    Intent     `json:"intent"`
	Thinkings []Thinking `json:"thinkings,omitempty"`
	// Refs is every reference of the answer, one per video; the session
	// detail lists it on the assistant message.
	Refs    []Ref  `json:"refs,omitempty"`
	Content string `json:"content"`
	// InputTokens and OutputTokens are metering estimates (words × 1.3,
	// rounded up): the input counts the prompt, the history and the
	// transcripts handed to the model; the output counts thinking and content.
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}
