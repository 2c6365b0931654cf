package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// wantOperation is one emulated Memories.ai operation as the router must see it.
type wantOperation struct {
	method string
	path   string
	id     string
}

// memoriesOperations lists the 53 operations of memories.yaml.
var memoriesOperations = func() []wantOperation {
	const serve = "/serve/api/v1/"
	var ops []wantOperation
	add := func(method, name string) {
		ops = append(ops, wantOperation{method: method, path: serve + name, id: strings.ReplaceAll(name, "/", "_")})
	}
	for _, name := range []string{
		"upload", "upload_url", "scraper_url", "scraper_url_public", "scraper", "scraper_public",
		"scraper_tag", "scraper_tag_public", "upload_img", "img_list_page", "search", "search_public",
	} {
		add(http.MethodPost, name)
	}
	add(http.MethodGet, "search_audio_transcripts")
	add(http.MethodGet, "search_public_audio_transcripts")
	for _, name := range []string{
		"search_similar_images", "search_public_similar_images", "search_clips_by_image", "chat",
		"chat_stream", "marketer_chat", "marketer_chat_stream", "chat_personal", "chat_personal_stream",
	} {
		add(http.MethodPost, name)
	}
	for _, name := range []string{
		"get_video_transcription", "get_audio_transcription", "get_public_video_transcription",
		"get_public_audio_transcription", "generate_summary",
	} {
		add(http.MethodGet, name)
	}
	add(http.MethodPost, "update_video_transcription")
	add(http.MethodPost, "list_videos")
	for _, name := range []string{
		"list_sessions", "get_session_detail", "get_video_ids_by_task_id", "get_private_video_details",
		"get_metadata", "get_video_caption", "get_public_video_detail",
	} {
		add(http.MethodGet, name)
	}
	for _, name := range []string{"delete_videos", "download", "memories/add", "memories", "memories/search"} {
		add(http.MethodPost, name)
	}
	add(http.MethodGet, "folders")
	for _, name := range []string{"folders/create", "folders/rename", "folders/delete"} {
		add(http.MethodPost, name)
	}
	add(http.MethodGet, "folders/videos")
	add(http.MethodPost, "folders/move")
	for _, name := range []string{"upload", "uploadFile", "uploadImg", "uploadImgFile", "uploadImgFileBase64"} {
		ops = append(ops, wantOperation{method: http.MethodPost, path: "/v1/understand/" + name, id: "understand_" + name})
	}
	return ops
}()

