package v2

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/media/mediatest"
)

// gopMP4 is a 12 s MP4 with audio and a keyframe every 2 s.
func gopMP4() []byte {
	return mediatest.MP4(mediatest.MP4Options{Duration: 12, Audio: true, KeyframeInterval: 2})
}

// agentFixture is a surface with a webhook receiver on the account.
func agentFixture(t *testing.T) (*testSurface, *receiver) {
	ts := newTestSurface(t, testOpts{})
	hook := newReceiver(t, 0)
	ts.p.Accounts.SetWebhook("sk-a", hook.srv.URL)
	return ts, hook
}

// runTask posts body to path and returns the webhook body of the task.
func (ts *testSurface) runTask(t *testing.T, hook *receiver, path string, body map[string]any) map[string]any {
	t.Helper()
	a := ts.json(http.MethodPost, path, "sk-a", body)
	if a.Status != 200 {
		t.Fatalf("%s: %d %s", path, a.Status, a.Raw)
	}
	id := a.data()["task_id"].(string)
	if len(id) != 32 {
		t.Fatalf("task id %q", id)
	}
	var got map[string]any
	ts.advanceUntil(func() bool {
		select {
		case got = <-hook.got:
			return true
		default:
			return false
		}
	})
	if got["task_id"] != id || got["message"] != "SUCCESS" {
		t.Fatalf("callback %v", got)
	}
	return got
}

// probeAsset probes a stored asset's bytes.
func (ts *testSurface) probeAsset(t *testing.T, id string) (media.VideoInfo, *Asset) {
	t.Helper()
	a, err := ts.s.assets.get("sk-a", id)
	if err != nil {
		t.Fatalf("asset %s: %v", id, err)
	}
	f, err := ts.st.Media().Open(a.MediaKey)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := media.ProbeVideo(f, a.Size)
	if err != nil {
		t.Fatalf("asset %s does not probe: %v", id, err)
	}
	return info, a
}

func TestSceneDetectionAtKeyframes(t *testing.T) {
	cases := []struct {
		name     string
		data     []byte
		file     string
		keyEvery float64 // 0: cuts may fall on any frame
	}{
		{name: "gop 2s", data: gopMP4(), file: "beach.mp4", keyEvery: 2},
		{name: "every frame a keyframe", data: mediatest.MP4(mediatest.MP4Options{Duration: 12, Audio: true}), file: "beach.mp4"},
		{name: "webm: content model cuts", data: mediatest.WebM(mediatest.WebMOptions{Duration: 12}), file: "beach.webm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts, hook := agentFixture(t)
			id := ts.ready("sk-a", tc.file, tc.data)
			asset, _ := ts.s.assets.get("sk-a", id)
			dur := centis(asset.Duration, asset.Duration)
			cb := ts.runTask(t, hook, "/video/clip", map[string]any{"asset_id": id})
			ts.schema(t, "ClipCallback", cb)
			rows := cb["data"].(map[string]any)["data"].(map[string]any)["data"].([]any)
			if len(rows) < 2 {
				t.Fatalf("%d scenes in 12 s", len(rows))
			}
			prev := 0.0
			for i, r := range rows {
				row := r.(map[string]any)
				from, to := row["start_time"].(float64), row["end_time"].(float64)
				if from != prev || to <= from || to > dur {
					t.Fatalf("scene %d [%v, %v) after %v", i, from, to, prev)
				}
				if tc.keyEvery > 0 && math.Mod(from, tc.keyEvery) != 0 {
					t.Fatalf("scene %d starts at %v, not a keyframe", i, from)
				}
				if int(row["start_frame"].(float64)) != int(math.Round(from*30)) {
					t.Fatalf("scene %d frames %v", i, row)
				}
				prev = to
			}
			if prev != dur {
				t.Fatalf("last scene ends at %v, want the probed %v", prev, dur)
			}
		})
	}
}

