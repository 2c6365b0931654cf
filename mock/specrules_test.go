package mock

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/openapi"
)

// pipelineFiles hold the request pipeline and the control plane, not
// handler rules: their 0001s are the spec's own validation rendered
// (call.go), or belong to /_mock/ (control*.go).
var pipelineFiles = regexp.MustCompile(`^(call|routes|respond|meter|control.*|dashboard|docs|v2|scoped|journal|generate)\.go$`)

// handlerRule is one 0001 a handler can answer, found in the source.
type handlerRule struct {
	key string // the message format, or the expression printing it
	pos string // file:line of the first occurrence
}

// deriveHandlerRules parses the package's handler code and returns, for
// every operationId of the registry, the 0001 answers reachable from its
// handler through calls inside the package (by function or method name,
// an over-approximation that errs on the side of more rules).
func deriveHandlerRules(t *testing.T) map[string][]handlerRule {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string][]*ast.FuncDecl{} // by name (methods and functions alike)
	sentinels := map[string]string{}      // package-level 0001 *APIError vars -> message
	var registry *ast.FuncDecl
	print := func(n ast.Node) string {
		var b bytes.Buffer
		_ = printer.Fprint(&b, fset, n)
		return b.String()
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.Name == "registry" && d.Recv != nil {
					registry = d
				}
				if !pipelineFiles.MatchString(name) {
					funcs[d.Name.Name] = append(funcs[d.Name.Name], d)
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					vs, ok := sp.(*ast.ValueSpec)
					if !ok {
						continue
					}
					for i, v := range vs.Values {
						if msg, ok := sentinelMessage(v); ok {
							sentinels[vs.Names[i].Name] = msg
						}
					}
				}
			}
		}
	}
	if registry == nil {
		t.Fatal("no registry method found")
	}
	// direct rules and callees of every function
	type info struct {
		rules   []handlerRule
		callees []string
	}
	infos := map[*ast.FuncDecl]*info{}
	for _, ds := range funcs {
		for _, d := range ds {
			in := &info{}
			ast.Inspect(d, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if field, ok := trimmedField(n); ok {
						trimmedFields[field] = true
					}
					if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "apiErr" && len(n.Args) >= 2 {
						if c, ok := n.Args[0].(*ast.Ident); ok && c.Name == "CodeBadParam" {
							in.rules = append(in.rules, handlerRule{key: ruleKey(n.Args[1:], print), pos: fset.Position(n.Pos()).String()})
						}
					}
					switch fn := n.Fun.(type) {
					case *ast.Ident:
						in.callees = append(in.callees, fn.Name)
					case *ast.SelectorExpr:
						in.callees = append(in.callees, fn.Sel.Name)
					}
				case *ast.Ident:
					if msg, ok := sentinels[n.Name]; ok {
						in.rules = append(in.rules, handlerRule{key: msg, pos: fset.Position(n.Pos()).String()})
					}
				}
				return true
			})
			infos[d] = in
		}
	}
	out := map[string][]handlerRule{}
	ast.Inspect(registry, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		lit, ok := kv.Key.(*ast.BasicLit)
		if !ok {
			return true
		}
		op, _ := strconv.Unquote(lit.Value)
		var handler string
		ast.Inspect(kv.Value, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && handler == "" {
				handler = sel.Sel.Name
			}
			return true
		})
		seen := map[string]bool{}
		ruleSeen := map[string]bool{}
		queue := []string{handler}
		for len(queue) > 0 {
			name := queue[0]
			queue = queue[1:]
			if seen[name] {
				continue
			}
			seen[name] = true
			for _, d := range funcs[name] {
				in := infos[d]
				for _, r := range in.rules {
					if !ruleSeen[r.key] {
						ruleSeen[r.key] = true
						out[op] = append(out[op], r)
					}
				}
				queue = append(queue, in.callees...)
			}
		}
		sort.Slice(out[op], func(i, j int) bool { return out[op][i].key < out[op][j].key })
		return false
	})
	return out
}

