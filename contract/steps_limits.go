package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/memharness/memharness/client"
)

// limitSteps probe rate limits and credits: bursts fired without pacing,
// paced series, forced answers, the client's retries and the account's
// balance through the control plane.
type limitSteps struct{ *world }

func (g limitSteps) register(ctx *godog.ScenarioContext) {
	const grp, file = "Limits and credits", "steps_limits.go"
	d := func(pattern, example string, fn any) { g.def(ctx, grp, file, pattern, example, fn) }

	d(`^the account balance is set to (\d+(?:\.\d+)?) credits$`, `Given the account balance is set to 0 credits`, g.setBalance)
	d(`^the account balance is below (\d+(?:\.\d+)?) credits$`, `Then the account balance is below 100 credits`, g.balanceBelow)
	d(`^the account ledger has a charge for "([^"]+)"$`, `Then the account ledger has a charge for "search"`, g.ledgerHas)
	d(`^the account ledger has no charge for "([^"]+)"$`, `Then the account ledger has no charge for "search"`, g.ledgerHasNot)
	d(`^I fire (\d+) "([^"]+)" requests at once without pacing with JSON:$`, `When I fire 8 "list_videos" requests at once without pacing with JSON:`, g.fire)
	d(`^I make (\d+) paced "([^"]+)" calls with JSON:$`, `When I make 12 paced "search" calls with JSON:`, g.paced)
	d(`^at least one of them is a business error "([^"]+)" with message "([^"]*)"$`, `Then at least one of them is a business error "0429" with message "Request has exceeded the limit."`, g.someError)
	d(`^none of them is a business error "([^"]+)"$`, `Then none of them is a business error "0429"`, g.noneError)
	d(`^all of them succeed$`, `Then all of them succeed`, g.allSucceed)
	d(`^the next (\d+) "([^"]+)" requests? (?:is|are) forced to answer "([^"]+)"$`, `Given the next 2 "list_videos" requests are forced to answer "0429"`, g.forceNext)
	d(`^I list the videos with the paced client$`, `When I list the videos with the paced client`, g.listTyped)
	d(`^the call succeeds$`, `Then the call succeeds`, g.callSucceeds)
	d(`^the call fails with "([^"]+)"$`, `Then the call fails with "0402"`, g.callFails)
	d(`^the client sent (\d+) "([^"]+)" requests?$`, `And the client sent 3 "list_videos" requests`, g.clientSent)
}

// control sends a control-plane request and returns the decoded answer.
func (w *world) control(id string, params map[string]string, body any) (*result, error) {
	o, err := w.operation(id)
	if err != nil {
		return nil, err
	}
	r := request{op: o, params: params}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r.body, r.contentType = b, "application/json"
	}
	last := w.last
	res, err := w.send(r)
	w.last = last // bookkeeping calls do not replace the scenario's last answer
	if err != nil {
		return nil, err
	}
	if res.status != http.StatusOK {
		return nil, fmt.Errorf("control plane %s answered HTTP %d: %s", id, res.status, excerpt(res.body))
	}
	return res, nil
}

type account struct {
	Balance float64 `json:"balance"`
	Ledger  []struct {
		Operation string  `json:"operation"`
		Credits   float64 `json:"credits"`
	} `json:"ledger"`
}

func (w *world) account() (*account, error) {
	res, err := w.control("mock_account", map[string]string{"api_key": w.currentKey()}, nil)
	if err != nil {
		return nil, err
	}
	var a account
	if err := json.Unmarshal(res.body, &a); err != nil {
		return nil, fmt.Errorf("account: %w: %s", err, excerpt(res.body))
	}
	return &a, nil
}

func (g limitSteps) setBalance(credits float64) error {
	if !g.target.Mock {
		return g.skip("setting a balance needs the /_mock/ control plane; the target is not a mock")
	}
	before, err := g.account()
	if err != nil {
		return err
	}
	if !g.target.FreshKeys {
		// A shared key: give the balance back after the scenario.
		prev, key := before.Balance, g.currentKey()
		g.cleanups = append(g.cleanups, func() {
			_, _ = g.control("mock_account_balance", map[string]string{"api_key": key}, map[string]float64{"credits": prev})
		})
	}
	_, err = g.control("mock_account_balance", map[string]string{"api_key": g.currentKey()}, map[string]float64{"credits": credits})
	return err
}

func (g limitSteps) balanceBelow(limit float64) error {
	if !g.target.Mock {
		return g.skip("reading a balance needs the /_mock/ control plane; the target is not a mock")
	}
	a, err := g.account()
	if err != nil {
		return err
	}
	if a.Balance >= limit {
		return fmt.Errorf("the balance is %v credits, want below %v", a.Balance, limit)
	}
	return nil
}

func (g limitSteps) ledgerCharges(op string) (int, error) {
	if !g.target.Mock {
		return 0, g.skip("reading the ledger needs the /_mock/ control plane; the target is not a mock")
	}
	a, err := g.account()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range a.Ledger {
		if e.Operation == op && e.Credits > 0 {
			n++
		}
	}
	return n, nil
}

