package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// v2Steps call Visual Intelligence v2 (raw-key auth, seed 000's envelope);
// every answer is validated against openapi/memories-v2.yaml.
type v2Steps struct{ *world }

// v2State is the scenario's v2 account and pacing.
type v2State struct {
	target *Target
	key    string
	noKey  bool
	other  string // the key of the next request only
	// last is when each operation was last sent: the v2 rate-limit page
	// allows 1 QPS per operation and account, so the steps pace
	// themselves like a well-mannered client.
	last  map[string]time.Time
	bytes map[string][]byte // uploaded bytes by asset variable
}

func (g v2Steps) register(ctx *godog.ScenarioContext) {
	const grp, file = "Visual Intelligence v2", "steps_v2.go"
	d := func(pattern, example string, fn any) { g.def(ctx, grp, file, pattern, example, fn) }

	d(`^the v2 API$`, `Given the v2 API`, g.use)
	d(`^the next v2 request has no API key$`, `Given the next v2 request has no API key`, g.noKey)
	d(`^the next v2 request uses the API key "([^"]+)"$`, `Given the next v2 request uses the API key "sk-other-${unique_id}"`, g.otherKey)
	d(`^the v2 account webhook is the callback receiver$`, `Given the v2 account webhook is the callback receiver`, g.webhook)
	d(`^I call v2 "([^"]+)"$`, `When I call v2 "v2_asset_metadata"`, g.call)
	d(`^I call v2 "([^"]+)" for "([^"]*)"$`, `When I call v2 "v2_asset_metadata" for "${clip}"`, g.callFor)
	d(`^I call v2 "([^"]+)" with query "([^"]*)"$`, `When I call v2 "v2_download_blob" with query "bucket=mavi-resource&blob=${clip}.mp4"`, g.callQuery)
	d(`^I call v2 "([^"]+)" for "([^"]*)" with query "([^"]*)"$`, `When I call v2 "v2_signed_upload_put" for "${signed}" with query "token=wrong"`, g.callForQuery)
	d(`^I call v2 "([^"]+)" with JSON:$`, `When I call v2 "v2_embed_text" with JSON:`, g.callJSON)
	d(`^I call v2 "([^"]+)" for "([^"]*)" with JSON:$`, `When I call v2 "v2_social_metadata" for "tiktok" with JSON:`, g.callForJSON)
	d(`^I call v2 "([^"]+)" with multipart fields:$`, `When I call v2 "v2_upload" with multipart fields:`, g.callMultipart)
	d(`^I call v2 "([^"]+)" twice at once with JSON:$`, `When I call v2 "v2_embed_text" twice at once with JSON:`, g.callTwice)
	d(`^I upload to v2 "(@[^"]+)" as "([^"]+)"$`, `Given I upload to v2 "@mp4(name=beach.mp4, seconds=12)" as "clip"`, g.upload)
	d(`^I call v2 "([^"]+)" for "([^"]*)" with query "([^"]*)" and the file "(@[^"]+)"$`, `When I call v2 "v2_signed_upload_put" for "${signed}" with query "token=wrong" and the file "@mp4(seconds=2)"`, g.callWithFile)
	d(`^I (PUT|POST) "(@[^"]+)" to the v2 signed URL as "([^"]+)"$`, `When I PUT "@mp4(name=signed.mp4, seconds=4)" to the v2 signed URL as "signed"`, g.signedUpload)
	d(`^the v2 asset "([^"]+)" is "([A-Z]+)" within (\d+) seconds$`, `Then the v2 asset "clip" is "SUCCESS" within 30 seconds`, g.waitStatus)
	d(`^the v2 answer is the bytes uploaded as "([^"]+)"$`, `Then the v2 answer is the bytes uploaded as "clip"`, g.sameBytes)
	d(`^the v2 stream ends with "([^"]*)"$`, `Then the v2 stream ends with "data: [DONE]"`, g.streamEnds)
	d(`^the v2 stream has the event "([^"]+)"$`, `Then the v2 stream has the event "started"`, g.streamHasEvent)
	d(`^the v2 screenplay "([^"]+)" is "([a-z]+)" within (\d+) seconds$`, `Then the v2 screenplay "play" is "completed" within 60 seconds`, g.waitScreenplay)
	d(`^the v2 envelope is a success$`, `Then the v2 envelope is a success`, g.success)
	d(`^the v2 answer is the error (\d+) "([^"]*)"$`, `Then the v2 answer is the error 400 "asset_id cannot be null or empty"`, g.errorIs)
	d(`^within (\d+) seconds the callback receiver gets the v2 task "([^"]+)"$`, `Then within 10 seconds the callback receiver gets the v2 task "${task}"`, g.waitTask)
}

