package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/mock/media/mediatest"
)

// httpSteps send requests by operationId and check responses and envelopes.
type httpSteps struct{ *world }

func (g httpSteps) register(ctx *godog.ScenarioContext) {
	const grp, file = "HTTP and envelope", "steps_http.go"
	d := func(pattern, example string, fn any) { g.def(ctx, grp, file, pattern, example, fn) }

	d(`^I call "([^"]+)"$`, `When I call "folders"`, g.call)
	d(`^I call "([^"]+)" with query "([^"]*)"$`, `When I call "get_metadata" with query "video_no=${clip}&unique_id=${unique_id}"`, g.callQuery)
	d(`^I call "([^"]+)" with JSON:$`, `When I call "search" with JSON:`, g.callJSON)
	d(`^I call "([^"]+)" with query "([^"]*)" and JSON:$`, `When I call "delete_videos" with query "unique_id=${unique_id}" and JSON:`, g.callQueryJSON)
	d(`^I call "([^"]+)" with form fields:$`, `When I call "upload_url" with form fields:`, g.callForm)
	d(`^I call "([^"]+)" with multipart fields:$`, `When I call "upload" with multipart fields:`, g.callMultipart)
	d(`^I call "([^"]+)" with the body "([^"]*)" of type "([^"]+)"$`, `When I call "search" with the body "{not json" of type "application/json"`, g.callRaw)
	d(`^I call "([^"]+)" for "([^"]+)"$`, `When I call "mock_video_complete" for "${clip}"`, g.callFor)
	d(`^I call "([^"]+)" for "([^"]+)" with JSON:$`, `When I call "mock_video_status" for "${clip}" with JSON:`, g.callForJSON)
	d(`^I send "([A-Z]+)" to the path "([^"]+)"$`, `When I send "POST" to the path "/serve/api/v1/no_such_operation"`, g.sendPath)
	d(`^the next request has the header "([^"]+)" set to "([^"]*)"$`, `Given the next request has the header "X-Mock-Force" set to "0429"`, g.nextHeader)
	d(`^I remember "([^"]*)" as "([^"]+)"$`, `Given I remember "beach" as "word"`, g.rememberValue)

	d(`^the response status is (\d+)$`, `Then the response status is 200`, g.status)
	d(`^the response content type is "([^"]+)"$`, `Then the response content type is "application/json"`, g.contentType)
	d(`^the response header "([^"]+)" is "([^"]*)"$`, `Then the response header "X-RateLimit-Remaining" is "0"`, g.headerIs)
	d(`^the response header "([^"]+)" is present$`, `Then the response header "Retry-After" is present`, g.headerPresent)
	d(`^the response conforms to the description$`, `Then the response conforms to the description`, g.conforms)
	d(`^the envelope is a success$`, `Then the envelope is a success`, g.success)
	d(`^the envelope is a business error "([^"]+)"$`, `Then the envelope is a business error "0001"`, g.businessError)
	d(`^the envelope is not a success$`, `Then the envelope is not a success`, g.notSuccess)
	d(`^the envelope code is "([^"]+)"$`, `Then the envelope code is "0000"`, g.codeIs)
	d(`^the envelope message is "([^"]*)"$`, `Then the envelope message is "Request has exceeded the limit."`, g.msgIs)
	d(`^the envelope message contains "([^"]*)"$`, `Then the envelope message contains "callback"`, g.msgContains)
	d(`^the response includes the JSON:$`, `Then the response includes the JSON:`, g.includesJSON)

	d(`^the field "([^"]+)" is "([^"]*)"$`, `Then the field "data.videoStatus" is "UNPARSE"`, g.fieldIs)
	d(`^the field "([^"]+)" is not "([^"]*)"$`, `Then the field "data.session_id" is not ""`, g.fieldIsNot)
	d(`^the field "([^"]+)" matches "([^"]+)"$`, `Then the field "data.videoNo" matches "^VI[0-9]{18}$"`, g.fieldMatches)
	d(`^the field "([^"]+)" contains "([^"]*)"$`, `Then the field "data.videos.0.cause" contains "codec"`, g.fieldContains)
	d(`^the field "([^"]+)" is null$`, `Then the field "data" is null`, g.fieldNull)
	d(`^the field "([^"]+)" is not empty$`, `Then the field "data.content" is not empty`, g.fieldNotEmpty)
	d(`^the field "([^"]+)" has (\d+) items?$`, `Then the field "data.videos" has 1 item`, g.fieldLen)
	d(`^the field "([^"]+)" has at least (\d+) items?$`, `Then the field "data" has at least 1 item`, g.fieldMinLen)
	d(`^the field "([^"]+)" has an item whose "([^"]+)" is "([^"]*)"$`, `Then the field "data.sessions" has an item whose "sessionId" is "${session}"`, g.hasItem)
	d(`^the field "([^"]+)" has no item whose "([^"]+)" is "([^"]*)"$`, `Then the field "data.videos" has no item whose "video_no" is "${clip}"`, g.hasNoItem)
	d(`^the field "([^"]+)" is a number between (-?[0-9.]+) and (-?[0-9.]+)$`, `Then the field "data.0.score" is a number between 0 and 1`, g.fieldBetween)
	d(`^the items of "([^"]+)" are ordered by "([^"]+)" descending$`, `Then the items of "data" are ordered by "score" descending`, g.orderedDesc)
	d(`^the items of "([^"]+)" are ordered by "([^"]+)" ascending$`, `Then the items of "data.items" are ordered by "start" ascending`, g.orderedAsc)
	d(`^I remember the field "([^"]+)" as "([^"]+)"$`, `When I remember the field "data.videoNo" as "clip"`, g.rememberField)
	d(`^I remember a word of the field "([^"]+)" as "([^"]+)"$`, `When I remember a word of the field "data.transcriptions.0.content" as "word"`, g.rememberWord)
}

