package dashboard

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
)

// events is the live stream of a tab (GET /_mock/ui/events?page=index&...):
// every Poll it re-renders the tab's panels and sends, as one "panel"
// event each, those whose HTML changed since the last send. The first
// round sends every panel. The stream ends when the tab goes away.
//
// Rendering per tab costs the API nothing while no tab is open, and only
// reads (journal ring, delivery log, store listings) while one is.
func (d *Dashboard) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		httpError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	kind := r.URL.Query().Get("page")
	names, ok := panels[kind]
	if !ok {
		httpError(w, http.StatusBadRequest, "page must be index or video")
		return
	}
	q := readQuery(r)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A short retry: a restarted mock is picked up again quickly.
	_, _ = fmt.Fprint(w, "retry: 1000\n\n")
	fl.Flush()

	last := map[string]string{}
	t := time.NewTicker(d.o.Poll)
	defer t.Stop()
	for {
		sent := false
		for _, name := range names {
			html, err := d.renderPanel(name, q)
			if err != nil || html == last[name] {
				continue
			}
			last[name] = html
			b, _ := json.Marshal(map[string]string{"panel": name, "html": html})
			if _, err := fmt.Fprintf(w, "event: panel\ndata: %s\n\n", b); err != nil {
				return
			}
			sent = true
		}
		if sent {
			fl.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
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
