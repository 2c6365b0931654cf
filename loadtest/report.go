package loadtest

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
)

// echartsJS is Apache ECharts 5.6.0 (dist/echarts.min.js from the npm
// package, Apache-2.0, see assets/LICENSE-echarts and NOTICE-echarts),
// gzipped. It is inlined into every report so the .html file works offline
// and on its own.
//
//go:embed assets/echarts.min.js.gz
var echartsGz []byte

func echartsSource() (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(echartsGz))
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Row is one line of the percentile table.
type Row struct {
	Kind, Name string
	Stats      *Stats
	Outcomes   map[Outcome]int64
}

// Rows lists the table: the whole run, each scenario, each operation, each
// timing, sorted by name within a kind.
func (r *Result) Rows() []Row {
	var rows []Row
	series := func(kind string, m map[string]*Series) {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			s := m[n]
			oc := map[Outcome]int64{}
			for o, st := range s.Outcomes {
				oc[o] = st.Count
			}
			rows = append(rows, Row{Kind: kind, Name: n, Stats: s.All, Outcomes: oc})
		}
	}
	if r.Global != nil {
		series("run", map[string]*Series{"all iterations": r.Global})
	}
	series("scenario", r.Scenarios)
	series("operation", r.Operations)
	names := make([]string, 0, len(r.Timings))
	for n := range r.Timings {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		rows = append(rows, Row{Kind: "timing", Name: n, Stats: r.Timings[n]})
	}
	return rows
}

func f3(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// WriteTable prints the percentile table as aligned text: kind and name
// left-aligned, figures right-aligned, then the iteration counts.
func (r *Result) WriteTable(w io.Writer) error {
	cells := [][]string{{"kind", "name", "count", "rate/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "0429", "0402"}}
	for _, row := range r.Rows() {
		st := row.Stats
		if st == nil {
			st = &Stats{}
		}
		errs, lim, bal := "-", "-", "-"
		if row.Outcomes != nil {
			var e int64
			for o, n := range row.Outcomes {
				if o != OutcomeOK {
					e += n
				}
			}
			errs = strconv.FormatInt(e, 10)
			lim = strconv.FormatInt(row.Outcomes[OutcomeRateLimited], 10)
			bal = strconv.FormatInt(row.Outcomes[OutcomeInsufficient], 10)
		}
		cells = append(cells, []string{row.Kind, row.Name, strconv.FormatInt(st.Count, 10), f3(st.Rate),
			f3(st.P50), f3(st.P90), f3(st.P99), f3(st.P999), f3(st.Max), errs, lim, bal})
	}
	width := make([]int, len(cells[0]))
	for _, row := range cells {
		for i, c := range row {
			width[i] = max(width[i], len(c))
		}
	}
	var b strings.Builder
	for _, row := range cells {
		for i, c := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-len(c))
			if i < 2 {
				b.WriteString(c)
				if i < len(row)-1 {
					b.WriteString(pad)
				}
			} else {
				b.WriteString(pad + c)
			}
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "iterations: %d scheduled, %d completed, %d late, %d dropped\n",
		r.Iterations.Total, r.Iterations.Completed, r.Iterations.Late, r.Iterations.Dropped)
	_, err := io.WriteString(w, b.String())
	return err
}

type snippet struct {
	Element template.HTML
	Script  template.HTML
}

func snip(c render.Renderer) (s snippet, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("render chart: %v", p)
		}
	}()
	cs := c.RenderSnippet()
	// The snippets are go-echarts' own template output.
	return snippet{Element: template.HTML(cs.Element), Script: template.HTML(cs.Script)}, nil
}

func initOpts(id string) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: "340px"})
}

// outcomeColor gives every outcome class one colour in every chart: green
// for success, warm colours for the limits, red for transport failures.
func outcomeColor(o Outcome) string {
	switch o {
	case OutcomeOK:
		return "#3ba272"
	case OutcomeRateLimited:
		return "#fac858"
	case OutcomeInsufficient:
		return "#9a60b4"
	case OutcomeBusiness:
		return "#fc8452"
	case OutcomeTransport:
		return "#ee6666"
	case OutcomeSchema:
		return "#5470c6"
	}
	return "#9e9e9e"
}

