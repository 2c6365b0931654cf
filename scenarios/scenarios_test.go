package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/scenarios/fakeapi"
)

type collect struct {
	mu sync.Mutex
	m  map[string][]time.Duration
}

func (c *collect) Record(name string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]time.Duration{}
	}
	c.m[name] = append(c.m[name], d)
}

func (c *collect) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m[name])
}

func fakeEnv(t *testing.T, h http.Handler) (*Env, *collect) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := client.New(srv.URL, "sk-test", client.WithPace(false), client.WithPolling(time.Millisecond, 5*time.Millisecond))
	env := NewEnv(c, "ns-test", 42)
	rec := &collect{}
	env.Recorder = rec
	env.WaitTimeout = 10 * time.Second
	return env, rec
}

func TestScenariosAgainstFake(t *testing.T) {
	for _, s := range All() {
		if s.HasTag("memsync") || s.HasTag("v2") {
			continue // the fake speaks Memories.ai v1 only; mockcheck runs MemSync, v2_test.go the v2 flows
		}
		t.Run(s.Name, func(t *testing.T) {
			env, rec := fakeEnv(t, fakeapi.New(fakeapi.Options{ParseAfter: 2}))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := s.Run(ctx, env); err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
			switch s.Name {
			case "upload-url-and-wait":
				if rec.count(MetricUploadToParse) != 1 {
					t.Errorf("upload-to-PARSE not recorded: %v", rec.m)
				}
			case "chat-about-video":
				if rec.count(MetricStreamTTFE) != 1 || rec.count(MetricStreamDuration) != 1 || rec.count(MetricUploadToParse) != 1 {
					t.Errorf("stream timings not recorded: %v", rec.m)
				}
			}
		})
	}
}

func TestGetAndOperations(t *testing.T) {
	if _, ok := Get("search-library"); !ok {
		t.Fatal("search-library missing")
	}
	if _, ok := Get("nope"); ok {
		t.Fatal("unknown scenario found")
	}
	for _, name := range Operations() {
		t.Run(name, func(t *testing.T) {
			s, ok := Operation(name)
			if !ok || s.Name != name {
				t.Fatalf("Operation(%q) = %+v, %v", name, s, ok)
			}
			if s.HasTag("v2") {
				return // run against the mock's v2 surface by TestV2OperationsRun
			}
			env, _ := fakeEnv(t, fakeapi.New(fakeapi.Options{}))
			err := s.Run(context.Background(), env)
			if name == "delete_videos" {
				if !client.HasCode(err, client.CodeDuplicate) {
					t.Errorf("delete of a missing video: %v", err)
				}
				return
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
}

func TestChecksFail(t *testing.T) {
	tests := []struct {
		name     string
		scenario func(context.Context, *Env) error
		answer   string // data or stream body
		stream   bool
	}{
		{name: "score above one", scenario: SearchLibrary, answer: `[{"videoNo":"VI606404158946574336","videoName":"n","startTime":"1","endTime":"2","score":1.5}]`},
		{name: "bad id", scenario: SearchLibrary, answer: `[{"videoNo":"X1","startTime":"1","endTime":"2","score":0.5}]`},
		{name: "unranked", scenario: SearchLibrary, answer: `[{"videoNo":"VI606404158946574336","startTime":"1","endTime":"2","score":0.2},{"videoNo":"VI606404158946574337","startTime":"1","endTime":"2","score":0.5}]`},
		{name: "end before start", scenario: SearchLibrary, answer: `[{"videoNo":"VI606404158946574336","startTime":"5","endTime":"2","score":0.5}]`},
		{name: "ref after content", scenario: ChatAboutVideo, stream: true, answer: "data:{\"type\":\"content\",\"content\":\"a\"}\n\ndata:{\"type\":\"ref\",\"ref\":[]}\n\ndata:{\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n"},
		{name: "no content", scenario: ChatAboutVideo, stream: true, answer: "data:{\"type\":\"thinking\",\"content\":\"a\"}\n\ndata:{\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n"},
		{name: "unknown type", scenario: ChatAboutVideo, stream: true, answer: "data: {\"token\":\"a\"}\n\ndata:{\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeapi.New(fakeapi.Options{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case strings.HasSuffix(r.URL.Path, "/search"):
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"code":"0000","msg":"success","data":`+tc.answer+`}`)
				case strings.HasSuffix(r.URL.Path, "/chat_stream"):
					w.Header().Set("Content-Type", "text/event-stream")
					_, _ = io.WriteString(w, tc.answer)
				default:
					fake.ServeHTTP(w, r)
				}
			})
			env, _ := fakeEnv(t, h)
			err := tc.scenario(context.Background(), env)
			if !errors.Is(err, ErrCheck) {
				t.Fatalf("err = %v, want ErrCheck", err)
			}
		})
	}
}

func TestUploadWaitsForCallback(t *testing.T) {
	recv := NewCallbackReceiver()
	// ParseAfter is huge: only the callback can finish the wait.
	fake := fakeapi.New(fakeapi.Options{ParseAfter: 1 << 30})
	env, rec := fakeEnv(t, fake)
	env.CallbackURL = "http://callbacks.invalid/cb"
	env.Callbacks = recv
	cbSrv := httptest.NewServer(recv)
	defer cbSrv.Close()
	done := make(chan error, 1)
	go func() { done <- UploadURLAndWait(context.Background(), env) }()
	// Deliver the callback once the upload is in (the first video number).
	for fake.Count("upload_url") == 0 {
		time.Sleep(time.Millisecond)
	}
	body, _ := json.Marshal(client.UploadCallback{VideoNo: "VI600000000000000001", Status: "PARSE"})
	res, err := http.Post(cbSrv.URL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("upload did not finish on the callback")
	}
	if rec.count(MetricUploadToParse) != 1 || recv.Received()["VI600000000000000001"] != "PARSE" {
		t.Errorf("recorded %v, received %v", rec.m, recv.Received())
	}
}

func TestNoClient(t *testing.T) {
	for _, s := range All() {
		if err := s.Run(context.Background(), &Env{}); err == nil {
			t.Errorf("%s ran without a client", s.Name)
		}
	}
}
