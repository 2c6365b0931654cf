package v2

import (
	"sort"
	"strings"
)

// Chat model families (the provider prefix of the model id).
const (
	providerGemini = "gemini"
	providerNova   = "nova"
	providerQwen   = "qwen"
	providerGPT    = "gpt"
)

// chatTier is one price band of a model: prices in USD per 1M tokens that
// apply while the input is at most upTo tokens (0: no bound).
type chatTier struct {
	upTo    int
	in, out float64
}

// chatModel is one row of the vendor's per-provider price tables
// (V2_SURFACE §6.4).
type chatModel struct {
	provider string
	id       string // without the provider prefix
	tiers    []chatTier
}

// price returns the USD per 1M input and output tokens for a request of
// `input` tokens: the first tier whose bound holds, else the last one. The
// tiers are chosen by the prompt size, as Gemini (≤200K / >200K) and Qwen
// (≤32K / 32K–128K / 128K–256K) price them.
func (m chatModel) price(input int) (in, out float64) {
	for _, t := range m.tiers {
		if t.upTo == 0 || input <= t.upTo {
			return t.in, t.out
		}
	}
	t := m.tiers[len(m.tiers)-1]
	return t.in, t.out
}

func flat(in, out float64) []chatTier { return []chatTier{{in: in, out: out}} }

// Qwen's pages price per 1K tokens; the table keeps USD per 1M (×1000).
func qwenTiers(in1, in2, in3, out1, out2, out3 float64) []chatTier {
	return []chatTier{{upTo: 32_000, in: in1, out: out1}, {upTo: 128_000, in: in2, out: out2}, {in: in3, out: out3}}
}

// chatModels is the model catalogue: every id of the provider tables, each
// with its price. An id outside it answers the live API's catch-all 400.
var chatModels = buildChatModels()

func buildChatModels() map[string]chatModel {
	out := map[string]chatModel{}
	add := func(provider string, tiers []chatTier, ids ...string) {
		for _, id := range ids {
			out[provider+":"+id] = chatModel{provider: provider, id: id, tiers: tiers}
		}
	}
	// Gemini (VLM and ILM pages share one table).
	add(providerGemini, []chatTier{{upTo: 200_000, in: 2, out: 12}, {in: 4, out: 18}}, "gemini-3-pro-preview")
	add(providerGemini, []chatTier{{upTo: 200_000, in: 1.25, out: 10}, {in: 2.5, out: 15}}, "gemini-2.5-pro")
	add(providerGemini, flat(0.5, 3), "gemini-3-flash-preview")
	add(providerGemini, flat(0.30, 2.5), "gemini-2.5-flash", "gemini-2.5-flash-preview-09-2025")
	add(providerGemini, flat(0.1, 0.4), "gemini-2.0-flash", "gemini-2.5-flash-lite", "gemini-2.5-flash-lite-preview-09-2025")
	add(providerGemini, flat(0.075, 0.3), "gemini-2.0-flash-lite")
	// Nova: the price table names `us.amazon.…` while every curl example
	// sends `nova:amazon.nova-lite-v1:0` [CONFLICT]; both spellings are
	// accepted at the same price.
	for _, n := range []struct {
		id      string
		in, out float64
	}{{"amazon.nova-premier-v1:0", 2.5, 12.5}, {"amazon.nova-pro-v1:0", 0.8, 3.2},
		{"amazon.nova-2-lite-v1:0", 0.33, 2.75}, {"amazon.nova-lite-v1:0", 0.06, 0.24}} {
		add(providerNova, flat(n.in, n.out), n.id, "us."+n.id)
	}
	// Qwen, per 1M tokens.
	add(providerQwen, qwenTiers(0.21, 0.31, 0.63, 1.68, 2.52, 5.03),
		"qwen3-vl-plus", "qwen3-vl-plus-2025-12-19", "qwen3-vl-plus-2025-09-23")
	add(providerQwen, qwenTiers(0.052, 0.079, 0.126, 0.42, 0.63, 1.01), "qwen3-vl-flash", "qwen3-vl-flash-2025-10-15")
	add(providerQwen, flat(0.84, 3.35), "qwen-vl-max", "qwen-vl-max-latest", "qwen-vl-max-2025-08-13", "qwen-vl-max-2025-04-08")
	add(providerQwen, flat(0.22, 0.66), "qwen-vl-plus", "qwen-vl-plus-latest", "qwen-vl-plus-2025-08-15",
		"qwen-vl-plus-2025-05-07", "qwen-vl-plus-2025-01-25")
	// GPT (ILM pages only; served on every chat path like the others).
	add(providerGPT, flat(1.75, 14), "gpt-5.2", "gpt-5.2-2025-12-11", "gpt-5.2-chat-latest")
	add(providerGPT, flat(1.25, 10), "gpt-5.1", "gpt-5.1-2025-11-13", "gpt-5.1-chat-latest",
		"gpt-5", "gpt-5-2025-08-07", "gpt-5-chat-latest")
	add(providerGPT, flat(0.25, 2), "gpt-5-mini", "gpt-5-mini-2025-08-07")
	add(providerGPT, flat(0.05, 0.4), "gpt-5-nano", "gpt-5-nano-2025-08-07")
	add(providerGPT, flat(15, 60), "o1", "o1-2024-12-17")
	add(providerGPT, flat(2, 8), "o3", "o3-2025-04-16", "gpt-4.1", "gpt-4.1-2025-04-14")
	add(providerGPT, flat(1.1, 4.4), "o4-mini", "o4-mini-2025-04-16")
	add(providerGPT, flat(0.4, 1.6), "gpt-4.1-mini", "gpt-4.1-mini-2025-04-14")
	add(providerGPT, flat(0.1, 0.4), "gpt-4.1-nano", "gpt-4.1-nano-2025-04-14")
	add(providerGPT, flat(2.5, 10), "gpt-4o", "gpt-4o-2024-08-06")
	add(providerGPT, flat(5, 15), "gpt-4o-2024-05-13")
	// chatgpt-4o-latest: the captured table stops after "$5/1M" input
	// [GAP]; the output price is OpenAI's own list price, $15/1M.
	add(providerGPT, flat(5, 15), "chatgpt-4o-latest")
	return out
}

// chatModelIDs lists the catalogue's ids (with prefix), sorted.
func chatModelIDs() []string {
	ids := make([]string, 0, len(chatModels))
	for id := range chatModels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// snapshot is the dated model an OpenAI alias answers as: the latest
// "<id>-YYYY-MM-DD" of the table ("gpt-4o" -> "gpt-4o-2024-08-06"), as
// OpenAI reports the snapshot that served the request (the GPT page's
// example asks for gpt:gpt-4o and answers model "gpt-4o-2024-08-06").
func (m chatModel) snapshot() string {
	best := ""
	for _, other := range chatModels {
		if other.provider != m.provider || !strings.HasPrefix(other.id, m.id+"-") {
			continue
		}
		date := strings.TrimPrefix(other.id, m.id+"-")
		if len(date) == 10 && date[4] == '-' && date[7] == '-' && date > best {
			best = date
		}
	}
	if best == "" {
		return m.id
	}
	return m.id + "-" + best
}