// controlOperations lists the operations of control.yaml.
var controlOperations = []wantOperation{
	{method: http.MethodGet, path: "/_mock/health", id: "mock_health"},
	{method: http.MethodPost, path: "/_mock/reset", id: "mock_reset"},
	{method: http.MethodPost, path: "/_mock/clock/advance", id: "mock_clock_advance"},
	{method: http.MethodGet, path: "/_mock/clock", id: "mock_clock"},
	{method: http.MethodPut, path: "/_mock/videos/{videoNo}/status", id: "mock_video_status"},
	{method: http.MethodPost, path: "/_mock/videos/{videoNo}/complete", id: "mock_video_complete"},
	{method: http.MethodGet, path: "/_mock/accounts/{api_key}", id: "mock_account"},
	{method: http.MethodPut, path: "/_mock/accounts/{api_key}/balance", id: "mock_account_balance"},
	{method: http.MethodGet, path: "/_mock/callbacks", id: "mock_callbacks"},
	{method: http.MethodGet, path: "/_mock/requests", id: "mock_requests"},
	{method: http.MethodDelete, path: "/_mock/requests", id: "mock_requests_delete"},
	{method: http.MethodPost, path: "/_mock/requests/find", id: "mock_requests_find"},
	{method: http.MethodPost, path: "/_mock/fixtures", id: "mock_fixtures"},
	{method: http.MethodGet, path: "/_mock/export", id: "mock_export"},
	{method: http.MethodGet, path: "/_mock/stubs", id: "mock_stubs_list"},
	{method: http.MethodPost, path: "/_mock/stubs", id: "mock_stubs_add"},
	{method: http.MethodDelete, path: "/_mock/stubs", id: "mock_stubs_delete"},
	{method: http.MethodDelete, path: "/_mock/stubs/{id}", id: "mock_stub_delete"},
	{method: http.MethodGet, path: "/_mock/faults", id: "mock_faults_get"},
	{method: http.MethodPut, path: "/_mock/faults", id: "mock_faults_put"},
	{method: http.MethodGet, path: "/_mock/stream", id: "mock_stream_get"},
	{method: http.MethodPut, path: "/_mock/stream", id: "mock_stream_put"},
	{method: http.MethodGet, path: "/_mock/config", id: "mock_config"},
	{method: http.MethodGet, path: "/_mock/docs", id: "mock_docs"},
	{method: http.MethodGet, path: "/_mock/docs/{page}", id: "mock_docs_page"},
	{method: http.MethodGet, path: "/_mock/ui", id: "mock_ui"},
	{method: http.MethodGet, path: "/_mock/ui/{page}", id: "mock_ui_page"},
	{method: http.MethodPost, path: "/_mock/callbacks/{id}/redeliver", id: "mock_redeliver"},
	{method: http.MethodGet, path: "/_mock/accounts/{api_key}/webhook", id: "mock_account_webhook_get"},
	{method: http.MethodPut, path: "/_mock/accounts/{api_key}/webhook", id: "mock_account_webhook"},
	{method: http.MethodGet, path: "/_mock/accounts/{api_key}/keys", id: "mock_account_keys_get"},
	{method: http.MethodPut, path: "/_mock/accounts/{api_key}/keys", id: "mock_account_keys"},
	{method: http.MethodGet, path: "/_mock/v2/assets", id: "mock_v2_assets"},
	{method: http.MethodGet, path: "/_mock/v2/tasks", id: "mock_v2_tasks"},
}

// loadMemories loads memories.yaml or stops the test.
func loadMemories(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := Memories()
	if err != nil {
		t.Fatalf("Memories(): %v", err)
	}
	return doc
}

// loadControl loads control.yaml or stops the test.
func loadControl(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := Control()
	if err != nil {
		t.Fatalf("Control(): %v", err)
	}
	return doc
}

// operationsOf maps operationId to method and path.
func operationsOf(doc *openapi3.T) map[string]wantOperation {
	got := map[string]wantOperation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			got[op.OperationID] = wantOperation{method: method, path: path, id: op.OperationID}
		}
	}
	return got
}

// forEachOperation calls fn for every operation of doc in a stable order.
func forEachOperation(doc *openapi3.T, fn func(path, method string, op *openapi3.Operation)) {
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			fn(path, method, op)
		}
	}
}

// roundTrip turns an example into the shape a JSON decoder would produce.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal example: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal example: %v", err)
	}
	return out
}

func TestSpecsLoadAndValidate(t *testing.T) {
	tests := []struct {
		name string
		load func() (*openapi3.T, error)
	}{
		{name: "memories", load: Memories},
		{name: "control", load: Control},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := tc.load()
			if err != nil {
				t.Fatal(err)
			}
			if doc.OpenAPI != "3.0.3" {
				t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
			}
			if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
				t.Errorf("servers = %v, want one relative server /", doc.Servers)
			}
			again, err := tc.load()
			if err != nil {
				t.Fatal(err)
			}
			if again == doc {
				t.Error("loader returned the same *T twice; want a fresh document per call")
			}
		})
	}
}

