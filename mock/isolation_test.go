package mock

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestIsolation proves that neither another API key (another account) nor
// another unique_id (another namespace of the same account) can list,
// read, search, download or delete what belongs to the owner.
func TestIsolation(t *testing.T) {
	ts := newTestServer(t, Options{})
	owner, ns := "sk-owner", "team-x"
	file := mediatest.MP4(mediatest.MP4Options{Duration: 15, Audio: true})
	no := data(ts.upload(owner, ns, "secret_garden.mp4", file, nil))["videoNo"].(string)
	body, ct := multipartBody(t, map[string][]string{"unique_id": {ns}}, map[string][]fileSpec{"files": {{name: "garden.png", data: mediatest.PNG(64, 64, 3)}}})
	if code(ts.serve(httptestRequest(http.MethodPost, "/serve/api/v1/upload_img", owner, ct, readAll(body)))) != "0000" {
		t.Fatal("image upload failed")
	}
	ts.clk.Advance(time.Minute)
	ts.srv.Tick()
	chat := ts.json(http.MethodPost, "/serve/api/v1/chat", owner, map[string]any{"video_nos": []string{no}, "prompt": "Summarize the garden", "unique_id": ns})
	session := data(chat)["session_id"].(string)
	ts.json(http.MethodPost, "/serve/api/v1/memories/add", owner, map[string]any{"unique_id": ns, "memories": []any{map[string]any{"role": "user", "content": "secret garden party"}}})
	ts.json(http.MethodPost, "/serve/api/v1/folders/create", owner, map[string]any{"name": "secret folder"})
	task := data(ts.json(http.MethodPost, "/serve/api/v1/scraper_url", owner, map[string]any{"unique_id": ns, "video_urls": []string{"https://www.tiktok.com/@a/video/1"}}))["taskId"].(string)

	// sanity: the owner sees everything
	if got := ts.listVideo(owner, ns, no)["status"]; got != "PARSE" {
		t.Fatalf("owner view: %v", got)
	}
	intruders := []struct{ name, key, ns string }{
		{"other account, same namespace", "sk-intruder", ns},
		{"same account, other namespace", owner, "team-y"},
	}
	q := func(s string) string { return strings.ReplaceAll(s, " ", "+") }
	for _, in := range intruders {
		t.Run(in.name, func(t *testing.T) {
			get := func(path string) map[string]any {
				return ts.serve(httptestRequest(http.MethodGet, path+"&unique_id="+in.ns, in.key, "", ""))
			}
			post := func(path string, body map[string]any) map[string]any {
				body["unique_id"] = in.ns
				return ts.json(http.MethodPost, path, in.key, body)
			}
			notFound := func(op string, m map[string]any) {
				t.Helper()
				if code(m) == "0000" && m["data"] != nil {
					t.Errorf("%s leaked: %v", op, m)
				}
			}
			empty := func(op string, m map[string]any, field string) {
				t.Helper()
				d, _ := m["data"].(map[string]any)
				if items, _ := d[field].([]any); len(items) != 0 {
					t.Errorf("%s leaked %d items: %v", op, len(items), m)
				}
			}
			empty("list_videos", post("/serve/api/v1/list_videos", map[string]any{}), "videos")
			notFound("get_private_video_details", get("/serve/api/v1/get_private_video_details?video_no="+no))
			notFound("get_metadata", get("/serve/api/v1/get_metadata?video_no="+no))
			notFound("get_video_transcription", get("/serve/api/v1/get_video_transcription?video_no="+no))
			notFound("get_audio_transcription", get("/serve/api/v1/get_audio_transcription?video_no="+no))
			notFound("get_video_caption", get("/serve/api/v1/get_video_caption?video_no="+no))
			notFound("generate_summary", get("/serve/api/v1/generate_summary?type=CHAPTER&video_no="+no))
			notFound("get_session_detail", get("/serve/api/v1/get_session_detail?sessionId="+session))
			notFound("get_video_ids_by_task_id", get("/serve/api/v1/get_video_ids_by_task_id?task_id="+q(task)))
			empty("list_sessions", get("/serve/api/v1/list_sessions?page=1"), "sessions")
			empty("img_list_page", post("/serve/api/v1/img_list_page", map[string]any{}), "images")
			empty("memories", post("/serve/api/v1/memories", map[string]any{}), "memories")
			empty("memories_search", post("/serve/api/v1/memories/search", map[string]any{"query": "secret garden"}), "memories")
			empty("search_audio_transcripts", get("/serve/api/v1/search_audio_transcripts?query=the"), "videos")
			if hits, _ := post("/serve/api/v1/search", map[string]any{"search_param": "secret garden", "search_type": "BY_VIDEO"})["data"].([]any); len(hits) != 0 {
				t.Errorf("search leaked %v", hits)
			}
			if d := data(post("/serve/api/v1/search", map[string]any{"search_param": "garden", "search_type": "BY_IMAGE"})); len(d["item"].([]any)) != 0 {
				t.Errorf("image search leaked %v", d)
			}
			if m := post("/serve/api/v1/chat", map[string]any{"video_nos": []string{no}, "prompt": "Summarize"}); code(m) == "0000" {
				t.Errorf("chat leaked: %v", m)
			}
			notFound("update_video_transcription", post("/serve/api/v1/update_video_transcription", map[string]any{"video_no": no, "prompt": "x"}))
			notFound("download", post("/serve/api/v1/download", map[string]any{"video_no": no}))
			if m := post("/serve/api/v1/folders/move", map[string]any{"folder_id": -1, "video_nos": []string{no}}); code(m) == "0000" && in.key != owner {
				t.Errorf("folders/move moved another account's video: %v", m)
			}
			if in.key != owner {
				if d := data(ts.serve(httptestRequest(http.MethodGet, "/serve/api/v1/folders", in.key, "", ""))); len(d["folders"].([]any)) != 2 {
					t.Errorf("folders leaked: %v", d)
				}
			}
			simBody, simCT := multipartBody(t, map[string][]string{"unique_id": {in.ns}, "similarity": {"0"}}, map[string][]fileSpec{"file": {{name: "q.png", data: mediatest.PNG(64, 64, 3)}}})
			if hits, _ := ts.serve(httptestRequest(http.MethodPost, "/serve/api/v1/search_similar_images", in.key, simCT, readAll(simBody)))["data"].([]any); len(hits) != 0 {
				t.Errorf("search_similar_images leaked %d hits", len(hits))
			}
			clipBody, clipCT := multipartBody(t, map[string][]string{"unique_id": {in.ns}, "video_no": {no}, "prompt": {"garden"}}, map[string][]fileSpec{"file": {{name: "q.png", data: mediatest.PNG(64, 64, 3)}}})
			notFound("search_clips_by_image", ts.serve(httptestRequest(http.MethodPost, "/serve/api/v1/search_clips_by_image", in.key, clipCT, readAll(clipBody))))
			del := ts.serve(httptestRequest(http.MethodPost, "/serve/api/v1/delete_videos?unique_id="+in.ns, in.key, "application/json", `["`+no+`"]`))
			if code(del) == "0000" {
				t.Errorf("delete_videos deleted the owner's video: %v", del)
			}
		})
	}
	if got := ts.listVideo(owner, ns, no)["status"]; got != "PARSE" {
		t.Fatalf("the owner's video changed: %v", got)
	}
}

