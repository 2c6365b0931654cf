package mock

import (
	"net/http"
	"strings"
	"testing"
)

// TestStubsAnswerV2Requests: the stub registry is the platform's, and the
// v2 pipeline consults it like v1's: a v2 stub with times 1 answers once
// in v2's envelope (HTTP status = code), then the real answer follows;
// X-Mock-Force still wins; the journal records the stubbed answer.
func TestStubsAnswerV2Requests(t *testing.T) {
	ts := newTestServer(t, Options{})
	rec := ts.addStub(t, `{"operation":"v2_asset_metadata","match":{"api_key":"sk-v2stub"},"answer":{"code":"429","msg":"Request has exceeded the limit."},"times":1}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
	}
	get := func(key, force string) (int, map[string]any) {
		req := httptestRequest(http.MethodGet, "/serve/api/v2/re_000000000000000001/metadata", key, "", "")
		if force != "" {
			req.Header.Set("X-Mock-Force", force)
		}
		r := ts.record(req)
		return r.Code, decode(t, r)
	}
	if st, body := get("sk-v2stub", "0402"); st != http.StatusPaymentRequired {
		t.Fatalf("X-Mock-Force lost to a stub: %d %v", st, body)
	}
	if st, body := get("sk-other", ""); st == http.StatusTooManyRequests {
		t.Fatalf("a stub matching another key answered: %v", body)
	}
	st, body := get("sk-v2stub", "")
	if st != http.StatusTooManyRequests || body["code"] != 429.0 || body["msg"] != "Request has exceeded the limit." || body["success"] != false {
		t.Fatalf("stubbed: %d %v", st, body)
	}
	if st, body := get("sk-v2stub", ""); st == http.StatusTooManyRequests {
		t.Fatalf("the stub did not expire after one answer: %v", body)
	}
	found := ts.json(http.MethodPost, "/_mock/requests/find", "", map[string]any{"operation": "v2_asset_metadata", "api_key": "sk-v2stub", "code": map[string]any{"equals": "0429"}})
	if found["count"] != 1.0 {
		t.Fatalf("journal of the stubbed v2 answer: %v", found)
	}
}

// TestV2StubsAreCheckedAgainstMemoriesV2: a v2 stub whose answer breaks
// memories-v2.yaml is refused with the violation named; a stubbed agent
// stream is checked against its named events' components (AgentProgress
// for "progress") and streamed with its event names.
func TestV2StubsAreCheckedAgainstMemoriesV2(t *testing.T) {
	ts := newTestServer(t, Options{})
	for _, tt := range []struct {
		name, stub string
		refuse     []string
	}{
		{name: "data of the wrong shape", stub: `{"operation":"v2_asset_metadata","answer":{"data":"not a record"}}`,
			refuse: []string{"v2_asset_metadata response schema", "/data"}},
		{name: "agent event breaking AgentProgress", stub: `{"operation":"v2_queries_stream","answer":{"events":[{"event":"progress","data":{"step":0,"max_steps":3,"message":"Searching"}}]}}`,
			refuse: []string{"answer.events[0]", "AgentProgress at /step"}},
		{name: "an event name on two lines", stub: `{"operation":"v2_queries_stream","unchecked":true,"answer":{"events":[{"event":"a\nb","data":{}}]}}`,
			refuse: []string{"one line"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := ts.addStub(t, tt.stub)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("accepted: %d %s", rec.Code, rec.Body.String())
			}
			for _, want := range tt.refuse {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("refusal %s does not name %q", rec.Body.String(), want)
				}
			}
		})
	}

	rec := ts.addStub(t, `{"operation":"v2_queries_stream","answer":{"events":[
	  {"event":"started","data":{"session_id":"8d0f2b8e-5a44-4c1e-9b1e-1f0b6c1f9a52","query":"eagles"}},
	  {"event":"progress","data":{"step":1,"max_steps":3,"message":"Searching TikTok for: eagles"}}]}}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("valid agent stub refused: %d %s", rec.Code, rec.Body.String())
	}
	out := ts.record(httptestRequest(http.MethodPost, "/serve/api/v2/queries/stream", "sk-agent", "application/json", `{"query":"eagles"}`))
	want := "event: started\ndata: {\"session_id\":\"8d0f2b8e-5a44-4c1e-9b1e-1f0b6c1f9a52\",\"query\":\"eagles\"}\n\n" +
		"event: progress\ndata: {\"step\":1,\"max_steps\":3,\"message\":\"Searching TikTok for: eagles\"}\n\n"
	if out.Code != http.StatusOK || out.Body.String() != want || !strings.HasPrefix(out.Header().Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream %d %q (%s), want %q", out.Code, out.Body.String(), out.Header().Get("Content-Type"), want)
	}
}
