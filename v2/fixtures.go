package v2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/memharness/memharness/mock/store"
	fixture "github.com/memharness/memharness/toolkit/fixtures"
)

// FixtureBatch is the v2 assets of a fixture manifest, ready to store:
// every file is already read into pending media and probed, and every id
// checked, so Store fails only on a disk error or an id taken in between.
// The mock's fixture loader (package mock) prepares a batch with the rest
// of the manifest and stores it only when everything else is valid.
type FixtureBatch struct {
	s      *Surface
	items  []fixtureAsset
	stored []*Asset
}

// fixtureAsset is one prepared asset and its uncommitted bytes (nil for a
// described asset).
type fixtureAsset struct {
	a       *Asset
	pending *store.Pending
}

// Len is the number of assets in the batch (0 for a nil batch).
func (b *FixtureBatch) Len() int {
	if b == nil {
		return 0
	}
	return len(b.items)
}

// PrepareFixtureAssets reads, stores as pending media and probes the v2
// assets of m, each under the account its api_key belongs to (linked
// keys share one library). Nothing is visible until Store; on an error
// nothing is left behind. Errors name the asset's file, line and field.
func (s *Surface) PrepareFixtureAssets(m fixture.Manifest) (*FixtureBatch, error) {
	b := &FixtureBatch{s: s}
	taken := map[string]bool{}
	for _, acc := range m.Accounts {
		account := s.p.Accounts.Resolve(acc.APIKey)
		for _, fa := range acc.Assets {
			it, err := s.prepareFixtureAsset(account, fa, taken)
			if err != nil {
				b.Undo()
				return nil, fmt.Errorf("%s: %s: %w", fa.Where, fa.Field, err)
			}
			taken[it.a.ID] = true
			b.items = append(b.items, it)
		}
	}
	return b, nil
}

// prepareFixtureAsset builds one asset as an upload would have left it.
func (s *Surface) prepareFixtureAsset(account string, fa fixture.Asset, taken map[string]bool) (fixtureAsset, error) {
	now := s.p.Clock.Now()
	name := strings.TrimSpace(fa.Name)
	if name == "" {
		name = filepath.Base(fa.File)
	}
	a := &Asset{ID: fa.AssetID, Account: account, Filename: name, Ext: extOf(name), Created: fa.CreatedTime()}
	switch {
	case a.ID == "":
		a.ID = s.newAssetID(func() string {
			for {
				if id := s.ids.asset(); !taken[id] {
					return id
				}
			}
		})
	case s.assets.exists(a.ID):
		return fixtureAsset{}, fmt.Errorf("asset_id %s already exists", a.ID)
	}
	if a.Created.IsZero() {
		a.Created = now
	}
	it := fixtureAsset{a: a}
	if fa.File != "" {
		f, err := os.Open(fa.Path())
		if err != nil {
			return fixtureAsset{}, fmt.Errorf("file: %w", err)
		}
		p, n, sum, err := store.Stream(s.o.Store.Media(), f)
		_ = f.Close()
		switch {
		case errors.Is(err, store.ErrTooLarge):
			return fixtureAsset{}, fmt.Errorf("file %s is larger than the upload limit", fa.File)
		case err != nil:
			return fixtureAsset{}, fmt.Errorf("file %s: %w", fa.File, err)
		}
		it.pending = p
		a.Size, a.SHA256 = n, sum
		// Probed exactly like an upload: media the mock cannot read is
		// FAILED with the probe's cause unless the fixture says otherwise.
		probe(a, p.File())
	} else {
		a.Kind = fa.Kind
		if a.Kind == "" {
			a.Kind = kinds[a.Ext]
		}
		if a.Kind == "" {
			if fa.Status != StatusFailed {
				return fixtureAsset{}, fmt.Errorf("kind: %q has no extension the upload page lists; give kind (video, audio or image) or a file", name)
			}
			a.Kind = KindVideo // what probe makes of an unsupported upload
		}
		a.Final = StatusSuccess
		a.Size, a.SHA256, a.Duration, a.Width, a.Height, a.FPS = fa.Size, fa.SHA256, fa.Duration, fa.Width, fa.Height, fa.FPS
		a.VideoCodec, a.AudioCodec, a.HasAudio = fa.VideoCodec, fa.AudioCodec, fa.HasAudio
	}
	a.ContentType = contentTypes[a.Ext]
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	switch fa.Status {
	case StatusFailed:
		a.Final, a.Cause = StatusFailed, fa.Cause
		if a.Cause == "" {
			a.Cause = "failed by the fixture"
		}
	case StatusSuccess:
		a.Final, a.Cause = StatusSuccess, ""
	}
	if fa.Status == StatusUploading {
		// The second half of an upload: UPLOADING from now, then final on
		// the clock, as POST /upload's asset would be.
		a.Uploading, a.Ready = now, now.Add(s.o.UploadTime/2)
	} else {
		done := fa.ModifiedTime()
		if done.IsZero() {
			done = a.Created
		}
		// Final at once, whatever the clock: the times are reported as
		// given even when they are after the mock's clock.
		a.Uploading, a.Ready, a.Settled = done, done, true
	}
	return it, nil
}

