package dashboard

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/platform/webhook"
)

// stubAccounts and stubLibrary give the benchmark a small account and
// library, as the in-process mock would.
type stubAccounts struct{ l *limits.Limiter }

func (a stubAccounts) Keys() []string { return []string{"sk-bench"} }
func (a stubAccounts) Account(key string) Account {
	return Account{Key: key, Balance: 99, Buckets: a.l.Peek(key)}
}
func (a stubAccounts) Faults() map[string]limits.FaultSpec { return nil }

type stubLibrary struct{ items []Item }

func (l stubLibrary) Surface() string            { return "v1" }
func (l stubLibrary) Namespaces(string) []string { return []string{"default"} }
func (l stubLibrary) Items(_, _ string, limit int) ([]Item, int) {
	return l.items[:min(limit, len(l.items))], len(l.items)
}
func (l stubLibrary) Item(string) (ItemDetail, bool) { return ItemDetail{}, false }
func (l stubLibrary) Media(string) (io.ReadCloser, MediaInfo, error) {
	return nil, MediaInfo{}, ErrNoMedia
}

// BenchmarkLiveRound measures one round of the live hub for three tabs of
// the dashboard while requests pour in (a full round of new journal rows
// each time): the work an open dashboard adds to the mock's process every
// Poll. The cpu-%-at-4Hz metric is that work as a share of one core at the
// default Poll of 250 ms.
func BenchmarkLiveRound(b *testing.B) {
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	prof, err := limits.Profile("v1.2")
	if err != nil {
		b.Fatal(err)
	}
	j := journal.New(1000)
	wh := webhook.New(webhook.Options{Clock: clk})
	b.Cleanup(wh.Close)
	lib := stubLibrary{}
	for i := range 20 {
		lib.items = append(lib.items, Item{ID: fmt.Sprintf("VI%018d", i), Kind: "video", Name: "clip", Status: "PARSE",
			Created: clk.Now(), Facts: []Fact{{"duration", "12.0 s"}, {"resolution", "640x360"}}})
	}
	d, err := New(Sources{Clock: clk, Journal: j, Webhooks: wh, Accounts: stubAccounts{limits.NewLimiter(prof, clk)},
		Libraries: []Library{lib}}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	subs := make([]*subscriber, 3)
	for i := range subs {
		subs[i] = &subscriber{kind: "index", ch: make(chan []byte, 1), last: map[string]string{}}
	}
	add := func() {
		for range liveRows {
			j.Add(journal.Entry{Time: clk.Now(), Surface: "v1", Method: "POST", Path: "/serve/api/v1/list_videos",
				OperationID: "list_videos", APIKey: "sk-bench", Status: 200, Code: "0000", DurationMS: 0.1,
				Body: []byte(`{"page":1,"size":20,"unique_id":"default"}`)})
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		add()
		for _, s := range subs {
			select {
			case <-s.ch:
			default:
			}
		}
		b.StartTimer()
		d.hub.round(subs)
	}
	b.StopTimer()
	perRound := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perRound*4/1e9*100, "cpu-%-at-4Hz")
}
