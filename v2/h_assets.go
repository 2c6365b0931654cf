package v2

import (
	"archive/zip"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/limits"
)

// assetHandlers are the asset-management operations (V2_SURFACE §6.1).
func (s *Surface) assetHandlers() map[string]handlerFunc {
	return map[string]handlerFunc{
		"v2_upload":              s.hUpload,
		"v2_upload_signed_url":   s.hSignedURL,
		"v2_signed_upload_put":   s.hSignedUpload,
		"v2_signed_upload_post":  s.hSignedUpload,
		"v2_download":            s.hDownload,
		"v2_download_blob":       s.hDownloadBlob,
		"v2_delete_asset":        s.hDelete,
		"v2_delete_asset_legacy": s.hDelete,
		"v2_asset_metadata":      s.hMetadata,
	}
}

// newAssetID mints an unused asset id (ids are deterministic per run, so
// a restart on the same data directory must skip the ones already taken).
func (s *Surface) newAssetID(mint func() string) string {
	for {
		if id := mint(); !s.assets.exists(id) {
			return id
		}
	}
}

// commitUpload turns a streamed upload into a stored, probed asset.
func (s *Surface) commitUpload(a *Asset, u *upload) error {
	key, err := u.Pending.Commit()
	if err != nil {
		return err
	}
	u.adopted = true
	a.MediaKey, a.Size, a.SHA256 = key, u.Size, u.SHA256
	if a.ContentType == "" {
		a.ContentType = u.ContentType
	}
	f, err := s.o.Store.Media().Open(key)
	if err != nil {
		return err
	}
	probe(a, f)
	_ = f.Close()
	if ct, ok := contentTypes[a.Ext]; ok {
		a.ContentType = ct
	}
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	now := s.p.Clock.Now()
	a.Uploading = now.Add(s.o.UploadTime / 2)
	a.Ready = now.Add(s.o.UploadTime)
	return s.assets.put(a)
}

// hUpload is POST /upload.
func (s *Surface) hUpload(cl *call) (any, error) {
	if cl.file == nil {
		return nil, missing("file")
	}
	now := s.p.Clock.Now()
	a := &Asset{ID: s.newAssetID(s.ids.asset), Account: cl.account, Filename: cl.file.Filename,
		Ext: extOf(cl.file.Filename), Created: now}
	if err := s.commitUpload(a, cl.file); err != nil {
		return nil, err
	}
	return map[string]any{"asset_id": a.ID}, nil
}

// signedURLTTL is the documented expires_in (26 h).
const signedURLTTL = 93600

// hSignedURL is POST /upload/signed-url.
func (s *Surface) hSignedURL(cl *call) (any, error) {
	name := cl.str("original_filename")
	now := s.p.Clock.Now()
	a := &Asset{ID: s.newAssetID(s.ids.asset), Account: cl.account, Filename: name, Ext: extOf(name),
		Created: now, Token: s.ids.token()}
	if err := s.assets.put(a); err != nil {
		return nil, err
	}
	base := strings.TrimRight(s.o.PublicBaseURL, "/")
	if base == "" {
		scheme := "http"
		if cl.c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + cl.c.Request.Host
	}
	u := fmt.Sprintf("%s%s/signed-upload/%s?token=%s", base, BasePath, a.ID, a.Token)
	return map[string]any{"asset_id": a.ID, "signed_url": u, "expires_in": signedURLTTL}, nil
}

