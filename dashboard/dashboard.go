// Package dashboard is the mock's web dashboard at /_mock/ui: accounts
// (balance, ledger, live rate-limit buckets, faults), libraries with each
// item's lifecycle timeline and understanding, callback deliveries with a
// redeliver button, the live request journal (each entry opening on its
// request and answer), user stubs, proxy drift findings when the mock
// runs with an upstream, and forms for the control plane that show the
// JSON the equivalent curl would send.
//
// It is server-rendered html/template plus one small hand-written script
// (no library, no build step), served from embedded files with a
// same-origin Content-Security-Policy, so it works offline. Panels update
// without a reload over one server-sent-events stream per tab: every
// Options.Poll the stream re-renders the tab's panels and sends those whose
// HTML changed.
//
// The dashboard reads state only through the narrow interfaces of Sources,
// so a surface (v1 in package mock, later v2 assets, stubs, fixtures) adds
// a view by implementing one of them; it never imports a surface.
package dashboard

import (
	"embed"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/platform/webhook"
)

// DefaultPrefix is where the mock mounts the dashboard.
const DefaultPrefix = "/_mock/ui"

// Clock is the mock's time source (the dashboard shows mock time).
type Clock interface{ Now() time.Time }

// Journal is the request journal (platform/journal.Journal).
type Journal interface {
	Last(n int) []journal.Entry
	// Get returns the entry numbered seq (a journal row opened on the
	// page: its request and answer).
	Get(seq uint64) (journal.Entry, bool)
}

// Webhooks is the callback deliverer (platform/webhook.Deliverer).
type Webhooks interface {
	Snapshot() []webhook.Delivery
	Redeliver(id string) error
}

// Accounts reports accounts, money and limits.
type Accounts interface {
	// Keys lists the API keys the mock has seen, sorted.
	Keys() []string
	// Account returns what one key's account holds.
	Account(key string) Account
	// Faults returns the fault injection in force, per operationId or "*".
	Faults() map[string]limits.FaultSpec
}

// Account is one account as the Accounts view shows it.
type Account struct {
	Key            string
	Balance        float64
	FreeCredits    float64
	CreditsEnabled bool
	Ledger         []limits.Entry // oldest first
	Usage          map[string]float64
	Buckets        []limits.BucketState
	// Faults are the faults its requests get; OwnFaults says they are the
	// account's own (PUT /_mock/faults?api_key=K), not the global ones.
	Faults    map[string]limits.FaultSpec
	OwnFaults bool
}

// Library is one surface's libraries (v1 videos and images; a v2 asset
// library is another implementation with its own statuses).
type Library interface {
	// Surface names it in the page ("v1").
	Surface() string
	// Namespaces lists the account's namespaces (unique_id) with items.
	Namespaces(account string) []string
	// Items lists up to limit of a namespace's items, newest first, and
	// how many it holds.
	Items(account, ns string, limit int) (items []Item, total int)
	// Item returns one item with its details, by id, in any account.
	Item(id string) (ItemDetail, bool)
	// Media opens an item's stored bytes (ErrNoMedia when there are none).
	Media(id string) (io.ReadCloser, MediaInfo, error)
}

// ErrNoMedia is what Library.Media returns for an item without bytes.
var ErrNoMedia = errors.New("dashboard: no stored media")

// MediaInfo describes a download.
type MediaInfo struct {
	Name        string
	ContentType string
	Size        int64
}

// Item is one row of a library.
type Item struct {
	ID        string
	Kind      string // "video", "image", "asset"
	Name      string
	Account   string
	Namespace string
	Status    string
	Cause     string
	Created   time.Time
	Facts     []Fact // probed media facts, in display order
	Tags      []string
	Folder    string
}

// Fact is one label and value ("duration", "12.0 s").
type Fact struct{ Label, Value string }

// ItemDetail is an item with its lifecycle and understanding.
type ItemDetail struct {
	Item
	// Events are the item's own lifecycle events (upload, status changes,
	// scheduled transitions); the dashboard adds callback deliveries.
	Events   []Event
	Visual   []Segment
	Audio    []Segment
	Summary  string
	Chapters []Chapter
	HasMedia bool
	// CallbackKeys are payload values that mark a delivery as this item's
	// ("videoNo", "videoId" or "taskId" equal to the id by default).
	CallbackKeys []string
}

// Event is one point of a lifecycle timeline, on the mock clock.
type Event struct {
	At      time.Time
	What    string
	Detail  string
	Pending bool // scheduled, not yet happened
}

// Segment is one transcript segment.
type Segment struct {
	Start, End float64
	Text       string
	Speaker    string
}

// Chapter is one chapter of a summary.
type Chapter struct {
	Start, End         float64
	Title, Description string
}

// Knobs reports the chat stream pacing in force (the body of GET
// /_mock/stream).
type Knobs interface {
	StreamKnobs() any
}

// Stubs reports the user stubs (POST /_mock/stubs) and the states of their
// scenarios. It is optional: without it the page has no Stubs view.
type Stubs interface {
	Stubs() (stubs []Stub, states map[string]string)
}

// Stub is one user stub as the Stubs view shows it; Match and Answer are
// JSON.
type Stub struct {
	ID, Operation                     string
	Match, Answer                     string
	Priority, Used                    int
	Times                             *int
	Scenario, RequiredState, NewState string
}

