package limits

import (
	"math"
	"time"
)

// CreditUSD is the dollar value of one credit. The vendor sells usage in
// dollars and hands out "100 free credits" without saying what a credit is
// worth; one cent per credit keeps every price on the pricing page an exact
// number of micro-credits (a search is 0.01 credit = 10,000 µcr, a chat token
// 30 µcr) and makes the 100 free credits worth $1, enough for about three
// hours of indexing, which matches the free tier's "index ≤ 2 h" cap.
const CreditUSD = 0.01

// MicrosPerCredit is the ledger's fixed-point scale.
const MicrosPerCredit = 1_000_000

// Pseudo-operations that are charged outside a request.
const (
	// OpIndex is the charge for indexing a video once it reaches PARSE:
	// index-to-search ($0.5/1000 min) plus index-to-chat ($5/1000 min).
	OpIndex = "index"
	// OpStorage is the pro-rata storage charge ($0.3 per 10 GB-month); the
	// pipeline asks for it with Quantity{Bytes, Period}.
	OpStorage = "storage"
)

// Units of a Charge.
const (
	UnitQuery        = "query"
	UnitToken        = "token"
	UnitMediaMinute  = "media_minute"
	UnitScrapeMinute = "scraped_minute"
	UnitMediaSecond  = "media_second"
	UnitGB           = "gb"
	UnitGBMonth      = "gb_month"
	UnitCredit       = "credit" // balance adjustments
)

// storageMonth is the month of "per GB-month": 30 days.
const storageMonth = 30 * 24 * time.Hour

// Quantity is what a request consumed, in whatever units apply.
type Quantity struct {
	// Queries counts queries for per-query operations; 0 counts as 1.
	Queries int
	// Tokens is the total (input+output) LLM tokens of chat and caption calls.
	Tokens int64
	// MediaSeconds is the media duration for indexing, scraping and
	// transcription updates.
	MediaSeconds float64
	// Bytes is the size for downloads and storage (1 GB = 10^9 bytes).
	Bytes int64
	// Period is how long Bytes were stored (storage only).
	Period time.Duration
}

// Charge is a priced amount of usage, ready for Ledger.Check / Charge.
type Charge struct {
	Operation string  `json:"operation"`
	Unit      string  `json:"unit"`
	Quantity  float64 `json:"quantity"` // in Unit
	Credits   float64 `json:"credits"`
	micros    int64   // exact amount when built by CostOf
}

// Micros is the charge in integer micro-credits (Credits rounded to the
// nearest µcr when the Charge was built by hand).
func (c Charge) Micros() int64 {
	if c.micros != 0 || c.Credits == 0 {
		return c.micros
	}
	return creditsToMicros(c.Credits)
}

// NewCharge builds a Charge for an arbitrary amount of credits (for usage
// this package does not price).
func NewCharge(operation, unit string, quantity, credits float64) Charge {
	m := creditsToMicros(credits)
	return Charge{Operation: operation, Unit: unit, Quantity: quantity, Credits: microsToCredits(m), micros: m}
}

func creditsToMicros(c float64) int64 {
	if math.IsNaN(c) {
		return 0
	}
	v := math.Round(c * MicrosPerCredit)
	if v >= math.MaxInt64/2 {
		return math.MaxInt64 / 2
	}
	if v <= math.MinInt64/2 {
		return math.MinInt64 / 2
	}
	return int64(v)
}

func microsToCredits(m int64) float64 { return float64(m) / MicrosPerCredit }

// tariff prices one unit: micros µcr per `per` units of the quantity.
type tariff struct {
	unit   string
	micros float64 // µcr per `per` units
	per    float64
	qty    func(Quantity) float64
}

func queries(q Quantity) float64 {
	if q.Queries <= 0 {
		return 1
	}
	return float64(q.Queries)
}
func tokens(q Quantity) float64       { return math.Max(0, float64(q.Tokens)) }
func mediaMinutes(q Quantity) float64 { return math.Max(0, q.MediaSeconds) / 60 }
func mediaSeconds(q Quantity) float64 { return math.Max(0, q.MediaSeconds) }
func gigabytes(q Quantity) float64    { return math.Max(0, float64(q.Bytes)) / 1e9 }
func gbMonths(q Quantity) float64 {
	return gigabytes(q) * math.Max(0, float64(q.Period)) / float64(storageMonth)
}

