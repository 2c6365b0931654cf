package v2

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/toolkit/stubs"
)

// TestStubAnswersBeforeTheHandler: the pipeline answers from the
// platform's stub registry after the parse: a raw body with its status
// and headers, after its delay on the mock's clock; a stub breaking the
// operation's response schema is refused unless unchecked.
func TestStubAnswersBeforeTheHandler(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	ts.p.Stubs.SetChecker(ts.s.CheckStub)
	body := json.RawMessage(`{"code":200,"msg":"success","data":{"asset_id":"re_000000000000000042"},"success":true,"failed":false}`)
	if _, err := ts.p.Stubs.Add(stubs.Stub{Operation: "v2_upload_signed_url", Answer: stubs.Answer{Body: body,
		Headers: map[string]string{"X-Stubbed": "yes"}, DelayMS: 1500}}); err == nil {
		t.Fatal("a raw body that breaks the v2_upload_signed_url schema was accepted")
	} else if !strings.Contains(err.Error(), "v2_upload_signed_url response schema") {
		t.Fatalf("refusal does not name the schema: %v", err)
	}
	if _, err := ts.p.Stubs.Add(stubs.Stub{Operation: "v2_upload_signed_url", Unchecked: true, Answer: stubs.Answer{Body: body,
		Status: http.StatusAccepted, Headers: map[string]string{"X-Stubbed": "yes"}, DelayMS: 1500}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan answer, 1)
	go func() {
		done <- ts.json(http.MethodPost, "/upload/signed-url", "sk-a", map[string]any{"original_filename": "clip.mp4"})
	}()
	deadline := time.After(10 * time.Second)
	for ts.clk.Waiters() == 0 {
		select {
		case a := <-done:
			t.Fatalf("answered before the stub's delay passed on the mock clock: %d %s", a.Status, a.Raw)
		case <-deadline:
			t.Fatal("the request never waited on the mock clock")
		case <-time.After(time.Millisecond):
		}
	}
	ts.clk.Advance(1500 * time.Millisecond)
	a := <-done
	if a.Status != http.StatusAccepted || a.Header.Get("X-Stubbed") != "yes" || strings.TrimSpace(string(a.Raw)) != string(body) {
		t.Fatalf("stubbed answer %d %v %s", a.Status, a.Header, a.Raw)
	}
	if e := ts.p.Journal.Last(1)[0]; e.OperationID != "v2_upload_signed_url" || e.Code != "200" || e.Status != http.StatusAccepted {
		t.Fatalf("journal entry %+v", e)
	}
}
