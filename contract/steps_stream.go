package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cucumber/godog"
)

// streamSteps capture Server-Sent Events streams, split them into data
// events and check their order and ending. Each event is validated against
// its component schema when the stream arrives (see Validator).
type streamSteps struct{ *world }

func (g streamSteps) register(ctx *godog.ScenarioContext) {
	const grp, file = "Streams", "steps_stream.go"
	d := func(pattern, example string, fn any) { g.def(ctx, grp, file, pattern, example, fn) }

	d(`^I stream "([^"]+)" with JSON:$`, `When I stream "chat_stream" with JSON:`, g.streamJSON)
	d(`^the stream has (\d+) or more events$`, `Then the stream has 3 or more events`, g.atLeastEvents)
	d(`^the stream event types come in the order "([^"]+)"$`, `Then the stream event types come in the order "thinking, ref, content, end"`, g.order)
	d(`^the stream has at least (\d+) "([^"]+)" events?$`, `Then the stream has at least 2 "content" events`, g.atLeastType)
	d(`^the stream ends with the event:$`, `Then the stream ends with the event:`, g.endsWith)
	d(`^the stream ends with a success end$`, `Then the stream ends with a success end`, g.endsWithSuccess)
	d(`^the stream ends with an error event whose data starts with "([^"]*)"$`, `Then the stream ends with an error event whose data starts with "Video is not parsed:"`, g.endsWithError)
	d(`^the stream ends with the terminator "([^"]+)"$`, `Then the stream ends with the terminator "[DONE]"`, g.endsWithTerminator)
	d(`^the stream events are framed as "([^"]+)"$`, `Then the stream events are framed as "data: "`, g.framing)
	d(`^every stream event before the end carries the same "([^"]+)"$`, `Then every stream event before the end carries the same "sessionId"`, g.sameField)
	d(`^I remember the stream's "([^"]+)" as "([^"]+)"$`, `When I remember the stream's "sessionId" as "session"`, g.rememberStreamField)
	d(`^the streamed "([^"]+)" text is not empty$`, `Then the streamed "content" text is not empty`, g.textNotEmpty)
}

func (g streamSteps) streamJSON(id string, doc *godog.DocString) error {
	o, err := g.operation(id)
	if err != nil {
		return err
	}
	body, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	res, err := g.send(request{op: o, body: body, contentType: "application/json", accept: "text/event-stream"})
	if err != nil {
		return err
	}
	g.events = nil
	if !strings.HasPrefix(res.header.Get("Content-Type"), "text/event-stream") {
		// A refusal before the stream starts is a JSON envelope; the
		// envelope steps can inspect it.
		return nil
	}
	g.events = SplitEvents(res.body)
	return nil
}

func (g streamSteps) captured() ([]Event, error) {
	if len(g.events) == 0 {
		r, err := g.lastResult()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("no stream was captured; the last answer was HTTP %d %s: %s", r.status, r.header.Get("Content-Type"), excerpt(r.body))
	}
	return g.events, nil
}

func (g streamSteps) atLeastEvents(n int) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	if len(evs) < n {
		return fmt.Errorf("the stream has %d events, want %d or more", len(evs), n)
	}
	return nil
}

// eventKind names an event: its "type", "token" for a personal-chat token,
// "end" for a terminal event (an end object or a done marker).
func eventKind(ev Event) string {
	if ev.End {
		return "end"
	}
	if ev.Type != "" {
		return ev.Type
	}
	if _, ok := eventField(ev, "token"); ok {
		return "token"
	}
	return "other"
}

func kinds(evs []Event) string {
	var ks []string
	for _, ev := range evs {
		k := eventKind(ev)
		if len(ks) == 0 || ks[len(ks)-1] != k {
			ks = append(ks, k)
		}
	}
	return strings.Join(ks, " -> ")
}

// order: every named kind occurs, no other kind occurs, and the kinds never
// go back (thinking ... then ref ... then content ... then end, last).
func (g streamSteps) order(spec string) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	var want []string
	for _, k := range strings.Split(spec, ",") {
		want = append(want, strings.TrimSpace(k))
	}
	rank := map[string]int{}
	for i, k := range want {
		rank[k] = i
	}
	seen := map[string]bool{}
	last := -1
	for i, ev := range evs {
		k := eventKind(ev)
		r, ok := rank[k]
		if !ok {
			return fmt.Errorf("event %d is a %q event (%s), not one of %s; order was %s", i+1, k, excerpt([]byte(ev.Raw)), spec, kinds(evs))
		}
		if r < last {
			return fmt.Errorf("event %d (%s) comes after a later kind; order was %s", i+1, k, kinds(evs))
		}
		last = r
		seen[k] = true
	}
	for _, k := range want {
		if !seen[k] {
			return fmt.Errorf("the stream has no %q event; order was %s", k, kinds(evs))
		}
	}
	if rank["end"] == len(want)-1 && seen["end"] && !evs[len(evs)-1].End {
		return fmt.Errorf("the stream does not end with its end event; order was %s", kinds(evs))
	}
	return nil
}

