package media_test

import (
	"testing"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/media/mediatest"
)

// TestProbeVideoRotation: a quarter turn in the video track header swaps
// the probed width and height (a phone video shot upright probes
// portrait); a half turn does not.
func TestProbeVideoRotation(t *testing.T) {
	tests := []struct {
		name          string
		rotation      int
		quickTime     bool
		width, height int
	}{
		{name: "none", rotation: 0, width: 1920, height: 1080},
		{name: "quarter turn", rotation: 90, width: 1080, height: 1920},
		{name: "half turn", rotation: 180, width: 1920, height: 1080},
		{name: "three quarters", rotation: 270, width: 1080, height: 1920},
		{name: "quarter turn mov", rotation: 90, quickTime: true, width: 1080, height: 1920},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := mediatest.MP4(mediatest.MP4Options{Duration: 2, Width: 1920, Height: 1080, Rotation: tc.rotation, QuickTime: tc.quickTime})
			got, err := probeBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != tc.width || got.Height != tc.height || got.Rotation != tc.rotation {
				t.Fatalf("probed %dx%d rotation %d, want %dx%d rotation %d", got.Width, got.Height, got.Rotation, tc.width, tc.height, tc.rotation)
			}
		})
	}
}

func TestMatrixRotation(t *testing.T) {
	for _, deg := range []int{0, 90, 180, 270} {
		if got := media.MatrixRotation(media.RotationMatrix(deg, 1920, 1080)); got != deg {
			t.Errorf("MatrixRotation(RotationMatrix(%d)) = %d", deg, got)
		}
	}
	if got := media.RotationMatrix(45, 10, 10); got != media.RotationMatrix(0, 10, 10) {
		t.Errorf("RotationMatrix(45) = %v, want the identity", got)
	}
	scale := [9]int32{0x20000, 0, 0, 0, 0x20000, 0, 0, 0, 0x40000000}
	mirror := [9]int32{-0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000}
	for name, m := range map[string][9]int32{"scale": scale, "mirror": mirror, "zero": {}} {
		if got := media.MatrixRotation(m); got != 0 {
			t.Errorf("%s: MatrixRotation = %d, want 0", name, got)
		}
	}
	// A quarter turn moves the picture right by its height, as cameras write it.
	if m := media.RotationMatrix(90, 1920, 1080); m[6] != 1080<<16 || m[1] != 0x10000 || m[3] != -0x10000 {
		t.Errorf("RotationMatrix(90) = %v", m)
	}
}