// trimmedField recognises strings.TrimSpace(cl.str("field")).
func trimmedField(n *ast.CallExpr) (string, bool) {
	sel, ok := n.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "TrimSpace" || len(n.Args) != 1 {
		return "", false
	}
	inner, ok := n.Args[0].(*ast.CallExpr)
	if !ok || len(inner.Args) != 1 {
		return "", false
	}
	if isel, ok := inner.Fun.(*ast.SelectorExpr); !ok || isel.Sel.Name != "str" {
		return "", false
	}
	lit, ok := inner.Args[0].(*ast.BasicLit)
	if !ok {
		return "", false
	}
	field, err := strconv.Unquote(lit.Value)
	return field, err == nil
}

// sentinelMessage recognises &APIError{Code: CodeBadParam, Msg: "..."}.
func sentinelMessage(e ast.Expr) (string, bool) {
	u, ok := e.(*ast.UnaryExpr)
	if !ok {
		return "", false
	}
	cl, ok := u.X.(*ast.CompositeLit)
	if !ok {
		return "", false
	}
	if id, ok := cl.Type.(*ast.Ident); !ok || id.Name != "APIError" {
		return "", false
	}
	var code, msg string
	for _, el := range cl.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		switch k := kv.Key.(*ast.Ident); k.Name {
		case "Code":
			if id, ok := kv.Value.(*ast.Ident); ok {
				code = id.Name
			}
		case "Msg":
			if lit, ok := kv.Value.(*ast.BasicLit); ok {
				msg, _ = strconv.Unquote(lit.Value)
			}
		}
	}
	return msg, code == "CodeBadParam" && msg != ""
}

// ruleKey names a rule by its message format, or, when the format is only
// verbs ("%s"), by the printed arguments.
func ruleKey(args []ast.Expr, print func(ast.Node) string) string {
	if lit, ok := args[0].(*ast.BasicLit); ok {
		s, _ := strconv.Unquote(lit.Value)
		if strings.Trim(s, "%sdv ") != "" {
			return s
		}
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = print(a)
	}
	return strings.Join(parts, ", ")
}

// specCheck proves that one handler rule has a counterpart in an
// operation's request description; it returns why not.
type specCheck func(r *opRequest) error

// stateRule marks a 0001 that depends on stored state (an unknown id, a
// video still processing), which no request description can carry.
func stateRule(why string) specCheck { return nil }

