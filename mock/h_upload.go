package mock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/store"
)

// datetimeLayout is the documented `yyyy-MM-dd HH:mm:ss`.
const datetimeLayout = "2006-01-02 15:04:05"

// farFuture parks a video whose media is still being fetched: the
// lifecycle must not finish it before the probe decides its fate.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// uploadMeta is the metadata every upload operation accepts.
type uploadMeta struct {
	callback string
	taken    *time.Time
	camera   string
	lat, lon *float64
	tags     []string
	prompt   string
	retain   bool
	folder   int64
}

// meta reads and checks the shared upload metadata (seed 002's rules).
// The schema already bounds lengths and counts; here are the rules a
// schema cannot say: a real calendar datetime, coordinates in range, and
// the automatic "api" tag.
func (cl *call) meta(callbackField string) (uploadMeta, error) {
	m := uploadMeta{callback: strings.TrimSpace(cl.str(callbackField)), camera: cl.str("camera_model"),
		prompt: cl.str("video_transcription_prompt"), retain: cl.boolean("retain_original_video", true)}
	if len(m.callback) > 299 {
		return m, apiErr(CodeBadParam, "parameter error: callback must be at most 299 characters")
	}
	if err := cl.s.checkCallback(callbackField, m.callback); err != nil {
		return m, err
	}
	if dt := strings.TrimSpace(cl.str("datetime_taken")); dt != "" {
		t, err := time.ParseInLocation(datetimeLayout, dt, time.UTC)
		if err != nil {
			return m, apiErr(CodeBadParam, "parameter error: datetime_taken must be in the format yyyy-MM-dd HH:mm:ss")
		}
		m.taken = &t
	}
	for _, f := range []struct {
		name  string
		limit float64
		dst   **float64
	}{{"latitude", 90, &m.lat}, {"longitude", 180, &m.lon}} {
		if raw := strings.TrimSpace(cl.str(f.name)); raw != "" {
			v, err := strconv.ParseFloat(raw, 64)
			if err != nil || math.IsNaN(v) || math.Abs(v) > f.limit {
				return m, apiErr(CodeBadParam, "parameter error: %s must be a valid decimal number", f.name)
			}
			*f.dst = &v
		}
	}
	for _, t := range cl.strs("tags") {
		if t = strings.TrimSpace(t); t != "" && !contains(m.tags, t) {
			m.tags = append(m.tags, t)
		}
	}
	// Seed 002: "The server automatically appends an api tag to every upload."
	if !contains(m.tags, "api") {
		m.tags = append(m.tags, "api")
	}
	if f, ok := cl.num("folder_id"); ok {
		m.folder = int64(f)
	}
	return m, nil
}

func (m uploadMeta) apply(v *store.Video) {
	v.Callback, v.DatetimeTaken, v.CameraModel = m.callback, m.taken, m.camera
	v.Latitude, v.Longitude, v.Tags, v.Prompt, v.Retain, v.FolderID = m.lat, m.lon, m.tags, m.prompt, m.retain, m.folder
}

// verdict turns a probe into the video's final status: only the codecs the
// vendor lists index; anything else, or unreadable media, fails with a
// cause (seed 001: "FAILED shortly after uploading ... unsupported codecs").
func verdict(info media.VideoInfo, err error) (status, cause string) {
	if err != nil {
		return store.StatusFail, "unreadable media: " + err.Error()
	}
	if ok, why := info.Supported(); !ok {
		return store.StatusFail, why
	}
	return store.StatusParse, ""
}

func applyInfo(v *store.Video, info media.VideoInfo) {
	v.Duration, v.Width, v.Height, v.FPS = info.Duration, info.Width, info.Height, info.FPS
	v.VideoCodec, v.AudioCodec, v.HasAudio = info.VideoCodec, info.AudioCodec, info.HasAudio
}

func baseName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if ext := path.Ext(name); ext != "" && len(ext) <= 5 {
		name = strings.TrimSuffix(name, ext)
	}
	if name == "." || name == "/" {
		return ""
	}
	return name
}

// uploadResult is the data of upload and upload_url, in the seed's order.
type uploadResult struct {
	VideoNo     string `json:"videoNo"`
	VideoName   string `json:"videoName"`
	VideoStatus string `json:"videoStatus"`
	UploadTime  string `json:"uploadTime"`
}

func uploadData(v *store.Video) uploadResult {
	return uploadResult{VideoNo: v.No, VideoName: v.Name, VideoStatus: v.Status,
		UploadTime: strconv.FormatInt(v.CreatedAt.UnixMilli(), 10)}
}

