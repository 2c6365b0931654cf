package contract

import (
	"context"

	"github.com/cucumber/godog"
)

// stepDef is one registered step, for the catalogue (STEPS.md).
type stepDef struct {
	Group   string
	File    string
	Pattern string
	Example string
}

// stepGroup is a concern's set of steps; each lives in its own file.
type stepGroup interface {
	register(ctx *godog.ScenarioContext)
}

// groups lists the step groups of a world, in catalogue order.
func groups(w *world) []stepGroup {
	return []stepGroup{
		httpSteps{w}, authSteps{w}, uploadSteps{w}, streamSteps{w},
		limitSteps{w}, controlSteps{w}, memsyncSteps{w}, v2Steps{w},
	}
}

// initScenario allocates the scenario's world and registers every step
// group on it.
func (s *Suite) initScenario(sc *godog.ScenarioContext) {
	w := newWorld(s)
	sc.Before(func(ctx context.Context, scn *godog.Scenario) (context.Context, error) {
		return w.begin(ctx, scn)
	})
	gateBefore, gateAfter := s.gate(w) // @serial, and skips by the target's configuration
	sc.Before(gateBefore)
	sc.After(gateAfter)
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		w.end()
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, _ *godog.Step, _ godog.StepResultStatus, err error) (context.Context, error) {
		return ctx, w.afterStep()
	})
	for _, g := range groups(w) {
		g.register(sc)
	}
}

// def registers one step and records it for the catalogue.
func (w *world) def(ctx *godog.ScenarioContext, group, file, pattern, example string, fn any) {
	ctx.Step(pattern, fn)
	w.s.record(stepDef{Group: group, File: file, Pattern: pattern, Example: example})
}

func (s *Suite) record(d stepDef) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.patterns {
		if p.Pattern == d.Pattern {
			return
		}
	}
	s.patterns = append(s.patterns, d)
}

// Steps returns every registered step (after at least one scenario was
// initialized), in registration order.
func (s *Suite) Steps() []stepDef {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]stepDef(nil), s.patterns...)
}