func (g httpSteps) call(id string) error { return g.callQuery(id, "") }

func (g httpSteps) callQuery(id, q string) error {
	o, err := g.operation(id)
	if err != nil {
		return err
	}
	vals, err := g.expandQuery(q)
	if err != nil {
		return err
	}
	_, err = g.send(request{op: o, query: vals})
	return err
}

func (g httpSteps) callJSON(id string, doc *godog.DocString) error {
	return g.callQueryJSON(id, "", doc)
}

func (g httpSteps) callQueryJSON(id, q string, doc *godog.DocString) error {
	o, err := g.operation(id)
	if err != nil {
		return err
	}
	body, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	qs, err := g.expand(q)
	if err != nil {
		return err
	}
	vals, err := url.ParseQuery(qs)
	if err != nil {
		return err
	}
	_, err = g.send(request{op: o, query: vals, body: body, contentType: "application/json"})
	return err
}

// jsonBody expands a doc string and checks that it is JSON (a typo in a
// feature should not pass for a server-side rejection).
func (w *world) jsonBody(doc *godog.DocString) ([]byte, error) {
	s, err := w.expand(doc.Content)
	if err != nil {
		return nil, err
	}
	if !json.Valid([]byte(s)) {
		return nil, fmt.Errorf("the doc string is not valid JSON: %s", s)
	}
	return []byte(s), nil
}

func (g httpSteps) callRaw(id, body, ct string) error {
	o, err := g.operation(id)
	if err != nil {
		return err
	}
	_, err = g.send(request{op: o, body: []byte(g.expandOrSelf(body)), contentType: ct})
	return err
}

func (g httpSteps) callFor(id, param string) error { return g.callForJSON(id, param, nil) }