func TestMemSyncOptional(t *testing.T) {
	doc, err := MemSync()
	if _, statErr := fs.Stat(Files, MemSyncFile); errors.Is(statErr, fs.ErrNotExist) {
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("MemSync() without memsync.yaml: err = %v, want ErrNotFound", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("MemSync(): %v", err)
	}
	if len(OperationIDs(doc)) == 0 {
		t.Error("memsync.yaml has no operations")
	}
}

func TestRawAndUnknownFile(t *testing.T) {
	b, err := Raw(MemoriesFile)
	if err != nil || !bytes.HasPrefix(b, []byte("openapi: 3.0.3")) {
		t.Fatalf("Raw(memories.yaml) = %.20q, %v", b, err)
	}
	if _, err := Raw("nope.yaml"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Raw(nope.yaml) err = %v, want ErrNotFound", err)
	}
}

func TestOperationLists(t *testing.T) {
	tests := []struct {
		name string
		doc  *openapi3.T
		want []wantOperation
	}{
		{name: "memories", doc: loadMemories(t), want: memoriesOperations},
		{name: "control", doc: loadControl(t), want: controlOperations},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := operationsOf(tc.doc)
			wantIDs := map[string]bool{}
			for _, w := range tc.want {
				wantIDs[w.id] = true
				g, ok := got[w.id]
				switch {
				case !ok:
					t.Errorf("operation %s (%s %s) missing", w.id, w.method, w.path)
				case g.method != w.method || g.path != w.path:
					t.Errorf("operation %s is %s %s, want %s %s", w.id, g.method, g.path, w.method, w.path)
				}
			}
			for id := range got {
				if !wantIDs[id] {
					t.Errorf("unexpected operationId %q", id)
				}
			}
			if n := len(OperationIDs(tc.doc)); n != len(tc.want) {
				t.Errorf("OperationIDs() has %d entries, want %d", n, len(tc.want))
			}
		})
	}
	if len(memoriesOperations) != 53 {
		t.Fatalf("the test lists %d memories operations, want 53", len(memoriesOperations))
	}
}

func TestOperationIDsUniqueAndSorted(t *testing.T) {
	seen := map[string]string{}
	for name, doc := range map[string]*openapi3.T{"memories": loadMemories(t), "control": loadControl(t)} {
		ids := OperationIDs(doc)
		if !sort.StringsAreSorted(ids) {
			t.Errorf("%s: OperationIDs not sorted", name)
		}
		for _, id := range ids {
			if id == "" {
				t.Errorf("%s: empty operationId", name)
			}
			if prev, dup := seen[id]; dup {
				t.Errorf("operationId %q appears twice (%s and %s)", id, prev, name)
			}
			seen[id] = name
		}
	}
	if OperationIDs(nil) != nil {
		t.Error("OperationIDs(nil) should be nil")
	}
}

// successMediaType names the media type that carries a successful answer.
func successMediaType(op *openapi3.Operation, content openapi3.Content) string {
	switch {
	case content.Get("application/octet-stream") != nil:
		return "application/octet-stream"
	case content.Get("text/html") != nil:
		// The API reference's pages (mock_docs, mock_docs_page).
		return "text/html"
	case strings.HasSuffix(op.OperationID, "_stream"):
		return "text/event-stream"
	default:
		return "application/json"
	}
}

func TestSuccessExamplesValidate(t *testing.T) {
	for name, doc := range map[string]*openapi3.T{"memories": loadMemories(t), "control": loadControl(t)} {
		forEachOperation(doc, func(path, method string, op *openapi3.Operation) {
			t.Run(name+"/"+op.OperationID, func(t *testing.T) {
				ok := op.Responses.Value("200")
				if ok == nil || ok.Value == nil {
					t.Fatal("no 200 response")
				}
				content := ok.Value.Content
				success := successMediaType(op, content)
				if content.Get(success) == nil {
					t.Fatalf("200 has no %s media type", success)
				}
				for mt, media := range content {
					if media.Example == nil {
						if mt == success {
							t.Errorf("%s: success media type has no example", mt)
						}
						continue
					}
					if media.Schema == nil || media.Schema.Value == nil {
						t.Errorf("%s: no schema", mt)
						continue
					}
					if err := media.Schema.Value.VisitJSON(roundTrip(t, media.Example)); err != nil {
						t.Errorf("%s: example does not match the 200 schema: %v", mt, err)
					}
				}
			})
		})
	}
}

