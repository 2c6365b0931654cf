package memtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/toolkit/fixtures"
	"github.com/memharness/memharness/toolkit/stubs"
	"github.com/memharness/memharness/toolkit/verify"
)

// recT records what the helper reports instead of failing the real test.
type recT struct {
	cleanups []func()
	errors   []string
	fatals   []string
}

func (r *recT) Helper()          {}
func (r *recT) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recT) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recT) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}
func (r *recT) finish() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestCleanupStopsTheMock(t *testing.T) {
	r := &recT{}
	m := New(r)
	res, err := http.Get(m.URL() + "/_mock/health")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", err, res)
	}
	res.Body.Close()
	r.finish()
	if _, err := http.Get(m.URL() + "/_mock/health"); err == nil {
		t.Fatal("the mock still answers after the test's cleanup")
	}
}

func TestParallelMocksAreIndependent(t *testing.T) {
	a, b := New(t, WithKey("sk-a")), New(t, WithKey("sk-a"))
	ctx := context.Background()
	if _, err := a.Client().Search(ctx, client.SearchRequest{SearchParam: "x", SearchType: "BY_VIDEO"}); err != nil {
		t.Fatal(err)
	}
	if got := b.Find(t, verify.Matcher{Operation: "search"}); got.Count != 0 {
		t.Fatalf("b saw a's request: %+v", got)
	}
	if got := a.Find(t, verify.Matcher{Operation: "search", APIKey: "sk-a"}); got.Count != 1 {
		t.Fatalf("a: %+v", got)
	}
}

func TestAssertCalledReportsNearMisses(t *testing.T) {
	m := New(t)
	ctx := context.Background()
	_, _ = m.Client().Search(ctx, client.SearchRequest{SearchParam: "falcon", SearchType: "BY_VIDEO"})
	r := &recT{}
	if m.AssertCalled(r, verify.Matcher{Operation: "search", Body: map[string]*verify.Field{"search_param": verify.Contains("eagle")}}) {
		t.Fatal("AssertCalled passed for a request never sent")
	}
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], `body.search_param: want contains "eagle", got "falcon"`) {
		t.Fatalf("report: %q", r.errors)
	}
	r2 := &recT{}
	if !m.AssertCalled(r2, verify.Matcher{Operation: "search", Count: ptr(1)}) || len(r2.errors) != 0 {
		t.Fatalf("exact count: %q", r2.errors)
	}
}

func ptr(n int) *int { return &n }

