package v2

import (
	"bytes"
	"io"
	"testing"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// FuzzCutMP4 feeds arbitrary bytes to the MP4 indexer and, when they
// index, cuts and joins them: no input may panic.
//
//	go test ./v2 -run '^$' -fuzz FuzzCutMP4 -fuzztime 60s
func FuzzCutMP4(f *testing.F) {
	for _, o := range []mediatest.MP4Options{
		{Duration: 6, Audio: true, KeyframeInterval: 2},
		{Duration: 3},
		{Duration: 4, Audio: true, MoovAtEnd: true},
		{Duration: 2, QuickTime: true, KeyframeInterval: 1},
		{Duration: 4, Fragmented: true},
	} {
		f.Add(mediatest.MP4(o))
	}
	f.Add(mediatest.Corrupt())
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := indexMP4(bytes.NewReader(data))
		if err != nil {
			return
		}
		keys := src.keyframes()
		if len(keys) == 0 {
			return
		}
		end := keys[len(keys)-1] + 1
		_, _ = remuxMP4([]cutPiece{{Src: src, From: keys[0], To: end}, {Src: src, From: keys[len(keys)/2], To: end}}, io.Discard)
		_ = src.frameRate()
	})
}