func TestComponentExamplesValidate(t *testing.T) {
	doc := loadMemories(t)
	events := 0
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		if strings.HasSuffix(name, "Event") {
			events++
			if s.Example == nil {
				t.Errorf("%s: event schema without example", name)
				continue
			}
		}
		if s.Example == nil {
			continue
		}
		if err := s.VisitJSON(roundTrip(t, s.Example)); err != nil {
			t.Errorf("%s: example does not validate: %v", name, err)
		}
	}
	if events < 6 {
		t.Errorf("found %d *Event schemas, want at least 6", events)
	}
	stream := doc.Components.Schemas["ChatStreamEvent"].Value
	for _, name := range []string{"ChatThinkingEvent", "ChatRefEvent", "ChatContentEvent", "ChatEndEvent"} {
		if err := stream.VisitJSON(roundTrip(t, doc.Components.Schemas[name].Value.Example)); err != nil {
			t.Errorf("ChatStreamEvent rejects the %s example: %v", name, err)
		}
	}
}

// TestStreamExamplesParse checks that every SSE example is framed as documented and that each
// data line holds a payload of the declared event schemas.
func TestStreamExamplesParse(t *testing.T) {
	doc := loadMemories(t)
	schemas := doc.Components.Schemas
	forEachOperation(doc, func(path, method string, op *openapi3.Operation) {
		media := op.Responses.Value("200").Value.Content.Get("text/event-stream")
		if media == nil {
			return
		}
		t.Run(op.OperationID, func(t *testing.T) {
			prefix, _ := media.Extensions["x-sse-data-prefix"].(string)
			if prefix == "" {
				t.Fatal("x-sse-data-prefix missing")
			}
			var names []string
			raw, _ := media.Extensions["x-sse-events"].([]any)
			for _, n := range raw {
				names = append(names, n.(string))
			}
			if len(names) == 0 {
				t.Fatal("x-sse-events missing")
			}
			terminator, _ := media.Extensions["x-sse-terminator"].(string)
			text, _ := media.Example.(string)
			lines := 0
			for _, line := range strings.Split(text, "\n") {
				if line == "" {
					continue
				}
				lines++
				if !strings.HasPrefix(line, prefix) {
					t.Fatalf("line %q lacks the prefix %q", line, prefix)
				}
				payload := strings.TrimPrefix(line, prefix)
				if terminator != "" && payload == terminator {
					continue
				}
				var v any
				if err := json.Unmarshal([]byte(payload), &v); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				matched := false
				for _, n := range names {
					if schemas[n].Value.VisitJSON(v) == nil {
						matched = true
						break
					}
				}
				if !matched {
					t.Errorf("payload %s matches none of %v", payload, names)
				}
			}
			if lines < 2 {
				t.Errorf("stream example has %d events", lines)
			}
		})
	})
}