func (g v2Steps) use() error {
	t := g.s.v2
	if t == nil {
		return g.skip("no v2 target is configured (" + EnvV2BaseURL + ")")
	}
	st := &v2State{target: t, key: t.Key, last: map[string]time.Time{}, bytes: map[string][]byte{}}
	if t.FreshKeys {
		// The scenario's own account, shared with its v1 steps.
		st.key = g.key
	}
	g.v2 = st
	g.vars["v2_key"] = st.key
	return nil
}

func (g v2Steps) state() (*v2State, error) {
	if g.v2 == nil {
		return nil, fmt.Errorf("use \"the v2 API\" first")
	}
	return g.v2, nil
}

func (g v2Steps) noKey() error {
	st, err := g.state()
	if err != nil {
		return err
	}
	st.noKey = true
	return nil
}

// otherKey makes the next request use another key (another account on a
// mock, where every key is its own account).
func (g v2Steps) otherKey(key string) error {
	st, err := g.state()
	if err != nil {
		return err
	}
	if !st.target.FreshKeys {
		return g.skip("needs a mock where any new key is its own account")
	}
	k, err := g.expand(key)
	if err != nil {
		return err
	}
	st.other = k
	return nil
}

// webhook sets the scenario account's v2 webhook to the loopback callback
// receiver through the mock's control plane (the console does it on the
// real platform).
func (g v2Steps) webhook() error {
	st, err := g.state()
	if err != nil {
		return err
	}
	if !st.target.Mock {
		return g.skip("the v2 target is not a mock: its account webhook is set in the vendor's console")
	}
	if g.receiver == nil {
		if err := (uploadSteps{g.world}).listen(); err != nil {
			return err
		}
	}
	body, _ := json.Marshal(map[string]string{"url": g.vars["callback_url"]})
	u := st.target.v2Origin() + "/_mock/accounts/" + url.PathEscape(st.key) + "/webhook"
	req, err := http.NewRequestWithContext(g.ctx, http.MethodPut, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if g.s.cfg.ControlToken != "" {
		req.Header.Set("X-Mock-Token", g.s.cfg.ControlToken)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	b, _ := readAllLimit(res.Body, 1<<20)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("setting the account webhook answered HTTP %d: %s", res.StatusCode, excerpt(b))
	}
	return nil
}

func (g v2Steps) op(id string) (*Operation, error) {
	if _, err := g.state(); err != nil {
		return nil, err
	}
	o, ok := g.s.specs.Op(APIV2, id)
	if !ok {
		return nil, fmt.Errorf("no operation %q in memories-v2.yaml (not implemented yet?)", id)
	}
	return o, nil
}

// v2Request is one request of the v2 steps.
type v2Request struct {
	op          *Operation
	param       string // the value of the operation's only path parameter
	query       url.Values
	body        []byte
	contentType string
	unpaced     bool
}

// send calls v2 and validates the answer against memories-v2.yaml. A 404
// means the operation is not served (yet): the step fails saying so.
func (g v2Steps) send(r v2Request) (*result, error) {
	st := g.v2
	params := map[string]string{}
	for _, name := range r.op.params {
		params[name] = url.PathEscape(r.param)
	}
	path, err := r.op.Expand(params)
	if err != nil {
		return nil, err
	}
	u := st.target.BaseURL + path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	if !r.unpaced {
		if err := g.pace(r.op.ID); err != nil {
			return nil, err
		}
	}
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	ctx, cancel := context.WithTimeout(g.ctx, 3*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.op.Method, u, rd)
	if err != nil {
		return nil, err
	}
	if r.body != nil {
		req.Header.Set("Content-Type", r.contentType)
	}
	switch {
	case st.noKey:
		st.noKey = false
	case st.other != "":
		req.Header.Set("Authorization", st.other)
		st.other = ""
	default:
		req.Header.Set("Authorization", st.key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("v2 %s: %w", r.op.ID, err)
	}
	b, err := readAllLimit(res.Body, 64<<20)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	out := newResult(APIV2, r.op.ID, r.op.Method, path, res, b)
	g.last = out
	if res.StatusCode == http.StatusNotFound {
		return out, fmt.Errorf("v2 %s %s answered 404: the target does not serve %s: %s", r.op.Method, path, r.op.ID, excerpt(b))
	}
	// The request as the spec sees it: paths relative to the v2 base.
	vreq := req.Clone(context.Background())
	vreq.URL.Path = path
	vs := g.s.validator.Validate(r.op, Response{Request: vreq, Status: res.StatusCode, Header: res.Header, Body: b,
		BodyOmitted: !eventSchemaDocumented(r.op, res)})
	g.mu.Lock()
	g.violations = append(g.violations, vs...)
	g.mu.Unlock()
	return out, nil
}

// eventSchemaDocumented reports whether an answer can be checked body and
// all: a JSON answer always; an event stream only when the validator finds
// its event schema. Streams it cannot check (chat chunks, the searching
// agent's typed events) are checked by "the v2 stream ends with" and "the
// v2 stream has the event" instead.
func eventSchemaDocumented(o *Operation, res *http.Response) bool {
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return true
	}
	r := o.Operation.Responses.Status(res.StatusCode)
	if r == nil || r.Value == nil {
		return true
	}
	mt := r.Value.Content.Get("text/event-stream")
	if mt == nil {
		return true
	}
	// The validator checks events against the one schema x-sse-events
	// names, else ChatStreamEvent (validateStream): the stream is checkable
	// only when that schema exists in memories-v2.yaml.
	name := "ChatStreamEvent"
	if names, ok := mt.Extensions["x-sse-events"].([]any); ok && len(names) == 1 {
		if n, ok := names[0].(string); ok {
			name = n
		}
	}
	ref := o.Spec.Components.Schemas[name]
	return ref != nil && ref.Value != nil
}

// pace waits until a second has passed since the operation's last call.
func (g v2Steps) pace(op string) error {
	st := g.v2
	if last, ok := st.last[op]; ok {
		if wait := time.Until(last.Add(1100 * time.Millisecond)); wait > 0 {
			select {
			case <-g.ctx.Done():
				return g.ctx.Err()
			case <-time.After(wait):
			}
		}
	}
	st.last[op] = time.Now()
	return nil
}

func (g v2Steps) call(id string) error { return g.callFor(id, "") }

func (g v2Steps) callFor(id, param string) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	p, err := g.expand(param)
	if err != nil {
		return err
	}
	_, err = g.send(v2Request{op: o, param: p})
	return err
}

