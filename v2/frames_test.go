package v2

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"fmt"
	"image/jpeg"
	"math"
	"net/http"
	"reflect"
	"regexp"
	"testing"

	"github.com/memharness/memharness/mock/media/mediatest"
)

func TestFrameTimes(t *testing.T) {
	tests := []struct {
		duration float64
		want     int
		interval float64
	}{
		{duration: 0, want: 1, interval: 0},
		{duration: 0.4, want: 1, interval: 0},
		{duration: 1, want: 1, interval: 1},
		{duration: 12, want: 12, interval: 1},
		{duration: 12.011, want: 13, interval: 1},
		{duration: 30, want: 30, interval: 1},
		{duration: 31, want: 16, interval: 2},
		{duration: 3600, want: 30, interval: 120},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.duration), func(t *testing.T) {
			got := frameTimes(tc.duration)
			if len(got) != tc.want {
				t.Fatalf("%d frames %v, want %d", len(got), got, tc.want)
			}
			for i, at := range got {
				if at != float64(i)*tc.interval || tc.duration > 0 && at >= tc.duration {
					t.Fatalf("frame %d at %v: want %v inside [0, %v)", i, at, float64(i)*tc.interval, tc.duration)
				}
			}
		})
	}
}

// extract runs extract-frames on a fresh surface and returns the callback
// data, the surface and the source duration.
func extract(t *testing.T, seed int64, w, h int, secs float64) (*testSurface, map[string]any, float64) {
	t.Helper()
	ts := newTestSurface(t, testOpts{opts: Options{Seed: seed}})
	const key = "sk-frames"
	id := ts.ready(key, "city_walk.mp4", mediatest.MP4(mediatest.MP4Options{Duration: secs, Width: w, Height: h}))
	r := newReceiver(t, 0)
	ts.p.Accounts.SetWebhook(key, r.srv.URL)
	a := ts.json(http.MethodPost, "/video/extract-frames", key, map[string]any{"asset_id": id})
	if a.Status != 200 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	ts.advanceUntil(func() bool { return len(r.got) > 0 })
	body := r.wait(t)
	if body["task_id"] != a.data()["task_id"] || body["message"] != "SUCCESS" || body["code"] != float64(200) {
		t.Fatalf("callback %v", body)
	}
	callbackSchema(t, "FramesCallback", body)
	src, err := ts.s.assets.get(ts.p.Accounts.Resolve(key), id)
	if err != nil {
		t.Fatal(err)
	}
	return ts, body["data"].(map[string]any), src.Duration
}

func TestExtractFrames(t *testing.T) {
	ts, data, duration := extract(t, 1, 640, 360, 8)
	const key = "sk-frames"
	group := data["asset_id"].(string)
	if !regexp.MustCompile(`^im_\d{18}$`).MatchString(group) {
		t.Fatalf("group id %q", group)
	}
	children := data["asset_ch_ids"].([]any)
	if want := int(math.Ceil(duration)); len(children) != want {
		t.Fatalf("%d frames of a %.3f s video, want %d", len(children), duration, want)
	}
	acct := ts.p.Accounts.Resolve(key)
	for i, c := range children {
		id := c.(string)
		if want := fmt.Sprintf("imc_%s_%d", group[3:], i); id != want {
			t.Fatalf("frame %d id %q, want %q", i, id, want)
		}
		a, err := ts.s.assets.get(acct, id)
		if err != nil || a.Kind != KindFrame || a.Parent != group || a.At >= duration || a.At != float64(i) {
			t.Fatalf("frame asset %+v, %v", a, err)
		}
		dl := ts.do(http.MethodGet, "/"+id+"/download", key, "", nil)
		if dl.Status != 200 || dl.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("download %s: %d %s", id, dl.Status, dl.Header)
		}
		img, err := jpeg.Decode(bytes.NewReader(dl.Raw))
		if err != nil || img.Bounds().Dx() != 640 || img.Bounds().Dy() != 360 {
			t.Fatalf("frame %s: %v %v, want a 640x360 JPEG", id, err, img.Bounds())
		}
		m := ts.do(http.MethodGet, "/"+id+"/metadata", key, "", nil)
		if m.data()["total"] != float64(1) {
			t.Fatalf("frame metadata %s", m.Raw)
		}
	}
	meta := ts.do(http.MethodGet, "/"+group+"/metadata", key, "", nil)
	rows := meta.data()["resource"].([]any)
	if meta.data()["total"] != float64(len(children)) || len(rows) != len(children) {
		t.Fatalf("group metadata %s", meta.Raw)
	}
	for i, r := range rows {
		row := r.(map[string]any)
		if row["asset_id"] != children[i] || row["extension"] != "jpg" || row["upload_status"] != StatusSuccess {
			t.Fatalf("row %d %v", i, row)
		}
	}
	z := ts.do(http.MethodGet, "/"+group+"/download", key, "", nil)
	zr, err := zip.NewReader(bytes.NewReader(z.Raw), int64(len(z.Raw)))
	if err != nil || len(zr.File) != len(children) {
		t.Fatalf("zip of the group: %v, %d entries", err, len(zr.File))
	}
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		if _, err := jpeg.Decode(rc); err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		_ = rc.Close()
	}
	// Frames belong to the caller only.
	if other := ts.do(http.MethodGet, "/"+group+"/download", "sk-other", "", nil); other.Status != 400 {
		t.Fatalf("another account downloaded the group: %d", other.Status)
	}
}