// handlerRuleSpec maps every 0001 message a handler can answer to its
// counterpart in memories.yaml. A new apiErr(CodeBadParam, ...) in a
// handler fails TestHandlerRulesInSpec until it is classified here.
var handlerRuleSpec = map[string]specCheck{
	// request shape: bounds, patterns, enums, formats, required fields
	"parameter error: callback must be at most 299 characters":                     whenAny([]string{"callback", "callback_url"}, maxLength(299, "callback", "callback_url")),
	"parameter error: %s: %v":                                                      whenAny([]string{"callback", "callback_url"}, extension("callback-hosts", "callback", "callback_url")),
	"parameter error: prompt is required":                                          required("prompt"),
	"parameter error: user_prompt is required":                                     required("user_prompt"),
	"parameter error: query is required":                                           required("query"),
	"parameter error: search_param is required":                                    required("search_param"),
	"parameter error: username is required":                                        required("username"),
	"parameter error: url is required":                                             required("url"),
	"parameter error: video_url is required":                                       required("video_url"),
	"parameter error: video_no is required":                                        required("video_no"),
	"parameter error: video_nos is required":                                       required("video_nos"),
	"parameter error: video_urls is required":                                      required("video_urls"),
	"parameter error: hash_tags is required":                                       all(required("hash_tags"), minItems(1, "hash_tags")),
	"parameter error: memories is required":                                        all(required("memories"), minItems(1, "memories")),
	"parameter error: memories[%d].content is required":                            required("memories[].content"),
	"parameter error: file is required":                                            required("file"),
	"parameter error: files is required":                                           required("files"),
	"parameter error: files (the video) is required":                               required("files"),
	"parameter error: image_base64 is required":                                    required("image_base64"),
	"parameter error: folder_id is required":                                       required("folder_id"),
	"parameter error: sessionId is required":                                       extension("session-id-required", ""),
	"parameter error: %s is required":                                              requiredAny("name", "new_name"),
	"parameter error: %s must be at most 100 characters":                           maxLength(100, "name", "new_name"),
	"parameter error: callback is required: results are delivered asynchronously":  whenField("callback", required("callback")),
	"parameter error: page must be positive":                                       minimum(1, "page"),
	"parameter error: page and page_size must be positive":                         all(minimum(1, "page"), minimum(1, "page_size")),
	"parameter error: page and size must be positive":                              all(minimum(1, "page"), minimum(1, "size")),
	"parameter error: page_size must be between 1 and %d":                          all(minimum(1, "page_size"), hasMaximum("page_size")),
	"parameter error: top_k must be between 1 and %d":                              all(minimum(1, "top_k"), maximum(content.MaxTopK, "top_k")),
	"parameter error: scraper_cnt must be between 1 and 50":                        all(minimum(1, "scraper_cnt"), maximum(50, "scraper_cnt")),
	"parameter error: similarity must be between 0 and 1":                          all(minimum(0, "similarity"), maximum(1, "similarity")),
	"parameter error: at most %d persons can be re-identified":                     whenField("persons", maxItems(captionMaxPersons, "persons")),
	"parameter error: at most %d person reference images":                          maxItems(captionMaxPersons, "file"),
	"parameter error: at most 50 tags":                                             maxItems(50, "tags"),
	"parameter error: at most 50 video urls per request":                           all(maxItems(50, "video_urls", "tiktok_post_urls"), extension("post-urls-total", "")),
	"parameter error: at most 100 videos per request":                              maxItems(100, ""),
	"parameter error: at least one video number is required":                       minItems(1, ""),
	"parameter error: video numbers must be non-empty strings":                     minLength(1, "[]"),
	"parameter error: video_nos must hold 1 to 500 video numbers":                  all(minItems(1, "video_nos"), maxItems(500, "video_nos")),
	"parameter error: datetime_taken must be in the format yyyy-MM-dd HH:mm:ss":    whenField("datetime_taken", pattern("datetime_taken")),
	"parameter error: %s must be a valid decimal number":                           all(bounded("latitude"), bounded("longitude")),
	"parameter error: url must be a direct http(s) link":                           pattern("url"),
	"parameter error: unsupported platform url: %s":                                pattern("username", "video_urls[]", "tiktok_post_urls[]"),
	"parameter error: image_base64 is not valid base64":                            format("byte", "image_base64"),
	"parameter error: search_type must be BY_VIDEO, BY_CLIP, BY_AUDIO or BY_IMAGE": enumWithin("search_type", "BY_VIDEO", "BY_CLIP", "BY_AUDIO", "BY_IMAGE"),
	"parameter error: search_public supports BY_VIDEO and BY_AUDIO only":           enumWithin("search_type", "BY_VIDEO", "BY_AUDIO"),
	"parameter error: filtering_level must be low, medium or high":                 enumWithin("filtering_level", "low", "medium", "high"),
	"parameter error: type must be TIKTOK, YOUTUBE or INSTAGRAM":                   enumWithin("type", "TIKTOK", "YOUTUBE", "INSTAGRAM"),
	"parameter error: type must be CHAPTER or TOPIC":                               enumWithin("type", "CHAPTER", "TOPIC"),
	"The default folders cannot be changed.":                                       notEnum("folder_id", -1, -2),
	"The API folder is read-only.":                                                 notEnum("folder_id", -2),

	// rules OpenAPI 3.0.3 cannot state: x-rules entries with a description
	"parameter error: latitude and longitude must be given together":      whenField("latitude", extension("coordinates-together", "")),
	"parameter error: video_urls must all be from the same platform":      whenField("video_urls", extension("one-platform", "")),
	"Only English prompts are supported.":                                 extension("english-only", "prompt", "search_param"),
	"Public library videos cannot be deleted.":                            extension("no-public-videos", ""),
	"The video exceeds the maximum size of 20 MB.":                        extension("max-20-mb", "files"),
	"The image exceeds the maximum size of 20 MB.":                        extension("max-20-mb", "image_base64"),
	"The video duration must be between 20 and 300 seconds (got %.0f s).": extension("duration-20-300-s", "files"),

	// state: answers that depend on what is stored, not on the request
	"video not found":             stateRule("the id is well-formed but unknown to this account"),
	"session not found":           stateRule("sessions exist only once a chat created them"),
	"task not found":              stateRule("tasks exist only once a scraper created them"),
	"folder not found":            stateRule("folders exist only once created"),
	"Video is not parsed: %s":     stateRule("processing state"),
	"video is not ready":          stateRule("processing state"),
	"video file is not available": stateRule("the original was not retained or is still being fetched"),
	"The folder contains parsed videos and cannot be deleted.": stateRule("folder contents"),
	"chat.MsgNoVideos":                           stateRule("none of the named videos exists"),
	"\"%s\", chat.NotParsedMessage(unparsed...)": stateRule("processing state of the named videos"),
}

