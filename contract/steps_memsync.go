package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cucumber/godog"
)

// memsyncSteps call the MemSync API (X-API-Key auth); every answer is
// validated against openapi/memsync.yaml.
type memsyncSteps struct{ *world }

// memsyncState is the scenario's MemSync account.
type memsyncState struct {
	target  *Target
	key     string
	noKey   bool
	pages   int
	visited int
	total   int
	size    int
	dups    int
}

func (g memsyncSteps) register(ctx *godog.ScenarioContext) {
	const grp, file = "MemSync", "steps_memsync.go"
	d := func(pattern, example string, fn any) { g.def(ctx, grp, file, pattern, example, fn) }

	d(`^the MemSync API$`, `Given the MemSync API`, g.use)
	d(`^the MemSync API with a fresh API key$`, `Given the MemSync API with a fresh API key`, g.useFresh)
	d(`^the next MemSync request has no API key$`, `Given the next MemSync request has no API key`, g.noKey)
	d(`^I call MemSync "([^"]+)"$`, `When I call MemSync "getProfile"`, g.call)
	d(`^I call MemSync "([^"]+)" with query "([^"]*)"$`, `When I call MemSync "listMemories" with query "page=1&page_size=5"`, g.callQuery)
	d(`^I call MemSync "([^"]+)" with JSON:$`, `When I call MemSync "storeMemories" with JSON:`, g.callJSON)
	d(`^I call MemSync "([^"]+)" with multipart fields:$`, `When I call MemSync "createFileIntegration" with multipart fields:`, g.callMultipart)
	d(`^I call MemSync "([^"]+)" (\d+) times$`, `When I call MemSync "listMemories" 100 times`, g.callTimes)
	d(`^every MemSync answer was HTTP (\d+)$`, `Then every MemSync answer was HTTP 200`, g.everyStatus)
	d(`^I page through MemSync memories (\d+) per page$`, `When I page through MemSync memories 2 per page`, g.page)
	d(`^paging followed has_next to the last page and saw every memory once$`, `Then paging followed has_next to the last page and saw every memory once`, g.paged)
}

func (g memsyncSteps) use() error {
	t := g.s.memsync
	if t == nil {
		return g.skip("no MemSync target is configured")
	}
	st := &memsyncState{target: t, key: t.Key}
	if t.FreshKeys {
		st.key = "memsync_sk_contract_" + g.ns
	}
	g.memsync = st
	return nil
}

func (g memsyncSteps) useFresh() error {
	if err := g.use(); err != nil {
		return err
	}
	if !g.memsync.target.FreshKeys {
		return g.skip("needs a MemSync mock where any new key is its own user; " + g.memsync.target.Name + " is not one")
	}
	return nil
}

func (g memsyncSteps) noKey() error {
	if g.memsync == nil {
		return fmt.Errorf("use \"the MemSync API\" first")
	}
	g.memsync.noKey = true
	return nil
}

func (g memsyncSteps) op(id string) (*Operation, error) {
	if g.memsync == nil {
		return nil, fmt.Errorf("use \"the MemSync API\" first")
	}
	o, ok := g.s.specs.Op(APIMemSync, id)
	if !ok {
		return nil, fmt.Errorf("no operation %q in memsync.yaml", id)
	}
	return o, nil
}

// send calls MemSync with a JSON body (or none) and validates the answer.
func (g memsyncSteps) send(o *Operation, q url.Values, body []byte) (*result, error) {
	return g.sendAs(o, q, body, "application/json")
}

// callMultipart sends a multipart form built from a name | value table, with the file specs of
// the HTTP steps ("@text(name=notes.txt, content=...)" is a file part; a bare value a text field).
func (g memsyncSteps) callMultipart(id string, t *godog.Table) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	rows, err := httpSteps(g).formRows(t)
	if err != nil {
		return err
	}
	body, ct, err := buildMultipart(rows)
	if err != nil {
		return err
	}
	_, err = g.sendAs(o, nil, body, ct)
	return err
}

