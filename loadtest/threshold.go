package loadtest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Threshold is a pass/fail criterion on a result, e.g. "p99<50ms",
// "search:p99<20ms", "errors<1%", "rate>=9/s", "0429<5%".
type Threshold struct {
	// Source is the text it was parsed from.
	Source string
	// Scope is an operation, scenario or timing name; "" is the whole run
	// (every scenario's iterations).
	Scope string
	// Metric: pNN (any percentile), max, min, mean, count, rate, errors,
	// or an outcome class (ok, 0429, 0402, business, transport, schema,
	// canceled) meaning its share of the count.
	Metric string
	// Op is one of < <= > >= ==.
	Op string
	// Value is in milliseconds for times, a fraction (0.01) for shares,
	// per second for rates, a plain number for counts.
	Value float64
}

var thresholdRE = regexp.MustCompile(`^(?:([A-Za-z0-9_.\-]+):)?(p[0-9]+(?:\.[0-9]+)?|max|min|mean|count|rate|errors|ok|0429|0402|business|transport|schema|canceled)\s*(<=|>=|==|<|>)\s*(.+)$`)

// ParseThreshold parses one threshold.
func ParseThreshold(s string) (Threshold, error) {
	src := strings.TrimSpace(s)
	m := thresholdRE.FindStringSubmatch(src)
	if m == nil {
		return Threshold{}, fmt.Errorf("threshold %q: want [scope:]metric<op>value, e.g. p99<50ms, search:p99<20ms, errors<1%%, rate>=9/s", s)
	}
	t := Threshold{Source: src, Scope: m[1], Metric: m[2], Op: m[3]}
	if t.Scope == "global" {
		t.Scope = ""
	}
	raw := strings.TrimSpace(m[4])
	var err error
	switch {
	case strings.HasPrefix(t.Metric, "p") || t.Metric == "max" || t.Metric == "min" || t.Metric == "mean":
		if strings.HasPrefix(t.Metric, "p") {
			q, perr := strconv.ParseFloat(t.Metric[1:], 64)
			if perr != nil || q <= 0 || q > 100 {
				return Threshold{}, fmt.Errorf("threshold %q: percentile %s out of (0,100]", s, t.Metric)
			}
		}
		var d time.Duration
		d, err = time.ParseDuration(raw)
		if err == nil && d < 0 {
			err = fmt.Errorf("negative duration")
		}
		t.Value = float64(d) / float64(time.Millisecond)
	case t.Metric == "rate":
		var r Rate
		r, err = ParseRate(raw)
		t.Value = r.PerSecond()
	case t.Metric == "count":
		t.Value, err = strconv.ParseFloat(raw, 64)
	default: // shares: "1%" or a fraction "0.01"
		if p, ok := strings.CutSuffix(raw, "%"); ok {
			t.Value, err = strconv.ParseFloat(strings.TrimSpace(p), 64)
			t.Value /= 100
		} else {
			t.Value, err = strconv.ParseFloat(raw, 64)
		}
		if err == nil && (t.Value < 0 || t.Value > 1) {
			err = fmt.Errorf("share %s outside 0..100%%", raw)
		}
	}
	if err != nil {
		return Threshold{}, fmt.Errorf("threshold %q: value %q: %v", s, raw, err)
	}
	return t, nil
}

// ParseThresholds parses a list.
func ParseThresholds(ss []string) ([]Threshold, error) {
	out := make([]Threshold, 0, len(ss))
	for _, s := range ss {
		t, err := ParseThreshold(s)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Verdict is a threshold's evaluation.
type Verdict struct {
	Threshold Threshold
	Actual    float64
	Pass      bool
	Message   string
}

// Evaluate checks the thresholds against a result.
func Evaluate(r Result, ths []Threshold) []Verdict {
	out := make([]Verdict, 0, len(ths))
	for _, t := range ths {
		out = append(out, evaluate(r, t))
	}
	return out
}

// Passed reports whether every verdict passed.
func Passed(vs []Verdict) bool {
	for _, v := range vs {
		if !v.Pass {
			return false
		}
	}
	return true
}

func evaluate(r Result, t Threshold) Verdict {
	v := Verdict{Threshold: t}
	var s *Series
	var timing *Stats
	scope := t.Scope
	switch {
	case scope == "":
		s = r.Global
		scope = "global"
	case r.Operations[scope] != nil:
		s = r.Operations[scope]
	case r.Scenarios[scope] != nil:
		s = r.Scenarios[scope]
	case r.Timings[scope] != nil:
		timing = r.Timings[scope]
	}
	if s == nil && timing == nil {
		v.Message = fmt.Sprintf("FAIL %s: no data for %q", t.Source, scope)
		return v
	}
	all := timing
	if s != nil {
		all = s.All
	}
	if all == nil || all.Count == 0 {
		v.Message = fmt.Sprintf("FAIL %s: no samples in %q", t.Source, scope)
		return v
	}
	unit := "ms"
	switch {
	case strings.HasPrefix(t.Metric, "p"):
		q, _ := strconv.ParseFloat(t.Metric[1:], 64)
		p, err := all.Percentile(q)
		if err != nil {
			v.Message = fmt.Sprintf("FAIL %s: %v", t.Source, err)
			return v
		}
		v.Actual = p
	case t.Metric == "max":
		v.Actual = all.Max
	case t.Metric == "min":
		v.Actual = all.Min
	case t.Metric == "mean":
		v.Actual = all.Mean
	case t.Metric == "rate":
		v.Actual, unit = all.Rate, "/s"
	case t.Metric == "count":
		v.Actual, unit = float64(all.Count), ""
	default:
		if s == nil {
			v.Message = fmt.Sprintf("FAIL %s: %q is a timing, it has no outcome classes", t.Source, scope)
			return v
		}
		unit = "%"
		if t.Metric == "errors" {
			v.Actual = s.ErrorRatio()
		} else {
			v.Actual = s.Ratio(Outcome(t.Metric))
		}
	}
	v.Pass = compare(v.Actual, t.Op, t.Value)
	word := "ok  "
	if !v.Pass {
		word = "FAIL"
	}
	v.Message = fmt.Sprintf("%s %s: %s %s", word, t.Source, scope+" "+t.Metric, formatValue(v.Actual, unit))
	return v
}

func formatValue(x float64, unit string) string {
	switch unit {
	case "%":
		return strconv.FormatFloat(x*100, 'f', 2, 64) + "%"
	case "ms":
		return strconv.FormatFloat(x, 'f', 3, 64) + "ms"
	case "/s":
		return strconv.FormatFloat(x, 'f', 2, 64) + "/s"
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

func compare(a float64, op string, b float64) bool {
	switch op {
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "==":
		return a == b
	}
	return false
}