// TestHandlerRulesInSpec derives, for every operation, the 0001 answers
// its handler can give (deriveHandlerRules) and proves each has a
// counterpart in memories.yaml, so a validating proxy or a generated client
// refuses what the mock refuses: a bound, pattern, enum, format or required
// field, or, where OpenAPI 3.0.3 has no keyword, an x-rules entry with a
// description. Rules that depend on stored state are listed as such.
func TestHandlerRulesInSpec(t *testing.T) {
	doc, err := openapi.Memories()
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]*openapi3.Operation{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops[op.OperationID] = op
		}
	}
	derived := deriveHandlerRules(t)
	if len(derived) < 40 {
		t.Fatalf("derived rules for only %d operations; the registry parse is broken", len(derived))
	}
	used := map[string]bool{}
	pairs := 0
	for opID, rules := range derived {
		op := ops[opID]
		if op == nil {
			t.Errorf("registry operation %s is not in memories.yaml", opID)
			continue
		}
		req := newOpRequest(opID, op)
		for _, r := range rules {
			check, known := handlerRuleSpec[r.key]
			if !known {
				t.Errorf("%s: handler rule %q (%s) has no entry in handlerRuleSpec: add its spec counterpart", opID, r.key, r.pos)
				continue
			}
			used[r.key] = true
			pairs++
			if check == nil {
				continue // state
			}
			if err := check(req); err != nil {
				t.Errorf("%s: handler rule %q (%s) has no spec counterpart: %v", opID, r.key, r.pos, err)
			}
		}
	}
	for key := range handlerRuleSpec {
		if !used[key] {
			t.Errorf("handlerRuleSpec entry %q matches no handler rule any more: remove it", key)
		}
	}
	t.Logf("%d operations, %d (operation, rule) pairs checked", len(derived), pairs)
}

// opRequest is an operation's request as the checks see it: every request
// body media type and every parameter.
type opRequest struct {
	id     string
	op     *openapi3.Operation
	bodies map[string]*openapi3.Schema
	params map[string]*openapi3.Parameter
}

func newOpRequest(id string, op *openapi3.Operation) *opRequest {
	r := &opRequest{id: id, op: op, bodies: map[string]*openapi3.Schema{}, params: map[string]*openapi3.Parameter{}}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		for mt, m := range op.RequestBody.Value.Content {
			if m.Schema != nil && m.Schema.Value != nil {
				r.bodies[mt] = m.Schema.Value
			}
		}
	}
	for _, p := range op.Parameters {
		if p.Value != nil {
			r.params[p.Value.Name] = p.Value
		}
	}
	return r
}

// place is one occurrence of a field: its schema and whether the request
// must carry it there.
type place struct {
	schema   *openapi3.Schema
	required bool
	where    string
}

