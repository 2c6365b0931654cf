package v2

import (
	"net/http"
	"testing"

	"github.com/memharness/memharness/platform/callbackhosts"
)

// TestPerRequestCallbacksFollowCallbackHosts: under --callback-hosts
// loopback, a per-request webhook outside it (the MAI transcript's
// callback_url, AssemblyAI's webhook_url) answers the catch-all 400 naming
// the problem, and a loopback one is accepted.
func TestPerRequestCallbacksFollowCallbackHosts(t *testing.T) {
	ts := newTestSurface(t, testOpts{opts: Options{CallbackHosts: callbackhosts.Loopback()}})
	id := ts.ready("sk-a", "talk.wav", wavBytes(16000, 3))
	for _, tc := range []struct {
		name string
		path string
		body map[string]any
	}{
		{name: "mai callback_url", path: "/tiktok/video/mai/transcript",
			body: map[string]any{"video_url": "https://www.tiktok.com/@a/video/7345678901234567890", "callback_url": "https://hooks.example.com/x"}},
		{name: "assemblyai webhook_url", path: "/transcriptions/speech-to-text",
			body: map[string]any{"asset_id": id, "provider": "assemblyai", "webhook_url": "https://hooks.example.com/x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := ts.json(http.MethodPost, tc.path, "sk-a", tc.body)
			if a.Status != http.StatusBadRequest {
				t.Fatalf("outside the policy: %d %s", a.Status, a.Raw)
			}
			rcv := newReceiver(t, 0)
			tc.body["callback_url"], tc.body["webhook_url"] = rcv.srv.URL, rcv.srv.URL
			if tc.path != "/tiktok/video/mai/transcript" {
				delete(tc.body, "callback_url")
			} else {
				delete(tc.body, "webhook_url")
			}
			ts.clk.Advance(2e9) // the per-operation 1 QPS bucket refills
			if a := ts.json(http.MethodPost, tc.path, "sk-a", tc.body); a.Status != http.StatusOK {
				t.Fatalf("loopback: %d %s", a.Status, a.Raw)
			}
		})
	}
}
