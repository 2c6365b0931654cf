package v2

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/store"
)

// Upload statuses (V2_SURFACE §3).
const (
	StatusWaiting   = "WAITING"
	StatusUploading = "UPLOADING"
	StatusSuccess   = "SUCCESS"
	StatusFailed    = "FAILED"
)

// Asset kinds.
const (
	KindVideo = "video"
	KindAudio = "audio"
	KindImage = "image"
	KindGroup = "frames" // im_: a group of extracted frames
	KindFrame = "frame"  // imc_: one extracted frame
)

var errAssetMissing = errors.New("v2: asset not found")

// Asset is one v2 asset record. Its upload status is a function of the
// clock (WAITING until Uploading, UPLOADING until Ready, then Final), so no
// background ticker is needed and a fake clock drives it exactly.
type Asset struct {
	ID          string    `json:"id"`
	Account     string    `json:"account"`
	Kind        string    `json:"kind"`
	Filename    string    `json:"filename"`
	Ext         string    `json:"ext"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256,omitempty"`
	MediaKey    string    `json:"media_key,omitempty"`
	Created     time.Time `json:"created"`
	Uploading   time.Time `json:"uploading"` // WAITING -> UPLOADING
	Ready       time.Time `json:"ready"`     // UPLOADING -> Final
	Final       string    `json:"final"`     // SUCCESS or FAILED; "" while bytes are awaited (signed URL)
	Cause       string    `json:"cause,omitempty"`
	Token       string    `json:"token,omitempty"` // signed-URL credential
	// Settled is a fixture asset loaded as SUCCESS or FAILED: Final
	// whatever the clock says, so a manifest dated after the mock's clock
	// (an export of a mock whose clock ran ahead) keeps its status.
	Settled bool `json:"settled,omitempty"`

	// Probed media facts.
	Duration   float64 `json:"duration,omitempty"`
	Width      int     `json:"width,omitempty"`
	Height     int     `json:"height,omitempty"`
	FPS        float64 `json:"fps,omitempty"`
	VideoCodec string  `json:"video_codec,omitempty"`
	AudioCodec string  `json:"audio_codec,omitempty"`
	HasAudio   bool    `json:"has_audio,omitempty"`

	// Frames: the children of an im_ group, or the parent and time of an
	// imc_ frame.
	Children []string `json:"children,omitempty"`
	Parent   string   `json:"parent,omitempty"`
	At       float64  `json:"at,omitempty"`
}

// Status is the upload status at now.
func (a *Asset) Status(now time.Time) string {
	switch {
	case a.Settled && a.Final != "":
		return a.Final
	case a.Final == "" || now.Before(a.Uploading):
		return StatusWaiting
	case now.Before(a.Ready):
		return StatusUploading
	default:
		return a.Final
	}
}

// Modified is the last status change at now (modify_time).
func (a *Asset) Modified(now time.Time) time.Time {
	if a.Settled {
		return a.Ready
	}
	switch a.Status(now) {
	case StatusWaiting:
		return a.Created
	case StatusUploading:
		return a.Uploading
	}
	return a.Ready
}

// assetStore keeps assets in memory, persisted through store.Records.
type assetStore struct {
	rec   store.Records
	media store.Media
	clk   clock.Clock

	mu     sync.RWMutex
	assets map[string]*Asset
}

const recAsset = "v2-asset"

func openAssets(st interface {
	Media() store.Media
	store.Records
}, clk clock.Clock) (*assetStore, error) {
	s := &assetStore{rec: st, media: st.Media(), clk: clk, assets: map[string]*Asset{}}
	err := eachRecord(st, recAsset, func(id string, a *Asset) { s.assets[id] = a })
	return s, err
}

// put persists a, then makes it visible (a failed write leaves nothing).
func (s *assetStore) put(a *Asset) error {
	raw, err := json.Marshal(a)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.rec.PutRecord(recAsset, a.ID, raw); err != nil {
		return err
	}
	cp := *a
	s.assets[a.ID] = &cp
	return nil
}

// exists reports whether an id is taken (any account).
func (s *assetStore) exists(id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.assets[id]
	return ok
}

// get returns a copy of an asset of account, or errAssetMissing. Another
// account's asset is missing too: isolation per account.
func (s *assetStore) get(account, id string) (*Asset, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.assets[id]
	if !ok || a.Account != account {
		return nil, errAssetMissing
	}
	cp := *a
	return &cp, nil
}

// byToken finds the asset a signed URL names.
func (s *assetStore) byToken(id, token string) (*Asset, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.assets[id]
	if !ok || a.Token == "" || a.Token != token {
		return nil, errAssetMissing
	}
	cp := *a
	return &cp, nil
}

// remove deletes an asset, its children and their bytes.
func (s *assetStore) remove(account, id string) error {
	s.mu.Lock()
	a, ok := s.assets[id]
	if !ok || a.Account != account {
		s.mu.Unlock()
		return errAssetMissing
	}
	victims := []*Asset{a}
	for _, c := range a.Children {
		if ch, ok := s.assets[c]; ok {
			victims = append(victims, ch)
		}
	}
	for _, v := range victims {
		if err := s.rec.DeleteRecord(recAsset, v.ID); err != nil {
			s.mu.Unlock()
			return err
		}
		delete(s.assets, v.ID)
	}
	s.mu.Unlock()
	for _, v := range victims {
		if v.MediaKey != "" && !s.sharedMedia(v.MediaKey) {
			_ = s.media.Remove(v.MediaKey)
		}
	}
	return nil
}

