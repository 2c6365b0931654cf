package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Environment variables naming a MemSync target.
const (
	EnvMemSyncBaseURL = "MEMSYNC_API_BASE_URL"
	EnvMemSyncAPIKey  = "MEMSYNC_API_KEY"
)

// ErrMemSyncRateLimited is returned when MemSync answers 429.
var ErrMemSyncRateLimited = errors.New("memsync: rate limited (429)")

// MemSyncTarget is a MemSync API: its base URL (without /v1) and key.
type MemSyncTarget struct {
	BaseURL string
	Key     string
	HTTP    *http.Client
}

// MemSyncFromEnv reads MEMSYNC_API_BASE_URL and MEMSYNC_API_KEY; nil when
// no base URL is set.
func MemSyncFromEnv() *MemSyncTarget {
	base := strings.TrimRight(os.Getenv(EnvMemSyncBaseURL), "/")
	if base == "" {
		return nil
	}
	return &MemSyncTarget{BaseURL: base, Key: os.Getenv(EnvMemSyncAPIKey)}
}

// call sends one JSON request and decodes the (possibly enveloped) body.
func (m *MemSyncTarget) call(ctx context.Context, e *Env, metric, method, path string, body any) (map[string]any, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.BaseURL+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-API-Key", m.Key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := m.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	t0 := e.Clock.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	e.Recorder.Record(metric, e.Clock.Now().Sub(t0))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return nil, fmt.Errorf("%s %s: %w (Retry-After %s)", method, path, ErrMemSyncRateLimited, resp.Header.Get("Retry-After"))
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: HTTP %d: %.200s", method, path, resp.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %.200s", method, path, ErrCheck, raw)
	}
	// The documented envelope wraps success bodies in "data"; the endpoint
	// pages show them bare. Accept both.
	if d, ok := out["data"].(map[string]any); ok && out["status"] == "success" {
		out = d
	}
	return out, nil
}

func memsyncTarget(e *Env) (*MemSyncTarget, error) {
	if e == nil {
		return nil, errors.New("scenarios: nil Env")
	}
	e.fill()
	if e.MemSync == nil || e.MemSync.BaseURL == "" {
		return nil, fmt.Errorf("scenarios: no MemSync target (set %s)", EnvMemSyncBaseURL)
	}
	return e.MemSync, nil
}

var memsyncFacts = []string{
	"I'm a software engineer who loves hiking",
	"I live in Lisbon and learn Portuguese every morning",
	"My sister Ana is getting married in June",
	"I run marathons and train five days a week",
	"I am saving money to buy a sailing boat",
}

// MemSyncStoreAndSearch stores seed 004's quick-start conversation (with
// a varying fact) and checks that a search for the fact's words finds it.
func MemSyncStoreAndSearch(ctx context.Context, e *Env) error {
	m, err := memsyncTarget(e)
	if err != nil {
		return err
	}
	base := memsyncFacts[e.Rand.IntN(len(memsyncFacts))]
	n := e.Rand.IntN(1_000_000)
	// MemSync does not store a repeated fact twice: make each one new.
	fact := fmt.Sprintf("%s, and my locker number is %d", base, n)
	thread := fmt.Sprintf("%s-%d", e.Namespace, n)
	stored, err := m.call(ctx, e, "memsync_store", http.MethodPost, "/v1/memories", map[string]any{
		"messages": []map[string]string{
			{"role": "user", "content": fact},
			{"role": "assistant", "content": "That's great to know!"},
		},
		"agent_id": "loadtest", "thread_id": thread, "source": "chat",
	})
	if err != nil {
		return err
	}
	if mems, _ := stored["memories"].([]any); len(mems) == 0 {
		return fmt.Errorf("store: %w: no memories created: %v", ErrCheck, stored)
	}
	words := strings.Fields(base)
	query := strings.Join(words[len(words)-2:], " ")
	found, err := m.call(ctx, e, "memsync_search", http.MethodPost, "/v1/memories/search", map[string]any{
		"query": query, "thread_id": thread, "limit": 5,
	})
	if err != nil {
		return err
	}
	if mems, _ := found["memories"].([]any); len(mems) == 0 {
		return fmt.Errorf("search %q: %w: stored memory not found", query, ErrCheck)
	}
	return nil
}

// MemSyncListPages pages GET /v1/memories until has_next is false (at most
// 20 pages).
func MemSyncListPages(ctx context.Context, e *Env) error {
	m, err := memsyncTarget(e)
	if err != nil {
		return err
	}
	for page := 1; page <= 20; page++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v1/memories?page=%d&page_size=50", m.BaseURL, page), nil)
		if err != nil {
			return err
		}
		req.Header.Set("X-API-Key", m.Key)
		hc := m.HTTP
		if hc == nil {
			hc = http.DefaultClient
		}
		t0 := e.Clock.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		var body struct {
			Data       []any `json:"data"`
			Pagination struct {
				HasNext bool `json:"has_next"`
			} `json:"pagination"`
		}
		derr := json.NewDecoder(resp.Body).Decode(&body)
		_ = resp.Body.Close()
		e.Recorder.Record("memsync_list", e.Clock.Now().Sub(t0))
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			return ErrMemSyncRateLimited
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("GET /v1/memories: HTTP %d", resp.StatusCode)
		case derr != nil:
			return fmt.Errorf("GET /v1/memories: %w: %v", ErrCheck, derr)
		}
		if !body.Pagination.HasNext {
			return nil
		}
		if err := sleepCtx(ctx, 0); err != nil {
			return err
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