func (g v2Steps) callQuery(id, q string) error { return g.callForQuery(id, "", q) }

func (g v2Steps) callForQuery(id, param, q string) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	p, err := g.expand(param)
	if err != nil {
		return err
	}
	vals, err := g.expandQuery(q)
	if err != nil {
		return err
	}
	_, err = g.send(v2Request{op: o, param: p, query: vals})
	return err
}

func (g v2Steps) callJSON(id string, doc *godog.DocString) error { return g.callForJSON(id, "", doc) }

func (g v2Steps) callForJSON(id, param string, doc *godog.DocString) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	p, err := g.expand(param)
	if err != nil {
		return err
	}
	body, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	_, err = g.send(v2Request{op: o, param: p, body: body, contentType: "application/json"})
	return err
}

// callTwice fires the same request twice back to back, unpaced: the
// second meets the per-operation 1 QPS limit.
func (g v2Steps) callTwice(id string, doc *godog.DocString) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	body, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	g.batch = nil
	for i := 0; i < 2; i++ {
		r, err := g.send(v2Request{op: o, body: body, contentType: "application/json", unpaced: true})
		if err != nil {
			return err
		}
		g.batch = append(g.batch, r)
	}
	return nil
}

func (g v2Steps) callMultipart(id string, t *godog.Table) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	rows, err := g.formRows(t)
	if err != nil {
		return err
	}
	body, ct, err := buildMultipart(rows)
	if err != nil {
		return err
	}
	_, err = g.send(v2Request{op: o, body: body, contentType: ct})
	return err
}

