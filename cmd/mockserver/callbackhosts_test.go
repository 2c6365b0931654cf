package main

import (
	"errors"
	"io"
	"testing"

	"github.com/memharness/memharness/platform/callbackhosts"
)

// TestLoadCallbackHosts: --callback-hosts and MOCK_CALLBACK_HOSTS reach the
// mock's options (the flag winning), the default admits any host, and an
// unparsable list is a configuration error.
func TestLoadCallbackHosts(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string // the policy's String()
		refuses string // a callback URL the policy must refuse ("" = none)
		wantErr bool
	}{
		{name: "default any", want: "any"},
		{name: "flag", args: []string{"--callback-hosts", "loopback"}, want: "loopback", refuses: "https://hooks.example.com/cb"},
		{name: "env", env: map[string]string{"MOCK_CALLBACK_HOSTS": "10.0.0.0/8,hooks.example.com"}, want: "10.0.0.0/8,hooks.example.com", refuses: "http://127.0.0.1/cb"},
		{name: "flag wins", args: []string{"--callback-hosts", "loopback"}, env: map[string]string{"MOCK_CALLBACK_HOSTS": "any"}, want: "loopback"},
		{name: "bad list", args: []string{"--callback-hosts", "10.0.0.0/99"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got policy %s", cfg.Mock.CallbackHosts)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Mock.CallbackHosts.String(); got != tc.want {
				t.Errorf("policy %q, want %q", got, tc.want)
			}
			if tc.refuses != "" && !errors.Is(cfg.Mock.CallbackHosts.Check(tc.refuses), callbackhosts.ErrNotAllowed) {
				t.Errorf("policy %s admits %s", cfg.Mock.CallbackHosts, tc.refuses)
			}
		})
	}
}
