package main

import (
	"strings"
	"testing"

	"github.com/memharness/memharness/loadtest"
	"github.com/memharness/memharness/scenarios"
)

func TestResolveV2(t *testing.T) {
	tests := []struct {
		name        string
		tgt         *target
		flagURL     string
		flagKey     string
		allowRemote bool
		wantBase    string
		wantKey     string
		wantErr     string
	}{
		{name: "in-process mock", tgt: &target{base: "http://127.0.0.1:5", key: "sk-loadtest", local: true},
			wantBase: "http://127.0.0.1:5/serve/api/v2", wantKey: "sk-loadtest"},
		{name: "flag wins, key from the v1 key", tgt: &target{base: "http://127.0.0.1:5", key: "sk-1"},
			flagURL: "http://127.0.0.1:9/serve/api/v2/", wantBase: "http://127.0.0.1:9/serve/api/v2", wantKey: "sk-1"},
		{name: "own key", tgt: &target{base: "http://127.0.0.1:5", key: "sk-1"},
			flagURL: "http://127.0.0.1:9/serve/api/v2", flagKey: "sk-2", wantBase: "http://127.0.0.1:9/serve/api/v2", wantKey: "sk-2"},
		{name: "remote v1 target does not imply v2", tgt: &target{base: "https://api.memories.ai", key: "k", remote: true},
			wantErr: "--v2-target"},
		{name: "remote v2 needs --allow-remote", tgt: &target{base: "http://127.0.0.1:5", key: "k"},
			flagURL: "https://mavi-backend.memories.ai/serve/api/v2", wantErr: "--allow-remote"},
		{name: "remote v2 allowed", tgt: &target{base: "http://127.0.0.1:5", key: "k"}, allowRemote: true,
			flagURL: "https://mavi-backend.memories.ai/serve/api/v2", wantBase: "https://mavi-backend.memories.ai/serve/api/v2", wantKey: "k"},
		{name: "not a URL", tgt: &target{base: "http://127.0.0.1:5", key: "k"}, flagURL: "mavi", wantErr: "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(scenarios.EnvV2BaseURL, "")
			t.Setenv(scenarios.EnvV2APIKey, "")
			v, err := resolveV2(tt.tgt, tt.flagURL, tt.flagKey, tt.allowRemote)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || v.BaseURL != tt.wantBase || v.Key != tt.wantKey {
				t.Fatalf("resolveV2 = %+v, %v; want %s with key %s", v, err, tt.wantBase, tt.wantKey)
			}
		})
	}
}

func TestWorkloadAcceptsV2Operations(t *testing.T) {
	work, err := workload(&runConfig{ops: listFlag{"v2_social_metadata=3", "v2_asset_metadata"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(work) != 2 || work[0].Weight != 3 || !usesV2(work) {
		t.Fatalf("workload %+v", work)
	}
	if _, err := workload(&runConfig{ops: listFlag{"v2_not_an_operation"}}); err == nil {
		t.Fatal("an unknown v2 operation was accepted")
	}
	if usesV2([]loadtest.Weighted{{Scenario: scenarios.Scenario{Name: "search-library"}}}) {
		t.Fatal("a v1 scenario counted as v2")
	}
}