func TestStubAndFixtureErrorsFailTheTest(t *testing.T) {
	m := New(t)
	r := &recT{}
	m.Stub(r, stubs.Stub{Operation: "list_videos", Answer: stubs.Answer{Data: map[string]any{"videos": "nope"}}})
	if len(r.fatals) != 1 || !strings.Contains(r.fatals[0], "videos") {
		t.Fatalf("spec-breaking stub: %q", r.fatals)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("accounts:\n  - api_key: k\n    videos:\n      - name: a\n        status: DONE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = &recT{}
	m.LoadFixtures(r, bad)
	if len(r.fatals) != 1 || !strings.Contains(r.fatals[0], "bad.yaml:5") {
		t.Fatalf("bad fixture: %q", r.fatals)
	}
	r = &recT{}
	New(r, WithFixtures(bad))
	if len(r.fatals) != 1 || !strings.Contains(r.fatals[0], "bad.yaml:5") {
		t.Fatalf("bad fixture at start: %q", r.fatals)
	}
}

func TestRateLimitsCanBeTurnedOn(t *testing.T) {
	m := New(t, WithMockOptions(func(o *mock.Options) { o.RateLimits = "v1.2" }))
	c := m.Client(client.WithRetry429(0), client.WithPace(false))
	ctx := context.Background()
	req := client.ListVideosRequest{Page: 1, Size: 1}
	var codes []bool
	for i := 0; i < 2; i++ {
		_, err := c.ListVideos(ctx, req)
		codes = append(codes, client.HasCode(err, "0429"))
	}
	m.Advance(time.Second)
	_, err := c.ListVideos(ctx, req)
	codes = append(codes, client.HasCode(err, "0429"))
	if codes[0] || !codes[1] || codes[2] {
		t.Fatalf("0429 pattern %v, want false, true (frozen clock), false (after Advance)", codes)
	}
}

func TestWaitParsed(t *testing.T) {
	m := New(t, WithMockOptions(func(o *mock.Options) { o.ProcessingTime = 90 * time.Second }))
	up, err := m.Client().UploadURL(context.Background(), client.UploadURLRequest{URL: "https://example.com/a.mp4"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.WaitParsed(context.Background(), up.VideoNo)
	if err != nil || st != "PARSE" {
		t.Fatalf("WaitParsed: %q %v", st, err)
	}
	if m.Now().Sub(Start) < 90*time.Second {
		t.Fatalf("clock at %v: the video parsed before its processing time", m.Now())
	}
}

// memSyncSearch posts a MemSync search for key and returns the status and
// the memories' texts.
func memSyncSearch(t *testing.T, m *Mock, key, query string) (int, []string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, m.MemSyncURL()+"/v1/memories/search",
		strings.NewReader(`{"query":`+strconv.Quote(query)+`,"limit":5}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			Memories []struct{ Memory string } `json:"memories"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, mem := range out.Data.Memories {
		texts = append(texts, mem.Memory)
	}
	return res.StatusCode, texts
}

func TestFixturesWithMemSyncMemories(t *testing.T) {
	dir := t.TempDir()
	man := filepath.Join(dir, "memories.yaml")
	if err := os.WriteFile(man, []byte(`accounts:
  - api_key: sk-mem
    memories:
      - memory: Climbs sea cliffs in Pembrokeshire every summer
        categories: [interests]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		load func(t *testing.T) *Mock
	}{
		{name: "WithFixtures at start", load: func(t *testing.T) *Mock { return New(t, WithFixtures(man)) }},
		{name: "LoadFixtures later", load: func(t *testing.T) *Mock {
			m := New(t)
			r := &recT{}
			m.LoadFixtures(r, man)
			if len(r.fatals) != 0 {
				t.Fatalf("LoadFixtures: %q", r.fatals)
			}
			return m
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.load(t)
			status, got := memSyncSearch(t, m, "sk-mem", "climbing cliffs")
			if status != http.StatusOK || len(got) == 0 || got[0] != "Climbs sea cliffs in Pembrokeshire every summer" {
				t.Fatalf("search: %d %q", status, got)
			}
			if exp := m.Export("sk-mem"); len(exp.Accounts) != 1 || len(exp.Accounts[0].Memories) != 1 {
				t.Fatalf("export: %+v", exp)
			}
			m.ResetAccount(t, "sk-mem")
			if status, got := memSyncSearch(t, m, "sk-mem", "climbing cliffs"); status != http.StatusNotFound || len(got) != 0 {
				t.Fatalf("after reset: %d %q, want 404 NO_MEMORIES_FOUND", status, got)
			}
		})
	}
}

// TestMemSyncHonoursForceOverStubs: the helper's MemSync mock shares the
// platform's guard and stubs (AttachMemSync): a stub answers its search,
// and X-Mock-Force wins over it in MemSync's own envelope.
func TestMemSyncHonoursForceOverStubs(t *testing.T) {
	m := New(t)
	m.LoadManifest(t, fixtures.Manifest{Accounts: []fixtures.Account{{APIKey: m.Key(),
		Memories: []fixtures.Memory{{Memory: "Keeps bees on an allotment"}}}}})
	m.Stub(t, stubs.Stub{Operation: "searchMemories", Answer: stubs.Answer{Data: map[string]any{"memories": []any{}}}})
	search := func(force string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, m.MemSyncURL()+"/v1/memories/search", strings.NewReader(`{"query":"bees"}`))
		req.Header.Set("X-API-Key", m.Key())
		req.Header.Set("Content-Type", "application/json")
		if force != "" {
			req.Header.Set("X-Mock-Force", force)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if status, body := search(""); status != http.StatusOK || !strings.Contains(body, `"memories":[]`) {
		t.Fatalf("stubbed search: %d %s", status, body)
	}
	if status, body := search("0429"); status != http.StatusTooManyRequests || !strings.Contains(body, `"code":"RATE_LIMIT_EXCEEDED"`) || !strings.Contains(body, `"status":"error"`) {
		t.Fatalf("forced search: %d %s", status, body)
	}
}