func TestMemoriesConventions(t *testing.T) {
	doc := loadMemories(t)
	groups := map[string]bool{}
	for _, g := range strings.Fields("upload scraper search chat marketer transcription summary list delete download caption_video caption_image task_status images memories folders details") {
		groups[g] = true
	}
	tags := map[string]bool{}
	for _, tag := range strings.Fields("Upload Search Chat Transcription Utils Memories Folders Caption") {
		tags[tag] = true
	}
	if len(doc.Security) != 1 {
		t.Fatalf("global security = %v, want [ApiKeyAuth]", doc.Security)
	}
	if _, ok := doc.Security[0]["ApiKeyAuth"]; !ok {
		t.Fatalf("global security = %v, want ApiKeyAuth", doc.Security)
	}
	scheme := doc.Components.SecuritySchemes["ApiKeyAuth"].Value
	if scheme.Type != "apiKey" || scheme.In != "header" || scheme.Name != "Authorization" {
		t.Fatalf("ApiKeyAuth = %+v", scheme)
	}
	forEachOperation(doc, func(path, method string, op *openapi3.Operation) {
		t.Run(op.OperationID, func(t *testing.T) {
			caption := strings.HasPrefix(path, "/v1/understand/")
			if op.Summary == "" || op.Description == "" {
				t.Error("summary and description are required")
			}
			if len(op.Tags) != 1 || !tags[op.Tags[0]] {
				t.Errorf("tags = %v", op.Tags)
			}
			host, _ := op.Extensions["x-memories-host"].(string)
			wantHost := "api.memories.ai"
			if caption {
				wantHost = "security.memories.ai"
				if !strings.Contains(op.Description, "security.memories.ai") {
					t.Error("caption operation description must name security.memories.ai")
				}
			}
			if host != wantHost {
				t.Errorf("x-memories-host = %q, want %q", host, wantHost)
			}
			if g, _ := op.Extensions["x-rate-limit-group"].(string); !groups[g] {
				t.Errorf("x-rate-limit-group = %q", g)
			}
			if _, ok := op.Extensions["x-metered"].(bool); !ok {
				t.Errorf("x-metered = %v, want a boolean", op.Extensions["x-metered"])
			}
			for _, status := range []string{"4XX", "5XX"} {
				r := op.Responses.Value(status)
				if r == nil || r.Ref != "#/components/responses/HttpError" {
					t.Errorf("%s response must reference HttpError", status)
				}
			}
			if op.Security != nil {
				t.Error("operations inherit the global security")
			}
			if raw, ok := op.Extensions["x-path-aliases"]; ok {
				aliases, _ := raw.([]any)
				if len(aliases) == 0 {
					t.Errorf("x-path-aliases = %v, want a non-empty list", raw)
				}
				for _, a := range aliases {
					alias, _ := a.(string)
					if !strings.HasPrefix(alias, "/v1/") || doc.Paths.Value(alias) != nil {
						t.Errorf("alias %v must be a /v1/ path that is not itself an operation path", a)
					}
				}
			}
			if caption {
				return
			}
			jsonMedia := op.Responses.Value("200").Value.Content.Get("application/json")
			if jsonMedia == nil {
				t.Fatal("200 has no application/json")
			}
			if op.OperationID == "download" {
				if jsonMedia.Schema.Ref != "#/components/schemas/ErrorEnvelope" {
					t.Errorf("download JSON schema = %q, want ErrorEnvelope", jsonMedia.Schema.Ref)
				}
				return
			}
			any := jsonMedia.Schema.Value.AnyOf
			if len(any) != 2 || !strings.HasSuffix(any[0].Ref, "Response") || any[1].Ref != "#/components/schemas/ErrorEnvelope" {
				t.Errorf("200 JSON schema must be anyOf [<X>Response, ErrorEnvelope]")
			}
		})
	})
}

func TestMeteredOperations(t *testing.T) {
	doc := loadMemories(t)
	unmetered := map[string]bool{}
	for _, id := range strings.Fields(`upload_img img_list_page list_videos list_sessions get_session_detail
		get_video_ids_by_task_id get_private_video_details get_metadata get_public_video_detail delete_videos
		memories_add memories memories_search folders folders_create folders_rename folders_delete
		folders_videos folders_move`) {
		unmetered[id] = true
	}
	forEachOperation(doc, func(path, method string, op *openapi3.Operation) {
		if got, want := op.Extensions["x-metered"], !unmetered[op.OperationID]; got != want {
			t.Errorf("%s: x-metered = %v, want %v", op.OperationID, got, want)
		}
	})
}

// checkDescriptions reports schema properties without a description. A bare $ref is fine when
// the referenced component has one.
func checkDescriptions(t *testing.T, where string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	t.Helper()
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	seen[ref.Value] = true
	s := ref.Value
	for name, prop := range s.Properties {
		if prop.Value != nil && prop.Value.Description == "" {
			t.Errorf("%s.%s: no description", where, name)
		}
		checkDescriptions(t, where+"."+name, prop, seen)
	}
	checkDescriptions(t, where+"[]", s.Items, seen)
	if ap := s.AdditionalProperties.Schema; ap != nil {
		checkDescriptions(t, where+"{}", ap, seen)
	}
	for _, group := range []openapi3.SchemaRefs{s.AnyOf, s.OneOf, s.AllOf} {
		for _, sub := range group {
			checkDescriptions(t, where, sub, seen)
		}
	}
}

