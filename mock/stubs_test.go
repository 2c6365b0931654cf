package mock

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func (ts *testServer) addStub(t *testing.T, body string) *httptest.ResponseRecorder {
	t.Helper()
	return ts.do(http.MethodPost, "/_mock/stubs", "", "application/json", strings.NewReader(body))
}

// TestStubTimesOneThenTheRealAnswer is the acceptance check: a
// stub with times 1 answers 0429 once, then the mock's own answer follows.
func TestStubTimesOneThenTheRealAnswer(t *testing.T) {
	ts := newTestServer(t, Options{})
	rec := ts.addStub(t, `{"operation":"search","match":{"body":{"search_param":{"contains":"boom"}}},"answer":{"code":"0429","msg":"Request has exceeded the limit."},"times":1,"priority":1}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
	}
	search := func(q string) map[string]any {
		return ts.json(http.MethodPost, "/serve/api/v1/search", "sk-stub", map[string]any{"search_param": q, "search_type": "BY_VIDEO"})
	}
	if got := search("calm lake"); code(got) != "0000" {
		t.Fatalf("a request the matcher does not select was stubbed: %v", got)
	}
	first := search("boom")
	if code(first) != "0429" || first["msg"] != "Request has exceeded the limit." || first["success"] != false {
		t.Fatalf("first: %v", first)
	}
	if second := search("boom"); code(second) != "0000" {
		t.Fatalf("second (stub expired): %v", second)
	}
	list := ts.json(http.MethodGet, "/_mock/stubs", "", nil)
	if stubs, _ := list["stubs"].([]any); len(stubs) != 0 {
		t.Fatalf("expired stub still listed: %v", list)
	}
	// The journal saw the stubbed answer like any other.
	got := ts.json(http.MethodGet, "/_mock/requests?api_key=sk-stub", "", nil)["requests"].([]any)
	if got[1].(map[string]any)["code"] != "0429" {
		t.Fatalf("journal: %v", got)
	}
}

func TestStubLosesToXMockForce(t *testing.T) {
	ts := newTestServer(t, Options{})
	if rec := ts.addStub(t, `{"operation":"folders","answer":{"data":{"folders":[]}}}`); rec.Code != http.StatusOK {
		t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
	}
	req := httptestRequest(http.MethodGet, "/serve/api/v1/folders", "sk-force", "", "")
	req.Header.Set("X-Mock-Force", "0402")
	if got := ts.serve(req); code(got) != "0402" {
		t.Fatalf("forced answer lost to a stub: %v", got)
	}
}

func TestStubBreakingTheSpecIsRefused(t *testing.T) {
	ts := newTestServer(t, Options{})
	rec := ts.addStub(t, `{"operation":"list_videos","answer":{"data":{"videos":"not a list"}}}`)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "videos") || !strings.Contains(rec.Body.String(), "unchecked") {
		t.Fatalf("spec-breaking stub: %d %s", rec.Code, rec.Body.String())
	}
	if rec := ts.addStub(t, `{"operation":"no_such_op","answer":{"data":1}}`); rec.Code != http.StatusBadRequest {
		t.Fatalf("unknown operation: %d %s", rec.Code, rec.Body.String())
	}
	rec = ts.addStub(t, `{"operation":"list_videos","unchecked":true,"answer":{"data":{"videos":"not a list"}}}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("unchecked stub: %d %s", rec.Code, rec.Body.String())
	}
	got := ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-x", map[string]any{"page": 1, "size": 1})
	if data(got)["videos"] != "not a list" {
		t.Fatalf("unchecked stub not served: %v", got)
	}
}

