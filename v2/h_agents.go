package v2

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/memharness/memharness/mock/content"
)

// agentHandlers are the Visual Agents operations of memories-v2.yaml.
func (s *Surface) agentHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"v2_queries_stream":      s.hQueriesStream,
		"v2_video_clip":          s.hClip,
		"v2_video_split":         s.hSplit,
		"v2_video_edit":          s.hEdit,
		"v2_screenplay_create":   s.hScreenplayCreate,
		"v2_screenplay_get":      s.hScreenplayGet,
		"v2_screenplay_cancel":   s.hScreenplayCancel,
		"v2_screenplay_download": s.hScreenplayDownload,
	}
}

// scene is one detected scene: [From, To) seconds and its frame range.
type scene struct {
	From, To   float64
	StartFrame int
	EndFrame   int
	Text       string // what the content model sees in it
	// cutFrom and cutTo are the exact cut times (From and To are rounded to
	// centiseconds for the wire).
	cutFrom, cutTo float64
}

// minScene is the shortest scene the detector reports: a shot change
// closer than this to the previous cut is merged into it.
const minScene = 0.5

// media is an opened asset: its file and, for a progressive MP4, its
// sample index (nil otherwise).
type openedMedia struct {
	f   *os.File
	src *cutSource
}

func (m *openedMedia) Close() { _ = m.f.Close() }

// openMedia opens an asset's bytes and indexes them when they are an MP4
// the cutter can handle.
func (s *Surface) openMedia(a *Asset) (*openedMedia, error) {
	f, err := s.o.Store.Media().Open(a.MediaKey)
	if err != nil {
		return nil, err
	}
	m := &openedMedia{f: f}
	var head [8]byte
	if n, _ := f.ReadAt(head[:], 0); n == 8 && string(head[4:8]) == "ftyp" {
		if src, err := indexMP4(f); err == nil {
			m.src = src
		}
	}
	return m, nil
}

// detectScenes cuts a video into scenes. Shot changes come from the
// content model (its visual segments); an encoder places a keyframe at a
// scene change, so each cut is the keyframe nearest a shot change when the
// container lists keyframes, and the shot change itself otherwise. The
// last scene ends at the probed duration.
func (s *Surface) detectScenes(a *Asset, src *cutSource) []scene {
	dur := a.Duration
	v := s.understand(chatSource{kind: KindVideo, id: a.ID, name: a.Filename, duration: a.Duration, hasAudio: a.HasAudio})
	var keys []float64
	if src != nil {
		keys = src.keyframes()
	}
	fps := a.FPS
	if src != nil && fps <= 0 {
		fps = src.frameRate()
	}
	if fps <= 0 {
		fps = 30
	}
	cuts := []float64{0}
	for i := 0; i+1 < len(v.Visual); i++ {
		c := v.Visual[i].End
		if keys != nil {
			c = nearest(keys, c)
		}
		if c-cuts[len(cuts)-1] >= minScene && dur-c >= minScene {
			cuts = append(cuts, c)
		}
	}
	out := make([]scene, 0, len(cuts))
	for i, c := range cuts {
		end := dur
		if i+1 < len(cuts) {
			end = cuts[i+1]
		}
		sc := scene{From: centis(c, dur), To: centis(end, dur), cutFrom: c, cutTo: end, StartFrame: int(math.Round(c * fps)), EndFrame: int(math.Round(end * fps))}
		var texts []string
		for _, g := range v.Visual {
			if g.End > c && g.Start < end {
				texts = append(texts, g.Text)
			}
		}
		sc.Text = strings.Join(texts, " ")
		out = append(out, sc)
	}
	return out
}

// nearest is the value of sorted xs closest to x.
func nearest(xs []float64, x float64) float64 {
	i := sort.SearchFloat64s(xs, x)
	switch {
	case i == 0:
		return xs[0]
	case i == len(xs):
		return xs[len(xs)-1]
	case x-xs[i-1] <= xs[i]-x:
		return xs[i-1]
	}
	return xs[i]
}

// videoAsset is a SUCCESS video of the caller (else the catch-all 400).
func (s *Surface) videoAsset(cl *call, id string) (*Asset, error) {
	a, err := s.usable(cl, id)
	if err != nil {
		return nil, err
	}
	if a.Kind != KindVideo {
		return nil, errInvalid
	}
	return a, nil
}