// lookup finds a field everywhere it occurs. Paths: "" is a body itself,
// "name" a property (also one level down, as in the caption host's req
// part) or a parameter, "a[]" the items of a, "a[].b" a property of them.
func (r *opRequest) lookup(path string) []place {
	var out []place
	if p, ok := r.params[path]; ok && p.Schema != nil && p.Schema.Value != nil {
		out = append(out, place{schema: p.Schema.Value, required: p.Required, where: "parameter " + path})
	}
	for mt, body := range r.bodies {
		out = append(out, walk(body, path, true, mt)...)
	}
	return out
}

func walk(s *openapi3.Schema, path string, req bool, where string) []place {
	if path == "" {
		return []place{{schema: s, required: req, where: where}}
	}
	head, rest := path, ""
	if i := strings.IndexAny(path, ".["); i >= 0 {
		head, rest = path[:i], strings.TrimPrefix(path[i:], ".")
	}
	if head == "" && strings.HasPrefix(rest, "[]") {
		if s.Items == nil || s.Items.Value == nil {
			return nil
		}
		return walk(s.Items.Value, strings.TrimPrefix(strings.TrimPrefix(rest, "[]"), "."), req, where+"[]")
	}
	var out []place
	for _, o := range objects(s) {
		prop, ok := o.Properties[head]
		if !ok || prop.Value == nil {
			continue
		}
		out = append(out, walk(prop.Value, rest, req && requires(s, head), where+"."+head)...)
	}
	if len(out) == 0 && rest == "" {
		// one level down: a JSON part such as the caption host's req
		for _, o := range objects(s) {
			for name, prop := range o.Properties {
				if prop.Value != nil && prop.Value.Properties != nil {
					for _, p := range walk(prop.Value, head, req && requires(s, name), where+"."+name) {
						out = append(out, p)
					}
				}
			}
		}
	}
	return out
}

// objects is s and its allOf/anyOf/oneOf branches, the places properties
// can be declared.
func objects(s *openapi3.Schema) []*openapi3.Schema {
	out := []*openapi3.Schema{s}
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, b := range list {
			if b.Value != nil {
				out = append(out, objects(b.Value)...)
			}
		}
	}
	return out
}

// requires reports whether s requires name: in its required list, in an
// allOf branch's, or in one branch of an anyOf/oneOf "one of these fields"
// group (the handler then names the first field it looked for).
func requires(s *openapi3.Schema, name string) bool {
	for _, o := range objects(s) {
		for _, n := range o.Required {
			if n == name {
				return true
			}
		}
	}
	return false
}

// branches is a schema's alternatives (itself when it has none).
func branches(s *openapi3.Schema) []*openapi3.Schema {
	var out []*openapi3.Schema
	for _, list := range []openapi3.SchemaRefs{s.AnyOf, s.OneOf, s.AllOf} {
		for _, b := range list {
			if b.Value != nil {
				out = append(out, b.Value)
			}
		}
	}
	if len(out) == 0 {
		return []*openapi3.Schema{s}
	}
	return out
}

// each runs fn on every place of every listed path; at least one must exist.
func each(paths []string, fn func(path string, p place) error) specCheck {
	return func(r *opRequest) error {
		found := 0
		for _, path := range paths {
			for _, p := range r.lookup(path) {
				found++
				if err := fn(path, p); err != nil {
					return fmt.Errorf("%s (%s): %w", path, p.where, err)
				}
			}
		}
		if found == 0 {
			return fmt.Errorf("none of %q is in the request", paths)
		}
		return nil
	}
}

