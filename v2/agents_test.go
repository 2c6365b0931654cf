package v2

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/content"
)

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct {
	Name string
	Data map[string]any
}

// parseSSE reads `event:`/`data:` messages; every data line must be one
// JSON object.
func parseSSE(t *testing.T, r io.Reader) []sseEvent {
	t.Helper()
	var out []sseEvent
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &cur.Data); err != nil {
				t.Fatalf("data line is not one JSON object: %q", line)
			}
		case line == "":
			if cur.Name != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	return out
}

// eventSchemas maps each event to its spec component.
var eventSchemas = map[string]string{
	"started": "AgentStarted", "progress": "AgentProgress", "tool_call": "AgentToolCall",
	"tool_result": "AgentToolResult", "clarification_needed": "AgentClarification", "complete": "AgentComplete",
	"error": "AgentError", "ping": "AgentPing",
}

// agentStream posts body to /queries/stream and returns its events, each
// validated against its schema.
func (ts *testSurface) agentStream(t *testing.T, key string, body map[string]any) []sseEvent {
	t.Helper()
	raw, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, BasePath+"/queries/stream", bytes.NewReader(raw))
	req.Header.Set("Authorization", key)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	evs := parseSSE(t, rec.Body)
	for _, e := range evs {
		ts.schema(t, eventSchemas[e.Name], e.Data)
	}
	return evs
}

// schema validates v against a component of the surface's spec.
func (ts *testSurface) schema(t *testing.T, name string, v map[string]any) {
	t.Helper()
	ref := ts.s.spec.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("no schema %s", name)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		raw, _ := json.Marshal(v)
		t.Fatalf("%s does not match its schema: %v\n%s", name, err, raw)
	}
}

func names(evs []sseEvent) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Name)
	}
	return strings.Join(out, ",")
}

func TestAgentStreamComplete(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	lib := map[string]content.PublicVideo{}
	for _, v := range content.PublicLibrary(1, 0) {
		lib[v.VideoNo] = v
	}
	ts.ready("sk-a", "basketball_dunk_practice.mp4", sampleMP4())
	body := map[string]any{"query": "basketball dunk highlights", "enable_clarification": false,
		"platforms": []string{"tiktok", "youtube"}, "max_results": 5}
	evs := ts.agentStream(t, "sk-a", body)
	want := "started,progress,tool_call,tool_result,progress,tool_call,tool_result,progress,tool_call,tool_result,progress,complete"
	if got := names(evs); got != want {
		t.Fatalf("events %s\nwant %s", got, want)
	}
	done := evs[len(evs)-1].Data
	if done["session_id"] != evs[0].Data["session_id"] || done["query"] != "basketball dunk highlights" {
		t.Fatalf("session/query: %v", done)
	}
	found := 0
	for _, e := range evs {
		if e.Name == "tool_result" {
			found += int(e.Data["videos_found"].(float64))
		}
	}
	if int(done["total_videos_analyzed"].(float64)) != found || found == 0 {
		t.Fatalf("total_videos_analyzed %v, tool results %d", done["total_videos_analyzed"], found)
	}
	refs := done["video_references"].([]any)
	if len(refs) == 0 || len(refs) > 5 {
		t.Fatalf("%d references", len(refs))
	}
	library := 0
	for _, r := range refs {
		ref := r.(map[string]any)
		if ref["platform"] == "library" {
			library++
			continue
		}
		v, ok := lib[ref["video_id"].(string)]
		if !ok {
			t.Fatalf("reference %v is not a public library video", ref["video_id"])
		}
		if ref["url"] != v.VideoURL || ref["title"] != v.VideoName || ref["creator"] != "@"+v.BloggerID ||
			int64(ref["views"].(float64)) != v.ViewCount || int64(ref["likes"].(float64)) != v.LikeCount ||
			ref["published_at"] != time.Unix(v.PublishTime, 0).UTC().Format(time.RFC3339) {
			t.Fatalf("reference %v does not match the library's %+v", ref, v.Detail())
		}
		if p := ref["platform"]; p != strings.ToLower(v.Platform) || (p != "tiktok" && p != "youtube") {
			t.Fatalf("platform %v of %s", p, v.Platform)
		}
	}
	if got := done["tools_used"]; !reflect.DeepEqual(got, []any{"video_search", "tiktok_search", "youtube_search"}) {
		t.Fatalf("tools_used %v", got)
	}
	if got := done["platforms_searched"]; !reflect.DeepEqual(got, []any{"tiktok", "youtube"}) {
		t.Fatalf("platforms_searched %v", got)
	}
	if done["steps_taken"] != float64(4) || done["data_freshness"] != "all_time" {
		t.Fatalf("steps/freshness: %v %v", done["steps_taken"], done["data_freshness"])
	}
	u := done["usage_metrics"].(map[string]any)["token_usage"].(map[string]any)
	if u["total_tokens"].(float64) != u["input_tokens"].(float64)+u["output_tokens"].(float64) || u["input_tokens"].(float64) <= 0 {
		t.Fatalf("token usage %v", u)
	}

	// Deterministic under the seed: a fresh surface answers the same.
	ts2 := newTestSurface(t, testOpts{})
	ts2.ready("sk-a", "basketball_dunk_practice.mp4", sampleMP4())
	again := ts2.agentStream(t, "sk-a", body)
	if !reflect.DeepEqual(evs, again) {
		t.Fatal("two runs with the same seed differ")
	}
}