// callWithFile sends a generated file as the raw body (octet-stream).
func (g v2Steps) callWithFile(id, param, q, spec string) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	f, ok, err := parseFileSpec(spec)
	if err != nil || !ok {
		return fmt.Errorf("%q is not a file spec: %v", spec, err)
	}
	p, err := g.expand(param)
	if err != nil {
		return err
	}
	vals, err := g.expandQuery(q)
	if err != nil {
		return err
	}
	_, err = g.send(v2Request{op: o, param: p, query: vals, body: f.data, contentType: "application/octet-stream"})
	return err
}

// signedUpload sends a generated file to the signed_url of the last
// answer (step 2 of the signed upload: PUT raw bytes or POST multipart),
// remembering the asset under name. The signed URL carries its own
// credentials, so no key is sent; on a mock the answer is validated as the
// mock's stand-in endpoint.
func (g v2Steps) signedUpload(method, spec, name string) error {
	st, err := g.state()
	if err != nil {
		return err
	}
	su, err := g.field("data.signed_url")
	if err != nil {
		return err
	}
	id, err := g.field("data.asset_id")
	if err != nil {
		return err
	}
	f, ok, err := parseFileSpec(spec)
	if err != nil || !ok {
		return fmt.Errorf("%q is not a file spec: %v", spec, err)
	}
	body, ct := f.data, "application/octet-stream"
	op := "v2_signed_upload_put"
	if method == http.MethodPost {
		op = "v2_signed_upload_post"
		if body, ct, err = buildMultipart([][2]string{{"file", spec}}); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(g.ctx, 3*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, textOf(su), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ct)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	b, _ := readAllLimit(res.Body, 1<<20)
	res.Body.Close()
	g.last = newResult(APIV2, op, method, req.URL.Path, res, b)
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s to the signed URL answered HTTP %d: %s", method, res.StatusCode, excerpt(b))
	}
	if o, ok := g.s.specs.Op(APIV2, op); ok && st.target.Mock {
		vreq := req.Clone(context.Background())
		vreq.URL.Path = strings.TrimPrefix(vreq.URL.Path, v2BasePath)
		vs := g.s.validator.Validate(o, Response{Request: vreq, Status: res.StatusCode, Header: res.Header, Body: b})
		g.mu.Lock()
		g.violations = append(g.violations, vs...)
		g.mu.Unlock()
	}
	g.vars[name] = textOf(id)
	st.bytes[name] = f.data
	return nil
}

// upload posts a generated file (the HTTP steps' file specs) to /upload
// and remembers its asset_id and bytes under name.
func (g v2Steps) upload(spec, name string) error {
	o, err := g.op("v2_upload")
	if err != nil {
		return err
	}
	f, ok, err := parseFileSpec(spec)
	if err != nil || !ok {
		return fmt.Errorf("%q is not a file spec like @mp4(name=a.mp4, seconds=5): %v", spec, err)
	}
	body, ct, err := buildMultipart([][2]string{{"file", spec}})
	if err != nil {
		return err
	}
	r, err := g.send(v2Request{op: o, body: body, contentType: ct})
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return fmt.Errorf("upload answered HTTP %d: %s", r.status, excerpt(r.body))
	}
	id, err := lookup(r.json, "data.asset_id")
	if err != nil {
		return err
	}
	g.vars[name] = textOf(id)
	g.v2.bytes[name] = f.data
	return nil
}

