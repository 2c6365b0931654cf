package scenarios

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/mock"
)

// v2Env is an Env on an in-process mock whose v2 surface finishes uploads
// quickly, with a webhook sink as every account's default webhook. Tasks
// take 3 s, so a screenplay is still cancellable right after its creation
// even under -race.
func v2Env(t *testing.T) *Env {
	t.Helper()
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(sink.Close)
	srv, err := mock.New(mock.Options{Seed: 1, RateLimits: "off", CreditsOff: true, V2UploadTime: 200 * time.Millisecond,
		V2TaskTime: 3 * time.Second, DefaultWebhook: sink.URL})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	e := NewEnv(client.New(hs.URL, "sk-v2-scenario"), "ns-v2", 1)
	e.V2 = &V2Target{BaseURL: hs.URL + "/serve/api/v2", Key: "sk-v2-scenario"}
	e.WaitTimeout = 20 * time.Second
	return e
}

// notServed reports whether err is the clear 404 of an operation the
// target does not serve, and that operation is indeed absent from
// memories-v2.yaml (so the flow can only fail this way while an area is
// still being written).
func notServed(t *testing.T, err error) bool {
	t.Helper()
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusNotFound {
		return false
	}
	if _, ok := v2Ops()[ae.Op]; ok {
		t.Fatalf("%s is in memories-v2.yaml but answered 404: %v", ae.Op, err)
	}
	if !strings.Contains(ae.Msg, "does not serve "+ae.Op) {
		t.Fatalf("the 404 error does not name the operation clearly: %v", err)
	}
	return true
}

func TestV2UploadTranscribeChat(t *testing.T) {
	e := v2Env(t)
	err := V2UploadTranscribeChat(context.Background(), e)
	switch {
	case err == nil:
	case notServed(t, err):
		t.Logf("the flow stops where the mock does not serve v2 yet: %v", err)
	default:
		t.Fatal(err)
	}
}

func TestV2OperationsCoverTheSpec(t *testing.T) {
	ops := V2Operations()
	if len(ops) < 9 {
		t.Fatalf("only %d v2 operations: %v", len(ops), ops)
	}
	for _, want := range []string{"v2_upload", "v2_asset_metadata", "v2_social_metadata"} {
		if _, ok := Operation(want); !ok {
			t.Errorf("Operation(%q) is unknown", want)
		}
	}
	if _, ok := Operation("v2_no_such_op"); ok {
		t.Error("an unknown v2 operation was accepted")
	}
}

// TestV2OperationsRun runs every v2 operation's minimal request once
// against the mock: each answers 200 (or is not served yet).
func TestV2OperationsRun(t *testing.T) {
	e := v2Env(t)
	for _, name := range V2Operations() {
		t.Run(name, func(t *testing.T) {
			sc, _ := Operation(name)
			if err := sc.Run(context.Background(), e); err != nil && !notServed(t, err) {
				t.Fatal(err)
			}
		})
	}
}