func TestAgentTimeFrameAndMaxSteps(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	all := ts.agentStream(t, "sk-a", map[string]any{"query": "nike running shoes training", "enable_clarification": false, "max_results": 50})
	week := ts.agentStream(t, "sk-a", map[string]any{"query": "nike running shoes training", "enable_clarification": false,
		"max_results": 50, "time_frame": "past_week"})
	na := all[len(all)-1].Data["total_videos_analyzed"].(float64)
	nw := week[len(week)-1].Data["total_videos_analyzed"].(float64)
	if na == 0 || nw >= na {
		t.Fatalf("past_week found %v of %v", nw, na)
	}
	if week[len(week)-1].Data["data_freshness"] != "past_week" {
		t.Fatal("data_freshness does not echo time_frame")
	}
	short := ts.agentStream(t, "sk-a", map[string]any{"query": "nike running shoes training", "enable_clarification": false, "max_steps": 2})
	if got := names(short); got != "started,progress,tool_call,tool_result,progress,complete" {
		t.Fatalf("max_steps 2: %s", got)
	}
	if short[len(short)-1].Data["steps_taken"] != float64(2) {
		t.Fatalf("steps_taken %v", short[len(short)-1].Data["steps_taken"])
	}
}

func TestAgentClarificationRoundTrip(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	evs := ts.agentStream(t, "sk-a", map[string]any{"query": "basketball"})
	if got := names(evs); got != "started,progress,clarification_needed" {
		t.Fatalf("ambiguous query: %s", got)
	}
	if opts := evs[2].Data["options"].([]any); len(opts) == 0 {
		t.Fatal("no options")
	}
	// enable_clarification false searches at once.
	if got := names(ts.agentStream(t, "sk-a", map[string]any{"query": "basketball", "enable_clarification": false})); !strings.HasSuffix(got, "complete") {
		t.Fatalf("clarification disabled: %s", got)
	}
	follow := ts.agentStream(t, "sk-a", map[string]any{"query": "basketball", "clarification": "slam dunk highlights from games"})
	done := follow[len(follow)-1]
	if done.Name != "complete" || done.Data["query"] != "basketball" {
		t.Fatalf("follow-up: %s", names(follow))
	}
	call := follow[2].Data["input"].(map[string]any)["query"]
	if call != "basketball slam dunk highlights from games" {
		t.Fatalf("tool input query %v", call)
	}
}

func TestAgentValidation(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	cases := []struct {
		name string
		body map[string]any
		msg  string
	}{
		{name: "missing query", body: map[string]any{}, msg: "query cannot be null or empty"},
		{name: "whitespace query", body: map[string]any{"query": "   "}, msg: "query cannot be null or empty"},
		{name: "long query", body: map[string]any{"query": strings.Repeat("a", 2001)}, msg: "Request has exceeded the limit."},
		{name: "max_steps 0", body: map[string]any{"query": "dogs at the park", "max_steps": 0}, msg: "Request has exceeded the limit."},
		{name: "max_steps 21", body: map[string]any{"query": "dogs at the park", "max_steps": 21}, msg: "Request has exceeded the limit."},
		{name: "long clarification", body: map[string]any{"query": "dogs", "clarification": strings.Repeat("b", 501)}, msg: "Request has exceeded the limit."},
		{name: "unknown platform", body: map[string]any{"query": "dogs at the park", "platforms": []string{"myspace"}}, msg: "Request has exceeded the limit."},
		{name: "unknown time frame", body: map[string]any{"query": "dogs at the park", "time_frame": "yesterday"}, msg: "Request has exceeded the limit."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, ts.json(http.MethodPost, "/queries/stream", "sk-a", tc.body), 400, tc.msg)
		})
	}
}

func TestAgentFailureInjection(t *testing.T) {
	ts := newTestSurface(t, testOpts{opts: Options{StreamKnobs: func() chat.Knobs { return chat.Knobs{FailProbability: 1} }}})
	evs := ts.agentStream(t, "sk-a", map[string]any{"query": "basketball dunk highlights", "enable_clarification": false})
	if got := names(evs); got != "started,progress,tool_call,tool_result,error" {
		t.Fatalf("events %s", got)
	}
}

