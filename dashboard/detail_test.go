package dashboard

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/platform/webhook"
)

// fixedDrift is a drift source with the findings it was given.
type fixedDrift struct{ rep DriftReport }

func (f fixedDrift) DriftReport() DriftReport { return f.rep }

func newDetailDashboard(t *testing.T, j *journal.Journal, drift Drift) *Dashboard {
	t.Helper()
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	wh := webhook.New(webhook.Options{Clock: clk})
	t.Cleanup(wh.Close)
	src := Sources{Clock: clk, Journal: j, Webhooks: wh, Accounts: stubAccounts{limits.NewLimiter(nil, clk)}}
	if drift != nil {
		src.Drift = drift
	}
	d, err := New(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func get(d *Dashboard, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// TestRequestDetail: an opened journal row shows the request and the
// answer, JSON indented and everything escaped; the live rows carry
// neither body.
func TestRequestDetail(t *testing.T) {
	j := journal.New(10)
	add := func(e journal.Entry) uint64 {
		j.Add(e)
		return j.Last(1)[0].Seq
	}
	jsonSeq := add(journal.Entry{Method: "POST", Path: "/serve/api/v1/search", OperationID: "search", Status: 200, Code: "0000",
		Body:       []byte(`{"search_param":"<b>eagle</b>"}`),
		AnswerType: "application/json", Answer: journal.Answer(`{"code":"0000","data":{"title":"<script>alert(1)</script>"}}`)})
	sseSeq := add(journal.Entry{Method: "POST", Path: "/serve/api/v1/chat_stream", OperationID: "chat_stream", Status: 200,
		AnswerType: "text/event-stream", Answer: journal.Answer(`"data: {\"type\":\"text\"}\n\n"`)})
	binSeq := add(journal.Entry{Method: "POST", Path: "/serve/api/v1/download", OperationID: "download", Status: 200,
		AnswerType: "application/octet-stream", AnswerDigest: &journal.Digest{Size: 1 << 20, SHA256: strings.Repeat("ab", 32)}})
	d := newDetailDashboard(t, j, nil)

	for _, tc := range []struct {
		name    string
		seq     string
		code    int
		want    []string
		wantNot []string
	}{
		{name: "json answer", seq: itoa(jsonSeq), code: 200,
			want: []string{"&#34;search_param&#34;: &#34;&lt;b&gt;eagle&lt;/b&gt;&#34;", "&lt;script&gt;alert(1)&lt;/script&gt;", "\n  &#34;data&#34;: {\n",
				"HTTP 200 · application/json", `class="json" data-answer`},
			wantNot: []string{"<script>", "<b>"}},
		{name: "event stream as text", seq: itoa(sseSeq), code: 200,
			want: []string{`class="text" data-answer>data: {&#34;type&#34;:&#34;text&#34;}`, "text/event-stream"}},
		{name: "binary as digest", seq: itoa(binSeq), code: 200,
			want: []string{"1048576 bytes, not kept", strings.Repeat("ab", 32)}},
		{name: "gone", seq: "99", code: 404, want: []string{"left the journal"}},
		{name: "not a number", seq: "x", code: 400, want: []string{`"error"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(d, "/_mock/ui/request?seq="+tc.seq)
			body := rec.Body.String()
			if rec.Code != tc.code {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.code, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("missing %q in\n%s", w, body)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(body, w) {
					t.Errorf("unescaped %q in\n%s", w, body)
				}
			}
		})
	}

	panel := get(d, "/_mock/ui/panel?name=requests").Body.String()
	if strings.Count(panel, `<details id="req-`) != 3 || strings.Contains(panel, "alert(1)") || strings.Contains(panel, "eagle") {
		t.Errorf("the live rows carry bodies or miss entries:\n%s", panel)
	}
}

// TestDriftView: with a drift source the page has a Drift view listing
// each finding with its count, times, rule and redacted example; without
// one there is no such view.
func TestDriftView(t *testing.T) {
	seen := time.Date(2025, 10, 20, 11, 0, 3, 0, time.UTC)
	rep := DriftReport{Exchanges: 7, Operations: 2, Findings: []DriftFinding{{
		Surface: "memories", Operation: "search", Method: "POST", Path: "/serve/api/v1/search", Where: "response",
		Pointer: "/data/*/score", Rule: `type: want number, got string`, Count: 3, FirstSeen: seen, LastSeen: seen.Add(time.Second),
		Example: DriftExample{Pointer: "/data/0/score", Reason: "value must be a number",
			Request:  DriftMessage{Method: "POST", URL: "https://api.example/serve/api/v1/search", Headers: []Header{{"Authorization", "[REDACTED]"}}, Body: `{"search_param":"eagle"}`},
			Response: DriftMessage{Status: 200, Headers: []Header{{"Content-Type", "application/json"}}, Body: `{"data":[{"score":"<0.9>"}]}`}},
	}}}
	d := newDetailDashboard(t, journal.New(10), fixedDrift{rep})
	page := get(d, "/_mock/ui").Body.String()
	for _, w := range []string{`href="#drift"`, `id="panel-drift"`, `data-drift=`, `<code data-pointer>/data/*/score</code>`,
		`<td class="num" data-count>3</td>`, "2025-10-20 11:00:03.000", "2025-10-20 11:00:04.000", "type: want number, got string",
		"Authorization: [REDACTED]", "&#34;score&#34;: &#34;&lt;0.9&gt;&#34;", "7 exchanges checked"} {
		if !strings.Contains(page, w) {
			t.Errorf("drift view lacks %q", w)
		}
	}
	if strings.Contains(page, "<0.9>") {
		t.Error("the example is not escaped")
	}
	if empty := get(newDetailDashboard(t, journal.New(10), fixedDrift{}), "/_mock/ui/panel?name=drift").Body.String(); !strings.Contains(empty, "No drift") {
		t.Errorf("empty drift panel: %s", empty)
	}
	without := get(newDetailDashboard(t, journal.New(10), nil), "/_mock/ui").Body.String()
	if strings.Contains(without, `id="panel-drift"`) || strings.Contains(without, `href="#drift"`) {
		t.Error("a Drift view without a drift source")
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
