package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
)

// events is the live stream of a tab (GET /_mock/ui/events?page=index&...).
// The tab subscribes to the dashboard's hub, which sends it every panel
// once, then, every Options.Poll, the panels whose HTML changed ("panel"
// events) and the requests that reached the journal since ("rows"
// events). The stream ends when the tab goes away.
func (d *Dashboard) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		httpError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	kind := r.URL.Query().Get("page")
	if _, ok := panels[kind]; !ok {
		httpError(w, http.StatusBadRequest, "page must be index or video")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A short retry: a restarted mock is picked up again quickly.
	_, _ = fmt.Fprint(w, "retry: 1000\n\n")
	fl.Flush()

	sub := &subscriber{kind: kind, q: readQuery(r), ch: make(chan []byte, 64), last: map[string]string{}, fresh: true}
	d.hub.join(sub)
	defer d.hub.leave(sub)
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-sub.ch:
			if !ok { // too slow a reader: the tab reconnects and starts over
				return
			}
			if _, err := w.Write(ev); err != nil {
				return
			}
			for more := true; more; { // write what is queued, flush once
				select {
				case ev, ok := <-sub.ch:
					if !ok {
						return
					}
					if _, err := w.Write(ev); err != nil {
						return
					}
				default:
					more = false
				}
			}
			fl.Flush()
		}
	}
}

// hub renders the live panels for every open tab. It runs only while a
// tab is open; each round renders a panel once per distinct view (three
// tabs of the same page cost one rendering) and the journal only as far
// as it grew, so an open dashboard costs the API little (see
// BenchmarkHotPathDashboard in package mock).
type hub struct {
	d    *Dashboard
	mu   sync.Mutex
	subs map[*subscriber]bool
	on   bool
	seq  uint64 // newest journal entry sent
}

// subscriber is one tab. last and fresh belong to the hub's goroutine.
type subscriber struct {
	kind  string
	q     query
	ch    chan []byte
	last  map[string]string
	fresh bool
}

func (h *hub) join(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[*subscriber]bool{}
	}
	h.subs[s] = true
	if !h.on {
		h.on = true
		go h.run()
	}
}

func (h *hub) leave(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// run sends a round at once (the new tab waits for nothing), then one per
// Poll, and returns when no tab is left.
func (h *hub) run() {
	t := time.NewTicker(h.d.o.Poll)
	defer t.Stop()
	for {
		h.mu.Lock()
		subs := make([]*subscriber, 0, len(h.subs))
		for s := range h.subs {
			subs = append(subs, s)
		}
		if len(subs) == 0 {
			h.on = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		h.round(subs)
		<-t.C
	}
}

// round renders and sends one round to subs.
func (h *hub) round(subs []*subscriber) {
	type view struct{ html, event string }
	rendered := map[string]view{}
	render := func(name string, q query) view {
		k := name + "\x00" + q.values()
		v, ok := rendered[k]
		if !ok {
			if html, err := h.d.renderPanel(name, q); err == nil {
				v = view{html: html, event: event("panel", map[string]any{"panel": name, "html": html})}
			}
			rendered[k] = v
		}
		return v
	}
	rows, reset := h.journalDelta()
	rowsEvent := ""
	if rows != "" {
		rowsEvent = event("rows", map[string]any{"html": rows, "max": h.d.o.JournalRows})
	}
	for _, s := range subs {
		var out []byte
		for _, name := range panels[s.kind] {
			if name == "requests" && !s.fresh && !reset {
				continue
			}
			v := render(name, s.q)
			if v.html == "" || v.html == s.last[name] {
				continue
			}
			s.last[name] = v.html
			out = append(out, v.event...)
		}
		if rowsEvent != "" && !s.fresh && !reset && slices.Contains(panels[s.kind], "requests") {
			out = append(out, rowsEvent...)
		}
		s.fresh = false
		if len(out) == 0 {
			continue
		}
		select {
		case s.ch <- out:
		default: // the tab cannot keep up: end its stream, it reconnects fresh
			h.mu.Lock()
			if h.subs[s] {
				delete(h.subs, s)
				close(s.ch)
			}
			h.mu.Unlock()
		}
	}
}

// liveRows bounds the requests one round sends: 50, 200 a second at the
// default Poll.
const liveRows = 50

// journalDelta renders the requests journaled since the last round,
// newest first, at most liveRows of them; reset is true when the
// journal went back (a reset) and every tab needs the whole panel.
func (h *hub) journalDelta() (rows string, reset bool) {
	newest := h.d.src.Journal.Last(1)
	var seq uint64
	if len(newest) == 1 {
		seq = newest[0].Seq
	}
	prev := h.seq
	h.seq = seq
	switch {
	case seq == prev:
		return "", false
	case seq < prev || seq == 0:
		return "", true
	}
	// Under load more requests arrive per round than anyone can read; the
	// newest liveRows of each round are shown (the whole journal stays at
	// GET /_mock/requests), which bounds the hub's work whatever the load.
	n := min(int(seq-prev), h.d.o.JournalRows, liveRows)
	var fresh []journal.Entry
	for _, e := range h.d.src.Journal.Last(n) {
		if e.Seq > prev {
			fresh = append(fresh, e)
		}
	}
	var buf bytes.Buffer
	if err := h.d.tmpl.ExecuteTemplate(&buf, "rows", newRequestRows(fresh, query{})); err != nil {
		return "", true
	}
	return buf.String(), false
}

// event encodes one server-sent event. HTML is not escaped in the JSON
// (the default would turn every < into \u003c): smaller and cheaper.
func event(name string, v any) string {
	var b strings.Builder
	b.WriteString("event: ")
	b.WriteString(name)
	b.WriteString("\ndata: ")
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // ends with a newline
	b.WriteString("\n")
	return b.String()
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"fp": journal.Fingerprint,
	"clock": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05.000")
	},
	"hms": func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("15:04:05.000")
	},
	// in renders t relative to now ("in 1.5s", "2s ago", "now").
	"rel": func(now, t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		d := t.Sub(now).Round(10 * time.Millisecond)
		switch {
		case d == 0:
			return "now"
		case d > 0:
			return "in " + d.String()
		default:
			return (-d).String() + " ago"
		}
	},
	"credits": func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"qty":     func(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) },
	"usedBuckets": func(bs []limits.BucketState) []limits.BucketState {
		return slices.DeleteFunc(slices.Clone(bs), func(b limits.BucketState) bool { return !b.Used })
	},
	"idleBuckets": func(bs []limits.BucketState) []limits.BucketState {
		return slices.DeleteFunc(slices.Clone(bs), func(b limits.BucketState) bool { return b.Used })
	},
	"secs": func(f float64) string { return fmt.Sprintf("%.1f s", f) },
	"ms":   func(f float64) string { return fmt.Sprintf("%.1f ms", f) },
	"mmss": func(f float64) string {
		s := int(math.Max(0, f))
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	},
	"lower": strings.ToLower,
	"join":  strings.Join,
	"idsafe": func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
				return r
			}
			return '_'
		}, s)
	},
	"statusClass": func(s string) string {
		switch strings.ToUpper(s) {
		case "PARSE", "SUCCESS", "DELIVERED", "0000", "0":
			return "ok"
		case "FAIL", "FAILED", "ERROR":
			return "bad"
		default:
			return "wait"
		}
	},
	"codeClass": func(status int, code string) string {
		switch {
		case status >= 500:
			return "bad"
		case code == "" || code == "0000" || code == "0":
			if status >= 400 {
				return "bad"
			}
			return "ok"
		default:
			return "warn"
		}
	},
}