// hSignedUpload is the mock's stand-in for the signed storage URL: PUT
// with the raw bytes or POST multipart with `file`.
func (s *Surface) hSignedUpload(cl *call) (any, error) {
	a, err := s.assets.byToken(cl.params["asset_id"], cl.c.Query("token"))
	if err != nil {
		return nil, &apierr.Error{Code: apierr.CodeForbidden, Msg: "Invalid or expired signed URL"}
	}
	if s.p.Clock.Now().After(a.Created.Add(signedURLTTL * time.Second)) {
		return nil, &apierr.Error{Code: apierr.CodeForbidden, Msg: "Invalid or expired signed URL"}
	}
	if a.MediaKey != "" {
		return nil, &apierr.Error{Code: apierr.CodeDuplicate, Msg: "Request conflict or duplicate request"}
	}
	u := cl.file
	if u == nil {
		r := cl.c.Request
		r.Body = http.MaxBytesReader(cl.c.Writer, r.Body, s.o.MaxUploadBytes)
		if u, err = s.saveFile(r.Body, a.Filename, r.Header.Get("Content-Type")); err != nil {
			return nil, err
		}
		cl.file = u
		if u.Size == 0 {
			return nil, missing("file")
		}
	}
	cl.key, cl.account = "", a.Account
	a.Token = ""
	if err := s.commitUpload(a, u); err != nil {
		return nil, err
	}
	return map[string]any{"asset_id": a.ID}, nil
}

// usable returns an asset of the caller that is SUCCESS, or the live
// API's catch-all 400 ("Request has exceeded the limit.").
func (s *Surface) usable(cl *call, id string) (*Asset, error) {
	if strings.TrimSpace(id) == "" {
		return nil, missing("asset_id")
	}
	a, err := s.assets.get(cl.account, id)
	if err != nil {
		return nil, errInvalid
	}
	if a.Status(s.p.Clock.Now()) != StatusSuccess {
		return nil, errInvalid
	}
	return a, nil
}

// assetRow is the metadata row of one asset, in the doc example's field
// order, with strings where the example shows strings.
type assetRow struct {
	Extension        string `json:"extension"`
	AssetID          string `json:"asset_id"`
	OriginalFilename string `json:"original_filename"`
	FileSize         string `json:"file_size"`
	UploadStatus     string `json:"upload_status"`
	CreateTime       string `json:"create_time"`
	ModifyTime       string `json:"modify_time"`
}

// metadataData is GET /{asset_id}/metadata's data.
type metadataData struct {
	Total    int        `json:"total"`
	Resource []assetRow `json:"resource"`
}

