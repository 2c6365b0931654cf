package contract

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStartV2PicksTheTarget(t *testing.T) {
	// A server that is not a mock: /_mock/health answers 404.
	real := httptest.NewServer(http.NotFoundHandler())
	defer real.Close()
	tests := []struct {
		name      string
		memories  *Target
		cfg       Config
		wantBase  string // "" means no v2 target
		wantKey   string
		wantError bool
	}{
		{name: "mock target serves v2 beside v1", memories: &Target{BaseURL: "http://127.0.0.1:1", Mock: true, FreshKeys: true},
			wantBase: "http://127.0.0.1:1/serve/api/v2"},
		{name: "a real v1 target implies no v2 target", memories: &Target{BaseURL: "https://api.memories.ai", Key: "k"}},
		{name: "explicit v2 URL with its own key", memories: &Target{BaseURL: "https://api.memories.ai"},
			cfg: Config{V2URL: real.URL + "/serve/api/v2/", V2Key: "v2-key", APIKey: "v1-key"}, wantBase: real.URL + "/serve/api/v2", wantKey: "v2-key"},
		{name: "explicit v2 URL falls back to the v1 key", memories: &Target{BaseURL: "https://api.memories.ai"},
			cfg: Config{V2URL: real.URL + "/serve/api/v2", APIKey: "v1-key"}, wantBase: real.URL + "/serve/api/v2", wantKey: "v1-key"},
		{name: "explicit v2 URL without any key", memories: &Target{BaseURL: "https://api.memories.ai"},
			cfg: Config{V2URL: real.URL + "/serve/api/v2"}, wantError: true},
		{name: "not a URL", memories: &Target{}, cfg: Config{V2URL: "::", APIKey: "k"}, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Suite{cfg: tt.cfg, memories: tt.memories}
			err := s.startV2(context.Background())
			if (err != nil) != tt.wantError {
				t.Fatalf("err = %v, want error %v", err, tt.wantError)
			}
			if tt.wantError {
				return
			}
			if tt.wantBase == "" {
				if s.v2 != nil {
					t.Fatalf("v2 target %s, want none", s.v2.BaseURL)
				}
				return
			}
			if s.v2 == nil || s.v2.BaseURL != tt.wantBase || (tt.wantKey != "" && s.v2.Key != tt.wantKey) {
				t.Fatalf("v2 target %+v, want %s with key %q", s.v2, tt.wantBase, tt.wantKey)
			}
			if strings.HasPrefix(tt.wantBase, real.URL) && s.v2.Mock {
				t.Fatal("a server without /_mock/health was taken for a mock")
			}
		})
	}
}
