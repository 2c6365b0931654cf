package contract

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/cucumber/godog"
)

// scopedControl calls a control operation for the scenario's own account
// (?api_key=K), the form that leaves scenarios running beside it alone.
func (g controlSteps) scopedControl(id string, body any) (*result, error) {
	o, err := g.operation(id)
	if err != nil {
		return nil, err
	}
	r := request{op: o, query: url.Values{"api_key": {g.currentKey()}}}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r.body, r.contentType = b, "application/json"
	}
	last := g.last
	res, err := g.send(r)
	g.last = last
	if err != nil {
		return nil, err
	}
	if res.status != 200 {
		return nil, fmt.Errorf("control plane %s answered HTTP %d: %s", id, res.status, excerpt(res.body))
	}
	return res, nil
}

// resetMine resets the scenario's own account (POST /_mock/reset?api_key=K);
// the answer becomes the last response.
func (g controlSteps) resetMine() error {
	res, err := g.scopedControl("mock_reset", nil)
	if err != nil {
		return err
	}
	g.last = res
	return nil
}

// findResult is the part of POST /_mock/requests/find the steps read.
type findResult struct {
	Count      int  `json:"count"`
	OK         bool `json:"ok"`
	NearMisses []struct {
		Request struct {
			OperationID string `json:"operation_id"`
		} `json:"request"`
		Differences []struct {
			Field    string `json:"field"`
			Expected any    `json:"expected"`
			Actual   any    `json:"actual"`
		} `json:"differences"`
	} `json:"near_misses"`
}

// find asks the mock's journal for this account's requests of op that
// match the body conditions of doc (a JSON object of path -> condition).
func (g controlSteps) find(op string, count int, doc *godog.DocString) (findResult, error) {
	var out findResult
	if !g.target.Mock {
		return out, g.skip("request verification is a mock feature; the target is not a mock")
	}
	raw, err := g.jsonBody(doc)
	if err != nil {
		return out, err
	}
	var conds map[string]any
	if err := json.Unmarshal(raw, &conds); err != nil {
		return out, fmt.Errorf("matcher: %w", err)
	}
	matcher := map[string]any{"operation": op, "api_key": g.currentKey(), "body": conds, "count": count}
	o, err := g.operation("mock_requests_find")
	if err != nil {
		return out, err
	}
	b, err := json.Marshal(matcher)
	if err != nil {
		return out, err
	}
	last := g.last
	res, err := g.send(request{op: o, body: b, contentType: "application/json"})
	g.last = last
	if err != nil {
		return out, err
	}
	if res.status != 200 {
		return out, fmt.Errorf("mock_requests_find answered HTTP %d: %s", res.status, excerpt(res.body))
	}
	if err := json.Unmarshal(res.body, &out); err != nil {
		return out, fmt.Errorf("mock_requests_find: %w: %s", err, excerpt(res.body))
	}
	return out, nil
}

// seenMatching checks that exactly n requests of op sent with the
// scenario's key match; on failure it names the near misses.
func (g controlSteps) seenMatching(n int, op string, doc *godog.DocString) error {
	res, err := g.find(op, n, doc)
	if err != nil {
		return err
	}
	if res.OK {
		return nil
	}
	return fmt.Errorf("the mock saw %d matching %q request(s) of this account, want %d%s", res.Count, op, n, nearMisses(res))
}

// seenNoneMatching checks that no request of op sent with the scenario's
// key matches.
func (g controlSteps) seenNoneMatching(op string, doc *godog.DocString) error {
	res, err := g.find(op, 0, doc)
	if err != nil {
		return err
	}
	if res.Count != 0 {
		return fmt.Errorf("the mock saw %d matching %q request(s), want none", res.Count, op)
	}
	return nil
}

func nearMisses(res findResult) string {
	if len(res.NearMisses) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("; closest requests:")
	for _, m := range res.NearMisses {
		fmt.Fprintf(&b, "\n  %s:", m.Request.OperationID)
		for _, d := range m.Differences {
			fmt.Fprintf(&b, " %s expected %v got %v;", d.Field, d.Expected, d.Actual)
		}
	}
	return b.String()
}