// usd converts a dollar price to micro-credits.
func usd(d float64) float64 { return math.Round(d / CreditUSD * MicrosPerCredit) }

// ceilMicros rounds v up to a whole micro-credit, treating values within
// float noise of an integer as that integer (5.5 $/1000 min for one minute
// must be exactly 550,000 µcr, not 550,001).
func ceilMicros(v float64) int64 {
	if !(v > 0) {
		return 0
	}
	if r := math.Round(v); math.Abs(v-r) <= 1e-9*math.Max(1, v) {
		v = r
	} else {
		v = math.Ceil(v)
	}
	if v >= math.MaxInt64/2 {
		return math.MaxInt64 / 2
	}
	return int64(v)
}

// The prices of seed 001's paid table (v1.2, Oct 2025).
var (
	// 1. Index to search $0.5 + 2. Index to chat $5 per 1,000 minutes.
	tIndex = tariff{UnitMediaMinute, usd(0.5 + 5), 1000, mediaMinutes}
	// 6.1 Video Marketer: $40 per 1,000 minutes scraped.
	tScrape = tariff{UnitScrapeMinute, usd(40), 1000, mediaMinutes}
	// 3. Search: $0.1 per 1,000 queries.
	tSearch = tariff{UnitQuery, usd(0.1), 1000, queries}
	// 2.1/2.2 Video/Audio Transcription: $0.1 per 1,000 queries. The summary
	// endpoint has no price of its own; it is documented under "Transcription
	// video" and is charged as one transcription query.
	tTranscript = tariff{UnitQuery, usd(0.1), 1000, queries}
	// 2.3 Update Video Transcription: ~$0.1 per 1,000 seconds of media.
	tUpdate = tariff{UnitMediaSecond, usd(0.1), 1000, mediaSeconds}
	// 6.3 Video Chat: $0.3 per 1M tokens.
	tChat = tariff{UnitToken, usd(0.3), 1e6, tokens}
	// 6.2 Video Marketer: $1.6 per 1M tokens.
	tMarketer = tariff{UnitToken, usd(1.6), 1e6, tokens}
	// Caption / ReID have no published price; they are VLM calls billed by
	// the token count their responses report, charged like Video Chat.
	tCaption = tariff{UnitToken, usd(0.3), 1e6, tokens}
	// 9. Video Download: $0.12 per GB.
	tDownload = tariff{UnitGB, usd(0.12), 1, gigabytes}
	// 4. Storage: $0.3 per 10 GB per month, pro rata.
	tStorage = tariff{UnitGBMonth, usd(0.3), 10, gbMonths}
)

// opTariffs lists every metered operation. Uploads are metered by the index
// charge (their duration is known once the container is parsed); the
// pipeline charges OpIndex (or the upload's own operationId) when the video
// reaches PARSE. Scraper operations are metered per scraped minute (charged
// per video as it is downloaded) and, like uploads, indexed on PARSE.
// Listing, metadata, deletion, folders, text memories and image uploads are
// free.
var opTariffs = map[string]*tariff{
	OpIndex:      &tIndex,
	OpStorage:    &tStorage,
	"upload":     &tIndex,
	"upload_url": &tIndex,

	"scraper_url":        &tScrape,
	"scraper_url_public": &tScrape,
	"scraper":            &tScrape,
	"scraper_public":     &tScrape,
	"scraper_tag":        &tScrape,
	"scraper_tag_public": &tScrape,

	"search":                          &tSearch,
	"search_public":                   &tSearch,
	"search_audio_transcripts":        &tSearch,
	"search_public_audio_transcripts": &tSearch,
	"search_similar_images":           &tSearch,
	"search_public_similar_images":    &tSearch,
	"search_clips_by_image":           &tSearch,

	"get_video_transcription":        &tTranscript,
	"get_public_video_transcription": &tTranscript,
	"get_video_caption":              &tTranscript,
	"get_audio_transcription":        &tTranscript,
	"get_public_audio_transcription": &tTranscript,
	"generate_summary":               &tTranscript,
	"update_video_transcription":     &tUpdate,

	"chat":                 &tChat,
	"chat_stream":          &tChat,
	"chat_personal":        &tChat,
	"chat_personal_stream": &tChat,

	"marketer_chat":        &tMarketer,
	"marketer_chat_stream": &tMarketer,

	"understand_upload":              &tCaption,
	"understand_uploadFile":          &tCaption,
	"understand_uploadSync":          &tCaption,
	"understand_uploadFileSync":      &tCaption,
	"understand_uploadImg":           &tCaption,
	"understand_uploadImgFile":       &tCaption,
	"understand_uploadImgFileBase64": &tCaption,

	"download": &tDownload,
}

