package mock

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/mock/store"
)

// errKilled stands for the process dying at the save: nothing after it in
// the transition runs.
var errKilled = errors.New("killed")

// gate is a loopback callback receiver that refuses every POST until open
// (as a receiver that is down while the first process runs), then records
// the ones it accepts.
type gate struct {
	srv  *httptest.Server
	open atomic.Bool
	got  chan map[string]any
}

func newGate(t *testing.T) *gate {
	g := &gate{got: make(chan map[string]any, 16)}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.open.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		g.got <- m
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// deliveriesTo is the logged deliveries to url whose payload has field set
// to want, with their payloads decoded.
func deliveriesTo(t *testing.T, s *Server, url, field, want string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range s.hooks.Snapshot() {
		if d.URL != url {
			continue
		}
		b, err := json.Marshal(d.Payload)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m[field] == want {
			out = append(out, m)
		}
	}
	return out
}

// TestLifecycleCallbackSurvivesKillAtSave: with --data-dir, a transition
// (an upload's UNPARSE -> PARSE, a scraper task's download) killed just
// before or just after its status is saved still calls back after the
// restart on the same directory, exactly once and with the payload the
// transition makes: the callback is journalled before the save, and the
// transition re-run after the restart finds it by its key.
func TestLifecycleCallbackSurvivesKillAtSave(t *testing.T) {
	tests := []struct {
		name  string
		task  bool // a scraper task's download, else an upload's processing
		saved bool // the kill comes after the status is saved, else before
	}{
		{name: "upload killed before the status is saved", task: false, saved: false},
		{name: "upload killed after the status is saved", task: false, saved: true},
		{name: "scraper task killed before it is saved", task: true, saved: false},
		{name: "scraper task killed after it is saved", task: true, saved: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			start := time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC)
			opts := Options{DataDir: dir, ProcessingTime: 5 * time.Second, ScrapeTime: 5 * time.Second}
			rcv := newGate(t)

			clk := clock.NewFake(start)
			opts.Clock = clk
			ts := newTestServer(t, opts)
			var kills atomic.Int32
			kill := func(save func() error) error {
				kills.Add(1)
				if tc.saved {
					if err := save(); err != nil {
						return err
					}
				}
				return errKilled
			}
			var id, field, want string
			if tc.task {
				m := ts.json(http.MethodPost, "/serve/api/v1/scraper_url", "sk-a", map[string]any{
					"video_urls": []string{"https://www.tiktok.com/@a/video/1"}, "callback": rcv.srv.URL})
				id, _ = data(m)["taskId"].(string)
				field, want = "status", "SUCCEEDED"
			} else {
				file := mediatest.MP4(mediatest.MP4Options{Duration: 12, Width: 640, Height: 360, Audio: true})
				up := ts.upload("sk-a", "", "beach_day.mp4", file, map[string][]string{"callback": {rcv.srv.URL}})
				id, _ = data(up)["videoNo"].(string)
				field, want = "status", "PARSE"
			}
			if id == "" {
				t.Fatal("no task or video was created")
			}
			l := ts.srv.life
			l.mu.Lock()
			l.putVideo = func(v *store.Video) error { return kill(func() error { return ts.srv.store.PutVideo(v) }) }
			l.putTask = func(tk *store.Task) error { return kill(func() error { return ts.srv.store.PutTask(tk) }) }
			l.mu.Unlock()
			clk.Advance(5 * time.Second)
			ts.srv.Tick()
			if kills.Load() == 0 {
				t.Fatal("the transition never reached its save")
			}
			if err := ts.srv.Close(); err != nil {
				t.Fatal(err)
			}

			// The restart comes well after every retry was due; the
			// receiver is up now.
			rcv.open.Store(true)
			opts.Clock = clock.NewFake(start.Add(time.Hour))
			ts2 := newTestServer(t, opts)
			ts2.srv.Tick()
			// A scraper task's videos are due by now too: their
			// INDEXING_SUCCEEDED callbacks may come first.
			var got map[string]any
			for got[field] != want {
				select {
				case got = <-rcv.got:
				case <-time.After(10 * time.Second):
					t.Fatal("no callback arrived after the restart")
				}
			}
			if tc.task {
				if got["taskId"] != id || got["status"] != "SUCCEEDED" || got["message"] != "Video has been downloaded, indexing has begun." {
					t.Fatalf("task callback %v", got)
				}
				var account string
				for _, d := range ts2.srv.hooks.Snapshot() {
					if d.URL == rcv.srv.URL {
						account = d.Account
					}
				}
				if tk, err := ts2.srv.store.GetTask(account, id); err != nil || !tk.Notified {
					t.Fatalf("after the restart the task is %+v (%v), want it downloaded", tk, err)
				}
			} else {
				if got["videoNo"] != id || got["status"] != "PARSE" || len(got) != 2 {
					t.Fatalf("video callback %v, want {videoNo: %s, status: PARSE}", got, id)
				}
				if st := ts2.listVideo("sk-a", "default", id)["status"]; st != "PARSE" {
					t.Fatalf("after the restart the video is %v, want PARSE", st)
				}
			}
			// The re-run transition (Tick above) enqueues synchronously:
			// a second delivery would be in the log by now.
			if ds := deliveriesTo(t, ts2.srv, rcv.srv.URL, field, want); len(ds) != 1 {
				t.Fatalf("%d deliveries of the callback after the restart, want 1: %v", len(ds), ds)
			}
		})
	}
}

// TestLifecycleCallbackKeyedPerTransition: a video taken back to UNPARSE
// and finished again calls back again; the key that makes a re-run after
// a kill a no-op does not swallow a later transition of the same video.
func TestLifecycleCallbackKeyedPerTransition(t *testing.T) {
	ts := newTestServer(t, Options{DataDir: t.TempDir(), ProcessingTime: 5 * time.Second})
	rcv := newGate(t)
	rcv.open.Store(true)
	file := mediatest.MP4(mediatest.MP4Options{Duration: 12, Width: 640, Height: 360, Audio: true})
	up := ts.upload("sk-a", "", "beach_day.mp4", file, map[string][]string{"callback": {rcv.srv.URL}})
	no, _ := data(up)["videoNo"].(string)
	for round := range 2 {
		if round > 0 {
			if m := ts.json(http.MethodPut, "/_mock/videos/"+no+"/status", "", map[string]any{"status": "UNPARSE"}); m["status"] != "UNPARSE" {
				t.Fatalf("force UNPARSE: %v", m)
			}
		}
		ts.clk.Advance(5 * time.Second)
		ts.srv.Tick()
		select {
		case got := <-rcv.got:
			if got["videoNo"] != no || got["status"] != "PARSE" {
				t.Fatalf("round %d: callback %v", round, got)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: no callback", round)
		}
	}
	if ds := deliveriesTo(t, ts.srv, rcv.srv.URL, "status", "PARSE"); len(ds) != 2 {
		t.Fatalf("%d deliveries for two transitions, want 2", len(ds))
	}
}
