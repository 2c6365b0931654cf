package memsync

import (
	"net/http"
	"slices"
	"time"
)

// createKeyRequest is the create-api-key page's body.
type createKeyRequest struct {
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	ExpiresIn *int64   `json:"expires_in"`
}

// createAPIKey mints a key for the caller's user: the same memories, its own rate limits.
func (s *Server) createAPIKey(cl *call) (result, error) {
	var req createKeyRequest
	if err := decode(cl.body, &req); err != nil {
		return result{}, err
	}
	var key string
	for {
		key = "memsync_sk_live_" + s.st.hexID(32)
		if _, taken := s.st.keys[key]; !taken {
			break
		}
	}
	var scopes []string
	for _, sc := range req.Scopes {
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	k := &apiKey{ID: "key_" + s.st.hexID(12), Key: key, Name: req.Name, Scopes: scopes, userID: cl.user.id,
		CreatedAt: cl.now, seq: len(s.st.keys)}
	if req.ExpiresIn != nil {
		k.ExpiresAt = cl.now.Add(time.Duration(*req.ExpiresIn) * time.Second)
	}
	s.st.keys[key] = k
	s.st.keyIDs[k.ID] = k
	cl.user.keys = append(cl.user.keys, k)
	shown := scopes
	if len(shown) == 0 {
		shown = append([]string(nil), allScopes...)
	}
	return result{Status: http.StatusCreated, Body: map[string]any{
		"api_key_id": k.ID, "key": k.Key, "name": k.Name, "scopes": shown,
		"created_at": formatTime(k.CreatedAt), "expires_at": timePtr(k.ExpiresAt),
	}}, nil
}

// listAPIKeys lists the caller's keys (status filter, limit/offset paging), oldest first.
func (s *Server) listAPIKeys(cl *call) (result, error) {
	want, _ := cl.query["status"].(string)
	limit := intParam(cl.query, "limit", 50)
	offset := intParam(cl.query, "offset", 0)
	var keys []map[string]any
	for _, k := range cl.user.keys {
		st := k.status(cl.now)
		if want != "" && st != want {
			continue
		}
		scopes := k.Scopes
		if len(scopes) == 0 {
			scopes = allScopes
		}
		keys = append(keys, map[string]any{
			"api_key_id": k.ID, "name": k.Name, "scopes": scopes, "status": st,
			"last_used": timePtr(k.LastUsed), "created_at": formatTime(k.CreatedAt), "expires_at": timePtr(k.ExpiresAt),
		})
	}
	total := len(keys)
	page := []map[string]any{}
	if offset < total {
		page = keys[offset:min(offset+limit, total)]
	}
	return ok(map[string]any{"api_keys": page, "total": total, "has_more": offset+len(page) < total})
}

// deleteAPIKey revokes a key of the caller's user. A revoked key answers 401 from then on and is
// listed with status "revoked".
func (s *Server) deleteAPIKey(cl *call) (result, error) {
	id := cl.path["api_key_id"]
	k, found := s.st.keyIDs[id]
	if !found || k.userID != cl.user.id || !k.RevokedAt.IsZero() {
		return result{}, errAPIKeyNotFound(id)
	}
	if k == cl.key {
		return result{}, errCannotDeleteActiveKey(id)
	}
	k.RevokedAt = cl.now
	return ok(map[string]any{"success": true, "api_key_id": id, "deleted_at": formatTime(cl.now)})
}
