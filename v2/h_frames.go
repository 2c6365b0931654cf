package v2

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image/jpeg"
	"math"
	"strings"

	"github.com/memharness/memharness/mock/media/mediatest"
)

// frameHandlers are the frame operations of memories-v2.yaml.
func (s *Surface) frameHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"v2_extract_frames": s.hExtractFrames,
	}
}

// maxExtractFrames bounds the frames of one extraction. The docs say "regular
// intervals" without the interval [GAP]: the mock takes one frame per
// second, widening the interval to whole seconds past 30 s so that a long
// video gives at most 30 frames.
const maxExtractFrames = 30

// frameTimes are the timestamps of the extracted frames: i × interval,
// all strictly inside [0, duration).
func frameTimes(duration float64) []float64 {
	if !(duration > 0) {
		return []float64{0}
	}
	interval := math.Max(1, math.Ceil(duration/maxExtractFrames))
	var out []float64
	for t := 0.0; t < duration && len(out) < maxExtractFrames; t += interval {
		out = append(out, t)
	}
	return out
}

// Default frame size when the container did not say (a WebM live stream).
const defaultFrameW, defaultFrameH = 1280, 720

// hExtractFrames is POST /video/extract-frames: async; when the task is
// due, the frames become assets of the caller — an im_ group whose
// children imc_<group digits>_<i> are JPEGs at the probed resolution,
// each downloadable, the group as a zip — and the callback names them.
// $0.01 per second of video.
func (s *Surface) hExtractFrames(cl *call) (any, error) {
	a, err := s.usable(cl, cl.str("asset_id"))
	if err != nil {
		return nil, err
	}
	if a.Kind != KindVideo {
		return nil, errInvalid
	}
	cl.usage.MediaSeconds = a.Duration
	// The group id is minted with the request so ids follow request order.
	group := s.newAssetID(s.ids.group)
	job := assetJob(jobFrames, *a)
	job.Group = group
	return s.startAsync(cl, "", s.taskAfter(a.Duration), job)
}

// storeFrames renders, stores and records the frames of src under group.
// Each frame is a deterministic picture (mediatest.Pattern) seeded by the
// server seed, the video and the frame index, so reruns are byte-identical.
func (s *Surface) storeFrames(src *Asset, group string) ([]string, error) {
	// The group is stored last: when it is there, a task resumed after
	// dying before its end has its frames already (their ids are fixed).
	if g, err := s.assets.get(src.Account, group); err == nil && g.Kind == KindGroup {
		return append([]string(nil), g.Children...), nil
	}
	w, h := src.Width, src.Height
	if w <= 0 || h <= 0 {
		w, h = defaultFrameW, defaultFrameH
	}
	now := s.p.Clock.Now()
	digits := strings.TrimPrefix(group, "im_")
	media := s.o.Store.Media()
	g := &Asset{ID: group, Account: src.Account, Kind: KindGroup, Filename: group + ".zip", Ext: "zip",
		ContentType: "application/zip", Created: now, Uploading: now, Ready: now, Final: StatusSuccess,
		Width: w, Height: h, Duration: src.Duration}
	var children []string
	for i, t := range frameTimes(src.Duration) {
		img := mediatest.Pattern(w, h, int64(hash64(s.o.Seed, src.ID, fmt.Sprint("frame/", i))))
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			return nil, err
		}
		p, err := media.Create()
		if err != nil {
			return nil, err
		}
		if _, err := p.Write(buf.Bytes()); err != nil {
			_ = p.Abort()
			return nil, err
		}
		key, err := p.Commit()
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(buf.Bytes())
		id := fmt.Sprintf("imc_%s_%d", digits, i)
		f := &Asset{ID: id, Account: src.Account, Kind: KindFrame, Filename: id + ".jpg", Ext: "jpg",
			ContentType: "image/jpeg", Size: int64(buf.Len()), SHA256: hex.EncodeToString(sum[:]), MediaKey: key,
			Created: now, Uploading: now, Ready: now, Final: StatusSuccess, Width: w, Height: h,
			Parent: group, At: t}
		if err := s.assets.put(f); err != nil {
			return nil, err
		}
		children = append(children, id)
		g.Size += f.Size
	}
	g.Children = children
	if err := s.assets.put(g); err != nil {
		return nil, err
	}
	return children, nil
}