// waitStatus polls GET /{asset_id}/metadata (paced at 1 QPS) until the
// asset's upload_status is want.
func (g v2Steps) waitStatus(name, want string, secs int) error {
	o, err := g.op("v2_asset_metadata")
	if err != nil {
		return err
	}
	id, ok := g.vars[name]
	if !ok {
		return fmt.Errorf("no asset remembered as %q", name)
	}
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	if !g.v2.target.Mock && g.s.cfg.WaitTimeout > time.Duration(secs)*time.Second {
		deadline = time.Now().Add(g.s.cfg.WaitTimeout)
	}
	last := ""
	for time.Now().Before(deadline) {
		r, err := g.send(v2Request{op: o, param: id})
		if err != nil {
			return err
		}
		if r.status != http.StatusOK {
			return fmt.Errorf("metadata of %s answered HTTP %d: %s", id, r.status, excerpt(r.body))
		}
		v, err := lookup(r.json, "data.resource.0.upload_status")
		if err != nil {
			return err
		}
		last = textOf(v)
		if last == want {
			return nil
		}
		if last == "FAILED" || last == "SUCCESS" {
			return fmt.Errorf("asset %s ended %s, want %s", id, last, want)
		}
	}
	return fmt.Errorf("asset %s is still %s after %d seconds, want %s", id, last, secs, want)
}

func (g v2Steps) sameBytes(name string) error {
	r, err := g.lastResult()
	if err != nil {
		return err
	}
	want, ok := g.v2.bytes[name]
	if !ok {
		return fmt.Errorf("nothing was uploaded as %q", name)
	}
	if r.status != http.StatusOK || !bytes.Equal(r.body, want) {
		return fmt.Errorf("%s answered HTTP %d with %d bytes, want the %d uploaded bytes of %s", r.op, r.status, len(r.body), len(want), name)
	}
	return nil
}

// streamEnds: the last answer's body, trailing blank lines dropped, ends
// with want (an SSE stream's terminator).
func (g v2Steps) streamEnds(want string) error {
	r, err := g.lastResult()
	if err != nil {
		return err
	}
	if body := strings.TrimRight(string(r.body), "\r\n"); !strings.HasSuffix(body, want) {
		return fmt.Errorf("%s: the stream does not end with %q: ...%s", r.op, want, body[max(0, len(body)-200):])
	}
	// Every other event is an OpenAI chat.completion.chunk (what the
	// openai SDK reads).
	evs := SplitEvents(r.body)
	for i, ev := range evs {
		if i == len(evs)-1 {
			break
		}
		var chunk struct {
			Object  string `json:"object"`
			Choices []any  `json:"choices"`
		}
		if err := json.Unmarshal([]byte(ev.Text), &chunk); err != nil || chunk.Object != "chat.completion.chunk" || chunk.Choices == nil {
			return fmt.Errorf("%s: event %d is not a chat.completion.chunk: %s", r.op, i+1, excerpt([]byte(ev.Raw)))
		}
	}
	return nil
}

// streamHasEvent: the last answer is an event stream with an event of the
// named type ("event: <name>").
func (g v2Steps) streamHasEvent(name string) error {
	r, err := g.lastResult()
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(r.body), "\n") {
		if strings.TrimSpace(strings.TrimPrefix(line, "event:")) == name && strings.HasPrefix(line, "event:") {
			return nil
		}
	}
	return fmt.Errorf("%s: no %q event in the stream: %s", r.op, name, excerpt(r.body))
}

