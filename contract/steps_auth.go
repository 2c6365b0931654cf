package contract

import (
	"github.com/cucumber/godog"
)

// authSteps choose which key (if any) requests carry, and which server.
type authSteps struct{ *world }

func (g authSteps) register(ctx *godog.ScenarioContext) {
	const grp, file = "Auth", "steps_auth.go"
	d := func(pattern, example string, fn any) { g.def(ctx, grp, file, pattern, example, fn) }

	d(`^the next request has no API key$`, `Given the next request has no API key`, g.nextNoKey)
	d(`^the next request uses the API key "([^"]*)"$`, `Given the next request uses the API key "Bearer ${api_key}"`, g.nextKey)
	d(`^I send no API key$`, `Given I send no API key`, g.noKeyAtAll)
	d(`^a mock that accepts only its own API key$`, `Given a mock that accepts only its own API key`, g.restrictedMock)
	d(`^an account of my own$`, `Given an account of my own`, g.ownAccount)
	d(`^I use the API key "([^"]+)"$`, `When I use the API key "sk-not-on-the-list"`, g.useKey)
}

func (g authSteps) nextNoKey() error {
	g.next.noKey = true
	return nil
}

func (g authSteps) nextKey(k string) error {
	v, err := g.expand(k)
	if err != nil {
		return err
	}
	g.next.key = v
	return nil
}

func (g authSteps) noKeyAtAll() error {
	g.noKey = true
	return nil
}

// restrictedMock switches the scenario to a second in-process mock started
// with one accepted key (the --api-keys option), and uses that key. A remote
// target cannot be restarted with restricted keys, so the scenario skips.
func (g authSteps) restrictedMock() error {
	if !g.s.memories.InProcess {
		return g.skip("needs a mock started with --api-keys; the target " + g.s.memories.Name + " was started elsewhere")
	}
	t, err := g.s.restricted.get()
	if err != nil {
		return err
	}
	g.target = t
	g.key = restrictedKey
	g.vars["api_key"] = restrictedKey
	return nil
}

func (g authSteps) useKey(k string) error {
	v, err := g.expand(k)
	if err != nil {
		return err
	}
	g.keyOver = v
	return nil
}

// ownAccount needs the scenario's key to be a new account (a mock that
// accepts any key); with a shared key the scenario skips.
func (g authSteps) ownAccount() error {
	if !g.target.FreshKeys {
		return g.skip("needs a new account per scenario; the target accepts only the configured key")
	}
	return nil
}
