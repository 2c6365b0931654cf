package mock

import (
	"errors"
	"strings"

	"github.com/memharness/memharness/platform/accounts"
)

// Control-plane handlers for accounts across surfaces: the v2 account
// webhook (the vendor's console setting), linked keys, and the v2 assets
// and tasks.

func (s *Server) cAccountWebhookGet(cl *call) (any, error) {
	key := cl.c.Param("api_key")
	return map[string]any{"api_key": key, "account": s.p.Accounts.Resolve(key), "url": s.p.Accounts.Webhook(key)}, nil
}

func (s *Server) cAccountWebhook(cl *call) (any, error) {
	u, ok := cl.body["url"].(string)
	if !ok {
		return nil, apiErr(CodeBadParam, "url must be a string (empty clears the webhook)")
	}
	u = strings.TrimSpace(u)
	if u != "" && !strings.Contains(u, "://") {
		u = "http://" + u
	}
	if u != "" {
		if err := s.opts.CallbackHosts.Check(u); err != nil {
			return nil, apiErr(CodeBadParam, "webhook url: %v", err)
		}
	}
	s.p.Accounts.SetWebhook(cl.c.Param("api_key"), u)
	return s.cAccountWebhookGet(cl)
}

func (s *Server) cAccountKeysGet(cl *call) (any, error) {
	key := cl.c.Param("api_key")
	return map[string]any{"account": s.p.Accounts.Resolve(key), "keys": s.p.Accounts.Keys(key)}, nil
}

func (s *Server) cAccountKeys(cl *call) (any, error) {
	raw, _ := cl.body["keys"].([]any)
	keys := make([]string, 0, len(raw))
	for _, k := range raw {
		if ks, ok := k.(string); ok && strings.TrimSpace(ks) != "" {
			keys = append(keys, strings.TrimSpace(ks))
		}
	}
	if len(keys) == 0 {
		return nil, apiErr(CodeBadParam, "keys must be a non-empty array of strings")
	}
	if _, err := s.p.Accounts.Link(cl.c.Param("api_key"), keys...); err != nil {
		if errors.Is(err, accounts.ErrKeyTaken) {
			return nil, apiErr(CodeBadParam, "a key already belongs to another account")
		}
		return nil, err
	}
	return s.cAccountKeysGet(cl)
}

func (s *Server) cV2Assets(cl *call) (any, error) {
	if s.v2 == nil {
		return nil, apiErr(CodeBadParam, "the v2 surface is disabled (--v2 off)")
	}
	account := s.p.Accounts.Resolve(cl.c.Query("api_key"))
	now := s.clk.Now()
	list := s.v2.Assets(account)
	out := make([]map[string]any, len(list))
	for i, a := range list {
		out[i] = map[string]any{"id": a.ID, "kind": a.Kind, "filename": a.Filename, "size": a.Size,
			"sha256": a.SHA256, "status": a.Status(now), "cause": a.Cause, "duration": a.Duration,
			"width": a.Width, "height": a.Height, "fps": a.FPS, "video_codec": a.VideoCodec,
			"audio_codec": a.AudioCodec, "has_audio": a.HasAudio, "created": a.Created, "parent": a.Parent,
			"children": a.Children}
	}
	return map[string]any{"assets": out}, nil
}

func (s *Server) cV2Tasks(cl *call) (any, error) {
	if s.v2 == nil {
		return map[string]any{"tasks": []any{}}, nil
	}
	return map[string]any{"tasks": s.v2.Tasks()}, nil
}
