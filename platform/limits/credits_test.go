package limits

import (
	"testing"
	"time"
)

func TestCostOf(t *testing.T) {
	tests := []struct {
		name       string
		op         string
		q          Quantity
		wantOK     bool
		wantUnit   string
		wantQty    float64
		wantMicros int64
	}{
		{name: "search one query", op: "search", wantOK: true, wantUnit: UnitQuery, wantQty: 1, wantMicros: 10_000},
		{name: "search 1000 queries = $0.1 = 10 credits", op: "search_public", q: Quantity{Queries: 1000}, wantOK: true, wantUnit: UnitQuery, wantQty: 1000, wantMicros: 10_000_000},
		{name: "video transcription", op: "get_video_transcription", wantOK: true, wantUnit: UnitQuery, wantQty: 1, wantMicros: 10_000},
		{name: "audio transcription", op: "get_audio_transcription", wantOK: true, wantUnit: UnitQuery, wantQty: 1, wantMicros: 10_000},
		{name: "summary like a transcription query", op: "generate_summary", wantOK: true, wantUnit: UnitQuery, wantQty: 1, wantMicros: 10_000},
		{name: "update transcription 1000 s = $0.1", op: "update_video_transcription", q: Quantity{MediaSeconds: 1000}, wantOK: true, wantUnit: UnitMediaSecond, wantQty: 1000, wantMicros: 10_000_000},
		{name: "index one minute = $0.0055", op: OpIndex, q: Quantity{MediaSeconds: 60}, wantOK: true, wantUnit: UnitMediaMinute, wantQty: 1, wantMicros: 550_000},
		{name: "index 1000 minutes = $5.5", op: "upload", q: Quantity{MediaSeconds: 60_000}, wantOK: true, wantUnit: UnitMediaMinute, wantQty: 1000, wantMicros: 550_000_000},
		{name: "index one second rounds up", op: "upload_url", q: Quantity{MediaSeconds: 1}, wantOK: true, wantUnit: UnitMediaMinute, wantQty: 1.0 / 60, wantMicros: 9_167},
		{name: "scrape 1000 minutes = $40", op: "scraper_url", q: Quantity{MediaSeconds: 60_000}, wantOK: true, wantUnit: UnitScrapeMinute, wantQty: 1000, wantMicros: 4_000_000_000},
		{name: "chat 1M tokens = $0.3", op: "chat_stream", q: Quantity{Tokens: 1_000_000}, wantOK: true, wantUnit: UnitToken, wantQty: 1e6, wantMicros: 30_000_000},
		{name: "chat one token", op: "chat", q: Quantity{Tokens: 1}, wantOK: true, wantUnit: UnitToken, wantQty: 1, wantMicros: 30},
		{name: "chat unknown size", op: "chat_personal", wantOK: true, wantUnit: UnitToken, wantQty: 0, wantMicros: 0},
		{name: "marketer 1M tokens = $1.6", op: "marketer_chat", q: Quantity{Tokens: 1_000_000}, wantOK: true, wantUnit: UnitToken, wantQty: 1e6, wantMicros: 160_000_000},
		{name: "caption tokens", op: "understand_uploadImg", q: Quantity{Tokens: 352}, wantOK: true, wantUnit: UnitToken, wantQty: 352, wantMicros: 10_560},
		{name: "download 1 GB = $0.12", op: "download", q: Quantity{Bytes: 1_000_000_000}, wantOK: true, wantUnit: UnitGB, wantQty: 1, wantMicros: 12_000_000},
		{name: "download one byte rounds up", op: "download", q: Quantity{Bytes: 1}, wantOK: true, wantUnit: UnitGB, wantQty: 1e-9, wantMicros: 1},
		{name: "storage 10 GB for a month = $0.3", op: OpStorage, q: Quantity{Bytes: 10_000_000_000, Period: 30 * 24 * time.Hour}, wantOK: true, wantUnit: UnitGBMonth, wantQty: 10, wantMicros: 30_000_000},
		{name: "storage pro rata", op: OpStorage, q: Quantity{Bytes: 1_000_000_000, Period: 24 * time.Hour}, wantOK: true, wantUnit: UnitGBMonth, wantQty: 1.0 / 30, wantMicros: 100_000},
		{name: "list is free", op: "list_videos"},
		{name: "delete is free", op: "delete_videos"},
		{name: "unknown is free", op: "nope"},
		{name: "negative quantities clamp", op: "download", q: Quantity{Bytes: -5}, wantOK: true, wantUnit: UnitGB, wantQty: 0, wantMicros: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := CostOf(tc.op, tc.q)
			if ok != tc.wantOK {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			if c.Operation != tc.op || c.Unit != tc.wantUnit || c.Micros() != tc.wantMicros {
				t.Fatalf("got %+v (micros %d), want unit %s micros %d", c, c.Micros(), tc.wantUnit, tc.wantMicros)
			}
			if d := c.Quantity - tc.wantQty; d > 1e-12 || d < -1e-12 {
				t.Errorf("quantity %v, want %v", c.Quantity, tc.wantQty)
			}
			if c.Credits != float64(tc.wantMicros)/1e6 {
				t.Errorf("credits %v", c.Credits)
			}
		})
	}
}

func TestEveryBriefOperationPricedOrFree(t *testing.T) {
	free := map[string]bool{
		"upload_img": true, "img_list_page": true, "list_videos": true, "list_sessions": true,
		"get_session_detail": true, "get_video_ids_by_task_id": true, "get_private_video_details": true,
		"get_metadata": true, "get_public_video_detail": true, "delete_videos": true,
		"memories_add": true, "memories": true, "memories_search": true, "folders": true,
		"folders_create": true, "folders_rename": true, "folders_delete": true, "folders_videos": true,
		"folders_move": true,
	}
	for _, op := range briefOps {
		if Metered(op) == free[op] {
			t.Errorf("%s: metered=%v, expected free=%v", op, Metered(op), free[op])
		}
	}
}

func TestPrices(t *testing.T) {
	ps := Prices()
	seen := map[string]bool{}
	for _, p := range ps {
		if len(p.Operations) == 0 {
			t.Errorf("price %+v has no operations", p)
		}
		for _, op := range p.Operations {
			if seen[op] {
				t.Errorf("%s priced twice", op)
			}
			seen[op] = true
		}
		// The row's dollar price converts to exactly its credits.
		if got, want := p.CreditsPerUnit*p.Per*CreditUSD, p.USDPer; got-want > 1e-9 || want-got > 1e-9 {
			t.Errorf("%v: %v credits/unit * %v * $%v = $%v, want $%v", p.Operations, p.CreditsPerUnit, p.Per, CreditUSD, got, want)
		}
	}
	for op := range opTariffs {
		if !seen[op] {
			t.Errorf("%s missing from Prices", op)
		}
	}
}

func TestNewChargeRounds(t *testing.T) {
	c := NewCharge("custom", UnitCredit, 1, 0.1234567)
	if c.Micros() != 123_457 || c.Credits != 0.123457 {
		t.Fatalf("%+v %d", c, c.Micros())
	}
	hand := Charge{Operation: "x", Credits: 2.5}
	if hand.Micros() != 2_500_000 {
		t.Fatalf("hand-built charge micros %d", hand.Micros())
	}
}
