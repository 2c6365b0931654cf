package contract

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// controlSteps drive the mock's /_mock/ control plane: health, clock,
// forced statuses and answers, the request journal, the callback log,
// faults and a private mock for destructive checks.
type controlSteps struct{ *world }

func (g controlSteps) register(ctx *godog.ScenarioContext) {
	const grp, file = "Control plane", "steps_control.go"
	d := func(pattern, example string, fn any) { g.def(ctx, grp, file, pattern, example, fn) }

	d(`^the target is a mock$`, `Given the target is a mock`, g.isMock)
	d(`^a private mock$`, `Given a private mock`, g.privateMock)
	d(`^a private mock whose processing takes (\d+) seconds$`, `Given a private mock whose processing takes 60 seconds`, g.slowPrivateMock)
	d(`^a private mock with the "([^"]+)" error style$`, `Given a private mock with the "http" error style`, g.styledPrivateMock)
	d(`^a private mock that keeps its state in a data directory$`, `Given a private mock that keeps its state in a data directory`, g.persistentPrivateMock)
	d(`^the mock restarts on the same data directory$`, `When the mock restarts on the same data directory`, g.restartPrivateMock)
	d(`^the next request is forced to answer "([^"]+)"$`, `Given the next request is forced to answer "0402"`, g.forceNextRequest)
	d(`^I advance the mock clock by (\d+) seconds$`, `When I advance the mock clock by 60 seconds`, g.advance)
	d(`^I inject the faults:$`, `Given I inject the faults:`, g.injectFaults)
	d(`^the mock journal has a "([^"]+)" request answered "([^"]*)"$`, `Then the mock journal has a "search" request answered "0429"`, g.journalHas)
	d(`^the callback log has a delivered callback for "([^"]+)"$`, `Then the callback log has a delivered callback for "clip"`, g.callbackLogged)
	d(`^I reset my account on the mock$`, `When I reset my account on the mock`, g.resetMine)
	d(`^the mock has seen (\d+) "([^"]+)" requests? of mine matching:$`, `Then the mock has seen 1 "search" request of mine matching:`, g.seenMatching)
	d(`^the mock has seen no "([^"]+)" request of mine matching:$`, `Then the mock has seen no "search" request of mine matching:`, g.seenNoneMatching)
}

// isMock checks that the target has a control plane; scenarios that need
// one skip (with the reason reported) when it has not.
func (g controlSteps) isMock() error {
	if !g.target.Mock {
		return g.skip("the target " + g.target.Name + " is not a mock (GET /_mock/health did not answer 200)")
	}
	res, err := g.control("mock_health", nil, nil)
	if err != nil {
		return err
	}
	var h struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(res.body, &h) != nil || h.Status != "ok" {
		return fmt.Errorf("mock health is not ok: %s", excerpt(res.body))
	}
	return nil
}

// privateMock gives the scenario a mock of its own for checks that would
// disturb other scenarios (reset, global faults): a new in-process mock, or
// the target itself when the target is a remote mock.
func (g controlSteps) privateMock() error { return g.startPrivate(g.s.cfg.ProcessingTime) }

// slowPrivateMock is a private mock whose uploads stay UNPARSE for a while,
// so "not parsed yet" can be observed deterministically. A remote target is
// used as it is (its processing time is its own).
func (g controlSteps) slowPrivateMock(secs int) error {
	if !g.target.Mock {
		// The real service indexes for minutes: a fresh upload is
		// reliably unparsed there already.
		return nil
	}
	return g.startPrivate(time.Duration(secs) * time.Second)
}

// styledPrivateMock starts an in-process mock with another error style
// (--error-style); a target started elsewhere has its own style, so the
// scenario skips there.
func (g controlSteps) styledPrivateMock(style string) error {
	if !g.s.memories.InProcess {
		return g.skip("needs a mock started with --error-style " + style + "; the target " + g.s.memories.Name + " was started elsewhere")
	}
	o := InProcessOptions(g.s.cfg.ProcessingTime)
	o.ErrorStyle = style
	t, err := StartMock("private mock ("+style+" errors)", o)
	if err != nil {
		return err
	}
	g.target = t
	g.cleanups = append(g.cleanups, t.Close)
	return nil
}

// persistentPrivateMock starts an in-process mock with --data-dir in a
// directory of the scenario's own.
func (g controlSteps) persistentPrivateMock() error {
	if !g.s.memories.InProcess {
		return g.skip("needs a mock it can restart; the target " + g.s.memories.Name + " was started elsewhere")
	}
	dir, err := os.MkdirTemp("", "contract-data-")
	if err != nil {
		return err
	}
	g.cleanups = append(g.cleanups, func() { _ = os.RemoveAll(dir) })
	g.vars["data_dir"] = dir
	return g.startPersistent(dir)
}