func (g httpSteps) callForJSON(id, param string, doc *godog.DocString) error {
	o, err := g.operation(id)
	if err != nil {
		return err
	}
	v, err := g.expand(param)
	if err != nil {
		return err
	}
	params := map[string]string{}
	for _, name := range o.params {
		params[name] = url.PathEscape(v)
	}
	r := request{op: o, params: params}
	if doc != nil {
		if r.body, err = g.jsonBody(doc); err != nil {
			return err
		}
		r.contentType = "application/json"
	}
	_, err = g.send(r)
	return err
}

// formRows expands a name | value table. A name "tags*21" repeats the field
// 21 times with the value suffixed 1..21.
func (w *world) formRows(t *godog.Table) ([][2]string, error) {
	var out [][2]string
	for i, row := range t.Rows {
		if len(row.Cells) != 2 {
			return nil, fmt.Errorf("row %d: want two cells (name | value)", i+1)
		}
		name, val := row.Cells[0].Value, row.Cells[1].Value
		if i == 0 && name == "name" && val == "value" {
			continue
		}
		v, err := w.expand(val)
		if err != nil {
			return nil, err
		}
		if base, count, ok := strings.Cut(name, "*"); ok {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 || n > 10000 {
				return nil, fmt.Errorf("row %d: %q: want name*count", i+1, name)
			}
			for k := 1; k <= n; k++ {
				out = append(out, [2]string{base, fmt.Sprintf("%s%d", v, k)})
			}
			continue
		}
		out = append(out, [2]string{name, v})
	}
	return out, nil
}

func (g httpSteps) callForm(id string, t *godog.Table) error {
	o, err := g.operation(id)
	if err != nil {
		return err
	}
	rows, err := g.formRows(t)
	if err != nil {
		return err
	}
	form := url.Values{}
	for _, r := range rows {
		form.Add(r[0], r[1])
	}
	_, err = g.send(request{op: o, body: []byte(form.Encode()), contentType: "application/x-www-form-urlencoded"})
	return err
}

func (g httpSteps) callMultipart(id string, t *godog.Table) error {
	o, err := g.operation(id)
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
	_, err = g.send(request{op: o, body: body, contentType: ct})
	return err
}

// filePart is a generated file of a multipart row.
type filePart struct {
	name, contentType string
	data              []byte
}

var fileSpec = regexp.MustCompile(`^@(mp4|corrupt|png|jpeg|webm|text)\(([^)]*)\)$`)

// parseFileSpec turns "@mp4(name=a.mp4, seconds=5, codec=avc1, audio=yes)"
// (or @corrupt, @png, @jpeg with size=, @text with content=) into a
// generated file.
func parseFileSpec(v string) (*filePart, bool, error) {
	m := fileSpec.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return nil, false, nil
	}
	args := map[string]string{}
	for _, kv := range strings.Split(m[2], ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if k != "" {
			args[strings.TrimSpace(k)] = strings.TrimSpace(val)
		}
	}
	num := func(k string, def int) int {
		if n, err := strconv.Atoi(args[k]); err == nil {
			return n
		}
		return def
	}
	f := &filePart{name: args["name"]}
	switch m[1] {
	case "mp4":
		f.contentType = "video/mp4"
		f.data = mediatest.MP4(mediatest.MP4Options{
			Duration: float64(num("seconds", 5)), Width: num("width", 320), Height: num("height", 240),
			Codec: args["codec"], Audio: args["audio"] != "no",
		})
		if f.name == "" {
			f.name = "clip.mp4"
		}
	case "webm":
		f.contentType = "video/webm"
		f.data = mediatest.WebM(mediatest.WebMOptions{Duration: float64(num("seconds", 5))})
		if f.name == "" {
			f.name = "clip.webm"
		}
	case "corrupt":
		f.contentType = "video/mp4"
		f.data = mediatest.Corrupt()
		if f.name == "" {
			f.name = "broken.mp4"
		}
	case "png":
		f.contentType = "image/png"
		f.data = mediatest.PNG(num("size", 64), num("size", 64), int64(num("seed", 1)))
		if f.name == "" {
			f.name = "image.png"
		}
	case "text":
		f.contentType = "text/plain"
		f.data = []byte(args["content"])
		if f.name == "" {
			f.name = "notes.txt"
		}
	case "jpeg":
		f.contentType = "image/jpeg"
		f.data = mediatest.JPEG(num("size", 64), num("size", 64), int64(num("seed", 1)))
		if f.name == "" {
			f.name = "image.jpg"
		}
	}
	return f, true, nil
}

