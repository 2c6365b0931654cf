package loadtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/scenarios"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// feed records n iterations of scenario name with latencies f(i) at one
// per 10 ms from t0+offset, plus one exchange each.
func feed(c *Collector, name string, offset time.Duration, n int, f func(i int) time.Duration, o func(i int) Outcome) {
	for i := 0; i < n; i++ {
		intended := t0.Add(offset + time.Duration(i)*10*time.Millisecond)
		out := o(i)
		c.ObserveIteration(IterationResult{Scenario: name, Intended: intended, Started: intended, Ended: intended.Add(f(i)), Latency: f(i), Outcome: out})
		var err error
		if out == OutcomeRateLimited {
			err = &client.APIError{Code: "0429"}
		}
		c.ObserveExchange(&client.Exchange{Op: name, Duration: f(i), Err: err})
		c.Record(scenarios.MetricStreamTTFE, f(i)/2)
	}
}

func always(o Outcome) func(int) Outcome { return func(int) Outcome { return o } }

func TestPercentilesOnKnownData(t *testing.T) {
	c := NewCollector(nil)
	c.Begin(t0)
	// 1 ms .. 10000 ms, uniform.
	feed(c, "s", 0, 10000, func(i int) time.Duration { return time.Duration(i+1) * time.Millisecond }, always(OutcomeOK))
	c.Finish(t0.Add(100 * time.Second))
	r := c.Result()
	st := r.Scenarios["s"].All
	tests := []struct {
		name      string
		got, want float64
	}{
		{"p50", st.P50, 5000},
		{"p90", st.P90, 9000},
		{"p95", st.P95, 9500},
		{"p99", st.P99, 9900},
		{"p99.9", st.P999, 9990},
		{"max", st.Max, 10000},
		{"min", st.Min, 1},
		{"mean", st.Mean, 5000.5},
	}
	for _, tc := range tests {
		// HDR with 3 significant digits: within 0.1%.
		if math.Abs(tc.got-tc.want) > tc.want*0.001+0.001 {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if st.Count != 10000 || st.Rate != 100 {
		t.Errorf("count %d rate %v", st.Count, st.Rate)
	}
	if p, err := st.Percentile(75); err != nil || math.Abs(p-7500) > 7.5 {
		t.Errorf("Percentile(75) = %v, %v", p, err)
	}
	if r.Timings[scenarios.MetricStreamTTFE].Count != 10000 || len(r.Timeline) != 100 || r.Timeline[0].Count != 100 {
		t.Errorf("timings %+v timeline %d", r.Timings, len(r.Timeline))
	}
}

func TestMergeEqualsOneRun(t *testing.T) {
	lat := func(i int) time.Duration { return time.Duration(i%97+1) * time.Millisecond }
	lat2 := func(i int) time.Duration { return time.Duration(i%13+50) * time.Millisecond }
	oc := func(i int) Outcome {
		if i%10 == 0 {
			return OutcomeRateLimited
		}
		return OutcomeOK
	}
	a, b, both := NewCollector(nil), NewCollector(nil), NewCollector(nil)
	for _, c := range []*Collector{a, b, both} {
		c.Begin(t0)
		c.Finish(t0.Add(30 * time.Second))
	}
	feed(a, "search", 0, 500, lat, oc)
	feed(both, "search", 0, 500, lat, oc)
	feed(b, "search", time.Second, 700, lat2, always(OutcomeOK))
	feed(b, "chat", 0, 50, lat2, always(OutcomeOK))
	feed(both, "search", time.Second, 700, lat2, always(OutcomeOK))
	feed(both, "chat", 0, 50, lat2, always(OutcomeOK))
	for _, c := range []*Collector{a, b, both, both} {
		c.ObserveIteration(IterationResult{Scenario: "search", Dropped: true})
	}
	ra, rb := a.Result(), b.Result()
	// Round-trip through JSON, as results from two machines would.
	ra, rb = jsonRoundTrip(t, ra), jsonRoundTrip(t, rb)
	merged, err := Merge(ra, rb)
	if err != nil {
		t.Fatal(err)
	}
	want := both.Result()
	mj, _ := json.Marshal(merged)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(mj, wj) {
		t.Errorf("merged differs from one run:\nmerged %s\nwant   %s", trunc(mj), trunc(wj))
	}
	if merged.Iterations.Dropped != 2 || merged.Scenarios["search"].All.Count != 1200 {
		t.Errorf("merged counts %+v", merged.Iterations)
	}
	if _, err := Merge(Result{Version: 99}); err == nil {
		t.Error("merged an unknown version")
	}
}

func trunc(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "..."
	}
	return string(b)
}

func jsonRoundTrip(t *testing.T, r Result) Result {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	out, err := ReadResult(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Outcome
	}{
		{"nil", nil, OutcomeOK},
		{"0429", &client.APIError{Code: "0429", HTTPStatus: 200}, OutcomeRateLimited},
		{"429 http", &client.APIError{Code: "429", HTTPStatus: 429}, OutcomeRateLimited},
		{"0402", fmt.Errorf("wrapped: %w", &client.APIError{Code: "0402"}), OutcomeInsufficient},
		{"0409", &client.APIError{Code: "0409"}, OutcomeBusiness},
		{"decode", &client.DecodeError{Op: "x", Err: errors.New("bad")}, OutcomeSchema},
		{"check", fmt.Errorf("%w: order", scenarios.ErrCheck), OutcomeSchema},
		{"503", &client.APIError{HTTPStatus: 503}, OutcomeTransport},
		{"404 no envelope", &client.APIError{HTTPStatus: 404}, OutcomeSchema},
		{"net", errors.New("dial tcp: connection refused"), OutcomeTransport},
		{"truncated", client.ErrStreamTruncated, OutcomeTransport},
		{"stream failed", &client.StreamError{Code: "SUCCESS", Msg: "Video is not parsed:"}, OutcomeBusiness},
	}
	for _, tc := range tests {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestValidateHookMarksSchema(t *testing.T) {
	c := NewCollector(nil)
	c.Validate = func(ex *client.Exchange) error {
		if ex.StatusCode != http.StatusOK {
			return errors.New("bad status")
		}
		return nil
	}
	c.ObserveExchange(&client.Exchange{Op: "search", StatusCode: 200})
	c.ObserveExchange(&client.Exchange{Op: "search", StatusCode: 201})
	r := c.Result()
	if r.Operations["search"].Get(OutcomeSchema).Count != 1 || r.Operations["search"].Get(OutcomeOK).Count != 1 {
		t.Errorf("search outcomes %+v", r.Operations["search"].Outcomes)
	}
}

func TestThresholdParsing(t *testing.T) {
	tests := []struct {
		in      string
		want    Threshold
		wantErr bool
	}{
		{in: "p99<50ms", want: Threshold{Metric: "p99", Op: "<", Value: 50}},
		{in: "p95<=1s", want: Threshold{Metric: "p95", Op: "<=", Value: 1000}},
		{in: "p99.9 < 2s", want: Threshold{Metric: "p99.9", Op: "<", Value: 2000}},
		{in: "errors<1%", want: Threshold{Metric: "errors", Op: "<", Value: 0.01}},
		{in: "rate>=9/s", want: Threshold{Metric: "rate", Op: ">=", Value: 9}},
		{in: "rate>=60/m", want: Threshold{Metric: "rate", Op: ">=", Value: 1}},
		{in: "0429<5%", want: Threshold{Metric: "0429", Op: "<", Value: 0.05}},
		{in: "search:p99<20ms", want: Threshold{Scope: "search", Metric: "p99", Op: "<", Value: 20}},
		{in: "global:max<3s", want: Threshold{Metric: "max", Op: "<", Value: 3000}},
		{in: "stream_ttfe:p50<500us", want: Threshold{Scope: "stream_ttfe", Metric: "p50", Op: "<", Value: 0.5}},
		{in: "chat-about-video:0402==0", want: Threshold{Scope: "chat-about-video", Metric: "0402", Op: "==", Value: 0}},
		{in: "count>100", want: Threshold{Metric: "count", Op: ">", Value: 100}},
		{in: "p99<fast", wantErr: true},
		{in: "p0<1s", wantErr: true},
		{in: "p101<1s", wantErr: true},
		{in: "errors<150%", wantErr: true},
		{in: "latency<1s", wantErr: true},
		{in: "p99 = 1s", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseThreshold(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseThreshold(%q) err = %v", tc.in, err)
			continue
		}
		if err != nil {
			continue
		}
		tc.want.Source = strings.TrimSpace(tc.in)
		if got != tc.want {
			t.Errorf("ParseThreshold(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestThresholdEvaluate(t *testing.T) {
	c := NewCollector(nil)
	c.Begin(t0)
	feed(c, "search", 0, 1000, func(i int) time.Duration { return time.Duration(i%100+1) * time.Millisecond }, func(i int) Outcome {
		if i%50 == 0 {
			return OutcomeRateLimited
		}
		return OutcomeOK
	})
	c.Finish(t0.Add(100 * time.Second))
	r := c.Result()
	tests := []struct {
		th   string
		pass bool
	}{
		{"p99<150ms", true},
		{"p99<50ms", false},
		{"search:p50<=51ms", true},
		{"errors<1%", false},
		{"errors<3%", true},
		{"0429<5%", true},
		{"0429==2%", true},
		{"rate>=9/s", true},
		{"rate>=11/s", false},
		{"stream_ttfe:p99<60ms", true},
		{"nosuch:p99<1s", false},
		{"stream_ttfe:errors<1%", false},
	}
	for _, tc := range tests {
		th, err := ParseThreshold(tc.th)
		if err != nil {
			t.Fatal(err)
		}
		v := Evaluate(r, []Threshold{th})[0]
		if v.Pass != tc.pass {
			t.Errorf("%s: pass = %v (%s)", tc.th, v.Pass, v.Message)
		}
		if v.Message == "" {
			t.Errorf("%s: no message", tc.th)
		}
	}
}

func TestReportIsSelfContained(t *testing.T) {
	c := NewCollector(nil)
	c.Begin(t0)
	feed(c, "search", 0, 300, func(i int) time.Duration { return time.Duration(i%30+1) * time.Millisecond }, always(OutcomeOK))
	c.Finish(t0.Add(3 * time.Second))
	r := c.Result()
	r.Target = "http://127.0.0.1:1"
	th, _ := ParseThreshold("p99<10ms")
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, Evaluate(r, []Threshold{th})); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"echarts.init(", "Latency over time", "Throughput over time", "Outcomes", "<td class=\"l\">search</td>", "FAIL p99&lt;10ms", "Apache"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "<script src=") || strings.Contains(html, "go-echarts.github.io") {
		t.Error("report loads an external script")
	}
	var tbl bytes.Buffer
	if err := r.WriteTable(&tbl); err != nil || !strings.Contains(tbl.String(), "search") || !strings.Contains(tbl.String(), "p99.9 ms") {
		t.Errorf("table %q %v", tbl.String(), err)
	}
}
