package contract

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// v2BasePath is where a mock serves Visual Intelligence v2.
const v2BasePath = "/serve/api/v2"

// startV2 picks the v2 target: the configured v2 URL, else the mock
// target's /serve/api/v2 (the in-process mock and the mockserver binary
// serve v2 beside v1), else none.
func (s *Suite) startV2(ctx context.Context) error {
	cfg := s.cfg
	if cfg.V2URL == "" {
		if !s.memories.Mock {
			return nil
		}
		m := s.memories
		// Same server, same keys: an account is one account on v1 and v2.
		s.v2 = &Target{Name: m.BaseURL + v2BasePath, BaseURL: m.BaseURL + v2BasePath, Key: m.Key, Mock: true,
			InProcess: m.InProcess, FreshKeys: m.FreshKeys}
		return nil
	}
	key := cfg.V2Key
	if key == "" {
		key = cfg.APIKey
	}
	if key == "" {
		return fmt.Errorf("contract: a v2 URL (%s) needs a key (%s or %s)", EnvV2BaseURL, EnvV2APIKey, EnvAPIKey)
	}
	u, err := url.Parse(cfg.V2URL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("contract: %s=%q is not a URL", EnvV2BaseURL, cfg.V2URL)
	}
	// A mock answers /_mock/health at the origin; the real API does not.
	origin := Remote(ctx, u.Scheme+"://"+u.Host, key, cfg.ControlToken)
	base := strings.TrimRight(cfg.V2URL, "/")
	s.v2 = &Target{Name: base, BaseURL: base, Key: key, Mock: origin.Mock, FreshKeys: origin.FreshKeys}
	return nil
}

// v2Origin is the scheme://host of the v2 target, where a mock's control
// plane lives.
func (t *Target) v2Origin() string {
	return strings.TrimSuffix(t.BaseURL, v2BasePath)
}
