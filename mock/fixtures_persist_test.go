package mock

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// fixtureRecords lists the video numbers with persisted fixture content.
func fixtureRecords(t *testing.T, ts *testServer) []string {
	t.Helper()
	var nos []string
	if err := ts.srv.records().EachRecord(recFixtureContent, func(no string, _ []byte) bool {
		nos = append(nos, no)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return nos
}

// ridgeNo is the number of the birds manifest's video with content.
func ridgeNo(t *testing.T, ts *testServer) string {
	t.Helper()
	list := ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-birds", map[string]any{"unique_id": "birds", "page": 1, "size": 20})
	vids, _ := data(list)["videos"].([]any)
	for _, v := range vids {
		if m := v.(map[string]any); m["video_name"] == "ridge_morning" {
			return m["video_no"].(string)
		}
	}
	t.Fatalf("no ridge_morning in %v", list)
	return ""
}

// TestFixtureContentSurvivesRestart: content a fixture fixed is served
// again, word for word, by a mock reopened on the same data directory
// (search ranks it, transcripts return it), and deleting the video or
// resetting its account forgets it on disk too.
func TestFixtureContentSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	ts := newTestServer(t, Options{DataDir: dir, Clock: clk})
	loadBirds(t, ts)
	ridge := ridgeNo(t, ts)
	if got := fixtureRecords(t, ts); len(got) != 1 || got[0] != ridge {
		t.Fatalf("persisted fixture content %v, want only %s", got, ridge)
	}
	if err := ts.srv.Close(); err != nil {
		t.Fatal(err)
	}

	ts2 := newTestServer(t, Options{DataDir: dir, Clock: clk})
	search := ts2.json(http.MethodPost, "/serve/api/v1/search", "sk-birds", map[string]any{"search_param": "golden eagle", "search_type": "BY_VIDEO", "unique_id": "birds"})
	hits, _ := search["data"].([]any)
	if len(hits) == 0 || hits[0].(map[string]any)["videoNo"] != ridge {
		t.Fatalf("after restart, search for the fixture's words does not rank it first: %v", search)
	}
	tr := ts2.serve(httptestRequest(http.MethodGet, "/serve/api/v1/get_video_transcription?video_no="+ridge+"&unique_id=birds", "sk-birds", "", ""))
	b, _ := json.Marshal(tr)
	if !strings.Contains(string(b), "a golden eagle circles the ridge") || !strings.Contains(string(b), "clouds drift over the valley") {
		t.Fatalf("after restart the transcript is not the fixture's: %s", b)
	}
	au := ts2.serve(httptestRequest(http.MethodGet, "/serve/api/v1/get_audio_transcription?video_no="+ridge+"&unique_id=birds", "sk-birds", "", ""))
	if b, _ := json.Marshal(au); !strings.Contains(string(b), "wind and a distant call") {
		t.Fatalf("after restart the audio transcript is not the fixture's: %s", b)
	}
	exp := ts2.json(http.MethodGet, "/_mock/export?api_key=sk-birds&unique_id=birds", "", nil)
	if b, _ := json.Marshal(exp); !strings.Contains(string(b), `"summary":"An eagle over a mountain ridge."`) || !strings.Contains(string(b), `"title":"The valley"`) {
		t.Fatalf("after restart summary or chapters are not the fixture's: %s", b)
	}

	// Deleting the video forgets its content, on disk as in memory.
	del := ts2.do(http.MethodPost, "/serve/api/v1/delete_videos?unique_id=birds", "sk-birds", "application/json", strings.NewReader(`["`+ridge+`"]`))
	if c := code(decode(t, del)); c != "0000" {
		t.Fatalf("delete_videos: %s", del.Body.String())
	}
	if got := fixtureRecords(t, ts2); len(got) != 0 {
		t.Fatalf("deleted video's fixture content still persisted: %v", got)
	}

	// An account reset forgets it too.
	loadBirds(t, ts2)
	if got := fixtureRecords(t, ts2); len(got) != 1 {
		t.Fatalf("reloaded fixture content: %v", got)
	}
	if rec := ts2.do(http.MethodPost, "/_mock/reset?api_key=sk-birds", "", "", nil); rec.Code != http.StatusOK {
		t.Fatalf("scoped reset: %d %s", rec.Code, rec.Body.String())
	}
	if got := fixtureRecords(t, ts2); len(got) != 0 {
		t.Fatalf("reset account's fixture content still persisted: %v", got)
	}
	if len(ts2.srv.world.fixed) != 0 {
		t.Fatalf("reset account's fixture content still in memory: %v", ts2.srv.world.fixed)
	}
}
