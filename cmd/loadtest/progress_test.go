package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/loadtest"
	"github.com/memharness/memharness/scenarios"
	"github.com/memharness/memharness/scenarios/fakeapi"
)

// syncBuffer is a bytes.Buffer safe for mpb's writer goroutine and the
// test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestProgressBarsFinish runs forced bars into a buffer (no terminal, so
// the fixed-width fallback) for a weighted mix whose random split differs
// from the per-scenario estimate, and checks that finish returns (it used
// to wait forever for a bar that never reached its estimate) and that the
// final frame shows every figure of every scenario.
func TestProgressBarsFinish(t *testing.T) {
	tests := []struct {
		name string
		opts loadtest.Options
		want []string
	}{
		{name: "open model", opts: loadtest.Options{Rate: loadtest.Rate{Freq: 400, Per: time.Second}, MaxRequests: 61},
			want: []string{"/s of ", "ETA 0s"}},
		{name: "closed model", opts: loadtest.Options{VUs: 3, MaxRequests: 61}, want: []string{"/s ", "ETA 0s"}},
		{name: "closed model bounded by time", opts: loadtest.Options{VUs: 2, Duration: 600 * time.Millisecond}, want: []string{"/s ", "ETA 0s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeapi.New(fakeapi.Options{Code: func(op string, n int64) string {
				if op == "search" && n%4 == 0 {
					return "0429"
				}
				return ""
			}})
			srv := httptest.NewServer(fake)
			defer srv.Close()
			col := loadtest.NewCollector(nil)
			c := client.New(srv.URL, "sk-test", client.WithPace(false), client.WithRetry429(0), client.WithResponseHook(col.Hook()))
			search, _ := scenarios.Operation("search")
			list, _ := scenarios.Operation("list_videos")
			o := tc.opts
			o.Collector, o.DiscardResults, o.Env = col, true, scenarios.NewEnv(c, "ns", 1)
			o.Scenarios = []loadtest.Weighted{{Scenario: search, Weight: 5}, {Scenario: list, Weight: 2}}
			eng, err := loadtest.New(o)
			if err != nil {
				t.Fatal(err)
			}
			var out syncBuffer
			pr := newProgress(progressBars, &out, eng, o, o.Scenarios)
			for range eng.Run(context.Background()) {
			}
			done := make(chan struct{})
			go func() {
				pr.finish()
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("finish did not return; output:\n%s", out.String())
			}
			res := col.Result()
			frames := strings.Split(out.String(), "\x1b[J")
			last := frames[len(frames)-1]
			for _, name := range []string{"search", "list_videos"} {
				n := res.Scenarios[name].All.Count
				line := regexp.MustCompile(`(?m)^` + name + ` +\d+.*$`).FindString(last)
				if line == "" {
					t.Fatalf("no final line for %s in:\n%s", name, last)
				}
				for _, w := range append([]string{"inflight 0", "err ", "0429 ", "0402 0", strings.Repeat("=", 5)}, tc.want...) {
					if !strings.Contains(line, w) {
						t.Errorf("%s line lacks %q: %q", name, w, line)
					}
				}
				want := " " + itoa(n) + "/" + itoa(n) + " " // done/total at the end
				if o.Duration > 0 && o.MaxRequests == 0 && o.VUs > 0 {
					want = " " + itoa(n) + " done " // the bar counts seconds
				}
				if !strings.Contains(line, want) {
					t.Errorf("%s line %q, want %q", name, line, want)
				}
			}
			if want := "0429 " + itoa(res.Scenarios["search"].Get(loadtest.OutcomeRateLimited).Count); !strings.Contains(last, want) {
				t.Errorf("final frame lacks %q:\n%s", want, last)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTableAligned(t *testing.T) {
	url := fakeTarget(t, fakeapi.Options{})
	code, out, errs := runMain(t, "run", "--target", url, "--op", "search=3", "--op", "list_videos", "--rate", "400/s", "--requests", "40", "--progress", "none")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "kind ") || strings.HasPrefix(l, "run ") || strings.HasPrefix(l, "scenario ") || strings.HasPrefix(l, "operation ") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 4 {
		t.Fatalf("table rows %q in:\n%s", lines, out)
	}
	// Left-aligned names, right-aligned figures: every row as long as
	// the header, and the count column ends at the same place.
	end := strings.Index(lines[0], "count") + len("count")
	for _, l := range lines {
		if len(l) != len(lines[0]) {
			t.Errorf("row %q is %d wide, header %d", l, len(l), len(lines[0]))
		}
		if l[end-1] == ' ' {
			t.Errorf("row %q: count not right-aligned at column %d", l, end)
		}
	}
	if !strings.Contains(out, "iterations: 40 scheduled, 40 completed") {
		t.Errorf("no iteration summary:\n%s", out)
	}
}