// mpWriter is a multipart writer that also writes typed file parts.
type mpWriter struct{ *multipart.Writer }

func newMultipartWriter(w io.Writer) mpWriter { return mpWriter{multipart.NewWriter(w)} }

// file writes a file part with its content type (CreateFormFile would say
// application/octet-stream, which the upload endpoints reject).
func (m mpWriter) file(field, name, ct string, data []byte) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
	h.Set("Content-Type", ct)
	p, err := m.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = p.Write(data)
	return err
}

// buildMultipart writes rows as form fields; "@mp4(...)"-style values become
// files and "@json {...}" a part of type application/json (the caption
// host's req part).
func buildMultipart(rows [][2]string) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, r := range rows {
		name, val := r[0], r[1]
		if js, ok := strings.CutPrefix(val, "@json "); ok {
			if !json.Valid([]byte(js)) {
				return nil, "", fmt.Errorf("field %s: %q is not JSON", name, js)
			}
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, name, name+".json"))
			h.Set("Content-Type", "application/json")
			p, err := mw.CreatePart(h)
			if err != nil {
				return nil, "", err
			}
			_, _ = p.Write([]byte(js))
			continue
		}
		f, isFile, err := parseFileSpec(val)
		if err != nil {
			return nil, "", err
		}
		if isFile {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, name, f.name))
			h.Set("Content-Type", f.contentType)
			p, err := mw.CreatePart(h)
			if err != nil {
				return nil, "", err
			}
			_, _ = p.Write(f.data)
			continue
		}
		if err := mw.WriteField(name, val); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

func (g httpSteps) nextHeader(name, value string) error {
	if g.next.header == nil {
		g.next.header = http.Header{}
	}
	v, err := g.expand(value)
	if err != nil {
		return err
	}
	g.next.header.Set(name, v)
	return nil
}

func (g httpSteps) rememberValue(value, name string) error {
	v, err := g.expand(value)
	if err != nil {
		return err
	}
	g.vars[name] = v
	return nil
}

func (g httpSteps) status(want int) error {
	r, err := g.lastResult()
	if err != nil {
		return err
	}
	if r.status != want {
		return fmt.Errorf("%s answered HTTP %d, want %d: %s", r.op, r.status, want, excerpt(r.body))
	}
	return nil
}

func (g httpSteps) contentType(want string) error {
	r, err := g.lastResult()
	if err != nil {
		return err
	}
	got := r.header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(got), strings.ToLower(want)) {
		return fmt.Errorf("%s answered content type %q, want %q: %s", r.op, got, want, excerpt(r.body))
	}
	return nil
}

func (g httpSteps) headerIs(name, want string) error {
	r, err := g.lastResult()
	if err != nil {
		return err
	}
	if got := r.header.Get(name); got != want {
		return fmt.Errorf("%s answered header %s %q, want %q", r.op, name, got, want)
	}
	return nil
}

func (g httpSteps) headerPresent(name string) error {
	r, err := g.lastResult()
	if err != nil {
		return err
	}
	if r.header.Get(name) == "" {
		return fmt.Errorf("%s answered without a %s header", r.op, name)
	}
	return nil
}

func (g httpSteps) conforms() error {
	// Every response is validated when it arrives (the step fails through
	// the after-step hook); this step makes the check visible in a feature.
	_, err := g.lastResult()
	return err
}