// hUpload is POST /upload: a multipart file, streamed to storage, probed
// with a real container parser.
func (s *Server) hUpload(cl *call) (any, error) {
	files := cl.files["file"]
	if len(files) == 0 {
		return nil, apiErr(CodeBadParam, "parameter error: file is required")
	}
	m, err := cl.meta("callback")
	if err != nil {
		return nil, err
	}
	u := files[0]
	info, perr := media.ProbeVideo(u.Pending.File(), u.Size)
	final, cause := verdict(info, perr)
	now := s.clk.Now()
	v := &store.Video{
		No: s.ids.video(), Account: cl.account, Namespace: cl.ns(), Name: baseName(u.Filename),
		Status: store.StatusUnparse, Size: u.Size, CreatedAt: now,
		FinalStatus: final, FinalCause: cause, MediaSHA256: u.SHA256,
	}
	if v.Name == "" {
		v.Name = s.ids.hexName()
	}
	applyInfo(v, info)
	m.apply(v)
	v.ReadyAt = now.Add(s.processingTime(v.Duration))
	key, err := u.Pending.Commit()
	u.adopt()
	if err != nil {
		return nil, err
	}
	v.MediaKey = key
	if err := s.store.PutVideo(v); err != nil {
		_ = s.store.Media().Remove(key)
		return nil, err
	}
	s.opts.Logger.Info("upload", "video", v.No, "size", v.Size, "codec", v.VideoCodec, "duration", v.Duration, "final", final)
	return uploadData(v), nil
}

// hUploadURL is POST /upload_url (form, JSON or multipart).
func (s *Server) hUploadURL(cl *call) (any, error) {
	raw := strings.TrimSpace(cl.str("url"))
	if raw == "" {
		return nil, apiErr(CodeBadParam, "parameter error: url is required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, apiErr(CodeBadParam, "parameter error: url must be a direct http(s) link")
	}
	m, err := cl.meta("callback")
	if err != nil {
		return nil, err
	}
	now := s.clk.Now()
	v := &store.Video{
		No: s.ids.video(), Account: cl.account, Namespace: cl.ns(), Name: baseName(u.Path),
		Status: store.StatusUnparse, CreatedAt: now, SourceURL: raw,
	}
	if v.Name == "" {
		v.Name = s.ids.hexName()
	}
	m.apply(v)
	if s.opts.FetchURLs {
		v.ReadyAt = farFuture
		if err := s.store.PutVideo(v); err != nil {
			return nil, err
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.fetch(v.Account, v.Namespace, v.No, raw) }()
		return uploadData(v), nil
	}
	applyInfo(v, synthInfo(s.opts.Seed, raw))
	v.Size = int64(v.Duration * 312_500) // ~2.5 Mbit/s
	v.FinalStatus, v.FinalCause = store.StatusParse, ""
	if ok, why := synthInfo(s.opts.Seed, raw).Supported(); !ok {
		v.FinalStatus, v.FinalCause = store.StatusFail, why
	}
	v.ReadyAt = now.Add(s.processingTime(v.Duration))
	if err := s.store.PutVideo(v); err != nil {
		return nil, err
	}
	return uploadData(v), nil
}

// synthInfo invents stable media metadata for a URL the mock does not
// fetch: same URL and seed, same duration and resolution on every run.
// A URL naming an unsupported container or codec (".avi", "mpeg4",
// "xvid") fails the way the real pipeline would.
func synthInfo(seed int64, raw string) media.VideoInfo {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d|%s", seed, raw)
	x := h.Sum64()
	info := media.VideoInfo{Container: "mp4", Duration: float64(10 + x%110), Width: 1280, Height: 720,
		FPS: 30, VideoCodec: "h264", AudioCodec: "aac", HasAudio: x%5 != 0}
	if x%3 == 0 {
		info.Width, info.Height = 1920, 1080
	}
	low := strings.ToLower(raw)
	for _, bad := range []string{"mpeg4", "xvid", "divx", ".avi", ".wmv"} {
		if strings.Contains(low, bad) {
			info.VideoCodec = "mpeg4"
		}
	}
	return info
}

// fetch downloads a URL upload (--fetch-urls), stores and probes it, then
// releases the video to the lifecycle. An unreachable URL fails the video
// with a cause, as the real service does.
func (s *Server) fetch(account, ns, no, raw string) {
	status, cause, info, key, sum, size := s.download(raw)
	v, err := s.store.GetVideo(account, ns, no)
	if err != nil {
		if key != "" {
			_ = s.store.Media().Remove(key)
		}
		return
	}
	applyInfo(v, info)
	v.Size, v.MediaKey, v.MediaSHA256 = size, key, sum
	v.FinalStatus, v.FinalCause = status, cause
	v.ReadyAt = s.clk.Now().Add(s.processingTime(v.Duration))
	if err := s.store.PutVideo(v); err != nil {
		s.opts.Logger.Error("fetch: save video", "video", no, "err", err)
	}
}

func (s *Server) download(raw string) (status, cause string, info media.VideoInfo, key, sum string, size int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fail := func(format string, args ...any) {
		status, cause = store.StatusFail, fmt.Sprintf(format, args...)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		fail("unreachable URL: %v", err)
		return
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		fail("unreachable URL: %v", err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fail("unreachable URL: HTTP %d", resp.StatusCode)
		return
	}
	p, err := s.store.Media().Create()
	if err != nil {
		fail("storage error: %v", err)
		return
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(p, h), resp.Body)
	if err != nil {
		_ = p.Abort()
		if errors.Is(err, store.ErrTooLarge) {
			fail("file size exceeds the limit")
		} else {
			fail("download interrupted: %v", err)
		}
		return
	}
	info, perr := media.ProbeVideo(p.File(), n)
	status, cause = verdict(info, perr)
	key, err = p.Commit()
	if err != nil {
		fail("storage error: %v", err)
		return status, cause, info, "", "", n
	}
	return status, cause, info, key, hex.EncodeToString(h.Sum(nil)), n
}