// CostOf prices q for opID. ok is false for free operations (nothing to
// check or charge). Amounts are rounded up to a whole micro-credit, so any
// non-zero usage costs something. A zero quantity of tokens, seconds or
// bytes yields a zero-credit Charge that Ledger.Check still uses to refuse
// an empty account (the call is metered even if its size is not yet known).
func CostOf(opID string, q Quantity) (Charge, bool) {
	t, ok := opTariffs[opID]
	if !ok {
		if t, ok = v2Tariffs[opID]; !ok {
			return Charge{}, false
		}
	}
	n := t.qty(q)
	m := ceilMicros(n * t.micros / t.per)
	return Charge{Operation: opID, Unit: t.unit, Quantity: n, Credits: microsToCredits(m), micros: m}, true
}

// Metered reports whether opID is charged.
func Metered(opID string) bool {
	_, ok := opTariffs[opID]
	if !ok {
		_, ok = v2Tariffs[opID]
	}
	return ok
}

// Price is one row of the price list.
type Price struct {
	Operations        []string `json:"operations"`
	Unit              string   `json:"unit"`
	USDPer            float64  `json:"usd_per"` // dollars per Per units
	Per               float64  `json:"per"`     // e.g. 1000 queries
	CreditsPerUnit    float64  `json:"credits_per_unit"`
	MicroCreditsPer1K float64  `json:"micro_credits_per_1k_units"`
	Source            string   `json:"source"`
}

// Prices returns the price list the ledger charges, for reports and the
// control plane.
func Prices() []Price {
	type row struct {
		t   *tariff
		usd float64
		src string
	}
	rows := []row{
		{&tIndex, 5.5, "pricing: index to search $0.5 + index to chat $5 per 1,000 minutes"},
		{&tScrape, 40, "pricing 6.1: Video Marketer $40 per 1,000 minutes scraped"},
		{&tSearch, 0.1, "pricing 3: search $0.1 per 1,000 queries"},
		{&tTranscript, 0.1, "pricing 2.1/2.2: transcription $0.1 per 1,000 queries (summary: our choice, same price)"},
		{&tUpdate, 0.1, "pricing 2.3: update transcription ~$0.1 per 1,000 seconds"},
		{&tChat, 0.3, "pricing 6.3: Video Chat $0.3 per 1M tokens"},
		{&tMarketer, 1.6, "pricing 6.2: Video Marketer $1.6 per 1M tokens"},
		{&tCaption, 0.3, "no published price: our choice, same as Video Chat"},
		{&tDownload, 0.12, "pricing 9: download $0.12 per GB"},
		{&tStorage, 0.3, "pricing 4: storage $0.3 per 10 GB per month (30-day month, pro rata)"},
	}
	out := make([]Price, 0, len(rows))
	for _, r := range rows {
		var ops []string
		for _, op := range append([]string{OpIndex, OpStorage}, Operations()...) {
			if opTariffs[op] == r.t {
				ops = append(ops, op)
			}
		}
		out = append(out, Price{
			Operations:        ops,
			Unit:              r.t.unit,
			USDPer:            r.usd,
			Per:               r.t.per,
			CreditsPerUnit:    r.t.micros / r.t.per / MicrosPerCredit,
			MicroCreditsPer1K: r.t.micros / r.t.per * 1000,
			Source:            r.src,
		})
	}
	return out
}
