package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c config)
	}{
		{
			name: "defaults: in-process mock",
			check: func(t *testing.T, c config) {
				if c.target != "" || c.concurrency != 1 {
					t.Fatalf("got %+v", c)
				}
			},
		},
		{
			name: "target and key from the environment",
			env:  map[string]string{"MEMORIES_API_BASE_URL": "http://127.0.0.1:8080", "MEMORIES_API_KEY": "sk-test", "CONTRACT_INCLUDE": "@costly"},
			check: func(t *testing.T, c config) {
				if c.target != "http://127.0.0.1:8080" || c.key != "sk-test" || c.include != "@costly" {
					t.Fatalf("got %+v", c)
				}
			},
		},
		{
			name: "flags win over the environment",
			args: []string{"--target", "http://x", "--key", "k2", "--tags", "@smoke && ~@costly"},
			env:  map[string]string{"MEMORIES_API_BASE_URL": "http://y", "MEMORIES_API_KEY": "k1"},
			check: func(t *testing.T, c config) {
				if c.target != "http://x" || c.key != "k2" || c.tags != "@smoke && ~@costly" {
					t.Fatalf("got %+v", c)
				}
			},
		},
		{name: "target without key", args: []string{"--target", "http://x"}, wantErr: "needs --key"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected"},
		{name: "bad concurrency", args: []string{"--concurrency", "0"}, wantErr: "concurrency"},
		{name: "bad wait timeout", env: map[string]string{"CONTRACT_WAIT_TIMEOUT": "soon"}, wantErr: "CONTRACT_WAIT_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			c, err := load(tt.args, env(tt.env), &stderr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name     string
		c        config
		terminal bool
		want     string
	}{
		{name: "terminal", terminal: true, want: "pretty"},
		{name: "pipe", want: "progress"},
		{name: "explicit", c: config{format: "pretty"}, want: "pretty"},
		{name: "reports", c: config{junit: "out.xml", cucumber: "out.json"}, terminal: true, want: "pretty,junit:out.xml,cucumber:out.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.formats(tt.terminal); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRunWritesReportsAndExitStatus runs two tiny features against the
// in-process mock: a passing one (status 0) and a failing one (status 1),
// each writing JUnit XML and Cucumber JSON.
func TestRunWritesReportsAndExitStatus(t *testing.T) {
	tests := []struct {
		name    string
		feature string
		want    int
	}{
		{
			name: "pass",
			feature: `Feature: ok
  Scenario: list
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 1, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
`,
			want: 0,
		},
		{
			name: "fail",
			feature: `Feature: wrong expectation
  Scenario: list
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 1, "unique_id": "${unique_id}"}
      """
    Then the envelope is a business error "0409"
`,
			want: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			feat := filepath.Join(dir, "features")
			if err := os.Mkdir(feat, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(feat, "x.feature"), []byte(tt.feature), 0o644); err != nil {
				t.Fatal(err)
			}
			junit, cuke := filepath.Join(dir, "out.xml"), filepath.Join(dir, "out.json")
			var out, errOut bytes.Buffer
			got := run(context.Background(), []string{"--features", feat, "--junit", junit, "--cucumber", cuke}, env(nil), &out, &errOut, false)
			if got != tt.want {
				t.Fatalf("status %d, want %d\n%s%s", got, tt.want, out.String(), errOut.String())
			}
			for _, f := range []string{junit, cuke} {
				b, err := os.ReadFile(f)
				if err != nil || len(b) == 0 {
					t.Fatalf("report %s: %v (%d bytes)", f, err, len(b))
				}
			}
			if !strings.Contains(out.String(), "in-process mock") {
				t.Fatalf("the plan does not name the target:\n%s", out.String())
			}
		})
	}
}

func TestPlanOnly(t *testing.T) {
	var out, errOut bytes.Buffer
	if got := run(context.Background(), []string{"--plan"}, env(nil), &out, &errOut, false); got != 0 {
		t.Fatalf("status %d: %s", got, errOut.String())
	}
	if !strings.Contains(out.String(), "Memories.ai target") {
		t.Fatalf("plan: %s", out.String())
	}
}
