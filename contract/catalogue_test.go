package contract

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cucumber/godog"
)

var update = flag.Bool("update", false, "rewrite contract/STEPS.md from the registered steps")

// registeredSteps initializes one scenario the way godog does when it lists
// step definitions, and returns what the step groups registered.
func registeredSteps(t *testing.T) []stepDef {
	t.Helper()
	specs, err := LoadSpecs()
	if err != nil {
		t.Fatal(err)
	}
	s := &Suite{specs: specs, validator: NewValidator(specs)}
	ts := godog.TestSuite{ScenarioInitializer: s.initScenario, Options: &godog.Options{
		ShowStepDefinitions: true, Output: io.Discard, Format: "progress", NoColors: true,
	}}
	_ = ts.Run()
	steps := s.Steps()
	if len(steps) == 0 {
		t.Fatal("no steps were registered")
	}
	return steps
}

// keywordRe strips the Gherkin keyword of an example.
var keywordRe = regexp.MustCompile(`^(Given|When|Then|And|But) `)

// catalogue renders STEPS.md.
func catalogue(steps []stepDef) []byte {
	var b bytes.Buffer
	b.WriteString("# Step catalogue\n\n")
	b.WriteString("Every step the contract suite defines, by concern, with an example. Generated from the\n")
	b.WriteString("registrations (`go test ./contract -run TestStepCatalogue -update`); a test fails when a\n")
	b.WriteString("registered step is missing here or an example does not match its pattern.\n\n")
	b.WriteString("Conventions shared by the steps:\n\n")
	b.WriteString("- Operations are named by `operationId` (openapi/memories.yaml, control.yaml, memsync.yaml).\n")
	b.WriteString("- Every response is validated against its description (status, content type, body schema;\n")
	b.WriteString("  stream events one by one); a violation fails the step that received it.\n")
	b.WriteString("- `${name}` inserts a remembered value (`unique_id`, `api_key`, `callback_url`, videos ...);\n")
	b.WriteString("  `${text:N}`, `${url:N}`, `${json_tags:N}`, `${json_video_ids:N}`, `${unknown_video_no}`,\n")
	b.WriteString("  `${png_base64}` generate values.\n")
	b.WriteString("- Form and multipart tables have the columns `name | value`; a name `tags*21` repeats the field\n")
	b.WriteString("  21 times (values suffixed 1..21); `@mp4(name=a.mp4, seconds=5, codec=avc1, audio=no)`,\n")
	b.WriteString("  `@corrupt(...)`, `@webm(...)`, `@png(name=a.png, size=64, seed=1)`, `@jpeg(...)` generate\n")
	b.WriteString("  files and `@json {...}` writes a part of type application/json.\n")
	b.WriteString("- Field paths are dotted (`data.videos.0.video_no`; `-1` is the last item).\n")
	group := ""
	for _, s := range steps {
		if s.Group != group {
			group = s.Group
			fmt.Fprintf(&b, "\n## %s (%s)\n\n", s.Group, s.File)
		}
		fmt.Fprintf(&b, "- `%s`\n  - example: `%s`\n", s.Pattern, s.Example)
	}
	return b.Bytes()
}

// TestStepCatalogue fails when a registered step is missing from STEPS.md,
// when STEPS.md lists a step nobody registers, or when an example does not
// match its pattern.
func TestStepCatalogue(t *testing.T) {
	steps := registeredSteps(t)
	for _, s := range steps {
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			t.Errorf("%s: %v", s.Pattern, err)
			continue
		}
		if ex := keywordRe.ReplaceAllString(s.Example, ""); !re.MatchString(ex) {
			t.Errorf("example %q does not match its pattern %s", s.Example, s.Pattern)
		}
	}
	want := catalogue(steps)
	if *update {
		if err := os.WriteFile("STEPS.md", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("STEPS.md")
	if err != nil {
		t.Fatalf("read STEPS.md: %v (generate it with -update)", err)
	}
	listed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(got))
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "- `^"); ok {
			listed["^"+strings.TrimSuffix(p, "`")] = true
		}
	}
	registered := map[string]bool{}
	for _, s := range steps {
		registered[s.Pattern] = true
		if !listed[s.Pattern] {
			t.Errorf("step %s is not in STEPS.md (run go test ./contract -run TestStepCatalogue -update)", s.Pattern)
		}
	}
	for p := range listed {
		if !registered[p] {
			t.Errorf("STEPS.md lists %s, which no step group registers", p)
		}
	}
	if !bytes.Equal(got, want) && !t.Failed() {
		t.Errorf("STEPS.md is out of date (examples or order changed): run go test ./contract -run TestStepCatalogue -update")
	}
}

// TestFeatureStepsAreDefined checks, without running anything, that every
// step of every feature file matches exactly one registered pattern.
func TestFeatureStepsAreDefined(t *testing.T) {
	steps := registeredSteps(t)
	var res []*regexp.Regexp
	for _, s := range steps {
		res = append(res, regexp.MustCompile(s.Pattern))
	}
	texts, err := featureStepTexts()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range texts {
		n := 0
		for _, re := range res {
			if re.MatchString(st.text) {
				n++
			}
		}
		switch {
		case n == 0:
			t.Errorf("%s: undefined step %q", st.where, st.text)
		case n > 1:
			t.Errorf("%s: ambiguous step %q matches %d patterns", st.where, st.text, n)
		}
	}
}