func TestSplitProducesPlayableParts(t *testing.T) {
	ts, hook := agentFixture(t)
	id := ts.ready("sk-a", "beach.mp4", gopMP4())
	cb := ts.runTask(t, hook, "/video/split", map[string]any{"asset_id": id})
	ts.schema(t, "SplitCallback", cb)
	splits := cb["data"].(map[string]any)["splits"].([]any)
	if len(splits) < 2 {
		t.Fatalf("%d parts", len(splits))
	}
	total := 0.0
	for i, s := range splits {
		p := s.(map[string]any)
		from, to := p["start_time"].(float64), p["end_time"].(float64)
		info, a := ts.probeAsset(t, p["asset_id"].(string))
		if math.Abs(info.Duration-(to-from)) > 0.05 {
			t.Fatalf("part %d probes %v s, segment is %v", i, info.Duration, to-from)
		}
		if info.Width != 320 || info.Height != 240 || !info.HasAudio || info.VideoCodec == "" {
			t.Fatalf("part %d facts %+v", i, info)
		}
		if int64(p["file_size"].(float64)) != a.Size || p["original_filename"] != "beach_"+string(rune('1'+i)) || p["extension"] != "mp4" {
			t.Fatalf("part %d entry %v", i, p)
		}
		// The part starts on a keyframe and is itself cuttable.
		f, _ := ts.st.Media().Open(a.MediaKey)
		src, err := indexMP4(f)
		if err != nil {
			t.Fatalf("part %d does not index: %v", i, err)
		}
		if v := src.videoTrack(); v.sync == nil || !v.sync[0] {
			t.Fatalf("part %d does not start with a sync sample", i)
		}
		_ = f.Close()
		if ts.status("sk-a", a.ID) != StatusSuccess {
			t.Fatal("part is not SUCCESS")
		}
		dl := ts.do(http.MethodGet, "/"+a.ID+"/download", "sk-a", "", nil)
		if dl.Status != 200 || int64(len(dl.Raw)) != a.Size {
			t.Fatalf("download part: %d, %d bytes", dl.Status, len(dl.Raw))
		}
		total += info.Duration
	}
	if math.Abs(total-12) > 0.05 { // the video track is 12 s (audio 12.01)
		t.Fatalf("parts add up to %v s", total)
	}
}

func TestSplitFallbackCopiesOtherContainers(t *testing.T) {
	ts, hook := agentFixture(t)
	data := mediatest.WebM(mediatest.WebMOptions{Duration: 8})
	id := ts.ready("sk-a", "talk.webm", data)
	cb := ts.runTask(t, hook, "/video/split", map[string]any{"asset_id": id})
	splits := cb["data"].(map[string]any)["splits"].([]any)
	if len(splits) != 1 {
		t.Fatalf("%d parts, want the one byte-identical copy", len(splits))
	}
	a, _ := ts.s.assets.get("sk-a", splits[0].(map[string]any)["asset_id"].(string))
	sum := sha256.Sum256(data)
	if a.SHA256 != hex.EncodeToString(sum[:]) || a.Filename != "talk_1.webm" {
		t.Fatalf("copy %+v", a)
	}
}

