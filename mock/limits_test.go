package mock

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

func search(ts *testServer, key string, header map[string]string) map[string]any {
	req := `{"search_param":"beach","search_type":"BY_VIDEO"}`
	r := httptestRequest(http.MethodPost, "/serve/api/v1/search", key, "application/json", req)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return ts.serve(r)
}

// TestSearchRateLimitPerKey is issue 7's first check: searches fired faster
// than 10 per second on one key start answering 0429 while another key
// keeps getting 0000, and a throttled call changes nothing.
func TestSearchRateLimitPerKey(t *testing.T) {
	ts := newTestServer(t, Options{RateLimits: "v1.2"})
	ok, limited := 0, 0
	for i := 0; i < 30; i++ {
		switch code(search(ts, "sk-busy", nil)) {
		case "0000":
			ok++
		case "0429":
			limited++
		default:
			t.Fatal("unexpected code")
		}
	}
	if ok == 0 || limited == 0 {
		t.Fatalf("ok=%d limited=%d: want both (10 QPS, burst 1, frozen clock)", ok, limited)
	}
	if got := code(search(ts, "sk-other", nil)); got != "0000" {
		t.Fatalf("a fresh key answered %s", got)
	}
	ts.clk.Advance(time.Second)
	if got := code(search(ts, "sk-busy", nil)); got != "0000" {
		t.Fatalf("after a second the busy key answered %s", got)
	}
	spent := ts.srv.meter.ledger.Entries("sk-busy")
	if len(spent) != ok+1 {
		t.Fatalf("%d ledger entries for %d successful searches: throttled calls must cost nothing", len(spent), ok+1)
	}
}

func TestEmptyBalanceAnswers0402ForMeteredCallsOnly(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.srv.meter.ledger.SetBalance("sk-poor", 0)
	if got := code(search(ts, "sk-poor", nil)); got != "0402" {
		t.Fatalf("metered search with no balance: %s", got)
	}
	if got := code(ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-poor", map[string]any{})); got != "0000" {
		t.Fatalf("free list_videos with no balance: %s", got)
	}
	before := len(ts.srv.meter.ledger.Entries("sk-poor"))
	if got := code(ts.json(http.MethodPost, "/serve/api/v1/upload_url", "sk-poor", map[string]any{"url": "https://example.com/a.mp4"})); got != "0402" {
		t.Fatalf("metered upload with no balance: %s", got)
	}
	vs := data(ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-poor", map[string]any{}))["videos"].([]any)
	if len(vs) != 0 || len(ts.srv.meter.ledger.Entries("sk-poor")) != before {
		t.Fatal("a refused call created or charged something")
	}
}

func TestForceHeaderYieldsExactlyOneFailure(t *testing.T) {
	ts := newTestServer(t, Options{})
	codes := []string{
		code(search(ts, "sk-f", map[string]string{"X-Mock-Force": "0429"})),
		code(search(ts, "sk-f", nil)),
		code(search(ts, "sk-f", map[string]string{"X-Mock-Force": "0402"})),
		code(search(ts, "sk-f", nil)),
	}
	want := []string{"0429", "0000", "0402", "0000"}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("codes %v, want %v", codes, want)
		}
	}
	r := httptestRequest(http.MethodPost, "/serve/api/v1/search", "sk-f", "application/json", `{"search_param":"x","search_type":"BY_VIDEO"}`)
	r.Header.Set("X-Mock-Force", "http500")
	rec := ts.record(r)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("http500 fault answered HTTP %d", rec.Code)
	}
}

func TestFaultsAreDeterministic(t *testing.T) {
	run := func() []string {
		ts := newTestServer(t, Options{Seed: 7})
		body := `{"operations":{"search":{"error_rate":0.5,"error_kind":"network_abnormal"}}}`
		rec := ts.record(httptestRequest(http.MethodPut, "/_mock/faults", "", "application/json", body))
		if rec.Code != http.StatusOK {
			t.Fatalf("PUT /_mock/faults: %d %s", rec.Code, rec.Body.String())
		}
		var out []string
		for i := 0; i < 40; i++ {
			out = append(out, code(search(ts, "sk-d", nil)))
		}
		return out
	}
	a, b := run(), run()
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if !strings.Contains(strings.Join(a, ","), "0001") || !strings.Contains(strings.Join(a, ","), "0000") {
		t.Fatalf("error_rate 0.5 gave %v", a)
	}
}

func TestRateLimitFileAndHeaders(t *testing.T) {
	file := t.TempDir() + "/limits.yaml"
	if err := os.WriteFile(file, []byte("video-search: 1/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, Options{RateLimits: "v1.2", RateLimitFile: file, RateLimitHeaders: true})
	r := httptestRequest(http.MethodPost, "/serve/api/v1/search", "sk-h", "application/json", `{"search_param":"beach","search_type":"BY_VIDEO"}`)
	rec := ts.record(r)
	if code(decode(t, rec)) != "0000" || rec.Header().Get("RateLimit-Limit") == "" {
		t.Fatalf("first search: %s headers %v", rec.Body.String(), rec.Header())
	}
	r = httptestRequest(http.MethodPost, "/serve/api/v1/search", "sk-h", "application/json", `{"search_param":"beach","search_type":"BY_VIDEO"}`)
	rec = ts.record(r)
	if code(decode(t, rec)) != "0429" {
		t.Fatalf("second search within the minute: %s", rec.Body.String())
	}
	if ra := rec.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After %q on a throttled answer", ra)
	}
}

func TestProcessingSpeedScalesWithDuration(t *testing.T) {
	ts := newTestServer(t, Options{ProcessingSpeed: 30})
	no := data(ts.upload("sk-p", "", "long.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 60}), nil))["videoNo"].(string)
	ts.clk.Advance(1900 * time.Millisecond)
	if got := ts.listVideo("sk-p", "default", no)["status"]; got != "UNPARSE" {
		t.Fatalf("after 1.9 s: %v (60 s of media at 30x takes 2 s)", got)
	}
	ts.clk.Advance(200 * time.Millisecond)
	if got := ts.listVideo("sk-p", "default", no)["status"]; got != "PARSE" {
		t.Fatalf("after 2.1 s: %v", got)
	}
}