// hClip is POST /video/clip (scene detection).
func (s *Surface) hClip(cl *call) (any, error) {
	a, err := s.videoAsset(cl, cl.str("asset_id"))
	if err != nil {
		return nil, err
	}
	return s.startAsync(cl, "", s.taskAfter(a.Duration), assetJob(jobClip, *a))
}

// hSplit is POST /video/split: a new asset per scene.
func (s *Surface) hSplit(cl *call) (any, error) {
	a, err := s.videoAsset(cl, cl.str("asset_id"))
	if err != nil {
		return nil, err
	}
	return s.startAsync(cl, "", s.taskAfter(a.Duration), assetJob(jobSplit, *a))
}

// splitVideo stores the parts of a under the ids plan gives for their
// number and returns their callback entries.
func (s *Surface) splitVideo(a *Asset, plan func(n int) ([]string, error)) ([]any, error) {
	m, err := s.openMedia(a)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	base := strings.TrimSuffix(a.Filename, "."+a.Ext)
	ext := a.Ext
	if ext == "" {
		ext = "mp4"
	}
	var parts []any
	if m.src == nil {
		// The mock cannot cut this container: one part, byte-identical.
		ids, err := plan(1)
		if err != nil {
			return nil, err
		}
		b, err := s.storeDerived(a.Account, ids[0], fmt.Sprintf("%s_1.%s", base, ext), a, func(w io.Writer) error {
			_, err := io.Copy(w, io.NewSectionReader(m.f, 0, a.Size))
			return err
		})
		if err != nil {
			return nil, err
		}
		return []any{editedEntry(b, 0, a.Duration)}, nil
	}
	scenes := s.detectScenes(a, m.src)
	ids, err := plan(len(scenes))
	if err != nil {
		return nil, err
	}
	for i, sc := range scenes {
		piece := []cutPiece{{Src: m.src, From: sc.cutFrom, To: sc.cutTo}}
		b, err := s.storeDerived(a.Account, ids[i], fmt.Sprintf("%s_%d.%s", base, i+1, ext), nil, func(w io.Writer) error {
			_, err := remuxMP4(piece, w)
			return err
		})
		if err != nil {
			return nil, err
		}
		parts = append(parts, editedEntry(b, sc.From, sc.To))
	}
	return parts, nil
}

// editedEntry is an asset as the edit and split callbacks describe it
// (file_size an integer there). from/to < 0 are left out.
func editedEntry(a *Asset, from, to float64) map[string]any {
	m := map[string]any{"asset_id": a.ID, "create_time": ms(a.Created), "extension": a.Ext, "file_size": a.Size,
		"modify_time": ms(a.Ready), "original_filename": strings.TrimSuffix(a.Filename, "."+a.Ext),
		"upload_status": StatusSuccess}
	if from >= 0 {
		m["start_time"], m["end_time"] = from, to
	}
	return m
}

// storeDerived writes a new asset id of account named filename with
// write, probes it (a real file, so its facts are its own) and stores it
// SUCCESS. like, when set, lends its facts instead (a byte-identical
// copy). An asset id already stored (a resumed task made it before) is
// returned as it is.
func (s *Surface) storeDerived(account, id, filename string, like *Asset, write func(io.Writer) error) (*Asset, error) {
	if a, err := s.assets.get(account, id); err == nil {
		return a, nil
	}
	media := s.o.Store.Media()
	p, err := media.Create()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	cw := &countWriter{}
	if err := write(io.MultiWriter(p, h, cw)); err != nil {
		_ = p.Abort()
		return nil, err
	}
	key, err := p.Commit()
	if err != nil {
		return nil, err
	}
	now := s.p.Clock.Now()
	ext := extOf(filename)
	a := &Asset{ID: id, Account: account, Filename: filename, Ext: ext,
		ContentType: contentTypes[ext], Size: cw.n, SHA256: hex.EncodeToString(h.Sum(nil)), MediaKey: key,
		Created: now, Uploading: now, Ready: now}
	if like != nil {
		a.Kind, a.Final, a.Duration, a.Width, a.Height, a.FPS = like.Kind, StatusSuccess, like.Duration, like.Width, like.Height, like.FPS
		a.VideoCodec, a.AudioCodec, a.HasAudio = like.VideoCodec, like.AudioCodec, like.HasAudio
	} else {
		f, err := media.Open(key)
		if err != nil {
			return nil, err
		}
		probe(a, f)
		_ = f.Close()
		if a.Final != StatusSuccess {
			return nil, fmt.Errorf("v2: derived media does not probe: %s", a.Cause)
		}
	}
	if err := s.assets.put(a); err != nil {
		return nil, err
	}
	return a, nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// maxEditAssets bounds asset_ids.
const maxEditAssets = 20

// hEdit is POST /video/edit.
func (s *Surface) hEdit(cl *call) (any, error) {
	ids, _ := cl.body["asset_ids"].([]any)
	if len(ids) == 0 {
		return nil, missing("asset_ids")
	}
	var srcs []Asset
	for _, v := range ids {
		id, _ := v.(string)
		a, err := s.videoAsset(cl, id)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, *a)
	}
	prompt := cl.str("user_prompt")
	total := 0.0
	for _, a := range srcs {
		total += a.Duration
	}
	job := assetJob(jobEdit, srcs...)
	job.Prompt, job.Orientation = prompt, cl.str("orientation")
	return s.startAsync(cl, "", s.taskAfter(total), job)
}