// envelope returns the last response as a JSON object.
func (w *world) envelope() (map[string]any, *result, error) {
	r, err := w.lastResult()
	if err != nil {
		return nil, nil, err
	}
	m, ok := r.json.(map[string]any)
	if !r.isJSON || !ok {
		return nil, r, fmt.Errorf("%s answered HTTP %d %s, not a JSON envelope: %s", r.op, r.status, r.header.Get("Content-Type"), excerpt(r.body))
	}
	return m, r, nil
}

func (g httpSteps) success() error {
	m, r, err := g.envelope()
	if err != nil {
		return err
	}
	code := textOf(m["code"])
	if r.status != http.StatusOK || (code != "0000" && code != "0" && code != "200") {
		return fmt.Errorf("%s answered HTTP %d code %s %q, want a success (0000): %s", r.op, r.status, code, textOf(m["msg"]), excerpt(r.body))
	}
	return envelopeFlags(m, r.op, code, true)
}

// envelopeFlags checks success/failed (when present) against the outcome
// the code says.
func envelopeFlags(m map[string]any, op, code string, success bool) error {
	if s, ok := m["success"].(bool); ok && s != success {
		return fmt.Errorf("%s answered code %s with success:%v", op, code, s)
	}
	if f, ok := m["failed"].(bool); ok && f == success {
		return fmt.Errorf("%s answered code %s with failed:%v", op, code, f)
	}
	return nil
}

// businessError: the v1 style, HTTP 200 with the string code, flags (when
// present) saying failure.
func (g httpSteps) businessError(want string) error {
	m, r, err := g.envelope()
	if err != nil {
		return err
	}
	code := textOf(m["code"])
	if r.status != http.StatusOK || code != want {
		return fmt.Errorf("%s answered HTTP %d code %s %q, want HTTP 200 with business code %s: %s", r.op, r.status, code, textOf(m["msg"]), want, excerpt(r.body))
	}
	if _, isString := m["code"].(string); !isString {
		return fmt.Errorf("%s answered the code %s as a number, the v1 API sends a string", r.op, code)
	}
	return envelopeFlags(m, r.op, code, false)
}

func (g httpSteps) codeIs(want string) error {
	m, r, err := g.envelope()
	if err != nil {
		return err
	}
	if got := textOf(m["code"]); got != want {
		return fmt.Errorf("%s answered code %s %q, want %s: %s", r.op, got, textOf(m["msg"]), want, excerpt(r.body))
	}
	return nil
}

func (g httpSteps) msgIs(want string) error {
	m, r, err := g.envelope()
	if err != nil {
		return err
	}
	if got := textOf(m["msg"]); got != want {
		return fmt.Errorf("%s answered msg %q, want %q", r.op, got, want)
	}
	return nil
}

func (g httpSteps) msgContains(want string) error {
	m, r, err := g.envelope()
	if err != nil {
		return err
	}
	if got := textOf(m["msg"]); !strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
		return fmt.Errorf("%s answered msg %q, want it to mention %q", r.op, got, want)
	}
	return nil
}

// includesJSON: every field of the expected object is in the response with
// an equal value (extra response fields are fine).
func (g httpSteps) includesJSON(doc *godog.DocString) error {
	r, err := g.lastResult()
	if err != nil {
		return err
	}
	b, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	var want any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		return err
	}
	if !r.isJSON {
		return fmt.Errorf("%s answered no JSON: %s", r.op, excerpt(r.body))
	}
	if p, ok := subset(want, r.json, ""); !ok {
		return fmt.Errorf("%s: at %s the response differs from %s: %s", r.op, orRoot(p), string(b), excerpt(r.body))
	}
	return nil
}

// subset reports whether want is contained in got; on failure it returns
// the JSON pointer of the first difference.
func subset(want, got any, ptr string) (string, bool) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return ptr, false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return ptr + "/" + k, false
			}
			if p, ok := subset(wv, gv, ptr+"/"+k); !ok {
				return p, false
			}
		}
		return "", true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return ptr, false
		}
		for i := range w {
			if p, ok := subset(w[i], g[i], fmt.Sprintf("%s/%d", ptr, i)); !ok {
				return p, false
			}
		}
		return "", true
	case json.Number:
		gn, ok := got.(json.Number)
		if !ok {
			return ptr, false
		}
		a, _ := w.Float64()
		b, _ := gn.Float64()
		return ptr, a == b
	}
	return ptr, reflect.DeepEqual(want, got)
}

