package media_test

import (
	"bytes"
	"fmt"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/media/mediatest"
)

func ExampleProbeVideo() {
	data := mediatest.MP4(mediatest.MP4Options{Duration: 12, Width: 1280, Height: 720, FPS: 30, Codec: "hvc1", Audio: true})
	info, err := media.ProbeVideo(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		fmt.Println(err)
		return
	}
	ok, _ := info.Supported()
	fmt.Printf("%s %.1fs %dx%d %gfps %s+%s supported=%v\n",
		info.Container, info.Duration, info.Width, info.Height, info.FPS, info.VideoCodec, info.AudioCodec, ok)

	webm := mediatest.WebM(mediatest.WebMOptions{Codec: "V_AV1"})
	info, _ = media.ProbeVideo(bytes.NewReader(webm), int64(len(webm)))
	_, cause := info.Supported()
	fmt.Println(cause)

	_, err = media.ProbeVideo(bytes.NewReader(mediatest.Corrupt()), 4096)
	fmt.Println(err)
	// Output:
	// mp4 12.0s 1280x720 30fps h265+aac supported=true
	// unsupported video codec av1 (supported: h264, h265, hevc, vp9)
	// media: unreadable video: not an MP4/MOV, WebM or Matroska file
}

func ExampleSimilarity() {
	img := mediatest.Pattern(320, 240, 7)
	probe := func(data []byte) media.ImageInfo {
		info, _ := media.ProbeImage(bytes.NewReader(data))
		return info
	}
	orig := probe(mediatest.EncodePNG(img))
	thumb := probe(mediatest.EncodeJPEG(mediatest.Resize(img, 80, 60), 70))
	other := probe(mediatest.PNG(320, 240, 8))
	fmt.Println(thumb.Format, thumb.Width, thumb.Height)
	fmt.Println("thumbnail matches:", media.Similarity(orig, thumb) >= 0.9)
	fmt.Println("other picture matches:", media.Similarity(orig, other) >= 0.9)
	// Output:
	// jpeg 80 60
	// thumbnail matches: true
	// other picture matches: false
}
