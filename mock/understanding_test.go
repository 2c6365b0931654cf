package mock

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestSearchRanksEachUploadForItsOwnWords is issue 5's first check.
func TestSearchRanksEachUploadForItsOwnWords(t *testing.T) {
	ts := newTestServer(t, Options{})
	beach := data(ts.upload("sk-s", "", "beach_day.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 30}), nil))["videoNo"]
	hike := data(ts.upload("sk-s", "", "mountain_hike.mov", mediatest.MP4(mediatest.MP4Options{Duration: 45, QuickTime: true}), nil))["videoNo"]
	ts.clk.Advance(time.Minute)
	for word, want := range map[string]any{"beach": beach, "mountain": hike, "hike": hike} {
		m := ts.json(http.MethodPost, "/serve/api/v1/search", "sk-s", map[string]any{"search_param": word, "search_type": "BY_VIDEO", "top_k": 5})
		hits, _ := m["data"].([]any)
		if len(hits) == 0 {
			t.Fatalf("%q found nothing: %v", word, m)
		}
		first := hits[0].(map[string]any)
		if first["videoNo"] != want {
			t.Fatalf("%q ranked %v first, want %v", word, first["videoNo"], want)
		}
		start, _ := strconv.Atoi(first["startTime"].(string))
		end, _ := strconv.Atoi(first["endTime"].(string))
		if score := first["score"].(float64); score <= 0 || score > 1 || start >= end || end > 45 {
			t.Fatalf("%q: bad hit %v", word, first)
		}
	}
	// filtering_level high drops weak matches; an absent word finds nothing.
	m := ts.json(http.MethodPost, "/serve/api/v1/search", "sk-s", map[string]any{"search_param": "volcano eruption", "search_type": "BY_VIDEO", "filtering_level": "high"})
	if hits, _ := m["data"].([]any); len(hits) != 0 {
		t.Fatalf("unrelated query matched: %v", hits)
	}
	if code(ts.json(http.MethodPost, "/serve/api/v1/search", "sk-s", map[string]any{"search_param": "海滩", "search_type": "BY_VIDEO"})) != "0001" {
		t.Fatal("a non-English prompt was accepted")
	}
}

func TestChapterSummaryInOrderInsideDuration(t *testing.T) {
	ts := newTestServer(t, Options{})
	no := data(ts.upload("sk-s", "", "city_walk.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 95, Audio: true}), nil))["videoNo"].(string)
	ts.clk.Advance(time.Minute)
	m := ts.serve(httptestRequest(http.MethodGet, "/serve/api/v1/generate_summary?type=CHAPTER&video_no="+no, "sk-s", "", ""))
	items := data(m)["items"].([]any)
	if len(items) < 2 {
		t.Fatalf("items %v", items)
	}
	prev := -1
	for _, it := range items {
		start, _ := strconv.Atoi(it.(map[string]any)["start"].(string))
		if start <= prev || start >= 95 {
			t.Fatalf("chapter starts %v are not in order inside 95 s", items)
		}
		prev = start
	}
}

func TestResizedImageFindsOriginal(t *testing.T) {
	ts := newTestServer(t, Options{})
	orig := mediatest.Pattern(320, 240, 11)
	body, ct := multipartBody(t, nil, map[string][]fileSpec{"files": {
		{name: "original.png", data: mediatest.EncodePNG(orig)},
		{name: "other.png", data: mediatest.PNG(320, 240, 99)},
	}})
	up := ts.serve(httptestRequest(http.MethodPost, "/serve/api/v1/upload_img", "sk-i", ct, readAll(body)))
	id := up["data"].([]any)[0].(map[string]any)["id"]
	body, ct = multipartBody(t, map[string][]string{"similarity": {"0.85"}}, map[string][]fileSpec{"file": {{name: "small.jpg", data: mediatest.EncodeJPEG(mediatest.Resize(orig, 160, 120), 80)}}})
	m := ts.serve(httptestRequest(http.MethodPost, "/serve/api/v1/search_similar_images", "sk-i", ct, readAll(body)))
	hits, _ := m["data"].([]any)
	if len(hits) != 1 || hits[0].(map[string]any)["videoNo"] != id || hits[0].(map[string]any)["score"].(float64) < 0.85 {
		t.Fatalf("resized copy: %v (original %v)", m, id)
	}
}

func TestCaptionCallbackCarriesTokens(t *testing.T) {
	ts := newTestServer(t, Options{})
	rcv := newReceiver(t, 0)
	req := map[string]any{"user_prompt": "Summarize and identify Alice", "system_prompt": "You analyse videos.", "callback": rcv.srv.URL}
	b, _ := json.Marshal(req)
	var parts = map[string][]fileSpec{"files": {{name: "clip.mp4", data: mediatest.MP4(mediatest.MP4Options{Duration: 30})}}}
	body, ct := multipartBody(t, map[string][]string{"req": {string(b)}}, parts)
	m := ts.serve(httptestRequest(http.MethodPost, "/v1/understand/uploadFile", "sk-c", ct, readAll(body)))
	if m["code"] != float64(0) {
		t.Fatalf("submit: %v", m)
	}
	task := data(m)["task_id"]
	for ts.clk.Waiters() == 0 {
		time.Sleep(time.Millisecond)
	}
	ts.clk.Advance(time.Minute)
	cb := rcv.wait(t)
	tok := cb["data"].(map[string]any)["token"].(map[string]any)
	if cb["status"] != float64(0) || cb["task_id"] != task || tok["total"].(float64) != tok["input"].(float64)+tok["output"].(float64) || tok["output"].(float64) <= 0 {
		t.Fatalf("callback %v", cb)
	}
	// Too short for the documented 20-300 s: refused at once.
	body, ct = multipartBody(t, map[string][]string{"req": {string(b)}}, map[string][]fileSpec{"files": {{name: "short.mp4", data: mediatest.MP4(mediatest.MP4Options{Duration: 5})}}})
	if m := ts.serve(httptestRequest(http.MethodPost, "/v1/understand/uploadFile", "sk-c", ct, readAll(body))); m["code"] != float64(-1) {
		t.Fatalf("5 s video accepted: %v", m)
	}
}