func record(a *Asset, now time.Time) assetRow {
	ext := a.Ext
	if a.Kind == KindGroup {
		ext = "zip"
	}
	return assetRow{
		Extension: ext, AssetID: a.ID, OriginalFilename: strings.TrimSuffix(a.Filename, "."+a.Ext),
		FileSize: strconv.FormatInt(a.Size, 10), UploadStatus: a.Status(now),
		CreateTime: ms(a.Created), ModifyTime: ms(a.Modified(now)),
	}
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// hMetadata is GET /{asset_id}/metadata.
func (s *Surface) hMetadata(cl *call) (any, error) {
	a, err := s.assets.get(cl.account, cl.params["asset_id"])
	if err != nil {
		return nil, errNotFound
	}
	now := s.p.Clock.Now()
	rows := []assetRow{}
	if a.Kind == KindGroup {
		for _, c := range a.Children {
			if ch, err := s.assets.get(cl.account, c); err == nil {
				rows = append(rows, record(ch, now))
			}
		}
	} else {
		rows = append(rows, record(a, now))
	}
	return metadataData{Total: len(rows), Resource: rows}, nil
}

// hDelete is DELETE /{asset_id} (and the undocumented /asset/{asset_id}).
func (s *Surface) hDelete(cl *call) (any, error) {
	if err := s.assets.remove(cl.account, cl.params["asset_id"]); err != nil {
		if err == errAssetMissing {
			return nil, errNotFound
		}
		return nil, err
	}
	return nil, nil
}

// hDownload is GET /{asset_id}/download: the exact bytes, streamed.
func (s *Surface) hDownload(cl *call) (any, error) {
	a, err := s.assets.get(cl.account, cl.params["asset_id"])
	if err != nil {
		return nil, &apierr.Error{Code: apierr.CodeBadParam, Msg: "Resource does not exist"}
	}
	if a.Status(s.p.Clock.Now()) != StatusSuccess {
		return nil, &apierr.Error{Code: apierr.CodeBadParam, Msg: "Resource does not exist"}
	}
	return s.sendAsset(cl, a)
}

// hDownloadBlob is GET /download?bucket=&blob=.
func (s *Surface) hDownloadBlob(cl *call) (any, error) {
	bucket, blob := strings.TrimSpace(cl.c.Query("bucket")), strings.TrimSpace(cl.c.Query("blob"))
	if bucket == "" {
		return nil, &apierr.Error{Code: apierr.CodeBadParam, Msg: "Bucket cannot be null or empty"}
	}
	if blob == "" {
		return nil, &apierr.Error{Code: apierr.CodeBadParam, Msg: "Blob cannot be null or empty"}
	}
	notFound := &apierr.Error{Code: apierr.CodeBadParam, Msg: "Resource does not exist"}
	if bucket != Bucket {
		return nil, notFound
	}
	id := strings.TrimSuffix(blob, "."+extOf(blob))
	if a, err := s.assets.get(cl.account, id); err == nil && a.Status(s.p.Clock.Now()) == StatusSuccess {
		return s.sendAsset(cl, a)
	}
	if s.o.Blobs != nil {
		if b, ok := s.o.Blobs.Blob(cl.account, id); ok {
			return s.sendBlob(cl, b)
		}
	}
	return nil, notFound
}

// Bucket is the bucket name v2 hands out and accepts.
const Bucket = "mavi-resource"

// Blob is a downloadable object of another surface (a v1 video of the
// caller's account, by videoNo).
type Blob struct {
	Open        func() (io.ReadCloser, error)
	Size        int64
	Name        string
	ContentType string
}

// BlobSource finds objects of other surfaces for GET /download.
type BlobSource interface {
	Blob(account, id string) (Blob, bool)
}

// chargeDownload refuses a download the balance cannot cover (nothing is
// streamed), then charges it: $0.12 per GB.
func (s *Surface) chargeDownload(cl *call, size int64) error {
	l := s.p.Ledger
	cl.charged = true
	if !l.Enabled() {
		return nil
	}
	c, _ := limits.CostOf(cl.op.id, limits.Quantity{Bytes: size})
	if err := l.Charge(cl.account, c); err != nil {
		return &apierr.Error{Code: apierr.CodeNoBalance, Msg: "Insufficient balance to download the resource. Please recharge and try again."}
	}
	return nil
}

func (s *Surface) sendAsset(cl *call, a *Asset) (any, error) {
	if a.Kind == KindGroup {
		return s.sendZip(cl, a)
	}
	media := s.o.Store.Media()
	return s.sendBlob(cl, Blob{Size: a.Size, Name: a.Filename, ContentType: a.ContentType,
		Open: func() (io.ReadCloser, error) { return media.Open(a.MediaKey) }})
}

func (s *Surface) sendBlob(cl *call, b Blob) (any, error) {
	f, err := b.Open()
	if err != nil {
		return nil, &apierr.Error{Code: apierr.CodeBadParam, Msg: "Resource does not exist"}
	}
	defer f.Close()
	if err := s.chargeDownload(cl, b.Size); err != nil {
		return nil, err
	}
	w := cl.c.Writer
	w.Header().Set("Content-Type", b.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", b.Name))
	w.Header().Set("Content-Length", strconv.FormatInt(b.Size, 10))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
	return written, nil
}

// sendZip streams an im_ group as a zip of its frames.
func (s *Surface) sendZip(cl *call, g *Asset) (any, error) {
	var frames []*Asset
	var total int64
	for _, c := range g.Children {
		if ch, err := s.assets.get(cl.account, c); err == nil {
			frames = append(frames, ch)
			total += ch.Size
		}
	}
	if err := s.chargeDownload(cl, total); err != nil {
		return nil, err
	}
	w := cl.c.Writer
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", g.ID+".zip"))
	w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(w)
	media := s.o.Store.Media()
	for _, f := range frames {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.ID + "." + f.Ext, Method: zip.Store, Modified: f.Created})
		if err != nil {
			break
		}
		r, err := media.Open(f.MediaKey)
		if err != nil {
			continue
		}
		_, _ = io.Copy(fw, r)
		_ = r.Close()
	}
	_ = zw.Close()
	return written, nil
}
