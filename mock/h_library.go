package mock

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/store"
)

// wireStatus is the status a video shows in listings and details. The
// lifecycle's FAIL reads as FAILED there (seed 003's list_videos table and
// the newer enum), while callbacks keep the documented "FAIL".
func wireStatus(st string) string {
	if st == store.StatusFail {
		return "FAILED"
	}
	return st
}

func secs(d float64) string { return strconv.Itoa(int(math.Round(d))) }

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// cause renders the failure reason; seed 003 shows the string "null" for
// videos that did not fail.
func cause(v *store.Video) string {
	if v.Status == store.StatusFail && v.Cause != "" {
		return v.Cause
	}
	return "null"
}

// videoItem is one entry of list_videos, in seed 003's shape and field
// order: numbers as strings, cause "null" unless failed.
type videoItem struct {
	Duration   int64  `json:"duration,string"`
	Size       int64  `json:"size,string"`
	Status     string `json:"status"`
	Cause      string `json:"cause"`
	VideoNo    string `json:"video_no"`
	VideoName  string `json:"video_name"`
	CreateTime int64  `json:"create_time,string"`
}

func listItem(v *store.Video) videoItem {
	return videoItem{
		Duration: int64(math.Round(v.Duration)), Size: v.Size, Status: wireStatus(v.Status),
		Cause: cause(v), VideoNo: v.No, VideoName: v.Name, CreateTime: v.CreatedAt.UnixMilli(),
	}
}

// videoPage is the data of list_videos and folders/videos.
type videoPage struct {
	Videos      []videoItem `json:"videos"`
	CurrentPage int         `json:"current_page"`
	PageSize    int         `json:"page_size"`
	TotalCount  string      `json:"total_count"`
}

// hListVideos is POST /list_videos.
func (s *Server) hListVideos(cl *call) (any, error) {
	s.Tick()
	page, size := cl.int("page", 1), cl.int("size", 20)
	if page < 1 || size < 1 {
		return nil, apiErr(CodeBadParam, "parameter error: page and size must be positive")
	}
	f := store.VideoFilter{Name: cl.str("video_name"), No: cl.str("video_no"), Nos: cl.strs("video_nos"),
		Tag: cl.str("tag"), Camera: cl.str("camera_model")}
	switch st := strings.ToUpper(cl.str("status")); st {
	case "":
	case "FAIL", "FAILED", "PARSE_ERROR":
		f.Status = store.StatusFail
	default:
		f.Status = st
	}
	if fid, ok := cl.num("folder_id"); ok {
		id := int64(fid)
		f.FolderID = &id
	}
	items := make([]videoItem, 0, min(size, 64))
	total, err := s.store.ScanVideos(cl.account, cl.ns(), f, (page-1)*size, size, func(v *store.Video) {
		items = append(items, listItem(v))
	})
	if err != nil {
		return nil, err
	}
	return videoPage{Videos: items, CurrentPage: page, PageSize: size, TotalCount: strconv.Itoa(total)}, nil
}

// videoDetails is the body of get_private_video_details and get_metadata
// (API_FACTS A7.24 recommends serving the same body for both).
func videoDetails(v *store.Video) map[string]any {
	it := listItem(v)
	d := map[string]any{"duration": secs(v.Duration), "size": strconv.FormatInt(v.Size, 10), "status": it.Status,
		"cause": it.Cause, "video_no": it.VideoNo, "video_name": it.VideoName, "create_time": ms(v.CreatedAt)}
	d["fps"] = v.FPS
	d["width"] = v.Width
	d["height"] = v.Height
	d["resolution_label"] = resolutionLabel(v.Height, v.Width)
	d["video_url"] = v.SourceURL
	d["tags"] = v.Tags
	if v.Status != store.StatusFail {
		delete(d, "cause")
		d["cause"] = "null"
	}
	if v.DatetimeTaken != nil {
		d["datetime_taken"] = ms(*v.DatetimeTaken)
	}
	if v.CameraModel != "" {
		d["camera_model"] = v.CameraModel
	}
	if v.Latitude != nil {
		d["latitude"] = *v.Latitude
	}
	if v.Longitude != nil {
		d["longitude"] = *v.Longitude
	}
	return d
}