// sendAs calls MemSync with a body of the given content type and validates the answer.
func (g memsyncSteps) sendAs(o *Operation, q url.Values, body []byte, contentType string) (*result, error) {
	path, err := o.Expand(map[string]string{})
	if err != nil {
		return nil, err
	}
	u := g.memsync.target.BaseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(g.ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, o.Method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if g.memsync.noKey {
		g.memsync.noKey = false
	} else {
		req.Header.Set("X-API-Key", g.memsync.key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("MemSync %s: %w", o.ID, err)
	}
	b, err := readAllLimit(res.Body, 16<<20)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	vs := g.s.validator.Validate(o, Response{Request: req, Status: res.StatusCode, Header: res.Header, Body: b})
	g.mu.Lock()
	g.violations = append(g.violations, vs...)
	g.mu.Unlock()
	r := newResult(APIMemSync, o.ID, o.Method, path, res, b)
	g.last = r
	return r, nil
}

func (g memsyncSteps) call(id string) error { return g.callQuery(id, "") }

func (g memsyncSteps) callQuery(id, q string) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	vals, err := g.expandQuery(q)
	if err != nil {
		return err
	}
	_, err = g.send(o, vals, nil)
	return err
}

func (g memsyncSteps) callJSON(id string, doc *godog.DocString) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	body, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	_, err = g.send(o, nil, body)
	return err
}

func (g memsyncSteps) callTimes(id string, n int) error {
	o, err := g.op(id)
	if err != nil {
		return err
	}
	g.batch = nil
	// Why: MemSync counts in one-minute windows (X-RateLimit-Reset names
	// the window's end); a burst that straddles a window boundary would be
	// counted in two, so start it well inside one.
	if left := time.Minute - time.Duration(time.Now().UnixNano()%int64(time.Minute)); left < 5*time.Second {
		select {
		case <-g.ctx.Done():
			return g.ctx.Err()
		case <-time.After(left + 200*time.Millisecond):
		}
	}
	for i := 0; i < n; i++ {
		r, err := g.send(o, nil, nil)
		if err != nil {
			return err
		}
		g.batch = append(g.batch, r)
	}
	return nil
}

// page follows pagination.has_next from page 1 to the end.
func (g memsyncSteps) page(size int) error {
	o, err := g.op("listMemories")
	if err != nil {
		return err
	}
	st := g.memsync
	st.pages, st.visited, st.total, st.size, st.dups = 0, 0, 0, size, 0
	seen := map[string]bool{}
	for page := 1; page <= 1000; page++ {
		r, err := g.send(o, url.Values{"page": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(size)}}, nil)
		if err != nil {
			return err
		}
		if r.status != http.StatusOK {
			return fmt.Errorf("listMemories page %d answered HTTP %d: %s", page, r.status, excerpt(r.body))
		}
		var p struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			Pagination struct {
				Page       int  `json:"page"`
				TotalItems int  `json:"total_items"`
				HasNext    bool `json:"has_next"`
			} `json:"pagination"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			return fmt.Errorf("listMemories page %d: %w", page, err)
		}
		if p.Pagination.Page != page {
			return fmt.Errorf("asked for page %d, got pagination.page %d", page, p.Pagination.Page)
		}
		if len(p.Data) > size {
			return fmt.Errorf("page %d holds %d memories, more than page_size %d", page, len(p.Data), size)
		}
		st.pages++
		st.visited += len(p.Data)
		for _, m := range p.Data {
			if seen[m.ID] {
				st.dups++
			}
			seen[m.ID] = true
		}
		st.total = p.Pagination.TotalItems
		if !p.Pagination.HasNext {
			return nil
		}
	}
	return fmt.Errorf("has_next never became false within 1000 pages")
}

// paged: the walk ended on the last page, met every memory exactly once,
// and the page count agrees with total_items and page_size.
func (g memsyncSteps) paged() error {
	st := g.memsync
	if st == nil || st.pages == 0 {
		return fmt.Errorf("no paging was done")
	}
	if st.dups > 0 {
		return fmt.Errorf("paging met %d memories twice", st.dups)
	}
	if st.visited != st.total {
		return fmt.Errorf("paging visited %d pages holding %d memories, pagination.total_items is %d", st.pages, st.visited, st.total)
	}
	if want := max(1, (st.total+st.size-1)/st.size); st.pages != want {
		return fmt.Errorf("paging took %d pages for %d memories at %d per page, want %d", st.pages, st.total, st.size, want)
	}
	if st.total < 2*st.size {
		return fmt.Errorf("only %d memories: too few to page through at %d per page", st.total, st.size)
	}
	return nil
}

func (g memsyncSteps) everyStatus(code int) error {
	if len(g.batch) == 0 {
		return fmt.Errorf("no MemSync requests were repeated")
	}
	for i, r := range g.batch {
		if r.status != code {
			return fmt.Errorf("answer %d of %d was HTTP %d, want %d: %s", i+1, len(g.batch), r.status, code, excerpt(r.body))
		}
	}
	return nil
}