func TestEditJoinsMatchingScenes(t *testing.T) {
	ts, hook := agentFixture(t)
	one := ts.ready("sk-a", "beach_day.mp4", gopMP4())
	two := ts.ready("sk-a", "city_walk.mp4", gopMP4())
	cb := ts.runTask(t, hook, "/video/edit", map[string]any{"asset_ids": []string{one, two},
		"orientation": "portrait", "user_prompt": "keep the best moments"})
	ts.schema(t, "EditCallback", cb)
	d := cb["data"].(map[string]any)
	if d["original_filename"] != "final_video" || d["extension"] != "mp4" || d["upload_status"] != "SUCCESS" {
		t.Fatalf("edit callback %v", d)
	}
	if _, ok := d["start_time"]; ok {
		t.Fatal("edit callback has split fields")
	}
	info, a := ts.probeAsset(t, d["asset_id"].(string))
	if int64(d["file_size"].(float64)) != a.Size {
		t.Fatalf("file_size %v, stored %d", d["file_size"], a.Size)
	}
	// The edit is the scenes it chose from both videos: as long as those.
	want := 0.0
	for _, id := range []string{one, two} {
		src, _ := ts.s.assets.get("sk-a", id)
		m, _ := ts.s.openMedia(src)
		scenes := ts.s.detectScenes(src, m.src)
		m.Close()
		var keep float64
		for _, sc := range scenes {
			if mentions(sc.Text, []string{"keep", "best", "moments"}) {
				keep += sc.cutTo - sc.cutFrom
			}
		}
		if keep == 0 {
			keep = scenes[0].cutTo - scenes[0].cutFrom
		}
		want += keep
	}
	if math.Abs(info.Duration-want) > 0.05 || info.Duration <= 0 {
		t.Fatalf("edit probes %v s, want %v", info.Duration, want)
	}
}

func TestAgentVideoErrors(t *testing.T) {
	ts, _ := agentFixture(t)
	video := ts.ready("sk-a", "beach.mp4", gopMP4())
	image := ts.ready("sk-a", "pic.png", pngBytes())
	audio := ts.ready("sk-a", "talk.wav", wavBytes(16000, 3))
	invalid := "Request has exceeded the limit."
	cases := []struct {
		name, path string
		body       map[string]any
		msg        string
	}{
		{name: "clip missing asset", path: "/video/clip", body: map[string]any{}, msg: "asset_id cannot be null or empty"},
		{name: "clip image", path: "/video/clip", body: map[string]any{"asset_id": image}, msg: invalid},
		{name: "split audio", path: "/video/split", body: map[string]any{"asset_id": audio}, msg: invalid},
		{name: "split unknown", path: "/video/split", body: map[string]any{"asset_id": "re_600000000000000001"}, msg: invalid},
		{name: "edit prompt too long", path: "/video/edit", body: map[string]any{"asset_ids": []string{video}, "orientation": "portrait",
			"user_prompt": strings.Repeat("x", 501)}, msg: invalid},
		{name: "edit orientation", path: "/video/edit", body: map[string]any{"asset_ids": []string{video}, "orientation": "square",
			"user_prompt": "x"}, msg: invalid},
		{name: "edit image", path: "/video/edit", body: map[string]any{"asset_ids": []string{video, image}, "orientation": "landscape",
			"user_prompt": "x"}, msg: invalid},
		{name: "edit no ids", path: "/video/edit", body: map[string]any{"orientation": "landscape", "user_prompt": "x"},
			msg: "asset_ids cannot be null or empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, ts.json(http.MethodPost, tc.path, "sk-a", tc.body), 400, tc.msg)
		})
	}
	t.Run("no webhook", func(t *testing.T) {
		ts.p.Accounts.SetWebhook("sk-a", "")
		expectError(t, ts.json(http.MethodPost, "/video/split", "sk-a", map[string]any{"asset_id": video}), 400,
			"An async request requires at least one webhook.")
	})
}

func TestRemuxRoundTrip(t *testing.T) {
	data := gopMP4()
	src, err := indexMP4(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := src.keyframes(); len(got) != 6 || got[1] != 2 {
		t.Fatalf("keyframes %v", got)
	}
	var buf bytes.Buffer
	d, err := remuxMP4([]cutPiece{{Src: src, From: 2, To: 6}, {Src: src, From: 8, To: 10}}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	info, err := media.ProbeVideo(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || math.Abs(info.Duration-6) > 0.05 || math.Abs(d-6) > 0.05 {
		t.Fatalf("joined pieces: %v s (%v), %v", info.Duration, d, err)
	}
	if _, err := indexMP4(bytes.NewReader(mediatest.MP4(mediatest.MP4Options{Fragmented: true}))); err == nil {
		t.Fatal("a fragmented MP4 indexed")
	}
}
