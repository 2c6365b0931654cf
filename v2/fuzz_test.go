package v2

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/openapi"
	"github.com/memharness/memharness/platform"
)

// fuzzOps lists every operation with a JSON request body (path with
// parameters filled in), in a fixed order so the fuzzer's operation index
// is stable.
func fuzzOps(t testing.TB) []struct{ method, path, id string } {
	spec, err := openapi.MemoriesV2()
	if err != nil {
		t.Fatal(err)
	}
	var out []struct{ method, path, id string }
	paths := spec.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		item := spec.Paths.Value(p)
		for method, o := range item.Operations() {
			if o.RequestBody == nil || o.RequestBody.Value == nil || o.RequestBody.Value.Content.Get("application/json") == nil {
				continue
			}
			path := strings.NewReplacer("{asset_id}", "re_000000000000000001", "{platform}", "youtube").Replace(p)
			out = append(out, struct{ method, path, id string }{method, path, o.OperationID})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// fuzzSurface is a surface on a fake clock (async tasks never fire) with
// an account webhook set, so async operations get past the webhook check.
func fuzzSurface(f *testing.F) http.Handler {
	clk := clock.NewFake(time.Date(2026, 3, 13, 10, 0, 0, 0, time.UTC))
	st, err := store.Open(store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	p, err := platform.New(platform.Options{Clock: clk, RateLimits: "off", CreditsOff: true})
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(Options{Platform: p, Store: st})
	if err != nil {
		f.Fatal(err)
	}
	p.Accounts.SetWebhook("sk-fuzz", "http://127.0.0.1:9/hook")
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	s.Register(e)
	f.Cleanup(func() {
		s.Close()
		_ = p.Close()
		_ = st.Close()
	})
	return e
}

// FuzzRequestBodies sends arbitrary bytes as the JSON body of every v2
// operation that takes one: the surface must not panic, must not answer
// 5xx, must answer within 10 s (the clock is fake: nothing may wait on it
// before answering), and must answer seed 000's envelope (or, for chat
// completions, a bare object or an event stream; for the live-stream
// endpoints' successes, their {code, message, data}).
func FuzzRequestBodies(f *testing.F) {
	seeds := []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"asset_id":""}`, `{"asset_id":"re_000000000000000001"}`,
		`{"asset_id":123}`, `{"asset_id":["re_1"]}`, `{"video_url":"https://www.youtube.com/watch?v=dQw4w9WgXcQ","channel":"rapid"}`,
		`{"video_url":"https://youtu.be/dQw4w9WgXcQ","channel":"nope"}`, `{"video_id":"dQw4w9WgXcQ"}`,
		`{"video_url":"https://youtu.be/dQw4w9WgXcQ","callback_url":"http://127.0.0.1:1/x"}`,
		`{"model":"gemini:gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"input_file","file_id":"re_1"}]}],"stream":true}`,
		`{"text":"beach","model":"x"}`, `{"original_filename":"a.mp4"}`, `{"asset_id":"re_1","model":"whisper","speaker":true}`,
		`{"a":1e400}`, `{"a":-0}`, `{"asset_id":"\u0000"}`, `{"x":{"y":{"z":[1,2,{"w":null}]}}}`, `{`, `{"a":1}{"b":2}`,
		strings.Repeat(`[`, 10000), `{"asset_id":"` + strings.Repeat("a", 70000) + `"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	h := fuzzSurface(f)
	ops := fuzzOps(f)
	if len(ops) == 0 {
		f.Fatal("no operation takes a JSON body")
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		op := ops[int(which)%len(ops)]
		req := httptest.NewRequest(op.method, BasePath+op.path, bytes.NewReader(body))
		req.Header.Set("Authorization", "sk-fuzz")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		served := make(chan struct{})
		go func() {
			defer close(served)
			h.ServeHTTP(rec, req)
		}()
		select {
		case <-served:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s did not answer within 10s to %q", op.id, body)
		}
		if rec.Code >= 500 {
			t.Fatalf("%s answered HTTP %d to %q: %.300s", op.id, rec.Code, body, rec.Body.String())
		}
		ct := rec.Header().Get("Content-Type")
		if strings.HasPrefix(ct, "text/event-stream") {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s answered HTTP %d with no JSON object: %.300s", op.id, rec.Code, rec.Body.String())
		}
		if _, chat := m["choices"]; chat {
			return // a bare chat completion (or Gemini/Qwen output), not the envelope
		}
		if _, out := m["output"]; out {
			return
		}
		if _, ok := m["msg"]; !ok && rec.Code == http.StatusOK {
			// The stream endpoints' own envelope: {code, message, data}.
			if m["code"] != float64(200) || m["message"] != "success" || m["data"] == nil {
				t.Fatalf("%s: stream envelope: %.300s", op.id, rec.Body.String())
			}
			return
		}
		code, ok := m["code"].(float64)
		if !ok || int(code) != rec.Code {
			t.Fatalf("%s: HTTP %d with code %v: %.300s", op.id, rec.Code, m["code"], rec.Body.String())
		}
		if _, ok := m["msg"].(string); !ok {
			t.Fatalf("%s: no msg: %.300s", op.id, rec.Body.String())
		}
		wantOK := rec.Code == http.StatusOK
		if m["success"] != wantOK || m["failed"] != !wantOK {
			t.Fatalf("%s: success/failed flags for HTTP %d: %.300s", op.id, rec.Code, rec.Body.String())
		}
		if !wantOK && m["data"] != nil {
			t.Fatalf("%s: error with data: %.300s", op.id, rec.Body.String())
		}
	})
}
