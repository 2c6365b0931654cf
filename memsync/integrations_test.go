package memsync

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestIntegrationLifecycle(t *testing.T) {
	tests := []struct {
		name   string
		create func(h *harness) *response
		idKey  string
		steps  []string
	}{
		{name: "social", idKey: "integration_id", steps: []string{"authentication", "discovery", "extraction", "processing"},
			create: func(h *harness) *response {
				return h.do(http.MethodPost, "/v1/integrations/social", "k", map[string]any{
					"platform": "linkedin", "auth_token": "linkedin_access_token_here",
					"import_settings": map[string]any{"posts": true, "connections": true, "activities": false}})
			}},
		{name: "file", idKey: "integration_id", steps: []string{"upload", "parsing", "chunking", "memory_creation"},
			create: func(h *harness) *response {
				return h.upload("/v1/integrations/files", "k", "notes.txt",
					[]byte("I work as a data scientist in Berlin.\nI enjoy playing chess with my brother.\nI'm saving money for a house."),
					map[string]string{"extract_mode": "comprehensive", "metadata": `{"title":"Notes"}`})
			}},
		{name: "chat", idKey: "integration_id", steps: []string{"validation", "conversation_detection", "content_extraction", "memory_creation"},
			create: func(h *harness) *response { return h.do(http.MethodPost, "/v1/integrations/chat", "k", chatBody()) }},
		{name: "guide social", idKey: "task_id", steps: []string{"authentication", "discovery", "extraction", "processing"},
			create: func(h *harness) *response {
				return h.do(http.MethodPost, "/v1/integrations/index/social", "k", map[string]any{
					"type": "LINKEDIN", "username": "john-doe-engineer", "agent_id": "my-chatbot", "thread_id": "integration-001"})
			}},
		{name: "guide file", idKey: "task_id", steps: []string{"upload", "parsing", "chunking", "memory_creation"},
			create: func(h *harness) *response {
				return h.do(http.MethodPost, "/v1/integrations/index/file", "k", map[string]any{
					"type": "FILE", "url": "https://example.com/resume.pdf", "agent_id": "my-chatbot"})
			}},
		{name: "guide chat", idKey: "task_id", steps: []string{"validation", "conversation_detection", "content_extraction", "memory_creation"},
			create: func(h *harness) *response {
				return h.do(http.MethodPost, "/v1/integrations/index/chat", "k", map[string]any{
					"type": "CHATGPT", "data": map[string]any{"conversations": []any{map[string]any{
						"id": "conv_001", "timestamp": "2024-03-20T10:00:00Z",
						"messages": []any{
							map[string]any{"role": "user", "content": "I'm working on a React project for my startup"},
							map[string]any{"role": "assistant", "content": "That's great! What kind of React project?"},
						}}}}})
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Polling every step costs more than the documented 10 integration calls a minute.
			h := newHarness(t, Options{RateLimits: Bool(false)})
			res := tc.create(h)
			if res.status != http.StatusOK {
				t.Fatalf("create: %d %s", res.status, res.raw)
			}
			id := res.data()[tc.idKey].(string)
			status := func() map[string]any {
				r := h.do(http.MethodGet, "/v1/integrations/"+id+"/status?include_logs=true", "k", nil)
				if r.status != http.StatusOK {
					t.Fatalf("status: %d %s", r.status, r.raw)
				}
				return r.data()
			}
			for i, step := range tc.steps {
				st := status()
				p := st["progress"].(map[string]any)
				if st["status"] != "processing" || p["current_step"] != step || p["total_steps"] != 4.0 {
					t.Fatalf("after %d steps: status %v step %v, want processing %s", i, st["status"], p["current_step"], step)
				}
				if p["percentage"].(float64) != float64(25*i) {
					t.Errorf("step %s: percentage %v, want %d", step, p["percentage"], 25*i)
				}
				if n := h.do(http.MethodGet, "/v1/memories", "k", nil).body["pagination"].(map[string]any)["total_items"]; n != 0.0 {
					t.Fatalf("memories before completion: %v", n)
				}
				if g := h.do(http.MethodGet, "/v1/integrations/status/"+id, "k", nil).data()["status"]; g != "PENDING" && g != "PROCESSING" {
					t.Errorf("guide status while processing = %v", g)
				}
				h.clk.Advance(stepDuration)
			}
			st := status()
			if st["status"] != "completed" || st["completed_at"] == nil || st["progress"].(map[string]any)["percentage"] != 100.0 {
				t.Fatalf("after all steps: %v", st)
			}
			created := st["stats"].(map[string]any)["memories_created"].(float64)
			if created < 1 {
				t.Fatalf("no memories created: %v", st)
			}
			list := h.do(http.MethodGet, "/v1/memories?page_size=100", "k", nil)
			if n := list.body["pagination"].(map[string]any)["total_items"].(float64); n != created {
				t.Errorf("%v memories listed, status says %v", n, created)
			}
			for _, m := range list.body["data"].([]any) {
				if m.(map[string]any)["source"] != "integration" {
					t.Errorf("memory source = %v", m.(map[string]any)["source"])
				}
			}
			g := h.do(http.MethodGet, "/v1/integrations/status/"+id, "k", nil).data()
			if g["status"] != "SUCCESS" || g["result"].(map[string]any)["memories_created"] != created {
				t.Errorf("guide status after completion: %v", g)
			}
		})
	}
}

