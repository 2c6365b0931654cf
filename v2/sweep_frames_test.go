package v2

import (
	"io"
	"net/http"
	"strings"
)

// frameSweep covers the frame operations (h_frames.go): one minimal valid
// request per operationId.
func frameSweep() map[string]sweepCase {
	return map[string]sweepCase{
		"v2_extract_frames": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/video/extract-frames", "application/json", strings.NewReader(`{"asset_id":"` + env.video + `"}`)
		},
	}
}