func (g httpSteps) fieldIs(path, want string) error {
	v, err := g.field(path)
	if err != nil {
		return err
	}
	w, err := g.expand(want)
	if err != nil {
		return err
	}
	if got := textOf(v); got != w {
		return fmt.Errorf("field %s is %s, want %q", path, textOf(v), w)
	}
	return nil
}

func (g httpSteps) fieldIsNot(path, unwanted string) error {
	v, err := g.field(path)
	if err != nil {
		return err
	}
	if got := textOf(v); got == g.expandOrSelf(unwanted) {
		return fmt.Errorf("field %s is %q", path, got)
	}
	return nil
}

func (g httpSteps) fieldMatches(path, pattern string) error {
	v, err := g.field(path)
	if err != nil {
		return err
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return err
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("field %s is %s, not a string", path, textOf(v))
	}
	if !re.MatchString(s) {
		return fmt.Errorf("field %s is %q, which does not match %s", path, s, pattern)
	}
	return nil
}

func (g httpSteps) fieldContains(path, want string) error {
	v, err := g.field(path)
	if err != nil {
		return err
	}
	if !strings.Contains(strings.ToLower(textOf(v)), strings.ToLower(g.expandOrSelf(want))) {
		return fmt.Errorf("field %s is %s, want it to mention %q", path, textOf(v), want)
	}
	return nil
}

func (g httpSteps) fieldNull(path string) error {
	v, err := g.field(path)
	if err != nil {
		return err
	}
	if v != nil {
		return fmt.Errorf("field %s is %s, want null", path, textOf(v))
	}
	return nil
}

func (g httpSteps) fieldNotEmpty(path string) error {
	v, err := g.field(path)
	if err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		return fmt.Errorf("field %s is null", path)
	case string:
		if strings.TrimSpace(x) == "" {
			return fmt.Errorf("field %s is an empty string", path)
		}
	case []any:
		if len(x) == 0 {
			return fmt.Errorf("field %s is an empty array", path)
		}
	case map[string]any:
		if len(x) == 0 {
			return fmt.Errorf("field %s is an empty object", path)
		}
	}
	return nil
}

func (g httpSteps) array(path string) ([]any, error) {
	v, err := g.field(path)
	if err != nil {
		return nil, err
	}
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("field %s is %s, not an array", path, excerpt([]byte(textOf(v))))
	}
	return a, nil
}

func (g httpSteps) fieldLen(path string, n int) error {
	a, err := g.array(path)
	if err != nil {
		return err
	}
	if len(a) != n {
		return fmt.Errorf("field %s has %d items, want %d: %s", path, len(a), n, excerpt([]byte(textOf(a))))
	}
	return nil
}

func (g httpSteps) fieldMinLen(path string, n int) error {
	a, err := g.array(path)
	if err != nil {
		return err
	}
	if len(a) < n {
		return fmt.Errorf("field %s has %d items, want at least %d", path, len(a), n)
	}
	return nil
}

func (g httpSteps) findItem(path, key, want string) (bool, []any, error) {
	a, err := g.array(path)
	if err != nil {
		return false, nil, err
	}
	w, err := g.expand(want)
	if err != nil {
		return false, nil, err
	}
	for _, it := range a {
		v, err := lookup(it, key)
		if err == nil && textOf(v) == w {
			return true, a, nil
		}
	}
	return false, a, nil
}

func (g httpSteps) hasItem(path, key, want string) error {
	ok, a, err := g.findItem(path, key, want)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no item of %s has %s = %q: %s", path, key, g.expandOrSelf(want), excerpt([]byte(textOf(a))))
	}
	return nil
}

