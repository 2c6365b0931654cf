package drift_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

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
