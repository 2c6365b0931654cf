package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLoadDefaultsAndEnv(t *testing.T) {
	env := map[string]string{"MOCK_ADDR": "127.0.0.1:9999", "MOCK_SEED": "42", "MOCK_CREDITS": "off", "MOCK_PROCESSING_TIME": "250ms"}
	cfg, err := Load([]string{"--error-style", "http"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.Mock.Seed != 42 || !cfg.Mock.CreditsOff ||
		cfg.Mock.ProcessingTime != 250*time.Millisecond || cfg.Mock.ErrorStyle != "http" {
		t.Fatalf("unexpected config %+v", cfg)
	}
	if cfg.MemSyncAddr != "127.0.0.1:8081" || cfg.Mock.RateLimits != "v1.2" {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{name: "error style", args: []string{"--error-style", "xml"}},
		{name: "rate limits", args: []string{"--rate-limits", "fast"}},
		{name: "credits", args: []string{"--credits", "maybe"}},
		{name: "probability", args: []string{"--stream-fail-probability", "2"}},
		{name: "env duration", env: map[string]string{"MOCK_PROCESSING_TIME": "soon"}},
		{name: "stray argument", args: []string{"extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(tt.args, func(k string) string { return tt.env[k] }, io.Discard); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	var out bytes.Buffer
	_, err := Load([]string{"-h"}, func(string) string { return "" }, &out)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "--data-dir") && !strings.Contains(out.String(), "-data-dir") {
		t.Fatalf("err %v, usage %q", err, out.String())
	}
}

// TestRunServesAndShutsDown starts the binary's run loop on free ports,
// makes the README's curl call, and stops it with SIGTERM.
func TestRunServesAndShutsDown(t *testing.T) {
	ready := make(chan []string, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() {
		done <- run([]string{"--addr", "127.0.0.1:0", "--memsync-addr", "127.0.0.1:0", "--log-level", "error"}, &out, io.Discard, ready)
	}()
	var addrs []string
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
	}
	call := func(key string) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addrs[0]+"/serve/api/v1/list_videos", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := call("sk-test"); m["code"] != "0000" {
		t.Fatalf("with key: %v", m)
	}
	if m := call(""); m["code"] != "0401" {
		t.Fatalf("without key: %v", m)
	}
	if !strings.Contains(out.String(), "curl -s -X POST") {
		t.Fatalf("banner lacks the curl example: %q", out.String())
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no graceful shutdown")
	}
}
