package loadtest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLogScale(t *testing.T) {
	tests := []struct {
		name   string
		series [][]float64
		want   bool
	}{
		{name: "empty", series: nil, want: false},
		{name: "one decade", series: [][]float64{{1, 2, 9}, {3, 10}}, want: false},
		{name: "slow first second", series: [][]float64{{1.2, 1.1}, {1250, 3}}, want: true},
		{name: "zeros are missing, not small", series: [][]float64{{0, 5, 0}, {0, 50}}, want: false},
	}
	for _, tc := range tests {
		if got := logScale(tc.series...); got != tc.want {
			t.Errorf("%s: logScale = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestReportChartsLayout: the charts sit in one grid and are initialised
// after every chart box exists (a chart initialised before its
// neighbours took the whole row and overlapped them), each outcome class
// keeps its colour, and a second without iterations is a gap, not a zero.
func TestReportChartsLayout(t *testing.T) {
	c := NewCollector(nil)
	c.Begin(t0)
	feed(c, "search", 0, 100, func(i int) time.Duration { return time.Duration(i%30+1) * time.Millisecond },
		func(i int) Outcome {
			if i%4 == 0 {
				return OutcomeRateLimited
			}
			return OutcomeOK
		})
	feed(c, "search", 3*time.Second, 100, func(int) time.Duration { return 2 * time.Second }, always(OutcomeOK))
	c.Finish(t0.Add(5 * time.Second))
	r := c.Result()
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, nil); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	grid := strings.Index(html, `<div class="charts">`)
	lastBox := strings.LastIndex(html, `class="item"`)
	firstInit := strings.Index(html, "echarts.init(document")
	if grid < 0 || lastBox < grid || firstInit < lastBox {
		t.Errorf("grid at %d, last chart box at %d, first init at %d: want the boxes in the grid before any init", grid, lastBox, firstInit)
	}
	for _, want := range []string{outcomeColor(OutcomeOK), outcomeColor(OutcomeRateLimited), `"type":"log"`, `"value":"-"`} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