func all(checks ...specCheck) specCheck {
	return func(r *opRequest) error {
		for _, c := range checks {
			if err := c(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func required(path string) specCheck {
	return each([]string{path}, func(name string, p place) error {
		if !p.required {
			return fmt.Errorf("not required")
		}
		s := p.schema
		switch {
		case s.Type.Is("string") && s.Format != "binary" && s.MinLength < 1 && s.Pattern == "":
			return fmt.Errorf("required but the empty string passes (no minLength or pattern)")
		case s.Type.Is("array") && s.MinItems < 1:
			return fmt.Errorf("required but an empty array passes (no minItems)")
		case s.Type.Is("string") && trimmedFields[name]:
			return refusesBlank(s)
		}
		return nil
	})
}

func requiredAny(paths ...string) specCheck {
	return each(paths, func(_ string, p place) error {
		if !p.required || (p.schema.Type.Is("string") && p.schema.MinLength < 1) {
			return fmt.Errorf("not required with minLength 1")
		}
		return refusesBlank(p.schema) // folderName trims
	})
}

// trimmedFields are the fields a handler reads with
// strings.TrimSpace(cl.str("...")): blank text is missing text to it, so
// the spec must refuse a whitespace-only value too. Filled by
// deriveHandlerRules.
var trimmedFields = map[string]bool{}

// refusesBlank: the schema's pattern refuses a whitespace-only string.
func refusesBlank(s *openapi3.Schema) error {
	for _, b := range branches(s) {
		if !b.Type.Is("string") {
			continue
		}
		if b.Pattern == "" {
			return fmt.Errorf("the handler trims it, but no pattern refuses a blank value")
		}
		re, err := regexp.Compile(b.Pattern)
		if err != nil {
			return fmt.Errorf("pattern %q: %w", b.Pattern, err)
		}
		if re.MatchString("   ") {
			return fmt.Errorf("the handler trims it, but pattern %q admits a blank value", b.Pattern)
		}
	}
	return nil
}

func maxLength(n uint64, paths ...string) specCheck {
	return each(paths, func(_ string, p place) error {
		if p.schema.MaxLength == nil || *p.schema.MaxLength > n {
			return fmt.Errorf("maxLength %v, want <= %d", p.schema.MaxLength, n)
		}
		return nil
	})
}

func minLength(n uint64, path string) specCheck {
	return each([]string{path}, func(_ string, p place) error {
		if p.schema.MinLength < n {
			return fmt.Errorf("minLength %d, want >= %d", p.schema.MinLength, n)
		}
		return nil
	})
}

func minimum(n float64, path string) specCheck {
	return each([]string{path}, func(_ string, p place) error {
		if p.schema.Min == nil || *p.schema.Min < n {
			return fmt.Errorf("minimum %v, want >= %v", p.schema.Min, n)
		}
		return nil
	})
}

func maximum(n float64, path string) specCheck {
	return each([]string{path}, func(_ string, p place) error {
		if p.schema.Max == nil || *p.schema.Max > n {
			return fmt.Errorf("maximum %v, want <= %v", p.schema.Max, n)
		}
		return nil
	})
}

func hasMaximum(path string) specCheck {
	return each([]string{path}, func(_ string, p place) error {
		if p.schema.Max == nil {
			return fmt.Errorf("no maximum")
		}
		return nil
	})
}

func maxItems(n uint64, paths ...string) specCheck {
	return each(paths, func(_ string, p place) error {
		if p.schema.MaxItems == nil || *p.schema.MaxItems > n {
			return fmt.Errorf("maxItems %v, want <= %d", p.schema.MaxItems, n)
		}
		return nil
	})
}

func minItems(n uint64, paths ...string) specCheck {
	return each(paths, func(_ string, p place) error {
		if p.schema.MinItems < n {
			return fmt.Errorf("minItems %d, want >= %d", p.schema.MinItems, n)
		}
		return nil
	})
}

func pattern(paths ...string) specCheck {
	return each(paths, func(_ string, p place) error {
		for _, b := range branches(p.schema) {
			if b.Pattern == "" {
				return fmt.Errorf("no pattern")
			}
		}
		return nil
	})
}

// format: the field has the format, alternatives each a format or a pattern.
func format(f string, path string) specCheck {
	return each([]string{path}, func(_ string, p place) error {
		has := false
		for _, b := range branches(p.schema) {
			switch {
			case b.Format == f:
				has = true
			case b.Pattern != "":
			default:
				return fmt.Errorf("an alternative has neither format %s nor a pattern", f)
			}
		}
		if !has {
			return fmt.Errorf("no format %s", f)
		}
		return nil
	})
}

// bounded: numbers have both bounds, strings a pattern.
func bounded(path string) specCheck {
	return each([]string{path}, func(_ string, p place) error {
		for _, b := range branches(p.schema) {
			switch {
			case b.Type.Is("number") || b.Type.Is("integer"):
				if b.Min == nil || b.Max == nil {
					return fmt.Errorf("a number without both bounds")
				}
			case b.Type.Is("string"):
				if b.Pattern == "" {
					return fmt.Errorf("a string without a pattern")
				}
			default:
				return fmt.Errorf("an alternative of type %v", b.Type)
			}
		}
		return nil
	})
}

// enumWithin: the field has an enum and every non-null value is allowed.
func enumWithin(path string, allowed ...string) specCheck {
	return each([]string{path}, func(_ string, p place) error {
		if len(p.schema.Enum) == 0 {
			return fmt.Errorf("no enum")
		}
		for _, v := range p.schema.Enum {
			if v != nil && !contains(allowed, fmt.Sprint(v)) {
				return fmt.Errorf("enum value %v is refused by the handler", v)
			}
		}
		return nil
	})
}

// notEnum: the field (or an allOf part of it) excludes the values with not: {enum}.
func notEnum(path string, values ...float64) specCheck {
	return each([]string{path}, func(_ string, p place) error {
		for _, o := range objects(p.schema) {
			if o.Not == nil || o.Not.Value == nil {
				continue
			}
			missing := false
			for _, v := range values {
				if !containsNumber(o.Not.Value.Enum, v) {
					missing = true
				}
			}
			if !missing {
				return nil
			}
		}
		return fmt.Errorf("no not: {enum: %v}", values)
	})
}

func containsNumber(list []any, v float64) bool {
	for _, x := range list {
		if f, ok := x.(float64); ok && f == v {
			return true
		}
	}
	return false
}

// extension: an x-rules entry {id, description} on the listed fields, or,
// for the path "", on a request body schema. Fields absent from an
// operation (a username-only scraper has no video_urls) are skipped; a
// body rule applies only when its fields exist (see whenField).
func extension(id string, paths ...string) specCheck {
	return func(r *opRequest) error {
		if len(paths) == 1 && paths[0] == "" {
			if hasRuleIn(r.op.Extensions, id) == nil {
				return nil // on the operation itself
			}
			for mt, body := range r.bodies {
				if err := hasRule(body, id); err != nil {
					return fmt.Errorf("%s body: %w", mt, err)
				}
			}
			if len(r.bodies) == 0 {
				return fmt.Errorf("no x-rules entry %q on the operation", id)
			}
			return nil
		}
		return each(paths, func(_ string, p place) error { return hasRule(p.schema, id) })(r)
	}
}

func hasRule(s *openapi3.Schema, id string) error {
	for _, o := range objects(s) {
		if err := hasRuleIn(o.Extensions, id); err == nil || !errors.Is(err, errNoRule) {
			return err
		}
	}
	return fmt.Errorf("%w %q", errNoRule, id)
}

var errNoRule = errors.New("no x-rules entry")

// hasRuleIn looks for {id, description} in an x-rules list.
func hasRuleIn(ext map[string]any, id string) error {
	list, _ := ext["x-rules"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		if m["id"] == id {
			if d, _ := m["description"].(string); strings.TrimSpace(d) == "" {
				return fmt.Errorf("x-rules %s has no description", id)
			}
			return nil
		}
	}
	return fmt.Errorf("%w %q", errNoRule, id)
}

// whenField applies check only to operations whose request has field.
func whenField(field string, check specCheck) specCheck {
	return func(r *opRequest) error {
		if len(r.lookup(field)) == 0 {
			return nil
		}
		return check(r)
	}
}

// whenAny applies check only to operations whose request has one of fields
// (a handler helper shared by operations that do not all take the field).
func whenAny(fields []string, check specCheck) specCheck {
	return func(r *opRequest) error {
		for _, f := range fields {
			if len(r.lookup(f)) > 0 {
				return check(r)
			}
		}
		return nil
	}
}