// Drift reports where a live service departs from the OpenAPI
// descriptions (the proxy's drift collector, GET /_mock/drift). It is
// optional: the mock has one only when it runs with an upstream, and
// without it the page has no Drift view.
type Drift interface {
	DriftReport() DriftReport
}

// DriftReport is what the Drift view shows: the findings, most frequent
// first, and how much traffic they come from.
type DriftReport struct {
	// Exchanges is how many exchanges were checked, Operations how many
	// distinct operations they addressed, Dropped how many findings were
	// over the collector's bound.
	Exchanges, Operations, Dropped int
	Findings                       []DriftFinding
}

// DriftFinding is one way the live service departs from a description,
// per operation, place, JSON pointer and rule.
type DriftFinding struct {
	// Surface ("memories", "v2", "memsync"), Operation (its operationId,
	// "" for a path the description lacks), Method and Path (the
	// description's template).
	Surface, Operation, Method, Path string
	// Where is "request", "response" or "event" (a stream event).
	Where string
	// Pointer is the JSON pointer of the offending value; Rule what it
	// violates.
	Pointer, Rule       string
	Count               int
	FirstSeen, LastSeen time.Time
	// Example is the first exchange that showed it, redacted.
	Example DriftExample
}

// DriftExample is one redacted request and answer pair.
type DriftExample struct {
	// Pointer and Reason are the concrete ones of this exchange.
	Pointer, Reason   string
	Request, Response DriftMessage
}

// DriftMessage is a redacted request or answer.
type DriftMessage struct {
	Method, URL string
	Status      int
	Headers     []Header
	Body        string
}

// Header is one HTTP header of a DriftMessage.
type Header struct{ Name, Value string }

// Sources is what the dashboard reads. Clock, Journal, Webhooks and
// Accounts are required; the rest are optional.
type Sources struct {
	Clock     Clock
	Journal   Journal
	Webhooks  Webhooks
	Accounts  Accounts
	Libraries []Library
	Knobs     Knobs
	Stubs     Stubs
	Drift     Drift
}

// Options configures the dashboard.
type Options struct {
	// Prefix is the path it is mounted at (DefaultPrefix).
	Prefix string
	// Control is the control plane's prefix ("/_mock"), for the forms and
	// the curl commands they show.
	Control string
	// Poll is how often a live tab's panels are re-rendered (250 ms).
	Poll time.Duration
	// JournalRows is how many requests the Requests view shows (200).
	JournalRows int
	// LibraryRows is how many items a namespace shows (100, newest).
	LibraryRows int
	// Scoped says the control plane's reset, faults and clock advance
	// take api_key (one account: POST /_mock/reset?api_key=K, ...): the
	// page offers those forms with an API key field.
	Scoped bool
	// Toolkit says the control plane verifies requests (POST
	// /_mock/requests/find), loads fixtures (POST /_mock/fixtures) and
	// exports libraries (GET /_mock/export): the page offers them.
	Toolkit bool
}

// Dashboard is the http.Handler of /_mock/ui.
type Dashboard struct {
	src  Sources
	o    Options
	tmpl *template.Template
	hub  hub
}

//go:embed assets
var assets embed.FS

// New returns the dashboard over src.
func New(src Sources, o Options) (*Dashboard, error) {
	if src.Clock == nil || src.Journal == nil || src.Webhooks == nil || src.Accounts == nil {
		return nil, errors.New("dashboard: Clock, Journal, Webhooks and Accounts are required")
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	o.Prefix = strings.TrimSuffix(o.Prefix, "/")
	if o.Control == "" {
		o.Control = "/_mock"
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.JournalRows <= 0 {
		o.JournalRows = 200
	}
	if o.LibraryRows <= 0 {
		o.LibraryRows = 100
	}
	t, err := template.New("").Funcs(funcs).ParseFS(assets, "assets/*.html")
	if err != nil {
		return nil, err
	}
	d := &Dashboard{src: src, o: o, tmpl: t}
	d.hub.d = d
	return d, nil
}

// csp keeps every script, style and connection same-origin: nothing is
// fetched from elsewhere, and no inline script runs.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// ServeHTTP serves the page, its assets, fragments, the live stream and
// the dashboard's own actions.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	page := strings.Trim(strings.TrimPrefix(r.URL.Path, d.o.Prefix), "/")
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		httpError(w, http.StatusMethodNotAllowed, "method not allowed")
	case page == "" || page == "index.html":
		d.index(w, r)
	case page == "video":
		d.video(w, r)
	case page == "events":
		d.events(w, r)
	case page == "panel":
		d.panel(w, r)
	case page == "media":
		d.media(w, r)
	case page == "request":
		d.request(w, r)
	case page == "dashboard.js" || page == "dashboard.css":
		d.asset(w, r, page)
	default:
		httpError(w, http.StatusNotFound, "no dashboard page "+page)
	}
}

// httpError answers like the rest of the control plane: {"error": "..."}.
func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, `{"error":`+jsonString(msg)+"}\n")
}

func (d *Dashboard) asset(w http.ResponseWriter, r *http.Request, name string) {
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		httpError(w, http.StatusNotFound, "no asset "+name)
		return
	}
	ct := "text/css; charset=utf-8"
	if strings.HasSuffix(name, ".js") {
		ct = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}