func TestIntegrationFailures(t *testing.T) {
	h := newHarness(t, Options{})
	res := h.do(http.MethodPost, "/v1/integrations/social", "k", map[string]any{"platform": "reddit", "auth_token": "expired-token"})
	id := res.data()["integration_id"].(string)
	h.clk.Advance(stepDuration)
	st := h.do(http.MethodGet, "/integrations/"+id+"/status", "k", nil).data()
	if st["status"] != "failed" || st["progress"].(map[string]any)["current_step"] != "authentication" {
		t.Fatalf("expired token: %v", st)
	}
	if errs := st["errors"].([]any); len(errs) == 0 {
		t.Error("failed integration lists no error")
	}
	h.clk.Advance(time.Minute)
	if n := h.do(http.MethodGet, "/v1/memories", "k", nil).body["pagination"].(map[string]any)["total_items"]; n != 0.0 {
		t.Errorf("failed integration created %v memories", n)
	}
	g := h.do(http.MethodGet, "/v1/integrations/status/"+id, "k", nil).data()
	if g["status"] != "FAILED" || g["error_message"] == nil {
		t.Errorf("guide status = %v", g)
	}
	res = h.do(http.MethodGet, "/v1/integrations/int_invalid_123/status", "k", nil)
	if res.status != http.StatusNotFound || res.details()["integration_id"] != "int_invalid_123" {
		t.Errorf("unknown integration: %d %s", res.status, res.raw)
	}
}

func TestFileTypes(t *testing.T) {
	var docx bytes.Buffer
	zw := zip.NewWriter(&docx)
	w, _ := zw.Create("word/document.xml")
	_, _ = io.WriteString(w, `<w:document><w:body><w:p><w:r><w:t>I am a chemistry teacher in Leeds.</w:t></w:r></w:p>`+
		`<w:p><w:r><w:t>I love baking bread with my kids.</w:t></w:r></w:p></w:body></w:document>`)
	_ = zw.Close()

	var stream bytes.Buffer
	zl := zlib.NewWriter(&stream)
	_, _ = io.WriteString(zl, "BT /F1 12 Tf (I work as an architect in Lisbon.) Tj ET BT [(I enjoy ) -20 (surfing at weekends.)] TJ ET")
	_ = zl.Close()
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n2 0 obj << /Length 99 /Filter /FlateDecode >>\nstream\n")
	pdf = append(pdf, stream.Bytes()...)
	pdf = append(pdf, []byte("\nendstream\nendobj\n%%EOF")...)

	tests := []struct {
		name     string
		filename string
		content  []byte
		status   int
		code     string
		want     string
	}{
		{name: "txt", filename: "a.txt", content: []byte("I am a baker in Paris. I love cycling."), status: 200, want: "baker"},
		{name: "md", filename: "a.md", content: []byte("# About\n\n* I am a **violinist** in Vienna.\n* I enjoy [hiking](http://x)."), status: 200, want: "violinist"},
		{name: "html", filename: "a.html", content: []byte("<html><script>var x=1;</script><p>I am a lawyer in Rome.</p><p>I love opera music.</p></html>"), status: 200, want: "lawyer"},
		{name: "docx", filename: "cv.docx", content: docx.Bytes(), status: 200, want: "chemistry teacher"},
		{name: "pdf", filename: "cv.pdf", content: pdf, status: 200, want: "architect"},
		{name: "exe", filename: "a.exe", content: []byte("MZ"), status: 400, code: "INVALID_FILE_TYPE"},
		{name: "no file", status: 400, code: "VALIDATION_ERROR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			res := h.upload("/v1/integrations/files", "k", tc.filename, tc.content, map[string]string{"extract_mode": "comprehensive"})
			if res.status != tc.status || (tc.code != "" && res.errorCode() != tc.code) {
				t.Fatalf("%d %s, want %d %s", res.status, res.raw, tc.status, tc.code)
			}
			if tc.status != 200 {
				return
			}
			h.clk.Advance(4 * stepDuration)
			list := h.do(http.MethodGet, "/v1/memories", "k", nil)
			all := fmt.Sprint(list.body["data"])
			if !strings.Contains(all, tc.want) {
				t.Errorf("memories do not mention %q: %s", tc.want, all)
			}
			if !strings.Contains(all, "page_number") {
				t.Errorf("file memories carry no page_number: %s", all)
			}
		})
	}
}