// sharedMedia reports whether another asset still uses key.
func (s *assetStore) sharedMedia(key string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, a := range s.assets {
		if a.MediaKey == key {
			return true
		}
	}
	return false
}

// list returns the account's assets, oldest first.
func (s *assetStore) list(account string) []*Asset {
	s.mu.RLock()
	out := make([]*Asset, 0)
	for _, a := range s.assets {
		if a.Account == account {
			cp := *a
			out = append(out, &cp)
		}
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		return out[i].Created.Before(out[j].Created) || (out[i].Created.Equal(out[j].Created) && out[i].ID < out[j].ID)
	})
	return out
}

func (s *assetStore) reset() {
	s.mu.Lock()
	s.assets = map[string]*Asset{}
	s.mu.Unlock()
}

func (s *assetStore) forgetAccount(account string) {
	for _, a := range s.list(account) {
		_ = s.remove(account, a.ID)
	}
}

// Formats of the upload page, by extension.
var kinds = map[string]string{
	"mp4": KindVideo, "mov": KindVideo, "avi": KindVideo, "webm": KindVideo, "mkv": KindVideo,
	"flv": KindVideo, "wmv": KindVideo, "mpeg": KindVideo, "mpg": KindVideo, "m4v": KindVideo,
	"mp3": KindAudio, "wav": KindAudio, "aac": KindAudio, "flac": KindAudio, "ogg": KindAudio, "m4a": KindAudio,
	"jpg": KindImage, "jpeg": KindImage, "png": KindImage, "gif": KindImage, "webp": KindImage,
	"bmp": KindImage, "tiff": KindImage, "tif": KindImage,
}

var contentTypes = map[string]string{
	"mp4": "video/mp4", "mov": "video/quicktime", "avi": "video/x-msvideo", "webm": "video/webm",
	"mkv": "video/x-matroska", "flv": "video/x-flv", "wmv": "video/x-ms-wmv", "mpeg": "video/mpeg", "mpg": "video/mpeg",
	"m4v": "video/mp4", "mp3": "audio/mpeg", "wav": "audio/wav", "aac": "audio/aac", "flac": "audio/flac",
	"ogg": "audio/ogg", "m4a": "audio/mp4", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
	"gif": "image/gif", "webp": "image/webp", "bmp": "image/bmp", "tiff": "image/tiff", "tif": "image/tiff",
	"zip": "application/zip",
}

// extOf is the lower-case extension of a file name, without the dot.
func extOf(name string) string {
	return strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
}

// probe reads the committed media of a and fills its facts, deciding its
// final status: media the mock cannot read becomes FAILED with a cause.
func probe(a *Asset, f *os.File) {
	a.Final, a.Cause = StatusSuccess, ""
	kind, ok := kinds[a.Ext]
	if !ok {
		kind = sniffKind(f)
	}
	if kind == "" {
		a.Kind, a.Final, a.Cause = KindVideo, StatusFailed, "unsupported file type"
		return
	}
	a.Kind = kind
	switch kind {
	case KindImage:
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			a.Final, a.Cause = StatusFailed, "unreadable image"
			return
		}
		if isTIFF(f) {
			return
		}
		_, _ = f.Seek(0, io.SeekStart)
		info, err := media.ProbeImage(f)
		if err != nil {
			a.Final, a.Cause = StatusFailed, "unreadable image: "+err.Error()
			return
		}
		a.Width, a.Height = info.Width, info.Height
	case KindVideo, KindAudio:
		info, err := media.ProbeVideo(f, a.Size)
		if err == nil {
			a.Duration, a.Width, a.Height, a.FPS = info.Duration, info.Width, info.Height, info.FPS
			a.VideoCodec, a.AudioCodec, a.HasAudio = info.VideoCodec, info.AudioCodec, info.HasAudio
			if kind == KindAudio {
				a.HasAudio = true
			}
			return
		}
		if kind == KindAudio {
			if d, ok := probeAudio(f, a.Size, a.Ext); ok {
				a.Duration, a.HasAudio = d, true
				return
			}
		}
		a.Final, a.Cause = StatusFailed, "unreadable media: "+err.Error()
	}
}

// sniffKind guesses a file's kind from its first bytes (no extension).
func sniffKind(f *os.File) string {
	var head [16]byte
	n, _ := f.ReadAt(head[:], 0)
	b := head[:n]
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}), bytes.HasPrefix(b, []byte("\x89PNG")),
		bytes.HasPrefix(b, []byte("GIF8")), bytes.HasPrefix(b, []byte("BM")):
		return KindImage
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return KindImage
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return KindAudio
	case len(b) >= 8 && string(b[4:8]) == "ftyp", bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return KindVideo
	case bytes.HasPrefix(b, []byte("ID3")), bytes.HasPrefix(b, []byte("fLaC")), bytes.HasPrefix(b, []byte("OggS")):
		return KindAudio
	}
	return ""
}

func isTIFF(f *os.File) bool {
	var head [4]byte
	n, _ := f.ReadAt(head[:], 0)
	return n == 4 && (string(head[:]) == "II*\x00" || string(head[:]) == "MM\x00*")
}