// editVideos joins, from each source in order, the scenes the prompt
// mentions (the first scene when none does) into final_video.mp4, shown in
// orientation ("landscape", "portrait"; "" keeps the first video's).
func (s *Surface) editVideos(srcs []Asset, prompt, orientation, id string) (*Asset, error) {
	words := content.NameWords(prompt)
	var opened []*openedMedia
	defer func() {
		for _, m := range opened {
			m.Close()
		}
	}()
	var pieces []cutPiece
	var first *openedMedia
	for i := range srcs {
		a := &srcs[i]
		m, err := s.openMedia(a)
		if err != nil {
			return nil, err
		}
		opened = append(opened, m)
		if i == 0 {
			first = m
		}
		if m.src == nil || (len(pieces) > 0 && !pieces[0].Src.compatible(m.src)) {
			continue // not cuttable, or not joinable with the first cut video
		}
		scenes := s.detectScenes(a, m.src)
		var keep []scene
		for _, sc := range scenes {
			if mentions(sc.Text, words) {
				keep = append(keep, sc)
			}
		}
		if len(keep) == 0 {
			keep = scenes[:1]
		}
		for _, sc := range keep {
			pieces = append(pieces, cutPiece{Src: m.src, From: sc.cutFrom, To: sc.cutTo})
		}
	}
	if len(pieces) == 0 {
		a := &srcs[0]
		return s.storeDerived(a.Account, id, "final_video."+orDefault(a.Ext, "mp4"), a, func(w io.Writer) error {
			_, err := io.Copy(w, io.NewSectionReader(first.f, 0, a.Size))
			return err
		})
	}
	opt := remuxOptions{turn: orientationTurn(pieces[0].Src, orientation)}
	return s.storeDerived(srcs[0].Account, id, "final_video.mp4", nil, func(w io.Writer) error {
		_, err := remuxMP4With(pieces, w, opt)
		if errors.Is(err, errNotCuttable) {
			return fmt.Errorf("v2: edit: %w", err)
		}
		return err
	})
}

// orientationTurn is the quarter turn (90) that shows src's video in
// orientation, or 0 when it already is (or is square, or has no size).
// The mock does not re-encode: the output's track header turns the
// picture, so players and probes show the asked orientation with the
// source's pixels (a landscape picture asked as portrait is shown on its
// side, not cropped).
func orientationTurn(src *cutSource, orientation string) int {
	w, h, ok := src.displaySize(0)
	if !ok || w == h || (orientation != "portrait" && orientation != "landscape") {
		return 0
	}
	if (h > w) != (orientation == "portrait") {
		return 90
	}
	return 0
}

// mentions reports whether text contains one of words (case-insensitive).
func mentions(text string, words []string) bool {
	t := strings.ToLower(text)
	for _, w := range words {
		if len(w) > 2 && strings.Contains(t, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// centis rounds a time to centiseconds inside [0, d] (d <= 0: no bound):
// scene and line times never pass the probed duration.
func centis(t, d float64) float64 {
	r := math.Round(t*100) / 100
	if d > 0 {
		r = math.Min(r, math.Floor(d*100)/100)
	}
	return math.Max(r, 0)
}
