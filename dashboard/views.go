package dashboard

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"html/template"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/platform/webhook"
)

// query is what a page or a live stream shows: the selected account and
// namespace, the item of a detail page, and the journal filter.
type query struct {
	Account string
	NS      string
	Item    string
	Op      string
	Key     string
	Code    string
}

func readQuery(r *http.Request) query {
	v := r.URL.Query()
	return query{Account: v.Get("account"), NS: v.Get("ns"), Item: v.Get("id"),
		Op: v.Get("op"), Key: v.Get("key"), Code: v.Get("code")}
}

// values renders q back as a query string (empty fields left out).
func (q query) values() string {
	v := url.Values{}
	for k, s := range map[string]string{"account": q.Account, "ns": q.NS, "id": q.Item, "op": q.Op, "key": q.Key, "code": q.Code} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// panels lists the live panels of each page, by template name.
var panels = map[string][]string{
	"index": {"clock", "accounts", "library", "callbacks", "stubs", "drift", "requests", "lists"},
	"video": {"clock", "item"},
}

// page is the data of a whole page.
type page struct {
	Title   string
	Kind    string // "index" or "video"
	Prefix  string
	Control string
	Q       query
	Query   string
	Panels  map[string]template.HTML
	Scoped  bool // reset, faults and clock advance take api_key
	Toolkit bool // requests/find, fixtures and export exist
	Stubs   bool // the Stubs view
	Drift   bool // the Drift view
}

func (d *Dashboard) index(w http.ResponseWriter, r *http.Request) {
	d.renderPage(w, readQuery(r), "index", "memharness dashboard")
}

func (d *Dashboard) video(w http.ResponseWriter, r *http.Request) {
	q := readQuery(r)
	if _, _, ok := d.findItem(q.Item); !ok {
		httpError(w, http.StatusNotFound, "no item "+q.Item)
		return
	}
	d.renderPage(w, q, "video", q.Item+" - memharness dashboard")
}

func (d *Dashboard) renderPage(w http.ResponseWriter, q query, kind, title string) {
	p := page{Title: title, Kind: kind, Prefix: d.o.Prefix, Control: d.o.Control, Q: q, Query: q.values(),
		Panels: map[string]template.HTML{}, Scoped: d.o.Scoped, Toolkit: d.o.Toolkit,
		Stubs: d.src.Stubs != nil, Drift: d.src.Drift != nil}
	for _, name := range panels[kind] {
		html, err := d.renderPanel(name, q)
		if err != nil {
			httpError(w, http.StatusInternalServerError, err.Error())
			return
		}
		p.Panels[name] = template.HTML(html)
	}
	var buf bytes.Buffer
	if err := d.tmpl.ExecuteTemplate(&buf, "page", p); err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// panel serves one panel's HTML (GET /_mock/ui/panel?name=library&...).
func (d *Dashboard) panel(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if !slices.Contains(panels["index"], name) && !slices.Contains(panels["video"], name) {
		httpError(w, http.StatusNotFound, "no panel "+name)
		return
	}
	html, err := d.renderPanel(name, readQuery(r))
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, html)
}

// renderPanel renders one panel for q.
func (d *Dashboard) renderPanel(name string, q query) (string, error) {
	var data any
	switch name {
	case "clock":
		data = d.src.Clock.Now()
	case "accounts":
		data = d.accountsView(q)
	case "library":
		data = d.libraryView(q)
	case "callbacks":
		data = d.callbacksView()
	case "requests":
		data = d.requestsView(q)
	case "lists":
		data = d.listsView()
	case "stubs":
		if d.src.Stubs == nil {
			return "", nil
		}
		data = d.stubsView()
	case "drift":
		if d.src.Drift == nil {
			return "", nil
		}
		data = d.driftView()
	case "item":
		data = d.itemView(q)
	default:
		return "", fmt.Errorf("no panel %s", name)
	}
	var buf bytes.Buffer
	if err := d.tmpl.ExecuteTemplate(&buf, "panel-"+name, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// accountsView is the Accounts panel.
type accountsView struct {
	Now      time.Time
	Keys     []string
	Selected *Account
	Ledger   []limits.Entry // newest first, at most 20
	Usage    []kv
	Faults   []faultRow
	Own      bool // Faults are the selected account's own
	Prefix   string
	Q        query
}

type kv struct {
	K string
	V float64
}

type faultRow struct {
	Op   string
	Spec string
}

func (d *Dashboard) accountsView(q query) accountsView {
	v := accountsView{Now: d.src.Clock.Now(), Keys: d.src.Accounts.Keys(), Prefix: d.o.Prefix, Q: q}
	key := q.Account
	if key == "" && len(v.Keys) > 0 {
		key = v.Keys[0]
	}
	if key != "" {
		a := d.src.Accounts.Account(key)
		v.Selected = &a
		for i := len(a.Ledger) - 1; i >= 0 && len(v.Ledger) < 20; i-- {
			v.Ledger = append(v.Ledger, a.Ledger[i])
		}
		for _, op := range slices.Sorted(maps.Keys(a.Usage)) {
			v.Usage = append(v.Usage, kv{op, a.Usage[op]})
		}
	}
	faults := d.src.Accounts.Faults()
	if v.Selected != nil && v.Selected.OwnFaults {
		faults, v.Own = v.Selected.Faults, true
	}
	for _, op := range slices.Sorted(maps.Keys(faults)) {
		b, _ := json.Marshal(faults[op])
		v.Faults = append(v.Faults, faultRow{Op: op, Spec: string(b)})
	}
	return v
}

// libraryView is the Library panel: every namespace of the selected
// account (or of every account), per surface.
type libraryView struct {
	Groups  []libraryGroup
	Prefix  string
	Control string
	Export  bool
	Empty   bool
}

type libraryGroup struct {
	Surface, Account, NS string
	Items                []Item
	Total                int // items in the namespace (more than Items when capped)
}

func (d *Dashboard) libraryView(q query) libraryView {
	v := libraryView{Prefix: d.o.Prefix, Control: d.o.Control, Export: d.o.Toolkit}
	keys := d.src.Accounts.Keys()
	if q.Account != "" {
		keys = []string{q.Account}
	}
	for _, lib := range d.src.Libraries {
		for _, key := range keys {
			for _, ns := range lib.Namespaces(key) {
				if q.NS != "" && ns != q.NS {
					continue
				}
				items, total := lib.Items(key, ns, d.o.LibraryRows)
				if len(items) > 0 {
					v.Groups = append(v.Groups, libraryGroup{Surface: lib.Surface(), Account: key, NS: ns, Items: items, Total: total})
				}
			}
		}
	}
	v.Empty = len(v.Groups) == 0
	return v
}

// callbacksView is the Callbacks panel, newest first.
type callbacksView struct {
	Deliveries []deliveryRow
	Control    string
}

type deliveryRow struct {
	webhook.Delivery
	PayloadJSON string
	Subject     string // the item the payload is about
}

func (d *Dashboard) callbacksView() callbacksView {
	all := d.src.Webhooks.Snapshot()
	v := callbacksView{Control: d.o.Control}
	for i := len(all) - 1; i >= 0 && len(v.Deliveries) < 200; i-- {
		v.Deliveries = append(v.Deliveries, newDeliveryRow(all[i]))
	}
	return v
}

func newDeliveryRow(dl webhook.Delivery) deliveryRow {
	b, _ := json.MarshalIndent(dl.Payload, "", "  ")
	return deliveryRow{Delivery: dl, PayloadJSON: string(b), Subject: payloadSubject(dl.Payload)}
}

// subjectFields are the payload fields that name what a callback is about,
// in the shapes the v1 and caption surfaces send.
var subjectFields = []string{"videoNo", "videoId", "taskId", "task_id", "asset_id"}

func payloadSubject(p any) string {
	m, ok := p.(map[string]any)
	if !ok {
		return ""
	}
	for _, f := range subjectFields {
		if s, ok := m[f].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// requestsView is the Requests panel.
type requestsView struct {
	Rows []requestRow
	Q    query
}

type requestRow struct {
	journal.Entry
	ID     string // stable for an entry (keeps it open across refreshes)
	Hidden bool
}

func (d *Dashboard) requestsView(q query) requestsView {
	return requestsView{Rows: newRequestRows(d.src.Journal.Last(d.o.JournalRows), q), Q: q}
}

// newRequestRows prepares journal entries for the page; each row's id is
// the entry's sequence number, so a row stays open across updates. A row
// carries its summary only: the request and answer (up to 64 KiB each)
// are fetched when it is opened (GET request?seq=N), so the live panel
// stays light whatever the traffic.
func newRequestRows(entries []journal.Entry, q query) []requestRow {
	rows := make([]requestRow, 0, len(entries))
	for _, e := range entries {
		rows = append(rows, requestRow{Entry: e, ID: strconv.FormatUint(e.Seq, 10), Hidden: !q.matches(e)})
	}
	return rows
}

// requestDetail is an opened journal row: the request and the answer as
// the client received them.
type requestDetail struct {
	journal.Entry
	Request string // the request's fields and body, indented JSON
	Answer  string // the answer: indented JSON, or the text as sent
	IsJSON  bool   // Answer is JSON
}

// request serves one journal entry's request and answer as an HTML
// fragment (GET request?seq=N), for the row the page opens.
func (d *Dashboard) request(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.URL.Query().Get("seq"), 10, 64)
	if err != nil {
		httpError(w, http.StatusBadRequest, "seq must be a journal entry's number")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	e, ok := d.src.Journal.Get(seq)
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `<p class="muted">This request has left the journal (reset, deleted or overwritten).</p>`)
		return
	}
	var buf bytes.Buffer
	if err := d.tmpl.ExecuteTemplate(&buf, "request-detail", newRequestDetail(e)); err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	_, _ = w.Write(buf.Bytes())
}

func newRequestDetail(e journal.Entry) requestDetail {
	v := requestDetail{Entry: e}
	req := e
	req.AnswerType, req.Answer, req.AnswerDigest = "", nil, nil
	// Not HTML-escaped by the encoder: the template escapes, and the
	// reader sees the "<" that was sent rather than \u003c.
	var rb bytes.Buffer
	enc := json.NewEncoder(&rb)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(req)
	v.Request = strings.TrimSuffix(rb.String(), "\n")
	if len(e.Answer) == 0 {
		return v
	}
	// A text answer (an SSE stream) is kept as a JSON string: shown as
	// the text the client read. JSON is indented.
	var text string
	if e.Answer[0] == '"' && json.Unmarshal(e.Answer, &text) == nil && !jsonType(e.AnswerType) {
		v.Answer = text
		return v
	}
	var out bytes.Buffer
	if err := json.Indent(&out, e.Answer, "", "  "); err == nil {
		v.Answer, v.IsJSON = out.String(), true
	} else {
		v.Answer = string(e.Answer)
	}
	return v
}

// jsonType reports a JSON Content-Type (application/json, any +json).
func jsonType(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	return ct == "application/json" || strings.HasSuffix(ct, "+json")
}

// matches applies the journal filter: substrings of the operation, key
// fingerprint and code (or HTTP status).
func (q query) matches(e journal.Entry) bool {
	has := func(s, sub string) bool {
		return sub == "" || strings.Contains(strings.ToLower(s), strings.ToLower(sub))
	}
	return has(e.OperationID+" "+e.Path, q.Op) && has(e.APIKey, q.Key) && has(e.Code+" "+strconv.Itoa(e.Status), q.Code)
}

// stubsView is the Stubs panel.
type stubsView struct {
	Stubs   []Stub
	States  []kvs
	Control string
}

type kvs struct{ K, V string }

func (d *Dashboard) stubsView() stubsView {
	list, states := d.src.Stubs.Stubs()
	v := stubsView{Stubs: list, Control: d.o.Control}
	for _, k := range slices.Sorted(maps.Keys(states)) {
		v.States = append(v.States, kvs{k, states[k]})
	}
	return v
}

// driftView is the Drift panel.
type driftView struct {
	DriftReport
	Rows    []driftRow
	Control string
}

type driftRow struct {
	DriftFinding
	ID                      string // stable for a finding (keeps it open across refreshes)
	RequestBody, AnswerBody string // the example's bodies, JSON indented
}

func (d *Dashboard) driftView() driftView {
	rep := d.src.Drift.DriftReport()
	v := driftView{DriftReport: rep, Control: d.o.Control}
	for _, f := range rep.Findings {
		h := fnv.New64a()
		for _, s := range []string{f.Surface, f.Operation, f.Method, f.Path, f.Where, f.Pointer, f.Rule} {
			_, _ = io.WriteString(h, s+"\x00")
		}
		v.Rows = append(v.Rows, driftRow{DriftFinding: f, ID: strconv.FormatUint(h.Sum64(), 36),
			RequestBody: indentJSON(f.Example.Request.Body), AnswerBody: indentJSON(f.Example.Response.Body)})
	}
	return v
}

// indentJSON indents s when it is JSON, else returns it as it is.
func indentJSON(s string) string {
	var out bytes.Buffer
	if json.Indent(&out, []byte(s), "", "  ") != nil {
		return s
	}
	return out.String()
}

// listsView feeds the forms' datalists: known keys, items, operations.
type listsView struct {
	Keys  []string
	Items []Item
	Ops   []string
}

func (d *Dashboard) listsView() listsView {
	v := listsView{Keys: d.src.Accounts.Keys()}
	for _, lib := range d.src.Libraries {
		for _, key := range v.Keys {
			for _, ns := range lib.Namespaces(key) {
				items, _ := lib.Items(key, ns, d.o.LibraryRows)
				v.Items = append(v.Items, items...)
			}
		}
	}
	ops := map[string]bool{}
	for _, e := range d.src.Journal.Last(d.o.JournalRows) {
		if e.OperationID != "" {
			ops[e.OperationID] = true
		}
	}
	v.Ops = slices.Sorted(maps.Keys(ops))
	return v
}

// itemView is a detail page's panel.
type itemView struct {
	Found    bool
	Surface  string
	Detail   ItemDetail
	Timeline []Event
	Callback []deliveryRow
	Prefix   string
	Control  string
}

func (d *Dashboard) findItem(id string) (Library, ItemDetail, bool) {
	if id == "" {
		return nil, ItemDetail{}, false
	}
	for _, lib := range d.src.Libraries {
		if it, ok := lib.Item(id); ok {
			return lib, it, true
		}
	}
	return nil, ItemDetail{}, false
}

func (d *Dashboard) itemView(q query) itemView {
	v := itemView{Prefix: d.o.Prefix, Control: d.o.Control}
	lib, it, ok := d.findItem(q.Item)
	if !ok {
		return v
	}
	v.Found, v.Surface, v.Detail = true, lib.Surface(), it
	v.Timeline = append(v.Timeline, it.Events...)
	keys := it.CallbackKeys
	if len(keys) == 0 {
		keys = []string{it.ID}
	}
	for _, dl := range d.src.Webhooks.Snapshot() {
		if !slices.Contains(keys, payloadSubject(dl.Payload)) {
			continue
		}
		row := newDeliveryRow(dl)
		v.Callback = append(v.Callback, row)
		v.Timeline = append(v.Timeline, Event{At: dl.CreatedAt, What: "callback queued", Detail: dl.ID + " to " + dl.URL})
		attempts := dl.History
		if len(attempts) == 0 && dl.Attempts > 0 { // a log without history: the last attempt only
			attempts = []webhook.Attempt{{At: dl.UpdatedAt, StatusCode: dl.LastStatusCode, Error: dl.LastError}}
		}
		for i, a := range attempts {
			n := i + 1 + dl.Attempts - len(attempts)
			if len(dl.History) > 0 {
				n = i + 1
			}
			detail := "delivered"
			switch {
			case a.Error != "":
				detail = "failed: " + a.Error
			case a.StatusCode != 0:
				detail += fmt.Sprintf(": HTTP %d", a.StatusCode)
			}
			v.Timeline = append(v.Timeline, Event{At: a.At, What: fmt.Sprintf("callback attempt %d", n), Detail: detail})
		}
		if !dl.NextAttemptAt.IsZero() && dl.Status == "pending" {
			v.Timeline = append(v.Timeline, Event{At: dl.NextAttemptAt, What: "callback retry", Detail: dl.ID, Pending: true})
		}
	}
	slices.SortStableFunc(v.Timeline, func(a, b Event) int { return a.At.Compare(b.At) })
	return v
}

// media streams an item's stored bytes (the Library's download link).
func (d *Dashboard) media(w http.ResponseWriter, r *http.Request) {
	lib, _, ok := d.findItem(r.URL.Query().Get("id"))
	if !ok {
		httpError(w, http.StatusNotFound, "no item "+r.URL.Query().Get("id"))
		return
	}
	rc, info, err := lib.Media(r.URL.Query().Get("id"))
	if err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, ErrNoMedia) {
			code = http.StatusNotFound
		}
		httpError(w, code, err.Error())
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", cmp.Or(info.ContentType, "application/octet-stream"))
	if info.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	}
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", info.Name))
	_, _ = io.Copy(w, rc)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
