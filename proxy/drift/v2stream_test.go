package drift_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/contract"
	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
)

// TestV2ChatStreamDrift: the v2 chat completion stream is checked against
// ChatCompletionChunk (the operation's x-sse-events, bare [DONE]
// accepted): the mock's own stream is no drift, and an upstream whose
// chunks call themselves something else is found at the event pointer.
func TestV2ChatStreamDrift(t *testing.T) {
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	m, err := mock.New(mock.Options{Clock: clk, RateLimits: "off", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	// /serve/api/v2/chat/completions answers as the mock does, but with
	// every chunk's object renamed; /serve/api/v2/vu/chat/completions is
	// the mock's own.
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/serve/api/v2/chat/completions" {
			m.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"object":"chat.completion.chunk"`), []byte(`"object":"chat.completion.delta"`)))
	}))
	t.Cleanup(up.Close)
	col, err := drift.New(drift.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(up.URL)
	g, err := proxy.New(proxy.Options{Routes: []proxy.Route{
		{Prefix: "/serve/api/v2/", Surface: "v2", Upstream: u},
		{Prefix: "/", Surface: "memories", Upstream: u},
	}, Observers: []proxy.Observer{col}})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(g)
	t.Cleanup(func() { gw.Close(); _ = g.Close() })

	stream := func(path string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, gw.URL+"/serve/api/v2"+path, strings.NewReader(
			`{"model":"gemini:gemini-2.5-flash","stream":true,"messages":[{"role":"user","content":"Hello there"}]}`))
		req.Header.Set("Authorization", "sk-drift-v2")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.HasSuffix(string(b), "data: [DONE]\n\n") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	stream("/vu/chat/completions")
	stream("/chat/completions")
	g.Drain()

	var got []string
	for _, f := range col.Report().Findings {
		got = append(got, f.Operation+" "+f.Where+" "+f.Pointer)
	}
	sort.Strings(got)
	if len(got) == 0 {
		t.Fatal("no drift found for renamed chunks")
	}
	t.Logf("findings: %q", got)
	for _, f := range got {
		if !strings.HasPrefix(f, "v2_chat event ") || !strings.HasSuffix(f, "/object") {
			t.Errorf("finding %q: want only v2_chat's chunks at /object (v2_vu_chat is the mock's own stream)", f)
		}
	}
}

// mislabel rewrites an agent stream: the first "progress" event carries
// the "started" event's data. It returns the new body and the number
// (1-based, as the drift pointer counts) of the rewritten event.
func mislabel(t *testing.T, body string) (string, int) {
	t.Helper()
	lines := strings.Split(body, "\n")
	var name, started string
	n, at := 0, 0
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "event:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			n++
			if name == "started" && started == "" {
				started = line
			}
			if name == "progress" && at == 0 && started != "" {
				lines[i], at = started, n
			}
			name = ""
		}
	}
	if at == 0 {
		t.Fatalf("the mock's agent stream has no started event followed by a progress event: %s", body)
	}
	return strings.Join(lines, "\n"), at
}

// TestV2AgentStreamNamedEventDrift: the agent stream's events are checked
// against the component their "event:" name maps to (x-sse-named-events),
// not merely against the AgentEvent union: the mock's own stream is no
// drift, and an upstream whose "progress" event carries the "started"
// payload (valid AgentEvent, invalid AgentProgress) is found at that
// event, naming AgentProgress.
func TestV2AgentStreamNamedEventDrift(t *testing.T) {
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	m, err := mock.New(mock.Options{Clock: clk, RateLimits: "off", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	served := make(chan int, 1) // the number of the mislabelled event
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Test-Mislabel") == "" {
			m.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, r)
		body, at := mislabel(t, rec.Body.String())
		served <- at
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(up.Close)
	col, err := drift.New(drift.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(up.URL)
	g, err := proxy.New(proxy.Options{Routes: []proxy.Route{
		{Prefix: "/serve/api/v2/", Surface: "v2", Upstream: u},
		{Prefix: "/", Surface: "memories", Upstream: u},
	}, Observers: []proxy.Observer{col}})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(g)
	t.Cleanup(func() { gw.Close(); _ = g.Close() })

	ask := func(mislabelled bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, gw.URL+"/serve/api/v2/queries/stream", strings.NewReader(
			`{"query":"AI coding tools tutorials","platforms":["tiktok","youtube"],"max_results":3,"max_steps":5}`))
		req.Header.Set("Authorization", "sk-drift-agent")
		req.Header.Set("Content-Type", "application/json")
		if mislabelled {
			req.Header.Set("X-Test-Mislabel", "1")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "event: progress\n") {
			t.Fatalf("agent stream: %d %s", resp.StatusCode, b)
		}
	}

	// The mock's own agent stream agrees with its description.
	ask(false)
	g.Drain()
	for _, f := range col.Report().Findings {
		t.Errorf("the mock's own agent stream drifts: %s %s %s: %s", f.Operation, f.Pointer, f.Rule, f.Example.Reason)
	}

	col.Reset()
	ask(true)
	g.Drain()
	at := <-served
	// What AgentProgress requires and the started payload lacks, from the
	// description rather than a copy of it.
	specs, err := contract.LoadSpecs()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range specs.Doc(contract.APIV2).Components.Schemas["AgentProgress"].Value.Required {
		want = append(want, "event * /"+f)
	}
	sort.Strings(want)
	var got []string
	for _, f := range col.Report().Findings {
		got = append(got, f.Pointer)
		if f.Operation != "v2_queries_stream" || f.Where != "event" || f.Count != 1 {
			t.Errorf("finding %s %s %s ×%d: want one v2_queries_stream event finding", f.Operation, f.Where, f.Pointer, f.Count)
		}
		if !strings.Contains(f.Rule, "AgentProgress") || !strings.Contains(f.Rule, "event progress") {
			t.Errorf("rule %q does not name AgentProgress and the progress event", f.Rule)
		}
		if p := fmt.Sprintf("event %d /", at); !strings.HasPrefix(f.Example.Pointer, p) {
			t.Errorf("example pointer %q, want the mislabelled event %q…", f.Example.Pointer, p)
		}
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("findings at %q, want %q", got, want)
	}
}
