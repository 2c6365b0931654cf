// Package mockcheck runs the shared scenarios against the in-process mock
// (package mock). It is its own package so that a mock that does not build
// does not break the scenarios' own tests.
package mockcheck

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/memsync"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/scenarios"
)

// mockOptions: fast lifecycles, no limits or credits, and a webhook sink
// as every account's v2 webhook (async v2 operations need one). v2 tasks
// take 3 s so a screenplay is still cancellable when the cancel arrives.
func mockOptions(t *testing.T) mock.Options {
	sink := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(sink.Close)
	return mock.Options{Seed: 1, ProcessingTime: 50 * time.Millisecond, RateLimits: "off", CreditsOff: true,
		V2UploadTime: 100 * time.Millisecond, V2TaskTime: 3 * time.Second, DefaultWebhook: sink.URL}
}

func TestScenariosAgainstMock(t *testing.T) {
	for _, s := range scenarios.All() {
		t.Run(s.Name, func(t *testing.T) {
			m, err := mock.New(mockOptions(t))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			srv := httptest.NewServer(m.Handler())
			defer srv.Close()
			c := client.New(srv.URL, "sk-mockcheck", client.WithPace(false), client.WithPolling(20*time.Millisecond, 200*time.Millisecond))
			env := scenarios.NewEnv(c, "mockcheck", 7)
			env.V2 = &scenarios.V2Target{BaseURL: srv.URL + "/serve/api/v2", Key: "sk-mockcheck"}
			if s.HasTag("memsync") {
				ms, err := memsync.New(memsync.Options{Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				defer ms.Close()
				msrv := httptest.NewServer(ms.Handler())
				defer msrv.Close()
				env.MemSync = &scenarios.MemSyncTarget{BaseURL: msrv.URL, Key: "ms-mockcheck"}
			}
			env.WaitTimeout = 30 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if err := s.Run(ctx, env); err != nil {
				t.Errorf("%s against the mock: %v", s.Name, err)
			}
		})
	}
}

func TestOperationsAgainstMock(t *testing.T) {
	m, err := mock.New(mockOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	c := client.New(srv.URL, "sk-mockcheck", client.WithPace(false), client.WithPolling(20*time.Millisecond, 200*time.Millisecond))
	env := scenarios.NewEnv(c, "mockcheck-ops", 7)
	env.V2 = &scenarios.V2Target{BaseURL: srv.URL + "/serve/api/v2", Key: "sk-mockcheck"}
	for _, name := range scenarios.Operations() {
		t.Run(name, func(t *testing.T) {
			s, _ := scenarios.Operation(name)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			err := s.Run(ctx, env.Fork(3))
			if name == "delete_videos" {
				// A well-formed id that does not exist: a business error.
				var ae *client.APIError
				if !errors.As(err, &ae) || ae.Code == "" {
					t.Errorf("delete of a missing video: %v", err)
				}
				return
			}
			if name == "download" && client.HasCode(err, client.CodeBadParam) {
				// Without FetchURLs the mock has no bytes of a URL upload.
				t.Skipf("mock has no media for URL uploads: %v", err)
			}
			if err != nil {
				t.Errorf("%s against the mock: %v", name, err)
			}
		})
	}
}