// TestExtractFramesDeterministic: the same seed gives the same ids and
// byte-identical frames; another seed other pictures.
func TestExtractFramesDeterministic(t *testing.T) {
	digest := func(seed int64) ([]any, []string) {
		ts, data, _ := extract(t, seed, 320, 240, 3)
		var sums []string
		for _, c := range data["asset_ch_ids"].([]any) {
			dl := ts.do(http.MethodGet, "/"+c.(string)+"/download", "sk-frames", "", nil)
			sums = append(sums, fmt.Sprintf("%x", sha256.Sum256(dl.Raw)))
		}
		return append([]any{data["asset_id"]}, data["asset_ch_ids"].([]any)...), sums
	}
	ids1, sums1 := digest(5)
	ids2, sums2 := digest(5)
	_, sums3 := digest(6)
	if !reflect.DeepEqual(ids1, ids2) || !reflect.DeepEqual(sums1, sums2) {
		t.Fatal("same seed, different frames")
	}
	if sums1[0] == sums3[0] || sums1[0] == sums1[1] {
		t.Fatal("frames do not differ across seeds or frame indices")
	}
}

// TestFramesPersistAcrossRestart: frame assets are records and media like
// uploads, so a restart on the same data directory keeps them.
func TestFramesPersistAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	const key = "sk-frames"
	first := newTestSurface(t, testOpts{dir: dir})
	id := first.ready(key, "walk.mp4", mediatest.MP4(mediatest.MP4Options{Duration: 2}))
	r := newReceiver(t, 0)
	first.p.Accounts.SetWebhook(key, r.srv.URL)
	if a := first.json(http.MethodPost, "/video/extract-frames", key, map[string]any{"asset_id": id}); a.Status != 200 {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
	first.advanceUntil(func() bool { return len(r.got) > 0 })
	data := r.wait(t)["data"].(map[string]any)
	frame := data["asset_ch_ids"].([]any)[1].(string)
	before := first.do(http.MethodGet, "/"+frame+"/download", key, "", nil).Raw
	first.s.Close()
	_ = first.p.Close()
	_ = first.st.Close()

	second := newTestSurface(t, testOpts{dir: dir, clk: first.clk})
	if after := second.do(http.MethodGet, "/"+frame+"/download", key, "", nil); !bytes.Equal(after.Raw, before) || len(before) == 0 {
		t.Fatal("frame bytes lost across restart")
	}
	if m := second.do(http.MethodGet, "/"+data["asset_id"].(string)+"/metadata", key, "", nil); m.data()["total"] != float64(2) {
		t.Fatalf("group after restart: %s", m.Raw)
	}
}
