package v2

import (
	"testing"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestEditOrientation probes the edited asset: its width and height show
// the orientation asked (portrait: taller than wide), from landscape,
// portrait and phone-rotated sources alike, without re-encoding (the
// coded size stays the source's; the track header turns the picture).
func TestEditOrientation(t *testing.T) {
	tests := []struct {
		name          string
		width, height int
		rotation      int // the source's own track header rotation
		orientation   string
		wantW, wantH  int
		wantRotation  int
	}{
		{name: "landscape asked portrait", width: 320, height: 240, orientation: "portrait", wantW: 240, wantH: 320, wantRotation: 90},
		{name: "landscape kept landscape", width: 320, height: 240, orientation: "landscape", wantW: 320, wantH: 240},
		{name: "portrait asked landscape", width: 240, height: 320, orientation: "landscape", wantW: 320, wantH: 240, wantRotation: 90},
		{name: "portrait kept portrait", width: 240, height: 320, orientation: "portrait", wantW: 240, wantH: 320},
		{name: "phone portrait kept portrait", width: 320, height: 240, rotation: 90, orientation: "portrait", wantW: 240, wantH: 320, wantRotation: 90},
		{name: "phone portrait asked landscape", width: 320, height: 240, rotation: 90, orientation: "landscape", wantW: 320, wantH: 240, wantRotation: 180},
		{name: "square left alone", width: 240, height: 240, orientation: "portrait", wantW: 240, wantH: 240},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, hook := agentFixture(t)
			data := mediatest.MP4(mediatest.MP4Options{Duration: 6, Width: tc.width, Height: tc.height, Audio: true,
				KeyframeInterval: 1, Rotation: tc.rotation})
			id := ts.ready("sk-a", "clip.mp4", data)
			cb := ts.runTask(t, hook, "/video/edit", map[string]any{"asset_ids": []string{id},
				"orientation": tc.orientation, "user_prompt": "the whole thing"})
			out := cb["data"].(map[string]any)["asset_id"].(string)
			info, a := ts.probeAsset(t, out)
			if info.Width != tc.wantW || info.Height != tc.wantH || info.Rotation != tc.wantRotation {
				t.Fatalf("edit probes %dx%d rotation %d, want %dx%d rotation %d", info.Width, info.Height, info.Rotation,
					tc.wantW, tc.wantH, tc.wantRotation)
			}
			if a.Width != tc.wantW || a.Height != tc.wantH {
				t.Fatalf("stored asset %dx%d, want %dx%d", a.Width, a.Height, tc.wantW, tc.wantH)
			}
			if portrait := info.Height > info.Width; tc.width != tc.height && portrait != (tc.orientation == "portrait") {
				t.Fatalf("asked %s, probed %dx%d", tc.orientation, info.Width, info.Height)
			}
		})
	}
}
