package mock

import (
	"io"

	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/v2"
)

// initV2 builds the Visual Intelligence v2 surface on this server's
// platform layer and store, so an account is one account on v1 and v2.
func (s *Server) initV2() error {
	if s.opts.DisableV2 {
		return nil
	}
	sf, err := v2.New(v2.Options{
		Platform: s.p, Store: s.store.(v2Store), Seed: s.opts.Seed, APIKeys: s.opts.APIKeys,
		StringCodes: s.opts.V2StringCodes, LimitStatus: s.opts.V2LimitStatus,
		UploadTime: s.opts.V2UploadTime, TaskTime: s.opts.V2TaskTime, MaxUploadBytes: s.opts.MaxUploadBytes,
		Blobs: v1Blobs{s}, Logger: s.opts.Logger, StreamKnobs: s.knobs, CallbackHosts: s.opts.CallbackHosts, StreamsOff: s.opts.StreamsOff,
		MaxStreams: s.opts.MaxStreams,
		// The searching agent searches the same public library as v1.
		PublicLibrarySize: s.opts.PublicLibrarySize,
	})
	if err != nil {
		return err
	}
	s.v2 = sf
	return nil
}

// v2Store is what the v2 surface needs of the store: media bytes and a
// records area.
type v2Store interface {
	Media() store.Media
	store.Records
}

// V2 is the v2 surface (nil when disabled).
func (s *Server) V2() *v2.Surface { return s.v2 }

// v1Blobs lets v2's GET /download?bucket=&blob= serve a v1 video of the
// caller's account by its number, as v1 search results hand out
// video_bucket/video_blob.
type v1Blobs struct{ s *Server }

func (b v1Blobs) Blob(account, id string) (v2.Blob, bool) {
	v, err := b.s.store.GetVideo(account, "default", id)
	if err != nil || v.MediaKey == "" || v.Status != store.StatusParse {
		return v2.Blob{}, false
	}
	media := b.s.store.Media()
	key := v.MediaKey
	return v2.Blob{Size: v.Size, Name: v.Name, ContentType: "video/mp4",
		Open: func() (io.ReadCloser, error) { return media.Open(key) }}, true
}
