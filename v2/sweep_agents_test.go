package v2

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// agentSweep covers the agent operations (h_agents.go): one minimal valid
// request per operationId.
func agentSweep() map[string]sweepCase {
	return map[string]sweepCase{
		"v2_queries_stream": jsonCase(http.MethodPost, "/queries/stream", `{"query":"basketball dunk highlights","enable_clarification":false}`),
		"v2_video_clip": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/video/clip", "application/json", strings.NewReader(`{"asset_id":"` + env.video + `"}`)
		},
		"v2_video_split": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/video/split", "application/json", strings.NewReader(`{"asset_id":"` + env.video + `"}`)
		},
		"v2_video_edit": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/video/edit", "application/json",
				strings.NewReader(`{"asset_ids":["` + env.video + `"],"orientation":"portrait","user_prompt":"highlights"}`)
		},
		"v2_screenplay_create": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/screenplay/tasks", "application/json", strings.NewReader(env.screenplayBody())
		},
		"v2_screenplay_get": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodGet, "/screenplay/tasks/" + env.screenplay(false), "", nil
		},
		"v2_screenplay_cancel": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodPost, "/screenplay/tasks/" + env.screenplay(false) + "/cancel", "", nil
		},
		"v2_screenplay_download": func(env *sweepEnv) (string, string, string, io.Reader) {
			return http.MethodGet, "/screenplay/tasks/" + env.screenplay(true) + "/download", "", nil
		},
	}
}

func (env *sweepEnv) screenplayBody() string {
	return `{"mode":"short_drama","episodes":{"1":"` + env.video + `"},"config":{"language":"en","require_xlsx":true}}`
}

// screenplay creates a task; completed advances the clock until it is.
func (env *sweepEnv) screenplay(completed bool) string {
	ts := env.ts
	a := ts.do(http.MethodPost, "/screenplay/tasks", env.key, "application/json", strings.NewReader(env.screenplayBody()))
	id := a.data()["task_id"].(string)
	if completed {
		ts.clk.Advance(time.Hour)
	}
	return id
}