// waitScreenplay polls GET /screenplay/tasks/{task_id} (1 QPS) until the
// task's status is want; a terminal other status fails at once.
func (g v2Steps) waitScreenplay(name, want string, secs int) error {
	o, err := g.op("v2_screenplay_get")
	if err != nil {
		return err
	}
	id, ok := g.vars[name]
	if !ok {
		return fmt.Errorf("no screenplay task remembered as %q", name)
	}
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		r, err := g.send(v2Request{op: o, param: id})
		if err != nil {
			return err
		}
		v, err := lookup(r.json, "data.status")
		if err != nil {
			return err
		}
		last = textOf(v)
		if last == want {
			return nil
		}
		if last == "failed" || last == "cancelled" || last == "completed" {
			return fmt.Errorf("screenplay %s ended %s, want %s", id, last, want)
		}
	}
	return fmt.Errorf("screenplay %s is still %s after %d seconds, want %s", id, last, secs, want)
}

// v2Envelope returns the last answer's seed-000 envelope.
func (g v2Steps) v2Envelope() (map[string]any, *result, error) {
	r, err := g.lastResult()
	if err != nil {
		return nil, nil, err
	}
	m, ok := r.json.(map[string]any)
	if !r.isJSON || !ok {
		return nil, r, fmt.Errorf("%s answered HTTP %d without a JSON envelope: %s", r.op, r.status, excerpt(r.body))
	}
	return m, r, nil
}

// success: HTTP 200, code 200 (or "0000" under --v2-codes string), msg
// success, success true, failed false.
func (g v2Steps) success() error {
	m, r, err := g.v2Envelope()
	if err != nil {
		return err
	}
	code := textOf(m["code"])
	if r.status != http.StatusOK || (code != "200" && code != "0000") || m["msg"] != "success" ||
		m["success"] != true || m["failed"] != false {
		return fmt.Errorf("%s: not a seed-000 success (HTTP %d): %s", r.op, r.status, excerpt(r.body))
	}
	return nil
}

// errorIs: the HTTP status equals the code, the msg is want, data is null.
func (g v2Steps) errorIs(status int, want string) error {
	m, r, err := g.v2Envelope()
	if err != nil {
		return err
	}
	code := textOf(m["code"])
	if r.status != status || (code != fmt.Sprint(status) && code != fmt.Sprintf("%04d", status)) {
		return fmt.Errorf("%s answered HTTP %d code %s, want %d: %s", r.op, r.status, code, status, excerpt(r.body))
	}
	if m["msg"] != want {
		return fmt.Errorf("%s: msg %q, want %q", r.op, m["msg"], want)
	}
	if d, ok := m["data"]; ok && d != nil {
		return fmt.Errorf("%s: error data is %s, want null", r.op, textOf(d))
	}
	return nil
}

// waitTask waits for the webhook body of task id, checks it against the
// spec's Webhook schema and makes it the last answer, so the field steps
// can inspect it.
func (g v2Steps) waitTask(secs int, id string) error {
	if g.receiver == nil {
		return fmt.Errorf("no callback receiver is listening")
	}
	want, err := g.expand(id)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(g.ctx, time.Duration(secs)*time.Second)
	defer cancel()
	body, all, err := g.receiver.wait(ctx, func(b []byte) bool {
		var m map[string]any
		return json.Unmarshal(b, &m) == nil && m["task_id"] == want
	})
	if err != nil {
		return fmt.Errorf("no callback for task %s within %d seconds (%d other deliveries)", want, secs, len(all))
	}
	vs := g.s.validator.ValidateSchema(APIV2, "Webhook", body)
	g.mu.Lock()
	g.violations = append(g.violations, vs...)
	g.mu.Unlock()
	res := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}}
	g.last = newResult(APIV2, "webhook", http.MethodPost, "callback", res, body)
	if !strings.Contains(string(body), `"message":"SUCCESS"`) {
		return fmt.Errorf("task %s callback is not a success: %s", want, excerpt(body))
	}
	return nil
}
