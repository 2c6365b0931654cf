package mock

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/memharness/memharness/mock/media"
	"github.com/memharness/memharness/mock/store"
	fixture "github.com/memharness/memharness/toolkit/fixtures"
)

// preparedImage is a fixture image ready to store.
type preparedImage struct {
	im    *store.Image
	media []byte
}

// prepareImage reads and probes a fixture image, as upload_img does.
func (s *Server) prepareImage(account string, fi fixture.Image) (preparedImage, error) {
	im := &store.Image{
		ID: fi.ID, Account: account, Namespace: fi.Namespace(), Name: fi.Name, Format: strings.ToLower(fi.Format),
		Width: fi.Width, Height: fi.Height, Tags: append([]string(nil), fi.Tags...), CameraModel: fi.CameraModel,
		CreatedAt: fi.CreatedTime(),
	}
	if im.ID == "" {
		im.ID = s.ids.number()
	} else if s.world.image(im.ID) != nil {
		return preparedImage{}, fmt.Errorf("image id %s already exists", im.ID)
	}
	if im.CreatedAt.IsZero() {
		im.CreatedAt = s.clk.Now()
	}
	if im.Name == "" {
		im.Name = baseName(fi.File)
	}
	pi := preparedImage{im: im}
	if fi.File != "" {
		raw, err := os.ReadFile(fi.Path())
		if err != nil {
			return preparedImage{}, fmt.Errorf("file: %w", err)
		}
		info, err := media.ProbeImage(bytes.NewReader(raw))
		if err != nil {
			return preparedImage{}, fmt.Errorf("file %s is not a supported image (jpg, png, gif, webp): %v", fi.File, err)
		}
		im.Format, im.Width, im.Height = info.Format, info.Width, info.Height
		im.PHash, im.DHash, im.Size = info.PerceptionHash, info.DifferenceHash, int64(len(raw))
		pi.media = raw
	}
	return pi, nil
}

// storeImage writes one prepared image and indexes it.
func (s *Server) storeImage(pi preparedImage) error {
	im := pi.im
	if pi.media != nil {
		p, err := s.store.Media().Create()
		if err != nil {
			return err
		}
		if _, err := p.Write(pi.media); err != nil {
			_ = p.Abort()
			return err
		}
		key, err := p.Commit()
		if err != nil {
			return err
		}
		im.MediaKey = key
	}
	if err := s.store.PutImage(im); err != nil {
		if im.MediaKey != "" {
			_ = s.store.Media().Remove(im.MediaKey)
		}
		return err
	}
	s.world.indexImage(im)
	return nil
}

// exportImages lists an account's images in the fixture format.
func (s *Server) exportImages(account, uniqueID string) []fixture.Image {
	var ims []*store.Image
	s.store.EachImage(func(im *store.Image) bool {
		if im.Account == account && (uniqueID == "" || im.Namespace == uniqueID) {
			ims = append(ims, im)
		}
		return true
	})
	sort.Slice(ims, func(i, j int) bool {
		if !ims[i].CreatedAt.Equal(ims[j].CreatedAt) {
			return ims[i].CreatedAt.Before(ims[j].CreatedAt)
		}
		return ims[i].ID < ims[j].ID
	})
	var out []fixture.Image
	for _, im := range ims {
		out = append(out, fixture.Image{UniqueID: im.Namespace, ID: im.ID, Name: im.Name, Format: im.Format,
			Width: im.Width, Height: im.Height, Tags: append([]string(nil), im.Tags...), CameraModel: im.CameraModel,
			Created: im.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00")})
	}
	return out
}