// streamClient reads a live stream over loopback in the background.
type streamClient struct {
	mu     sync.Mutex
	events []sseEvent
	done   chan struct{}
	cancel context.CancelFunc
}

func startStream(t *testing.T, url, key string, body map[string]any) *streamClient {
	ctx, cancel := context.WithCancel(context.Background())
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+BasePath+"/queries/stream", bytes.NewReader(raw))
	req.Header.Set("Authorization", key)
	req.Header.Set("Content-Type", "application/json")
	sc := &streamClient{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(sc.done)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		r := bufio.NewReader(resp.Body)
		var cur sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				cur.Name = line[7:]
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(line[6:]), &cur.Data)
			case line == "":
				sc.mu.Lock()
				sc.events = append(sc.events, cur)
				sc.mu.Unlock()
				cur = sseEvent{}
			}
		}
	}()
	return sc
}

func (sc *streamClient) count() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return len(sc.events)
}

func TestAgentPacingAndPings(t *testing.T) {
	knobs := chat.Knobs{FirstEvent: time.Second, PerChunk: 40 * time.Second}
	ts := newTestSurface(t, testOpts{opts: Options{StreamKnobs: func() chat.Knobs { return knobs }}})
	srv := httptest.NewServer(ts.h)
	defer srv.Close()
	sc := startStream(t, srv.URL, "sk-a", map[string]any{"query": "basketball dunk highlights",
		"enable_clarification": false, "platforms": []string{"tiktok"}})
	ts.advanceUntil(func() bool {
		select {
		case <-sc.done:
			return true
		default:
			return false
		}
	})
	// started, then (progress, tool_call, tool_result) × 2, progress and
	// complete, each 40 s after the last: two pings in every gap.
	var real []string
	pings := 0
	for _, e := range sc.events {
		ts.schema(t, eventSchemas[e.Name], e.Data)
		if e.Name == "ping" {
			pings++
			continue
		}
		real = append(real, e.Name)
	}
	if strings.Join(real, ",") != "started,progress,tool_call,tool_result,progress,tool_call,tool_result,progress,complete" {
		t.Fatalf("events %v", real)
	}
	if pings != 2*(len(real)-1) {
		t.Fatalf("%d pings, want %d", pings, 2*(len(real)-1))
	}
	// The mock clock time of the run: at least the paced gaps (the test
	// advances in 1 s steps, so a gap can be a little longer).
	if got := sc.events[len(sc.events)-1].Data["execution_time_seconds"].(float64); got < float64(1+40*(len(real)-1)) {
		t.Fatalf("execution_time_seconds %v", got)
	}
}

func TestAgentDisconnectStopsWork(t *testing.T) {
	ts := newTestSurface(t, testOpts{opts: Options{StreamKnobs: func() chat.Knobs { return chat.Knobs{PerChunk: time.Hour} }}})
	srv := httptest.NewServer(ts.h)
	base := goleak.IgnoreCurrent()
	sc := startStream(t, srv.URL, "sk-a", map[string]any{"query": "basketball dunk highlights", "enable_clarification": false})
	deadline := time.Now().Add(10 * time.Second)
	for sc.count() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no first event")
		}
		time.Sleep(time.Millisecond)
	}
	sc.cancel() // the client goes away while the agent waits for its next step
	<-sc.done
	// Close waits for every handler to return: the agent has stopped.
	srv.Close()
	http.DefaultClient.CloseIdleConnections()
	goleak.VerifyNone(t, base)
	if n := sc.count(); n != 1 {
		t.Fatalf("%d events after a disconnect", n)
	}
}

// TestAgentConcurrentStreams runs streams of several accounts at once
// (run with -race): the shared public index and the content cache are
// read concurrently, and every stream still completes with its own
// results.
func TestAgentConcurrentStreams(t *testing.T) {
	ts := newTestSurface(t, testOpts{})
	srv := httptest.NewServer(ts.h)
	defer srv.Close()
	queries := []string{"basketball dunk highlights", "nike running shoes training", "kitchen cooking dinner at home", "beach surfing waves sunset"}
	var clients []*streamClient
	for i := 0; i < 8; i++ {
		clients = append(clients, startStream(t, srv.URL, "sk-c"+string(rune('0'+i)),
			map[string]any{"query": queries[i%len(queries)], "enable_clarification": false}))
	}
	for i, sc := range clients {
		select {
		case <-sc.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("stream %d did not end", i)
		}
		last := sc.events[len(sc.events)-1]
		if last.Name != "complete" || last.Data["query"] != queries[i%len(queries)] {
			t.Fatalf("stream %d ended with %s %v", i, last.Name, last.Data["query"])
		}
	}
}