func (g limitSteps) ledgerHas(op string) error {
	n, err := g.ledgerCharges(op)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("the ledger of %s has no charge for %s", g.currentKey(), op)
	}
	return nil
}

func (g limitSteps) ledgerHasNot(op string) error {
	n, err := g.ledgerCharges(op)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the ledger of %s has %d charge(s) for %s", g.currentKey(), n, op)
	}
	return nil
}

// fire sends n identical requests concurrently through a client that
// neither paces nor retries, to see the server's own limit.
func (g limitSteps) fire(n int, id string, doc *godog.DocString) error {
	o, err := g.operation(id)
	if err != nil {
		return err
	}
	body, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	c := g.rawAPI()
	ctx, cancel := context.WithTimeout(g.ctx, time.Minute)
	defer cancel()
	results := make([]*result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, b, err := c.Send(ctx, client.RawRequest{Method: o.Method, Path: o.Path, Body: body, ContentType: "application/json"})
			if err != nil {
				errs[i] = err
				return
			}
			results[i] = newResult(o.API, o.ID, o.Method, o.Path, res, b)
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	g.batch = results
	g.last = results[n-1]
	return nil
}

// paced sends n requests one after the other through the scenario's paced
// client, without retrying, so each answer is the server's first.
func (g limitSteps) paced(n int, id string, doc *godog.DocString) error {
	o, err := g.operation(id)
	if err != nil {
		return err
	}
	body, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(g.ctx, 5*time.Minute)
	defer cancel()
	g.batch = nil
	for i := 0; i < n; i++ {
		res, b, err := g.api().Send(ctx, client.RawRequest{Method: o.Method, Path: o.Path, Body: body, ContentType: "application/json"})
		if err != nil {
			return err
		}
		r := newResult(o.API, o.ID, o.Method, o.Path, res, b)
		g.batch = append(g.batch, r)
		g.last = r
	}
	return nil
}

func (g limitSteps) summary() string {
	count := map[string]int{}
	var order []string
	for _, r := range g.batch {
		k := fmt.Sprintf("HTTP %d code %s", r.status, envelopeCode(r))
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%dx %s", count[k], k))
	}
	return strings.Join(parts, ", ")
}

func (g limitSteps) someError(code, msg string) error {
	if len(g.batch) == 0 {
		return fmt.Errorf("no batch of requests was sent")
	}
	for _, r := range g.batch {
		m, _ := r.json.(map[string]any)
		if r.status == http.StatusOK && envelopeCode(r) == code && textOf(m["msg"]) == msg {
			if s, ok := m["code"].(string); ok && s == code {
				g.last = r
				return nil
			}
		}
	}
	return fmt.Errorf("none of the %d answers is HTTP 200 with code %q and msg %q: %s", len(g.batch), code, msg, g.summary())
}

func (g limitSteps) noneError(code string) error {
	if len(g.batch) == 0 {
		return fmt.Errorf("no batch of requests was sent")
	}
	for _, r := range g.batch {
		if envelopeCode(r) == code {
			return fmt.Errorf("an answer has code %s: %s", code, g.summary())
		}
	}
	return nil
}

func (g limitSteps) allSucceed() error {
	if len(g.batch) == 0 {
		return fmt.Errorf("no batch of requests was sent")
	}
	for _, r := range g.batch {
		if r.status != http.StatusOK || envelopeCode(r) != "0000" {
			return fmt.Errorf("not every answer is a success: %s", g.summary())
		}
	}
	return nil
}

// forceNext makes the next n requests of an operation carry X-Mock-Force
// (a mock feature): each attempt of the paced client consumes one.
func (g limitSteps) forceNext(n int, op, code string) error {
	if !g.target.Mock {
		return g.skip("X-Mock-Force is a mock feature; the target is not a mock")
	}
	g.mu.Lock()
	g.force[op] = &forceRule{n: n, value: code}
	g.mu.Unlock()
	return nil
}

func (g limitSteps) listTyped() error {
	g.mu.Lock()
	g.attempts = map[string]int{}
	g.mu.Unlock()
	ctx, cancel := context.WithTimeout(g.ctx, 2*time.Minute)
	defer cancel()
	_, g.callErr = g.api().ListVideos(ctx, client.ListVideosRequest{Page: 1, Size: 20, UniqueID: g.ns})
	return nil
}

func (g limitSteps) callSucceeds() error {
	if g.callErr != nil {
		return fmt.Errorf("the call failed: %w", g.callErr)
	}
	return nil
}

func (g limitSteps) callFails(code string) error {
	if g.callErr == nil {
		return fmt.Errorf("the call succeeded, want code %s", code)
	}
	if !client.HasCode(g.callErr, code) {
		return fmt.Errorf("the call failed with %v, want code %s", g.callErr, code)
	}
	return nil
}

func (g limitSteps) clientSent(n int, op string) error {
	g.mu.Lock()
	got := g.attempts[op]
	g.mu.Unlock()
	if got != n {
		return fmt.Errorf("the client sent %d %s request(s), want %d", got, op, n)
	}
	return nil
}
