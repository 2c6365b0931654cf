package contract

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func testValidator(t *testing.T) *Validator {
	t.Helper()
	s, err := LoadSpecs()
	if err != nil {
		t.Fatal(err)
	}
	return NewValidator(s)
}

func TestValidateExplainsViolations(t *testing.T) {
	v := testValidator(t)
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		contentType string
		body        string
		wantOp      string
		wantPointer string // "" = no violation expected
		wantReason  string
	}{
		{
			name: "valid search hit", method: "POST", path: "/serve/api/v1/search", status: 200, contentType: "application/json",
			body:   `{"code":"0000","msg":"success","data":[{"videoNo":"VI576925607808602112","videoName":"x","startTime":"13","endTime":"18","score":0.5}],"success":true,"failed":false}`,
			wantOp: "search",
		},
		{
			name: "number where the seed shows a string", method: "POST", path: "/serve/api/v1/search", status: 200, contentType: "application/json",
			body:   `{"code":"0000","msg":"success","data":[{"videoNo":"VI576925607808602112","videoName":"x","startTime":13,"endTime":"18","score":0.5}],"success":true,"failed":false}`,
			wantOp: "search", wantPointer: "/data/0/startTime", wantReason: "string",
		},
		{
			name: "business error envelope", method: "POST", path: "/serve/api/v1/search", status: 200, contentType: "application/json",
			body:   `{"code":"0429","msg":"Request has exceeded the limit."}`,
			wantOp: "search",
		},
		{
			name: "undocumented status", method: "GET", path: "/_mock/health", status: 204, contentType: "application/json",
			body:   `{}`,
			wantOp: "mock_health", wantPointer: "", wantReason: "not documented",
		},
		{
			name: "wrong content type", method: "POST", path: "/serve/api/v1/list_videos", status: 200, contentType: "text/html",
			body:   `<html>`,
			wantOp: "list_videos", wantReason: "content type",
		},
		{
			name: "alias path and a bad event", method: "POST", path: "/v1/chat_personal_stream", status: 200, contentType: "text/event-stream",
			body:   "data: {\"token\": \"a\"}\n\ndata: {\"tok\": 1}\n\ndata: [DONE]\n\n",
			wantOp: "chat_personal_stream", wantPointer: "event 2", wantReason: "token",
		},
		{
			name: "valid chat stream", method: "POST", path: "/serve/api/v1/chat_stream", status: 200, contentType: "text/event-stream",
			body:   "data:{\"type\":\"thinking\",\"title\":\"t\",\"content\":\"c\",\"sessionId\":\"606120397607260160\"}\n\ndata:{\"type\":\"content\",\"role\":\"assistant\",\"content\":\"x\",\"sessionId\":\"606120397607260160\"}\n\ndata:{\"code\":\"SUCCESS\",\"data\":\"Done\"}\n\n",
			wantOp: "chat_stream",
		},
		{
			name: "templated control path", method: "PUT", path: "/_mock/videos/VI1/status", status: 200, contentType: "application/json",
			body:   `{"video_no":"VI1"}`,
			wantOp: "mock_video_status", wantPointer: "/", wantReason: "status",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, _, ok := v.Specs().Match(tt.method, tt.path, APIMemories, APIControl)
			if !ok {
				t.Fatalf("no operation matches %s %s", tt.method, tt.path)
			}
			if op.ID != tt.wantOp {
				t.Fatalf("matched %s, want %s", op.ID, tt.wantOp)
			}
			req := httptest.NewRequest(tt.method, tt.path, nil)
			h := http.Header{}
			h.Set("Content-Type", tt.contentType)
			got := v.Validate(op, Response{Request: req, Status: tt.status, Header: h, Body: []byte(tt.body)})
			if tt.wantReason == "" {
				if len(got) > 0 {
					t.Fatalf("unexpected violations: %v", ViolationsError(got))
				}
				return
			}
			if len(got) == 0 {
				t.Fatal("no violation reported")
			}
			msg := ViolationsError(got).Error()
			if !strings.HasPrefix(got[0].Pointer, tt.wantPointer) || !strings.Contains(msg, tt.wantReason) {
				t.Fatalf("got %q, want pointer %q and reason containing %q", msg, tt.wantPointer, tt.wantReason)
			}
			if !strings.Contains(msg, tt.wantOp) || !strings.Contains(msg, "body:") {
				t.Fatalf("message %q does not name the operation and quote the body", msg)
			}
		})
	}
}

// TestValidateNamedAgentEvents: the v2 agent stream names its events, and
// each named event's data must match that name's component
// (x-sse-named-events), not merely one branch of the AgentEvent union.
func TestValidateNamedAgentEvents(t *testing.T) {
	v := testValidator(t)
	const (
		started  = `{"session_id":"8d0f2b8e-5a44-4c1e-9b1e-1f0b6c1f9a52","query":"AI coding tools"}`
		progress = `{"step":1,"max_steps":10,"message":"Searching TikTok"}`
	)
	tests := []struct {
		name        string
		body        string
		wantPointer string // "" = no violation expected
		wantReason  []string
	}{
		{
			name: "events under their own names",
			body: "event: started\ndata: " + started + "\n\nevent: progress\ndata: " + progress + "\n\nevent: ping\ndata: {}\n\n",
		},
		{
			name:        "progress carrying started's payload",
			body:        "event: started\ndata: " + started + "\n\nevent: progress\ndata: " + started + "\n\n",
			wantPointer: "event 2 /",
			wantReason:  []string{"AgentProgress", "event progress", "/step", "event: progress"},
		},
		{
			name:        "ping carrying progress's payload",
			body:        "event: ping\ndata: " + progress + "\n\n",
			wantPointer: "event 1 /",
			wantReason:  []string{"AgentPing", "event ping", "step"},
		},
		{
			name:        "a name the stream does not declare",
			body:        "event: started\ndata: " + started + "\n\nevent: finished\ndata: " + progress + "\n\n",
			wantPointer: "event 2",
			wantReason:  []string{`"finished"`, "not one the stream declares"},
		},
		{
			// Unnamed events keep being checked against the union.
			name: "unnamed event matching a branch",
			body: "data: " + started + "\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, _, ok := v.Specs().Match(http.MethodPost, "/queries/stream", APIV2)
			if !ok || op.ID != "v2_queries_stream" {
				t.Fatalf("POST /queries/stream matched %v (%v), want v2_queries_stream", op, ok)
			}
			h := http.Header{}
			h.Set("Content-Type", "text/event-stream")
			got := v.Validate(op, Response{Request: httptest.NewRequest(http.MethodPost, "/queries/stream", nil), Status: http.StatusOK, Header: h, Body: []byte(tt.body)})
			if tt.wantReason == nil {
				if len(got) > 0 {
					t.Fatalf("unexpected violations: %v", ViolationsError(got))
				}
				return
			}
			if len(got) == 0 {
				t.Fatal("no violation reported")
			}
			for _, x := range got {
				if !strings.HasPrefix(x.Pointer, tt.wantPointer) {
					t.Errorf("violation at %q, want only %q…: %v", x.Pointer, tt.wantPointer, x)
				}
			}
			msg := ViolationsError(got).Error()
			for _, w := range tt.wantReason {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
			t.Logf("%s", msg)
		})
	}
}