func resolutionLabel(h, w int) string {
	short := h
	if w > 0 && w < h {
		short = w
	}
	if short <= 0 {
		return ""
	}
	return fmt.Sprintf("%dP", short)
}

// hVideoDetails is GET /get_private_video_details and GET /get_metadata.
func (s *Server) hVideoDetails(cl *call) (any, error) {
	s.Tick()
	v, err := s.store.GetVideo(cl.account, cl.ns(), cl.str("video_no"))
	if err != nil {
		// get_metadata is the vendor's canonical polling call, and its own
		// example client documents an unknown video_no as code 0000 with
		// data null (API_FACTS EX, common/client.py); the private details
		// call keeps the documented 0001 "video not found".
		if cl.op.id == "get_metadata" && errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	return videoDetails(v), nil
}

// hTaskStatus is GET /get_video_ids_by_task_id. It answers both documented
// shapes: video_ids (seed/P12) and videos[] (what clients poll).
func (s *Server) hTaskStatus(cl *call) (any, error) {
	s.Tick()
	t, err := s.store.GetTask(cl.account, cl.str("task_id"))
	// Most clients send only task_id (the newest docs list nothing else),
	// so the namespace is checked only when unique_id is given.
	if ns := strings.TrimSpace(cl.str("unique_id")); err == nil && ns != "" && !t.Public && ns != t.Namespace {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, apiErr(CodeBadParam, "task not found")
	}
	ids := []string{}
	videos := []any{}
	if t.Notified {
		account, ns := t.Account, t.Namespace
		if t.Public {
			account, ns = publicAccount, "default"
		}
		for _, no := range t.VideoNos {
			v, err := s.store.GetVideo(account, ns, no)
			if err != nil {
				continue // deleted since
			}
			ids = append(ids, no)
			videos = append(videos, map[string]any{
				"video_no": v.No, "video_name": v.Name, "duration": secs(v.Duration),
				"status": wireStatus(v.Status), "video_url": v.SourceURL,
			})
		}
	}
	return map[string]any{"taskId": t.ID, "video_ids": ids, "videos": videos}, nil
}

// hDeleteVideos is POST /delete_videos: a raw JSON array of numbers and
// unique_id in the query. All ids are checked before anything is deleted,
// so a bad batch changes nothing.
func (s *Server) hDeleteVideos(cl *call) (any, error) {
	nos := make([]string, 0, len(cl.array))
	for _, x := range cl.array {
		no := strings.TrimSpace(toString(x))
		if no == "" {
			return nil, apiErr(CodeBadParam, "parameter error: video numbers must be non-empty strings")
		}
		nos = append(nos, no)
	}
	if len(nos) == 0 {
		return nil, apiErr(CodeBadParam, "parameter error: at least one video number is required")
	}
	if len(nos) > 100 {
		return nil, apiErr(CodeBadParam, "parameter error: at most 100 videos per request")
	}
	ns := cl.ns()
	var victims []*store.Video
	for _, no := range nos {
		if strings.HasPrefix(no, "PI-") {
			return nil, apiErr(CodeBadParam, "Public library videos cannot be deleted.")
		}
		v, err := s.store.GetVideo(cl.account, ns, no)
		if err != nil {
			// Deleting what is already gone is the documented 0409
			// ("duplicate request not allowed, e.g. deleting a video twice").
			return nil, &APIError{Code: CodeDuplicate, Msg: "Duplicate request is not allowed."}
		}
		victims = append(victims, v)
	}
	for _, v := range victims {
		if err := s.store.DeleteVideo(v.Account, v.Namespace, v.No); err != nil {
			return nil, err
		}
		s.world.removeVideo(v)
		s.dropOverride(v.No)
		if v.MediaKey != "" {
			_ = s.store.Media().Remove(v.MediaKey)
		}
	}
	return nil, nil
}

// hDownload is POST /download: the stored bytes, streamed, or a JSON
// envelope when the video is missing or not ready.
func (s *Server) hDownload(cl *call) (any, error) {
	s.Tick()
	v, err := s.store.GetVideo(cl.account, cl.ns(), cl.str("video_no"))
	if err != nil {
		return nil, err
	}
	if v.Status != store.StatusParse {
		// Seed 001: a JSON answer means the download did not succeed,
		// "e.g. the video is not ready".
		return nil, apiErr(CodeBadParam, "video is not ready")
	}
	if v.MediaKey == "" {
		return nil, apiErr(CodeBadParam, "video file is not available")
	}
	f, err := s.store.Media().Open(v.MediaKey)
	if err != nil {
		return nil, apiErr(CodeBadParam, "video file is not available")
	}
	defer f.Close()
	if err := s.charge(cl, quantity{bytes: v.Size}); err != nil {
		return nil, err
	}
	w := cl.c.Writer
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(v.Size, 10))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", v.Name+".mp4"))
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, f); err != nil {
		s.opts.Logger.Warn("download interrupted", "video", v.No, "err", err)
	}
	cl.code = CodeOK
	return written, nil
}