func TestEveryPropertyDescribed(t *testing.T) {
	for name, doc := range map[string]*openapi3.T{"memories": loadMemories(t), "control": loadControl(t)} {
		seen := map[*openapi3.Schema]bool{}
		for schemaName, ref := range doc.Components.Schemas {
			if ref.Value.Description == "" {
				t.Errorf("%s: component %s has no description", name, schemaName)
			}
			checkDescriptions(t, name+":"+schemaName, ref, seen)
		}
		forEachOperation(doc, func(path, method string, op *openapi3.Operation) {
			for _, p := range op.Parameters {
				if p.Value.Description == "" {
					t.Errorf("%s %s: parameter %s has no description", name, op.OperationID, p.Value.Name)
				}
			}
			if op.RequestBody != nil {
				for _, media := range op.RequestBody.Value.Content {
					checkDescriptions(t, name+":"+op.OperationID+":body", media.Schema, seen)
				}
			}
		})
	}
}

// validateRequest runs kin-openapi's request validator for one operation of doc.
func validateRequest(t *testing.T, doc *openapi3.T, opID string, req *http.Request) error {
	t.Helper()
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID != opID {
				continue
			}
			route := &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
			return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
				Request: req,
				Route:   route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
			})
		}
	}
	t.Fatalf("operation %s not found", opID)
	return nil
}