func (g streamSteps) atLeastType(n int, kind string) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	c := 0
	for _, ev := range evs {
		if eventKind(ev) == kind {
			c++
		}
	}
	if c < n {
		return fmt.Errorf("the stream has %d %q events, want at least %d; order was %s", c, kind, n, kinds(evs))
	}
	return nil
}

func (g streamSteps) endsWith(doc *godog.DocString) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	want, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	last := evs[len(evs)-1]
	var a, b any
	if json.Unmarshal(want, &a) != nil || json.Unmarshal([]byte(last.Text), &b) != nil || !jsonEqual(a, b) {
		return fmt.Errorf("the stream ends with %s, want %s", last.Raw, bytes.TrimSpace(want))
	}
	return nil
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// endsWithError: per the chat page, "any final response where data is not
// Done is considered an error", e.g. "Video is not parsed:".
func (g streamSteps) endsWithError(prefix string) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	last := evs[len(evs)-1]
	var end struct {
		Code any `json:"code"`
		Data any `json:"data"`
	}
	if json.Unmarshal([]byte(last.Text), &end) != nil || end.Code == nil {
		return fmt.Errorf("the stream ends with %s, not an end event; order was %s", last.Raw, kinds(evs))
	}
	data, _ := end.Data.(string)
	if strings.EqualFold(data, "Done") {
		return fmt.Errorf("the stream ends with success (%s), want an error", last.Raw)
	}
	if !strings.HasPrefix(data, prefix) {
		return fmt.Errorf("the stream ends with %s, want data starting with %q", last.Raw, prefix)
	}
	return nil
}

func (g streamSteps) endsWithTerminator(t string) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	if last := evs[len(evs)-1]; strings.TrimSpace(last.Text) != t {
		return fmt.Errorf("the stream ends with %s, want the terminator %s", last.Raw, t)
	}
	return nil
}

// framing checks the data: prefix exactly (the vendor samples differ:
// "data:" for video chat, "data: " for personal chat).
func (g streamSteps) framing(prefix string) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	for i, ev := range evs {
		if !strings.HasPrefix(ev.Raw, prefix) || (prefix == "data:" && strings.HasPrefix(ev.Raw, "data: ")) {
			return fmt.Errorf("event %d is framed %q, want %q", i+1, excerpt([]byte(ev.Raw)), prefix)
		}
	}
	return nil
}

func eventField(ev Event, key string) (string, bool) {
	var m map[string]any
	if json.Unmarshal(ev.Data, &m) != nil {
		return "", false
	}
	v, ok := m[key]
	if !ok {
		return "", false
	}
	return textOf(v), true
}

func (g streamSteps) sameField(key string) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	first := ""
	for i, ev := range evs {
		if ev.End {
			break
		}
		v, ok := eventField(ev, key)
		if !ok || v == "" {
			return fmt.Errorf("event %d carries no %s: %s", i+1, key, excerpt([]byte(ev.Raw)))
		}
		if first == "" {
			first = v
		} else if v != first {
			return fmt.Errorf("event %d has %s %s, the first had %s", i+1, key, v, first)
		}
	}
	return nil
}

func (g streamSteps) rememberStreamField(key, name string) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if v, ok := eventField(ev, key); ok && v != "" {
			g.vars[name] = v
			return nil
		}
	}
	return fmt.Errorf("no stream event carries %s; order was %s", key, kinds(evs))
}

// textNotEmpty concatenates a field over the events (content chunks,
// personal-chat tokens) and checks the answer is not empty.
func (g streamSteps) textNotEmpty(key string) error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, ev := range evs {
		if ev.End {
			continue
		}
		if key == "content" && ev.Type != "content" {
			continue
		}
		if v, ok := eventField(ev, key); ok {
			b.WriteString(v)
		}
	}
	if strings.TrimSpace(b.String()) == "" {
		return fmt.Errorf("the streamed %s is empty; order was %s", key, kinds(evs))
	}
	return nil
}

// endsWithSuccess accepts the documented success ends: {"code":"SUCCESS",
// "data":"Done"} or a done marker ([DONE], "done"), which the vendor's
// marketer sample accepts.
func (g streamSteps) endsWithSuccess() error {
	evs, err := g.captured()
	if err != nil {
		return err
	}
	last := evs[len(evs)-1]
	if !last.End {
		return fmt.Errorf("the stream ends with %s, not an end event; order was %s", last.Raw, kinds(evs))
	}
	t := strings.ToLower(strings.TrimSpace(last.Text))
	if t == "[done]" || t == `"done"` || t == "done" {
		return nil
	}
	var end struct {
		Code any `json:"code"`
		Data any `json:"data"`
	}
	if json.Unmarshal([]byte(last.Text), &end) == nil {
		if d, ok := end.Data.(string); ok && strings.EqualFold(d, "Done") {
			return nil
		}
	}
	return fmt.Errorf("the stream ends with %s, not a success", last.Raw)
}