// Store commits the batch's bytes and makes its assets visible. On an
// error what it stored is removed again. A nil batch stores nothing.
func (b *FixtureBatch) Store() error {
	if b == nil {
		return nil
	}
	for i := range b.items {
		it := &b.items[i]
		if it.pending != nil {
			key, err := it.pending.Commit()
			it.pending = nil
			if err != nil {
				b.Undo()
				return err
			}
			it.a.MediaKey = key
		}
		if err := b.s.assets.putNew(it.a); err != nil {
			if it.a.MediaKey != "" {
				_ = b.s.o.Store.Media().Remove(it.a.MediaKey)
			}
			b.Undo()
			return err
		}
		b.stored = append(b.stored, it.a)
	}
	return nil
}

// Undo removes the assets Store stored and drops the bytes not yet
// committed (a later part of the manifest failed). It may be called more
// than once, and on a nil batch.
func (b *FixtureBatch) Undo() {
	if b == nil {
		return
	}
	for i := range b.items {
		if p := b.items[i].pending; p != nil {
			_ = p.Abort()
			b.items[i].pending = nil
		}
	}
	for _, a := range b.stored {
		_ = b.s.assets.remove(a.Account, a.ID)
	}
	b.stored = nil
}

// errAssetTaken is putNew's refusal of an id already stored.
var errAssetTaken = errors.New("v2: asset id already exists")

// putNew is put for an id that must not exist yet.
func (s *assetStore) putNew(a *Asset) error {
	s.mu.RLock()
	_, ok := s.assets[a.ID]
	s.mu.RUnlock()
	if ok {
		return fmt.Errorf("%w: %s", errAssetTaken, a.ID)
	}
	return s.put(a)
}

// ExportFixtureAssets lists the uploaded assets of account in the fixture
// format, oldest first. Like the v1 export of videos it writes what the
// API reports rather than the bytes: the name, status, times, kind, size,
// SHA-256 and probed facts, without a file, so the export loads back as
// the same described assets. Frame groups and frames (derived from an
// asset) and signed-URL assets still waiting for their bytes are left out;
// an asset in its upload window is written as UPLOADING.
func (s *Surface) ExportFixtureAssets(account string) []fixture.Asset {
	now := s.p.Clock.Now()
	var out []fixture.Asset
	for _, a := range s.assets.list(account) {
		if a.Kind == KindGroup || a.Kind == KindFrame || a.Final == "" {
			continue
		}
		fa := fixture.Asset{AssetID: a.ID, Name: a.Filename, Status: a.Status(now), Created: rfc3339(a.Created),
			Kind: a.Kind, Size: a.Size, SHA256: a.SHA256, Duration: a.Duration, Width: a.Width, Height: a.Height,
			FPS: a.FPS, VideoCodec: a.VideoCodec, AudioCodec: a.AudioCodec, HasAudio: a.HasAudio}
		switch fa.Status {
		case StatusWaiting, StatusUploading:
			fa.Status = StatusUploading
		case StatusFailed:
			fa.Cause = a.Cause
		}
		// Compared as written: times are kept to the second.
		if m := rfc3339(a.Ready); fa.Status != StatusUploading && m != fa.Created {
			fa.Modified = m
		}
		out = append(out, fa)
	}
	return out
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