// multipartBody builds a multipart body; file parts are named in files, JSON parts in jsonParts.
func multipartBody(t *testing.T, fields map[string][]string, files map[string][]string, jsonParts map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for name, values := range fields {
		for _, v := range values {
			if err := w.WriteField(name, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, fileNames := range files {
		for _, fn := range fileNames {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="`+name+`"; filename="`+fn+`"`)
			h.Set("Content-Type", "application/octet-stream")
			part, err := w.CreatePart(h)
			if err != nil {
				t.Fatal(err)
			}
			part.Write([]byte("\x00\x00\x00\x18ftypmp42"))
		}
	}
	for name, body := range jsonParts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+name+`"; filename="`+name+`.json"`)
		h.Set("Content-Type", "application/json")
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write([]byte(body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

func TestRequestsValidate(t *testing.T) {
	doc := loadMemories(t)
	form := func(v url.Values) (*bytes.Buffer, string) {
		return bytes.NewBufferString(v.Encode()), "application/x-www-form-urlencoded"
	}
	jsonBody := func(s string) (*bytes.Buffer, string) { return bytes.NewBufferString(s), "application/json" }
	tests := []struct {
		name    string
		opID    string
		method  string
		target  string
		body    func() (*bytes.Buffer, string)
		wantErr bool
	}{
		{
			name: "upload_url form with repeated tags and string coordinates", opID: "upload_url",
			method: http.MethodPost, target: "/serve/api/v1/upload_url",
			body: func() (*bytes.Buffer, string) {
				return form(url.Values{"url": {"https://example.com/a.mp4"}, "latitude": {"66.66"}, "longitude": {"-1.5"},
					"tags": {"a", "b"}, "datetime_taken": {"2025-10-20 11:00:00"}, "retain_original_video": {"true"}})
			},
		},
		{
			name: "upload_url JSON", opID: "upload_url", method: http.MethodPost, target: "/serve/api/v1/upload_url",
			body: func() (*bytes.Buffer, string) {
				return jsonBody(`{"url":"https://example.com/a.mp4","latitude":39.9,"tags":["x"],"unknown":1}`)
			},
		},
		{
			name: "upload_url bad datetime", opID: "upload_url", method: http.MethodPost, target: "/serve/api/v1/upload_url",
			body: func() (*bytes.Buffer, string) {
				return form(url.Values{"url": {"https://example.com/a.mp4"}, "datetime_taken": {"2025-10-20T11:00:00"}})
			},
			wantErr: true,
		},
		{
			name: "upload_url callback too long", opID: "upload_url", method: http.MethodPost, target: "/serve/api/v1/upload_url",
			body: func() (*bytes.Buffer, string) {
				return form(url.Values{"url": {"https://example.com/a.mp4"}, "callback": {"https://x/" + strings.Repeat("a", 300)}})
			},
			wantErr: true,
		},
		{
			name: "upload_url multipart", opID: "upload_url", method: http.MethodPost, target: "/serve/api/v1/upload_url",
			body: func() (*bytes.Buffer, string) {
				return multipartBody(t, map[string][]string{"url": {"https://example.com/a.mp4"}, "tags": {"a", "b"},
					"latitude": {"66.66"}, "retain_original_video": {"false"}}, nil, nil)
			},
		},
		{
			name: "upload multipart", opID: "upload", method: http.MethodPost, target: "/serve/api/v1/upload",
			body: func() (*bytes.Buffer, string) {
				return multipartBody(t, map[string][]string{"unique_id": {"u1"}, "latitude": {"39.9042"}, "tags": {"a"}},
					map[string][]string{"file": {"v.mp4"}}, nil)
			},
		},
		{
			name: "upload_img several files", opID: "upload_img", method: http.MethodPost, target: "/serve/api/v1/upload_img",
			body: func() (*bytes.Buffer, string) {
				return multipartBody(t, map[string][]string{"camera_model": {"Canon EOS 5D"}},
					map[string][]string{"files": {"a.jpg", "b.png"}}, nil)
			},
		},
		{
			name: "delete_videos raw array", opID: "delete_videos", method: http.MethodPost,
			target: "/serve/api/v1/delete_videos?unique_id=u1",
			body:   func() (*bytes.Buffer, string) { return jsonBody(`["VI1234567890","VI0987654321"]`) },
		},
		{
			name: "delete_videos empty array", opID: "delete_videos", method: http.MethodPost,
			target: "/serve/api/v1/delete_videos", body: func() (*bytes.Buffer, string) { return jsonBody(`[]`) }, wantErr: true,
		},
		{
			name: "search BY_IMAGE", opID: "search", method: http.MethodPost, target: "/serve/api/v1/search",
			body: func() (*bytes.Buffer, string) {
				return jsonBody(`{"search_param":"boat","search_type":"BY_IMAGE","top_k":3,"filtering_level":"high"}`)
			},
		},
		{
			name: "search_public rejects BY_IMAGE", opID: "search_public", method: http.MethodPost, target: "/serve/api/v1/search_public",
			body:    func() (*bytes.Buffer, string) { return jsonBody(`{"search_param":"boat","search_type":"BY_IMAGE"}`) },
			wantErr: true,
		},
		{
			name: "search top_k too large", opID: "search", method: http.MethodPost, target: "/serve/api/v1/search",
			body: func() (*bytes.Buffer, string) {
				return jsonBody(`{"search_param":"boat","search_type":"BY_VIDEO","top_k":1001}`)
			},
			wantErr: true,
		},
		{
			name: "scraper_url with tiktok_post_urls only", opID: "scraper_url", method: http.MethodPost, target: "/serve/api/v1/scraper_url",
			body: func() (*bytes.Buffer, string) {
				return jsonBody(`{"tiktok_post_urls":["https://www.tiktok.com/@a/video/1"],"quality":"1080"}`)
			},
		},
		{
			name: "scraper_url without urls", opID: "scraper_url", method: http.MethodPost, target: "/serve/api/v1/scraper_url",
			body: func() (*bytes.Buffer, string) { return jsonBody(`{"quality":720}`) }, wantErr: true,
		},
		{
			name: "chat with numeric session id", opID: "chat", method: http.MethodPost, target: "/serve/api/v1/chat",
			body: func() (*bytes.Buffer, string) {
				return jsonBody(`{"video_nos":["VI606140356924534784"],"prompt":"Summarize","session_id":606120397607260160}`)
			},
		},
		{
			name: "audio transcript page_size too large", opID: "search_audio_transcripts", method: http.MethodGet,
			target: "/serve/api/v1/search_audio_transcripts?query=love&page_size=101", wantErr: true,
		},
		{
			name: "session detail by sessionId", opID: "get_session_detail", method: http.MethodGet,
			target: "/serve/api/v1/get_session_detail?sessionId=590197794380320770",
		},
		{
			name: "summary needs type", opID: "generate_summary", method: http.MethodGet,
			target: "/serve/api/v1/generate_summary?video_no=VI1", wantErr: true,
		},
		{
			name: "folders/create form", opID: "folders_create", method: http.MethodPost, target: "/serve/api/v1/folders/create",
			body: func() (*bytes.Buffer, string) { return form(url.Values{"name": {"my-project"}}) },
		},
		{
			name: "caption uploadFile with JSON req part", opID: "understand_uploadFile", method: http.MethodPost,
			target: "/v1/understand/uploadFile",
			body: func() (*bytes.Buffer, string) {
				return multipartBody(t, nil, map[string][]string{"files": {"video.mp4"}, "file": {"alice.png"}},
					map[string]string{"req": `{"user_prompt":"Summarize","system_prompt":"You are a video system.","callback":"https://x/cb"}`})
			},
		},
		{
			name: "caption uploadImg with urls", opID: "understand_uploadImg", method: http.MethodPost, target: "/v1/understand/uploadImg",
			body: func() (*bytes.Buffer, string) {
				return jsonBody(`{"urls":["https://example.com/1.png"],"user_prompt":"What is this?"}`)
			},
		},
		{
			name: "caption uploadImg without url", opID: "understand_uploadImg", method: http.MethodPost, target: "/v1/understand/uploadImg",
			body: func() (*bytes.Buffer, string) { return jsonBody(`{"user_prompt":"What is this?"}`) }, wantErr: true,
		},
		{
			name: "caption upload with six persons", opID: "understand_upload", method: http.MethodPost, target: "/v1/understand/upload",
			body: func() (*bytes.Buffer, string) {
				return jsonBody(`{"video_url":"https://x/v.mp4","user_prompt":"a","system_prompt":"b","callback":"https://x/cb",
					"persons":[{"name":"1"},{"name":"2"},{"name":"3"},{"name":"4"},{"name":"5"},{"name":"6"}]}`)
			},
			wantErr: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var req *http.Request
			if tc.body != nil {
				body, ct := tc.body()
				req = httptest.NewRequest(tc.method, tc.target, body)
				req.Header.Set("Content-Type", ct)
			} else {
				req = httptest.NewRequest(tc.method, tc.target, nil)
			}
			req.Header.Set("Authorization", "sk-test")
			err := validateRequest(t, doc, tc.opID, req)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ValidateRequest err = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
}

func TestErrorEnvelopeIsStrict(t *testing.T) {
	doc := loadMemories(t)
	env := doc.Components.Schemas["ErrorEnvelope"].Value
	tests := []struct {
		name  string
		body  string
		valid bool
	}{
		{name: "rate limit without flags", body: `{"code":"0429","msg":"Request has exceeded the limit."}`, valid: true},
		{name: "not found", body: `{"code":"0001","msg":"video not found","data":null,"failed":true,"success":false}`, valid: true},
		{name: "success code", body: `{"code":"0000","msg":"success","data":{}}`},
		{name: "integer code", body: `{"code":401,"msg":"Unauthorized"}`},
		{name: "missing msg", body: `{"code":"0001"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tc.body), &v); err != nil {
				t.Fatal(err)
			}
			if err := env.VisitJSON(v); (err == nil) != tc.valid {
				t.Fatalf("VisitJSON err = %v, want valid %v", err, tc.valid)
			}
		})
	}
}