// TestConcurrentUploadDeleteList hammers one namespace from several
// goroutines, then checks the invariants: every accepted upload is either
// deleted or listed, nothing is listed twice, counts agree.
func TestConcurrentUploadDeleteList(t *testing.T) {
	ts := newTestServer(t, Options{})
	const workers, perWorker = 6, 25
	var mu sync.Mutex
	uploaded := map[string]bool{}
	deleted := map[string]bool{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				m := ts.json(http.MethodPost, "/serve/api/v1/upload_url", "sk-race", map[string]any{"url": fmt.Sprintf("https://example.com/w%d/v%d.mp4", w, i)})
				if code(m) != "0000" {
					t.Errorf("upload: %v", m)
					return
				}
				no := data(m)["videoNo"].(string)
				mu.Lock()
				if uploaded[no] {
					t.Errorf("duplicate video number %s", no)
				}
				uploaded[no] = true
				mu.Unlock()
				if i%3 == 0 {
					d := ts.serve(httptestRequest(http.MethodPost, "/serve/api/v1/delete_videos", "sk-race", "application/json", `["`+no+`"]`))
					if code(d) != "0000" {
						t.Errorf("delete: %v", d)
					}
					mu.Lock()
					deleted[no] = true
					mu.Unlock()
				}
				ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-race", map[string]any{"size": 50})
			}
		}(w)
	}
	wg.Wait()
	m := ts.json(http.MethodPost, "/serve/api/v1/list_videos", "sk-race", map[string]any{"size": 1000})
	seen := map[string]bool{}
	for _, x := range data(m)["videos"].([]any) {
		no := x.(map[string]any)["video_no"].(string)
		if seen[no] {
			t.Fatalf("%s listed twice", no)
		}
		seen[no] = true
		if !uploaded[no] || deleted[no] {
			t.Fatalf("%s listed but not expected", no)
		}
	}
	want := len(uploaded) - len(deleted)
	if len(seen) != want || data(m)["total_count"] != fmt.Sprint(want) {
		t.Fatalf("listed %d (total_count %v), want %d", len(seen), data(m)["total_count"], want)
	}
}
