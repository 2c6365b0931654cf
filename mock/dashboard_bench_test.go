package mock

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// BenchmarkHotPathDashboard measures list_videos and search over loopback
// with no dashboard open and with three tabs streaming the live panels
// (GET /_mock/ui/events), side by side in one run:
//
//	go test ./mock -run '^$' -bench HotPathDashboard -count 6
//
// Each tab re-renders its panels every 250 ms while the requests stream
// into the journal it shows, which is the dashboard's worst case.
func BenchmarkHotPathDashboard(b *testing.B) {
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	s, err := New(Options{Clock: clk, RateLimits: "off", CreditsOff: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	seedLibrary(b, s, 20)
	if err := s.Advance(time.Minute); err != nil { // every video PARSE: search has a library
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	b.Cleanup(srv.Close)
	ops := []struct{ name, path, body string }{
		{"list_videos", "/serve/api/v1/list_videos", listBody},
		{"search", "/serve/api/v1/search", `{"search_param":"clip","search_type":"BY_VIDEO","top_k":10}`},
	}
	for _, op := range ops {
		for _, tabs := range []int{0, 3} {
			b.Run(op.name+"/tabs="+string(rune('0'+tabs)), func(b *testing.B) {
				stop := openTabs(b, srv.URL, tabs)
				defer stop()
				client := srv.Client()
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req, _ := http.NewRequest(http.MethodPost, srv.URL+op.path, strings.NewReader(op.body))
						req.Header.Set("Authorization", "sk-bench")
						req.Header.Set("Content-Type", "application/json")
						resp, err := client.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						_ = resp.Body.Close()
					}
				})
			})
		}
	}
}

// openTabs opens n live streams of the dashboard and drains them, as n
// browser tabs would; stop closes them.
func openTabs(b *testing.B, base string, n int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range n {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_mock/ui/events?page=index", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("open a tab: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}()
	}
	return func() { cancel(); wg.Wait() }
}
