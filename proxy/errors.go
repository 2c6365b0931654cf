package proxy

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// SpringErrors writes the Spring-style body the Memories.ai hosts answer
// for infrastructure errors (unknown route, 404), which the mock imitates:
// {"timestamp","status","error","message","path"}.
func SpringErrors(w http.ResponseWriter, r *http.Request, status int, message string, now time.Time) {
	writeJSON(w, status, map[string]any{
		"timestamp": now.UTC().Format("2006-01-02T15:04:05.000+00:00"),
		"status":    status,
		"error":     http.StatusText(status),
		"message":   message,
		"path":      r.URL.Path,
	})
}

// MemSyncErrors writes MemSync's error envelope:
// {"error":{"code","message","details"},"status":"error","timestamp"}.
func MemSyncErrors(w http.ResponseWriter, r *http.Request, status int, message string, now time.Time) {
	code := strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	if status == http.StatusNotFound {
		code = "NOT_FOUND"
	}
	writeJSON(w, status, map[string]any{
		"error":     map[string]any{"code": code, "message": message, "details": map[string]any{"path": r.URL.Path}},
		"status":    "error",
		"timestamp": now.UTC().Format(time.RFC3339),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