// hUploadImg is POST /upload_img: several files, metadata for all. Every
// file is decoded first; one bad file rejects the batch and stores nothing.
func (s *Server) hUploadImg(cl *call) (any, error) {
	files := cl.files["files"]
	if len(files) == 0 {
		files = cl.files["file"]
	}
	if len(files) == 0 {
		return nil, apiErr(CodeBadParam, "parameter error: files is required")
	}
	m, err := cl.meta("callback")
	if err != nil {
		return nil, err
	}
	if len(m.tags) > 51 {
		return nil, apiErr(CodeBadParam, "parameter error: at most 50 tags")
	}
	infos := make([]media.ImageInfo, len(files))
	for i, u := range files {
		info, err := media.ProbeImage(io.NewSectionReader(u.Pending.File(), 0, u.Size))
		if err != nil {
			return nil, &APIError{Code: CodeBadParam, Msg: fmt.Sprintf("parameter error: %s is not a supported image (jpg, png, gif, webp)", u.Filename)}
		}
		infos[i] = info
	}
	now := s.clk.Now()
	out := make([]any, 0, len(files))
	for i, u := range files {
		key, err := u.Pending.Commit()
		u.adopt()
		if err != nil {
			return nil, err
		}
		im := &store.Image{
			ID: s.ids.number(), Account: cl.account, Namespace: cl.ns(), Name: baseName(u.Filename),
			Format: infos[i].Format, Width: infos[i].Width, Height: infos[i].Height, Size: u.Size,
			PHash: infos[i].PerceptionHash, DHash: infos[i].DifferenceHash, CreatedAt: now, DatetimeTaken: m.taken,
			CameraModel: m.camera, Latitude: m.lat, Longitude: m.lon, Tags: m.tags, MediaKey: key,
		}
		if err := s.store.PutImage(im); err != nil {
			_ = s.store.Media().Remove(key)
			return nil, err
		}
		s.world.indexImage(im)
		out = append(out, map[string]any{"id": im.ID})
	}
	return out, nil
}

// imageItem is an image as BY_IMAGE search and img_list_page show it.
func (s *Server) imageItem(im *store.Image) map[string]any {
	d := map[string]any{
		"id": im.ID, "name": im.Name,
		"img_url": fmt.Sprintf("https://storage.googleapis.com/memories-mock/%s/%s.%s", im.ID, im.Name, im.Format),
	}
	if im.DatetimeTaken != nil {
		d["datetime_taken"] = ms(*im.DatetimeTaken)
	}
	if im.CameraModel != "" {
		d["camera_model"] = im.CameraModel
	}
	if im.Latitude != nil {
		d["latitude"] = *im.Latitude
	}
	if im.Longitude != nil {
		d["longitude"] = *im.Longitude
	}
	return d
}

// hImgListPage is POST /img_list_page (shape from client evidence).
func (s *Server) hImgListPage(cl *call) (any, error) {
	page, size := cl.int("page", 1), cl.int("page_size", 20)
	if page < 1 || size < 1 {
		return nil, apiErr(CodeBadParam, "parameter error: page and page_size must be positive")
	}
	ims, total, err := s.store.ListImages(cl.account, cl.ns(), (page-1)*size, size)
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(ims))
	for _, im := range ims {
		items = append(items, s.imageItem(im))
	}
	return map[string]any{"images": items, "current_page": page, "page_size": size, "total_count": strconv.Itoa(total)}, nil
}
