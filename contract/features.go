package contract

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"
)

// Pickle is one runnable scenario of a feature file (a scenario, or one
// example row of an outline), with its inherited tags.
type Pickle struct {
	URI  string
	Name string
	Line int64
	Tags []string
}

// HasTag reports whether the scenario carries tag (with its @).
func (p Pickle) HasTag(tag string) bool {
	for _, t := range p.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// Location is "file:line: name".
func (p Pickle) Location() string { return fmt.Sprintf("%s:%d: %s", p.URI, p.Line, p.Name) }

// ScanFeatures parses the feature files under paths of fsys (nil means the
// embedded features) into pickles, as godog will run them.
func ScanFeatures(fsys fs.FS, paths []string) ([]Pickle, error) {
	if fsys == nil {
		fsys = featuresFS()
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var files []string
	for _, root := range paths {
		err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".feature") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("contract: scan features %s: %w", root, err)
		}
	}
	sort.Strings(files)
	var out []Pickle
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		ids := (&messages.Incrementing{}).NewId
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(b), ids)
		if err != nil {
			return nil, fmt.Errorf("contract: parse %s: %w", f, err)
		}
		lines := scenarioLines(doc)
		for _, p := range gherkin.Pickles(*doc, path.Join("features", f), ids) {
			pk := Pickle{URI: p.Uri, Name: p.Name}
			if len(p.AstNodeIds) > 0 {
				pk.Line = lines[p.AstNodeIds[len(p.AstNodeIds)-1]]
				if pk.Line == 0 {
					pk.Line = lines[p.AstNodeIds[0]]
				}
			}
			for _, t := range p.Tags {
				pk.Tags = append(pk.Tags, t.Name)
			}
			out = append(out, pk)
		}
	}
	return out, nil
}

// scenarioLines maps scenario and example-row node ids to their lines.
func scenarioLines(doc *messages.GherkinDocument) map[string]int64 {
	m := map[string]int64{}
	if doc.Feature == nil {
		return m
	}
	var visit func(children []*messages.FeatureChild)
	addScenario := func(sc *messages.Scenario) {
		if sc == nil {
			return
		}
		m[sc.Id] = sc.Location.Line
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				m[row.Id] = row.Location.Line
			}
		}
	}
	visit = func(children []*messages.FeatureChild) {
		for _, c := range children {
			addScenario(c.Scenario)
			if c.Rule != nil {
				for _, rc := range c.Rule.Children {
					addScenario(rc.Scenario)
				}
			}
		}
	}
	visit(doc.Feature.Children)
	return m
}

// MatchTags applies a godog tag expression ("@a,@b && ~@c": commas are OR
// inside an AND part) to a scenario's tags, exactly as godog does.
func MatchTags(filter string, tags []string) bool {
	if strings.TrimSpace(filter) == "" {
		return true
	}
	has := func(tag string) bool {
		for _, t := range tags {
			if strings.ReplaceAll(t, "@", "") == tag {
				return true
			}
		}
		return false
	}
	ok := true
	for _, andPart := range strings.Split(filter, "&&") {
		any := false
		for _, tag := range strings.Split(andPart, ",") {
			tag = strings.ReplaceAll(strings.TrimSpace(tag), "@", "")
			if tag == "" {
				continue
			}
			if strings.HasPrefix(tag, "~") {
				any = any || !has(tag[1:])
			} else {
				any = any || has(tag)
			}
		}
		ok = ok && any
	}
	return ok
}

// stepText is one step of a feature file as written (outline placeholders
// substituted by the pickle).
type stepText struct {
	where string
	text  string
}

// featureStepTexts lists the steps of every scenario of the embedded
// features.
func featureStepTexts() ([]stepText, error) {
	fsys := featuresFS()
	files, err := fs.Glob(fsys, "*.feature")
	if err != nil {
		return nil, err
	}
	var out []stepText
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		ids := (&messages.Incrementing{}).NewId
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(b), ids)
		if err != nil {
			return nil, err
		}
		for _, p := range gherkin.Pickles(*doc, f, ids) {
			for _, s := range p.Steps {
				out = append(out, stepText{where: f + ": " + p.Name, text: s.Text})
			}
		}
	}
	return out, nil
}