func (g httpSteps) hasNoItem(path, key, want string) error {
	ok, _, err := g.findItem(path, key, want)
	if err != nil {
		return err
	}
	if ok {
		return fmt.Errorf("an item of %s has %s = %q", path, key, g.expandOrSelf(want))
	}
	return nil
}

func numberOf(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	}
	return 0, false
}

// fieldBetween accepts numbers and numeric strings (the v1 API sends many
// numbers as strings, e.g. "startTime":"13").
func (g httpSteps) fieldBetween(path string, lo, hi float64) error {
	v, err := g.field(path)
	if err != nil {
		return err
	}
	f, ok := numericValue(v)
	if !ok || math.IsNaN(f) || f < lo || f > hi {
		return fmt.Errorf("field %s is %s, want a number in [%v, %v]", path, textOf(v), lo, hi)
	}
	return nil
}

// numericValue reads a JSON number or a numeric string.
func numericValue(v any) (float64, bool) {
	if f, ok := numberOf(v); ok {
		return f, true
	}
	if s, isStr := v.(string); isStr {
		if p, err := strconv.ParseFloat(s, 64); err == nil {
			return p, true
		}
	}
	return 0, false
}

func (g httpSteps) orderedDesc(path, key string) error { return g.ordered(path, key, true) }

func (g httpSteps) orderedAsc(path, key string) error { return g.ordered(path, key, false) }

func (g httpSteps) ordered(path, key string, desc bool) error {
	a, err := g.array(path)
	if err != nil {
		return err
	}
	prev := math.Inf(-1)
	if desc {
		prev = math.Inf(1)
	}
	for i, it := range a {
		v, err := lookup(it, key)
		if err != nil {
			return fmt.Errorf("item %d of %s: %v", i, path, err)
		}
		f, ok := numericValue(v)
		if !ok {
			return fmt.Errorf("item %d of %s has %s = %s, not a number", i, path, key, textOf(v))
		}
		if (desc && f > prev) || (!desc && f < prev) {
			return fmt.Errorf("item %d of %s has %s = %v out of order after %v", i, path, key, f, prev)
		}
		prev = f
	}
	return nil
}

func (g httpSteps) rememberField(path, name string) error {
	v, err := g.field(path)
	if err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("field %s is null, nothing to remember", path)
	}
	g.vars[name] = textOf(v)
	return nil
}

// sendPath sends a request to a path no operation may have (unknown routes
// are real HTTP errors, unlike business errors).
func (g httpSteps) sendPath(method, path string) error {
	p, err := g.expand(path)
	if err != nil {
		return err
	}
	ctx := g.ctx
	res, body, err := g.api().Send(ctx, client.RawRequest{Method: method, Path: p, Body: []byte("{}"), ContentType: "application/json"})
	if err != nil {
		return err
	}
	g.last = newResult(APIMemories, "(no operation)", method, p, res, body)
	return nil
}

func (g httpSteps) notSuccess() error {
	m, r, err := g.envelope()
	if err != nil {
		return err
	}
	code := textOf(m["code"])
	if r.status == http.StatusOK && (code == "0000" || code == "0" || code == "200") {
		return fmt.Errorf("%s answered a success (code %s), want a refusal: %s", r.op, code, excerpt(r.body))
	}
	return nil
}

// wordRe finds words of four letters or more.
var wordRe = regexp.MustCompile(`[A-Za-z]{4,}`)

// rememberWord keeps the longest word of a text field, e.g. to search a
// transcript for something it is known to contain.
func (g httpSteps) rememberWord(path, name string) error {
	v, err := g.field(path)
	if err != nil {
		return err
	}
	s, _ := v.(string)
	best := ""
	for _, w := range wordRe.FindAllString(s, -1) {
		if len(w) > len(best) {
			best = w
		}
	}
	if best == "" {
		return fmt.Errorf("field %s has no word of four letters or more: %q", path, s)
	}
	g.vars[name] = strings.ToLower(best)
	return nil
}
