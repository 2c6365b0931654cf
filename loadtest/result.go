package loadtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// ResultVersion is the version of the JSON result format.
const ResultVersion = 1

// Result is the outcome of a run in a form that can be stored as JSON and
// merged with results of other machines: every latency distribution is kept
// as an encoded HDR histogram (compressed V2, base64, microseconds), and
// the derived figures are recomputed from them after a merge.
type Result struct {
	Version int `json:"version"`
	// Label, Target and Workload describe the run (informational).
	Label    string `json:"label,omitempty"`
	Target   string `json:"target,omitempty"`
	Workload string `json:"workload,omitempty"`
	// Start and End bound the run (wall clock).
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Iterations counts scheduled, completed, late and dropped iterations.
	Iterations Counts `json:"iterations"`
	// Global is all scenarios' iterations together (derived).
	Global *Series `json:"global"`
	// Scenarios holds iteration latency from the intended start, by
	// scenario (for --op runs, the operation).
	Scenarios map[string]*Series `json:"scenarios"`
	// Operations holds exchange latency by operation name.
	Operations map[string]*Series `json:"operations"`
	// Timings holds scenario step timings: stream_ttfe, stream_duration,
	// upload_to_parse.
	Timings map[string]*Stats `json:"timings"`
	// Timeline is per wall-clock second (by intended start).
	Timeline []Second `json:"timeline"`
}

// Counts counts iterations.
type Counts struct {
	Total     int64 `json:"total"`
	Completed int64 `json:"completed"`
	Late      int64 `json:"late"`
	Dropped   int64 `json:"dropped"`
}

// Series is one distribution split by outcome class, plus their union.
type Series struct {
	All      *Stats             `json:"all"`
	Outcomes map[Outcome]*Stats `json:"outcomes"`
}