func TestStubRawBodyStatusHeadersAndScenario(t *testing.T) {
	ts := newTestServer(t, Options{})
	rec := ts.addStub(t, `[
	 {"operation":"folders","scenario":"flaky","required_state":"Started","new_state":"down","unchecked":true,
	  "answer":{"status":503,"headers":{"Retry-After":"3"},"body":{"timestamp":"2025-10-20T11:00:00.000+00:00","status":503,"error":"Service Unavailable","path":"/serve/api/v1/folders"}}},
	 {"operation":"folders","scenario":"flaky","required_state":"down","new_state":"up","answer":{"data":{"folders":[{"folder_id":-1,"folder_name":"Default"}]}}}]`)
	if rec.Code != http.StatusOK {
		t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
	}
	r1 := ts.do(http.MethodGet, "/serve/api/v1/folders", "sk-s", "", nil)
	if r1.Code != 503 || r1.Header().Get("Retry-After") != "3" || !strings.Contains(r1.Body.String(), "Service Unavailable") {
		t.Fatalf("first: %d %v %s", r1.Code, r1.Header(), r1.Body.String())
	}
	r2 := decode(t, ts.do(http.MethodGet, "/serve/api/v1/folders", "sk-s", "", nil))
	if code(r2) != "0000" || r2["data"] == nil {
		t.Fatalf("second: %v", r2)
	}
	states := ts.json(http.MethodGet, "/_mock/stubs", "", nil)["states"].(map[string]any)
	if states["flaky"] != "up" {
		t.Fatalf("states: %v", states)
	}
	// Third: no stub in state "up": the mock's own answer (its folders).
	if r3 := decode(t, ts.do(http.MethodGet, "/serve/api/v1/folders", "sk-s", "", nil)); code(r3) != "0000" {
		t.Fatalf("third: %v", r3)
	}
}

// TestStubEventsAndDelayOnTheMockClock: a stubbed stream sends its events
// as the API frames them, each after its delay on the mock's clock.
func TestStubEventsAndDelayOnTheMockClock(t *testing.T) {
	ts := newTestServer(t, Options{})
	rec := ts.addStub(t, `{"operation":"chat_stream","unchecked":true,"answer":{"delay_ms":1000,"events":[
	  {"data":{"type":"content","content":"Hello"}},
	  {"data":{"code":"SUCCESS","data":"Done"},"delay_ms":500}]}}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
	}
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		req := httptestRequest(http.MethodPost, "/serve/api/v1/chat_stream", "sk-sse", "application/json", `{"video_nos":["VI1"],"prompt":"hi"}`)
		done <- ts.record(req.WithContext(context.Background()))
	}()
	for _, step := range []time.Duration{time.Second, 500 * time.Millisecond} {
		waitWaiter(t, ts)
		select {
		case <-done:
			t.Fatal("the stream finished before the mock clock moved")
		default:
		}
		ts.clk.Advance(step)
	}
	var out *httptest.ResponseRecorder
	select {
	case out = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stream did not finish")
	}
	want := "data:{\"type\":\"content\",\"content\":\"Hello\"}\n\ndata:{\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n"
	if out.Body.String() != want || !strings.HasPrefix(out.Header().Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream %q (%s), want %q", out.Body.String(), out.Header().Get("Content-Type"), want)
	}
}

// waitWaiter waits (on a channel poll with a generous bound, not a sleep
// of a guessed length) until the request blocks on the fake clock.
func waitWaiter(t *testing.T, ts *testServer) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for ts.clk.Waiters() == 0 {
		select {
		case <-deadline:
			t.Fatal("the request never waited on the mock clock")
		case <-tick.C:
		}
	}
}

func TestStubsScopedToAKeyGoWithItsReset(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.addStub(t, `{"operation":"folders","match":{"api_key":"sk-mine"},"answer":{"code":"0402","msg":"Not enough points (credits) to perform this request."}}`)
	ts.addStub(t, `{"operation":"folders","match":{"api_key":"sk-theirs"},"answer":{"code":"0402","msg":"Not enough points (credits) to perform this request."}}`)
	folders := func(k string) string {
		return code(ts.json(http.MethodGet, "/serve/api/v1/folders", k, nil))
	}
	if folders("sk-mine") != "0402" || folders("sk-other") != "0000" {
		t.Fatal("a key-scoped stub answered another key, or did not answer its own")
	}
	ts.json(http.MethodPost, "/_mock/reset?api_key=sk-mine", "", nil)
	if folders("sk-mine") != "0000" || folders("sk-theirs") != "0402" {
		t.Fatal("a per-account reset must drop that account's stubs only")
	}
	rec := ts.do(http.MethodDelete, "/_mock/stubs/nope", "", "", nil)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("delete unknown stub: %d", rec.Code)
	}
	if got := ts.json(http.MethodDelete, "/_mock/stubs", "", nil); got["deleted"] != 1.0 {
		t.Fatalf("delete all: %v", got)
	}
}