func TestFileTooLarge(t *testing.T) {
	h := newHarness(t, Options{})
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, _ := mw.CreateFormFile("file", "big.txt")
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for i := 0; i < 51; i++ {
			if _, err := fw.Write(chunk); err != nil {
				break
			}
		}
		_ = mw.Close()
		_ = pw.Close()
	}()
	req := httptest.NewRequest(http.MethodPost, "/v1/integrations/files", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-API-Key", "k")
	res := h.send(req, nil)
	if res.status != http.StatusRequestEntityTooLarge || res.errorCode() != "FILE_TOO_LARGE" ||
		res.details()["file_size_mb"] != 51.0 || res.details()["max_size_mb"] != 50.0 {
		t.Fatalf("%d %s", res.status, res.raw)
	}
}

func TestSentenceSplitting(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "plain", in: "I am here. You are there!", want: []string{"I am here.", "You are there!"}},
		{name: "abbreviation", in: "I met Dr. Martinez today. It went well.", want: []string{"I met Dr. Martinez today.", "It went well."}},
		{name: "decimal", in: "It costs 3.5 dollars. Cheap", want: []string{"It costs 3.5 dollars.", "Cheap"}},
		{name: "lines", in: "one line\nanother; third", want: []string{"one line", "another;", "third"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sentences(tc.in); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("sentences(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRewriteAndClassify(t *testing.T) {
	lx := newLexicon()
	tests := []struct {
		in       string
		want     string
		wantType string
		wantCat  string
	}{
		{in: "I'm a software engineer who loves hiking", want: "Is a software engineer who loves hiking", wantType: "semantic", wantCat: "career"},
		{in: "I just got promoted to Senior Engineer at Google!", want: "Just got promoted to Senior Engineer at Google", wantType: "episodic", wantCat: "career"},
		{in: "I really love my sister", want: "Really loves their sister", wantType: "semantic", wantCat: "interests"},
		{in: "Yes! I study French every morning.", want: "Studies French every morning", wantType: "episodic", wantCat: "learning"},
		{in: "I'll be leading a team of 5 engineers", want: "Will be leading a team of 5 engineers", wantType: "episodic", wantCat: "career"},
		{in: "My wife Sarah is a doctor", want: "Their wife Sarah is a doctor", wantType: "semantic", wantCat: "relationships"},
		{in: "I have two cats", want: "Has two cats", wantType: "semantic", wantCat: "identity"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, _ := rewriteFact(tc.in)
			if got != tc.want {
				t.Errorf("rewrite = %q, want %q", got, tc.want)
			}
			if typ := lx.memoryType(tc.in); typ != tc.wantType {
				t.Errorf("type = %s, want %s", typ, tc.wantType)
			}
			cats := lx.detect(got)
			if tc.wantCat == "identity" && len(cats) == 0 {
				return // the fallback
			}
			if len(cats) == 0 || cats[0] != tc.wantCat {
				t.Errorf("categories = %v, want %s first", cats, tc.wantCat)
			}
		})
	}
}