// Stats are the figures of one histogram. Times are milliseconds; Rate is
// per second over the run.
type Stats struct {
	Count int64   `json:"count"`
	Rate  float64 `json:"rate"`
	Mean  float64 `json:"mean_ms"`
	Min   float64 `json:"min_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	Max   float64 `json:"max_ms"`
	// Hist is the encoded histogram the figures come from.
	Hist string `json:"hdr"`
}

// Second is one second of the timeline.
type Second struct {
	T        int64             `json:"t"`
	Count    int64             `json:"count"`
	Outcomes map[Outcome]int64 `json:"outcomes"`
	P50      float64           `json:"p50_ms"`
	P99      float64           `json:"p99_ms"`
	Hist     string            `json:"hdr"`
}

// Duration is the run's wall-clock length.
func (r *Result) Duration() time.Duration { return r.End.Sub(r.Start) }

func ms(us int64) float64 { return float64(us) / 1000 }

// fill derives the figures of s from its histogram.
func (s *Stats) fill(h *hdr.Histogram, secs float64) {
	s.Count = h.TotalCount()
	s.Rate = 0
	if secs > 0 {
		s.Rate = float64(s.Count) / secs
	}
	if s.Count == 0 {
		s.Mean, s.Min, s.P50, s.P90, s.P95, s.P99, s.P999, s.Max = 0, 0, 0, 0, 0, 0, 0, 0
		return
	}
	s.Mean = h.Mean() / 1000
	s.Min = ms(h.Min())
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 95, 99, 99.9})
	s.P50, s.P90, s.P95, s.P99, s.P999 = ms(v[0]), ms(v[1]), ms(v[2]), ms(v[3]), ms(v[4])
	s.Max = ms(h.Max())
	s.Hist = encode(h)
}

// Percentile returns the q-th percentile (0..100) in milliseconds.
func (s *Stats) Percentile(q float64) (float64, error) {
	h, err := decode(s.Hist)
	if err != nil {
		return 0, err
	}
	return ms(h.ValueAtPercentile(q)), nil
}

// Get returns the stats of an outcome class (a zero Stats when absent).
func (s *Series) Get(o Outcome) *Stats {
	if st := s.Outcomes[o]; st != nil {
		return st
	}
	return &Stats{}
}

// Ratio returns the share of the series' count in class o.
func (s *Series) Ratio(o Outcome) float64 {
	if s.All == nil || s.All.Count == 0 {
		return 0
	}
	return float64(s.Get(o).Count) / float64(s.All.Count)
}

// ErrorRatio returns the share of non-ok outcomes.
func (s *Series) ErrorRatio() float64 {
	if s.All == nil || s.All.Count == 0 {
		return 0
	}
	return 1 - s.Ratio(OutcomeOK)
}

// computeSeries refills every outcome and the union.
func computeSeries(s *Series, secs float64) error {
	all := newHist()
	for _, st := range s.Outcomes {
		h, err := decode(st.Hist)
		if err != nil {
			return err
		}
		st.fill(h, secs)
		all.Merge(h)
	}
	s.All = &Stats{}
	s.All.fill(all, secs)
	if s.All.Count == 0 {
		s.All.Hist = encode(all)
	}
	return nil
}

// compute derives every figure from the histograms.
func (r *Result) compute() error {
	secs := r.Duration().Seconds()
	global := &Series{Outcomes: map[Outcome]*Stats{}}
	gh := map[Outcome]*hdr.Histogram{}
	var errs []error
	for _, s := range r.Scenarios {
		if err := computeSeries(s, secs); err != nil {
			errs = append(errs, err)
			continue
		}
		for o, st := range s.Outcomes {
			h, _ := decode(st.Hist)
			if gh[o] == nil {
				gh[o] = newHist()
			}
			gh[o].Merge(h)
		}
	}
	for o, h := range gh {
		global.Outcomes[o] = &Stats{Hist: encode(h)}
	}
	if err := computeSeries(global, secs); err != nil {
		errs = append(errs, err)
	}
	r.Global = global
	for _, s := range r.Operations {
		if err := computeSeries(s, secs); err != nil {
			errs = append(errs, err)
		}
	}
	for _, st := range r.Timings {
		h, err := decode(st.Hist)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st.fill(h, secs)
	}
	for i := range r.Timeline {
		h, err := decode(r.Timeline[i].Hist)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if h.TotalCount() > 0 {
			r.Timeline[i].P50 = ms(h.ValueAtPercentile(50))
			r.Timeline[i].P99 = ms(h.ValueAtPercentile(99))
		}
	}
	return errors.Join(errs...)
}

// Merge combines results of runs over the same period on several machines
// (or of consecutive runs): histograms merge exactly, counts add up, the
// period spans all runs, and the figures are recomputed. Merging two results
// gives what one run over both data sets would have given.
func Merge(results ...Result) (Result, error) {
	out := Result{Version: ResultVersion, Scenarios: map[string]*Series{}, Operations: map[string]*Series{}, Timings: map[string]*Stats{}}
	type acc struct {
		m map[Outcome]*hdr.Histogram
	}
	scen, ops := map[string]*acc{}, map[string]*acc{}
	tim := map[string]*hdr.Histogram{}
	tl := map[int64]*struct {
		count    int64
		outcomes map[Outcome]int64
		h        *hdr.Histogram
	}{}
	addSeries := func(dst map[string]*acc, name string, s *Series) error {
		a := dst[name]
		if a == nil {
			a = &acc{m: map[Outcome]*hdr.Histogram{}}
			dst[name] = a
		}
		for o, st := range s.Outcomes {
			h, err := decode(st.Hist)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", name, o, err)
			}
			if a.m[o] == nil {
				a.m[o] = newHist()
			}
			a.m[o].Merge(h)
		}
		return nil
	}
	for i, r := range results {
		if r.Version != ResultVersion {
			return Result{}, fmt.Errorf("result %d: version %d, want %d", i, r.Version, ResultVersion)
		}
		if out.Start.IsZero() || (!r.Start.IsZero() && r.Start.Before(out.Start)) {
			out.Start = r.Start
		}
		if r.End.After(out.End) {
			out.End = r.End
		}
		out.Label = joinLabel(out.Label, r.Label)
		out.Target = joinLabel(out.Target, r.Target)
		out.Workload = joinLabel(out.Workload, r.Workload)
		out.Iterations.Total += r.Iterations.Total
		out.Iterations.Completed += r.Iterations.Completed
		out.Iterations.Late += r.Iterations.Late
		out.Iterations.Dropped += r.Iterations.Dropped
		for name, s := range r.Scenarios {
			if err := addSeries(scen, name, s); err != nil {
				return Result{}, fmt.Errorf("result %d scenario %w", i, err)
			}
		}
		for name, s := range r.Operations {
			if err := addSeries(ops, name, s); err != nil {
				return Result{}, fmt.Errorf("result %d operation %w", i, err)
			}
		}
		for name, st := range r.Timings {
			h, err := decode(st.Hist)
			if err != nil {
				return Result{}, fmt.Errorf("result %d timing %s: %w", i, name, err)
			}
			if tim[name] == nil {
				tim[name] = newHist()
			}
			tim[name].Merge(h)
		}
		for _, sec := range r.Timeline {
			h, err := decode(sec.Hist)
			if err != nil {
				return Result{}, fmt.Errorf("result %d second %d: %w", i, sec.T, err)
			}
			b := tl[sec.T]
			if b == nil {
				b = &struct {
					count    int64
					outcomes map[Outcome]int64
					h        *hdr.Histogram
				}{outcomes: map[Outcome]int64{}, h: newTHist()}
				tl[sec.T] = b
			}
			b.count += sec.Count
			for k, v := range sec.Outcomes {
				b.outcomes[k] += v
			}
			b.h.Merge(h)
		}
	}
	export := func(src map[string]*acc, dst map[string]*Series) {
		for name, a := range src {
			s := &Series{Outcomes: map[Outcome]*Stats{}}
			for o, h := range a.m {
				s.Outcomes[o] = &Stats{Hist: encode(h)}
			}
			dst[name] = s
		}
	}
	export(scen, out.Scenarios)
	export(ops, out.Operations)
	for name, h := range tim {
		out.Timings[name] = &Stats{Hist: encode(h)}
	}
	secs := make([]int64, 0, len(tl))
	for t := range tl {
		secs = append(secs, t)
	}
	sort.Slice(secs, func(i, j int) bool { return secs[i] < secs[j] })
	for _, t := range secs {
		b := tl[t]
		out.Timeline = append(out.Timeline, Second{T: t, Count: b.count, Outcomes: b.outcomes, Hist: encode(b.h)})
	}
	if err := out.compute(); err != nil {
		return Result{}, err
	}
	return out, nil
}

func joinLabel(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "" || a == b:
		return a
	}
	return a + " + " + b
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadResult reads a result written by WriteJSON and recomputes its
// figures from the histograms (so a hand-edited figure cannot lie).
func ReadResult(r io.Reader) (Result, error) {
	var res Result
	if err := json.NewDecoder(r).Decode(&res); err != nil {
		return Result{}, fmt.Errorf("read result: %w", err)
	}
	if res.Version != ResultVersion {
		return Result{}, fmt.Errorf("read result: version %d, want %d", res.Version, ResultVersion)
	}
	if res.Scenarios == nil {
		res.Scenarios = map[string]*Series{}
	}
	if res.Operations == nil {
		res.Operations = map[string]*Series{}
	}
	if res.Timings == nil {
		res.Timings = map[string]*Stats{}
	}
	if err := res.compute(); err != nil {
		return Result{}, fmt.Errorf("read result: %w", err)
	}
	return res, nil
}

// ReadResultFile reads a result file.
func ReadResultFile(path string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	r, err := ReadResult(f)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}