func (g controlSteps) startPersistent(dir string) error {
	o := InProcessOptions(g.s.cfg.ProcessingTime)
	o.DataDir = dir
	t, err := StartMock("private persistent mock", o)
	if err != nil {
		return err
	}
	g.target = t
	g.cleanups = append(g.cleanups, t.Close)
	return nil
}

// restartPrivateMock stops the persistent mock and starts a new one on the
// same directory (a new process in all but name: new address, new memory).
func (g controlSteps) restartPrivateMock() error {
	dir, ok := g.vars["data_dir"]
	if !ok {
		return fmt.Errorf("no persistent mock to restart: use \"a private mock that keeps its state in a data directory\" first")
	}
	g.target.Close()
	return g.startPersistent(dir)
}

func (g controlSteps) startPrivate(processing time.Duration) error {
	if !g.target.Mock {
		return g.skip("needs a mock; the target is not one")
	}
	if !g.s.memories.InProcess {
		return nil
	}
	t, err := StartMock("private mock", InProcessOptions(processing))
	if err != nil {
		return err
	}
	g.target = t
	g.cleanups = append(g.cleanups, t.Close)
	return nil
}

func (g controlSteps) forceNextRequest(code string) error {
	if !g.target.Mock {
		return g.skip("X-Mock-Force is a mock feature; the target is not a mock")
	}
	return httpSteps(g).nextHeader("X-Mock-Force", code)
}

func (g controlSteps) advance(secs int) error {
	_, err := g.control("mock_clock_advance", nil, map[string]int{"seconds": secs})
	return err
}

// injectFaults sets faults for the scenario's own account
// (PUT /_mock/faults?api_key=K), so scenarios running beside it are not
// hit, and removes them afterwards.
func (g controlSteps) injectFaults(doc *godog.DocString) error {
	body, err := g.jsonBody(doc)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	g.cleanups = append(g.cleanups, func() {
		_, _ = g.scopedControl("mock_faults_put", map[string]any{"operations": map[string]any{}})
	})
	_, err = g.scopedControl("mock_faults_put", v)
	return err
}

func (g controlSteps) journalHas(op, code string) error {
	o, err := g.operation("mock_requests")
	if err != nil {
		return err
	}
	last := g.last
	// Only this account's entries: a busy journal cannot push them out.
	res, err := g.send(request{op: o, query: url.Values{"limit": {strconv.Itoa(1000)}, "api_key": {g.currentKey()}}})
	g.last = last
	if err != nil {
		return err
	}
	var j struct {
		Requests []struct {
			OperationID string `json:"operation_id"`
			APIKey      string `json:"api_key"`
			Code        string `json:"code"`
			Status      int    `json:"status"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(res.body, &j); err != nil {
		return fmt.Errorf("journal: %w: %s", err, excerpt(res.body))
	}
	seen := map[string]int{}
	for _, r := range j.Requests {
		if !sameKey(r.APIKey, g.currentKey()) {
			continue
		}
		if r.OperationID == op && r.Code == code {
			return nil
		}
		seen[r.OperationID+" "+r.Code]++
	}
	return fmt.Errorf("the journal has no %s request of %s answered %q (this account's: %v)", op, g.currentKey(), code, seen)
}

func (g controlSteps) callbackLogged(name string) error {
	no, err := g.expand("${" + name + "}")
	if err != nil {
		return err
	}
	// The mock marks a delivery delivered once it has read the receiver's
	// answer, a moment after the receiver saw the POST: poll briefly.
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := g.control("mock_callbacks", nil, nil)
		if err != nil {
			return err
		}
		var log struct {
			Deliveries []struct {
				Payload map[string]any `json:"payload"`
				Status  string         `json:"status"`
			} `json:"deliveries"`
		}
		if err := json.Unmarshal(res.body, &log); err != nil {
			return err
		}
		for _, d := range log.Deliveries {
			if d.Payload["videoNo"] == no && d.Status == "delivered" {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the callback log has no delivered callback for %s", no)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sameKey compares a journal key with ours: the mock shows long keys
// shortened to their first characters and an ellipsis.
func sameKey(journal, key string) bool {
	if journal == key {
		return true
	}
	prefix, cut := strings.CutSuffix(journal, "…")
	return cut && len(prefix) >= 4 && strings.HasPrefix(key, prefix)
}
