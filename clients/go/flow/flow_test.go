package flow

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/memsync"
	"github.com/memharness/memharness/mock"
)

// TestFlowsAgainstInProcessMock runs both generated-client flows against
// in-process mocks on loopback, with the documented v1.2 rate limits on so
// the flow's 0429 handling is exercised (chat allows one call a second).
func TestFlowsAgainstInProcessMock(t *testing.T) {
	m, err := mock.New(mock.Options{Seed: 1, RateLimits: "v1.2", ProcessingTime: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	api := httptest.NewServer(m.Handler())
	defer api.Close()
	ms, err := memsync.New(memsync.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	msAPI := httptest.NewServer(ms.Handler())
	defer msAPI.Close()

	cfg := Config{
		BaseURL: api.URL, Key: "sk-goflow", MemSyncURL: msAPI.URL, MemSyncKey: "ms-goflow",
		Poll: 50 * time.Millisecond, WaitTimeout: 30 * time.Second, Logf: t.Logf,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := Memories(ctx, cfg); err != nil {
		t.Error(err)
	}
	if err := MemSync(ctx, cfg); err != nil {
		t.Error(err)
	}
}

// TestFlowDetectsDrift shows the strict decoding fails the flow when the
// server answers a field the spec does not describe.
func TestFlowDetectsDrift(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"code":"0000","msg":"success","success":true,"failed":false,` +
			`"data":{"videoNo":"VI123456789012345678","videoName":"beach_sunset_walk","videoStatus":"UNPARSE","uploadTime":"1","extra":1}}`))
	}))
	defer srv.Close()
	err := Memories(context.Background(), Config{BaseURL: srv.URL, Key: "k"})
	if err == nil || !strings.Contains(err.Error(), `unknown field "extra"`) {
		t.Fatalf("want an unknown-field error from upload_url, got %v", err)
	}
}

// TestStreamChecks feeds readStream streams that break the contract.
func TestStreamChecks(t *testing.T) {
	const v, s = "VI123456789012345678", "606120397607260160"
	good := "data:{\"type\":\"ref\",\"sessionId\":\"" + s + "\",\"ref\":[{\"video\":{\"duration\":\"10\",\"video_no\":\"" + v + "\",\"video_name\":\"x\"},\"refItems\":[{\"videoNo\":\"" + v + "\",\"startTime\":1,\"type\":\"keyframe\"}]}]}\n\n" +
		"data:{\"type\":\"content\",\"role\":\"assistant\",\"content\":\"Hello\",\"sessionId\":\"" + s + "\"}\n\n"
	tests := []struct {
		name, stream, want string
	}{
		{name: "complete", stream: good + "data:{\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n"},
		{name: "no end", stream: good, want: "without the end event"},
		{name: "error end", stream: good + "data:{\"code\":\"SUCCESS\",\"data\":\"Error\"}\n\n", want: "error end"},
		{name: "space after colon is still data", stream: good + "data: {\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n"},
		{name: "unknown type", stream: "data:{\"type\":\"other\"}\n\n", want: "unknown event type"},
		{name: "unknown field", stream: "data:{\"type\":\"content\",\"content\":\"x\",\"sessionId\":\"" + s + "\",\"extra\":1}\n\n", want: "unknown field"},
		{name: "not data", stream: "event: x\n\n", want: "not an SSE data line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &memFlow{videoNo: v, session: s}
			err := f.readStream(strings.NewReader(tt.stream))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("want error containing %q, got %v", tt.want, err)
			}
		})
	}
}
