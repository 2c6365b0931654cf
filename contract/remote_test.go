package contract

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/memharness/memharness/mock"
)

// startNonMock serves the mock without its control plane: to the suite it
// looks like the real API (GET /_mock/health is a 404), so this exercises
// the remote-target code path on loopback.
func startNonMock(t *testing.T) *httptest.Server {
	t.Helper()
	o := InProcessOptions(0)
	o.DisableControl = true
	srv, err := mock.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	return hs
}

// TestPlanOnATargetThatIsNotAMock: the run says what it leaves out and why,
// and an explicit include keeps a tag in.
func TestPlanOnATargetThatIsNotAMock(t *testing.T) {
	hs := startNonMock(t)
	tests := []struct {
		name        string
		tags        string
		include     []string
		wantSkipped []string
		wantKept    []string
	}{
		{name: "defaults", wantSkipped: []string{"@mock-only", "@costly", "@destructive"}},
		{name: "tags name @costly", tags: "@costly", wantSkipped: []string{"@mock-only", "@destructive"}, wantKept: []string{"@costly"}},
		{name: "CONTRACT_INCLUDE", include: []string{"@destructive"}, wantSkipped: []string{"@mock-only", "@costly"}, wantKept: []string{"@destructive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			s, err := NewSuite(context.Background(), Config{
				TargetURL: hs.URL, APIKey: "sk-remote", Include: tt.include,
				Options: godog.Options{Tags: tt.tags, Output: &out},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.memories.Mock {
				t.Fatal("a target without /_mock/health was taken for a mock")
			}
			if err := s.Plan(&out); err != nil {
				t.Fatal(err)
			}
			expr := s.Options().Tags
			for _, tag := range tt.wantSkipped {
				if !strings.Contains(expr, "~"+tag) || !strings.Contains(out.String(), "tagged "+tag+" because") {
					t.Errorf("%s is not left out with a reason: tags %q\n%s", tag, expr, out.String())
				}
			}
			for _, tag := range tt.wantKept {
				if strings.Contains(expr, "~"+tag) {
					t.Errorf("%s was left out although included: %q", tag, expr)
				}
			}
			if strings.Contains(expr, "~@callback") {
				t.Errorf("a loopback target can reach the callback receiver: %q", expr)
			}
		})
	}
}

// TestSmokeAgainstATargetThatIsNotAMock runs the smoke scenarios the real
// API would run: pacing, polling instead of the control plane, a shared key.
func TestSmokeAgainstATargetThatIsNotAMock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scenarios")
	}
	hs := startNonMock(t)
	var out bytes.Buffer
	s, err := NewSuite(context.Background(), Config{
		TargetURL: hs.URL, APIKey: "sk-remote-smoke",
		Options: godog.Options{Tags: "@smoke", Output: &out, Format: "progress", Strict: true, NoColors: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if status := s.Run(); status != 0 {
		t.Fatalf("smoke run against a non-mock target failed:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// tamper serves the in-process mock but rewrites the answers of one path,
// the way a broken handler would answer.
func tamper(t *testing.T, path string, rewrite func([]byte) []byte) *httptest.Server {
	t.Helper()
	srv, err := mock.New(InProcessOptions(0))
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rewrite(rec.Body.Bytes()))
	}))
	t.Cleanup(func() { hs.Close(); _ = srv.Close() })
	return hs
}

// TestBrokenAnswersFailTheScenario: a handler whose answer leaves the
// description fails the scenario with the operation, the JSON pointer, the
// reason and the body; the same for one bad event of a stream.
func TestBrokenAnswersFailTheScenario(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		rewrite func([]byte) []byte
		feature string
		want    []string
	}{
		{
			name: "number where the seed shows a string",
			path: "/serve/api/v1/list_videos",
			rewrite: func(b []byte) []byte {
				return bytes.Replace(b, []byte(`"total_count":"0"`), []byte(`"total_count":0`), 1)
			},
			feature: `Feature: f
  Scenario: s
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 1, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
`,
			want: []string{"list_videos", "/data/total_count", "must be a string", `"total_count":0`},
		},
		{
			name: "a stream event without its type's fields",
			path: "/serve/api/v1/chat_personal_stream",
			rewrite: func(b []byte) []byte {
				return bytes.Replace(b, []byte(`{"token"`), []byte(`{"tokn"`), 1)
			},
			feature: `Feature: f
  Scenario: s
    When I stream "chat_personal_stream" with JSON:
      """
      {"session_id": "", "prompt": "When did I go to the beach?", "unique_id": "${unique_id}"}
      """
    Then the response status is 200
`,
			want: []string{"chat_personal_stream", "event 1", "token", "PersonalTokenEvent"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := tamper(t, tt.path, tt.rewrite)
			var out bytes.Buffer
			s, err := NewSuite(context.Background(), Config{
				TargetURL: hs.URL, APIKey: "sk-tamper",
				Options: godog.Options{Output: &out, Format: "pretty", Strict: true, NoColors: true,
					FeatureContents: []godog.Feature{{Name: "broken.feature", Contents: []byte(tt.feature)}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if status := s.Run(); status == 0 {
				t.Fatalf("the scenario passed against a broken answer:\n%s", out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("the failure does not mention %q:\n%s", w, out.String())
				}
			}
		})
	}
}