// logScale: a latency axis spanning more than two decades is logarithmic,
// or one slow second (a first upload waiting for PARSE) flattens the rest
// into the floor.
func logScale(series ...[]float64) bool {
	lo, hi := math.Inf(1), 0.0
	for _, xs := range series {
		for _, x := range xs {
			if x > 0 {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	return hi > 0 && hi/lo > 100
}

// maxChartSeconds bounds the time axis of the charts (a day).
const maxChartSeconds = 24 * 60 * 60

// Charts of the report.
func (r *Result) charts() ([]snippet, error) {
	// Every second from the first to the last, so the time axis is
	// linear: a second without iterations (a slow rate, a stall) is a gap,
	// not skipped.
	// Merged results of runs far apart keep only their seconds.
	secs := r.Timeline
	if n := len(r.Timeline); n > 0 {
		first, last := r.Timeline[0].T, r.Timeline[0].T
		byT := make(map[int64]Second, n)
		for _, s := range r.Timeline {
			byT[s.T] = s
			first, last = min(first, s.T), max(last, s.T)
		}
		if last-first < maxChartSeconds {
			secs = make([]Second, 0, last-first+1)
			for t := first; t <= last; t++ {
				s, ok := byT[t]
				if !ok {
					s = Second{T: t}
				}
				secs = append(secs, s)
			}
		}
	}
	var xs []string
	var p50v, p99v []float64
	for _, s := range secs {
		xs = append(xs, strconv.FormatInt(s.T-secs[0].T, 10))
		p50v = append(p50v, s.P50)
		p99v = append(p99v, s.P99)
	}
	line := func(v []float64) []opts.LineData {
		out := make([]opts.LineData, len(v))
		for i, x := range v {
			// "-" is ECharts' missing value: a second without iterations
			// has no latency, not a zero one.
			out[i] = opts.LineData{Value: x}
			if x <= 0 {
				out[i].Value = "-"
			}
		}
		return out
	}
	yAxis := opts.YAxis{Name: "ms"}
	if logScale(p50v, p99v) {
		yAxis.Type, yAxis.Name = "log", "ms (log)"
	}
	lat := charts.NewLine()
	lat.SetGlobalOptions(initOpts("latency"),
		charts.WithColorsOpts(opts.Colors{"#5470c6", "#ee6666"}),
		charts.WithTitleOpts(opts.Title{Title: "Latency over time", Subtitle: "p50 and p99 per second, from the intended start"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Top: "bottom"}),
		charts.WithXAxisOpts(opts.XAxis{Name: "s"}),
		charts.WithYAxisOpts(yAxis))
	lat.SetXAxis(xs).AddSeries("p50", line(p50v)).AddSeries("p99", line(p99v))

	thr := charts.NewBar()
	thr.SetGlobalOptions(initOpts("throughput"),
		charts.WithTitleOpts(opts.Title{Title: "Throughput over time", Subtitle: "iterations per second by intended start, by outcome"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Top: "bottom"}),
		charts.WithXAxisOpts(opts.XAxis{Name: "s"}),
		charts.WithYAxisOpts(opts.YAxis{Name: "/s"}))
	thr.SetXAxis(xs)
	for _, o := range Outcomes() {
		var d []opts.BarData
		seen := false
		for _, s := range secs {
			n := s.Outcomes[o]
			seen = seen || n > 0
			d = append(d, opts.BarData{Value: n})
		}
		if seen {
			thr.AddSeries(string(o), d, charts.WithBarChartOpts(opts.BarChart{Stack: "n"}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: outcomeColor(o)}))
		}
	}

	pie := charts.NewPie()
	pie.SetGlobalOptions(initOpts("outcomes"),
		charts.WithTitleOpts(opts.Title{Title: "Outcomes", Subtitle: "all iterations"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Top: "bottom"}))
	var pd []opts.PieData
	if r.Global != nil {
		for _, o := range Outcomes() {
			if n := r.Global.Get(o).Count; n > 0 {
				pd = append(pd, opts.PieData{Name: string(o), Value: n, ItemStyle: &opts.ItemStyle{Color: outcomeColor(o)}})
			}
		}
	}
	pie.AddSeries("outcomes", pd, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{b}: {c} ({d}%)"}))

	ops := charts.NewBar()
	ops.SetGlobalOptions(initOpts("operations"),
		charts.WithTitleOpts(opts.Title{Title: "Operations", Subtitle: "exchanges by outcome class"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Top: "bottom"}))
	names := make([]string, 0, len(r.Operations))
	for n := range r.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	ops.SetXAxis(names)
	for _, o := range Outcomes() {
		var d []opts.BarData
		any := false
		for _, n := range names {
			c := r.Operations[n].Get(o).Count
			any = any || c > 0
			d = append(d, opts.BarData{Value: c})
		}
		if any {
			ops.AddSeries(string(o), d, charts.WithBarChartOpts(opts.BarChart{Stack: "o"}),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: outcomeColor(o)}))
		}
	}
	var out []snippet
	for _, c := range []render.Renderer{lat, thr, pie, ops} {
		s, err := snip(c)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

var reportTmpl = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Load test report{{if .R.Label}}: {{.R.Label}}{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:1em 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f4f4f4} td.l,th.l{text-align:left}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1.5em 2em;margin:1.5em 0}
.charts .container{min-width:0}
.pass{color:#080}.fail{color:#b00;font-weight:bold}
</style>
<script>{{.JS}}</script>
</head><body>
<h1>Load test report</h1>
<p>Target: <code>{{.R.Target}}</code>{{if .R.Workload}} &middot; workload: <code>{{.R.Workload}}</code>{{end}}<br>
{{.R.Start.UTC.Format "2006-01-02 15:04:05 MST"}} &ndash; {{.R.End.UTC.Format "15:04:05 MST"}} ({{.Dur}})<br>
Iterations: {{.R.Iterations.Total}} scheduled, {{.R.Iterations.Completed}} completed, {{.R.Iterations.Late}} late, {{.R.Iterations.Dropped}} dropped.
Latency is measured from each iteration's intended start.</p>
{{if .Verdicts}}<h2>Thresholds</h2><ul>{{range .Verdicts}}<li class="{{if .Pass}}pass{{else}}fail{{end}}">{{.Message}}</li>{{end}}</ul>{{end}}
<h2>Percentiles</h2>
<table><tr><th class="l">kind</th><th class="l">name</th><th>count</th><th>rate/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th>{{range .Outcomes}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td class="l">{{.Kind}}</td><td class="l">{{.Name}}</td><td>{{.Count}}</td><td>{{.Rate}}</td><td>{{.P50}}</td><td>{{.P90}}</td><td>{{.P99}}</td><td>{{.P999}}</td><td>{{.Max}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
<h2>Charts</h2>
<div class="charts">
{{range .Charts}}{{.Element}}
{{end}}</div>
{{/* The scripts run once every chart's box is laid out, so each chart
     takes its grid cell's width; they follow the page when it resizes. */}}
{{range .Charts}}{{.Script}}
{{end}}<script>
window.addEventListener("resize", function () {
  document.querySelectorAll(".charts .item").forEach(function (el) {
    var c = echarts.getInstanceByDom(el);
    if (c) { c.resize(); }
  });
});
</script>
<p style="font-size:11px;color:#777">Charts: Apache ECharts 5.6.0 (Apache-2.0), inlined.</p>
</body></html>
`))

type htmlRow struct {
	Kind, Name                     string
	Count                          int64
	Rate, P50, P90, P99, P999, Max string
	Cells                          []string
}

// WriteHTML writes a self-contained HTML report (ECharts inlined): latency
// and throughput over time, outcomes, operations, the percentile table and
// the threshold verdicts.
func (r *Result) WriteHTML(w io.Writer, verdicts []Verdict) error {
	js, err := echartsSource()
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	chs, err := r.charts()
	if err != nil {
		return err
	}
	var rows []htmlRow
	for _, row := range r.Rows() {
		st := row.Stats
		if st == nil {
			st = &Stats{}
		}
		hr := htmlRow{Kind: row.Kind, Name: row.Name, Count: st.Count, Rate: f3(st.Rate), P50: f3(st.P50), P90: f3(st.P90), P99: f3(st.P99), P999: f3(st.P999), Max: f3(st.Max)}
		for _, o := range Outcomes() {
			if row.Outcomes == nil {
				hr.Cells = append(hr.Cells, "")
			} else {
				hr.Cells = append(hr.Cells, strconv.FormatInt(row.Outcomes[o], 10))
			}
		}
		rows = append(rows, hr)
	}
	var outs []string
	for _, o := range Outcomes() {
		outs = append(outs, string(o))
	}
	return reportTmpl.Execute(w, map[string]any{
		// The bundled library itself, not user data.
		"JS":       template.JS(strings.ReplaceAll(js, "</script", `<\/script`)),
		"R":        r,
		"Dur":      r.Duration().Round(1e6).String(),
		"Verdicts": verdicts,
		"Rows":     rows,
		"Outcomes": outs,
		"Charts":   chs,
	})
}
