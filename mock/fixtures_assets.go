package mock

import (
	"fmt"

	fixture "github.com/memharness/memharness/toolkit/fixtures"
	"github.com/memharness/memharness/v2"
)

// assetFixtures is what the fixture loader and export need of the v2
// surface: its side of a manifest's per-account `assets`. Package v2's
// *Surface implements it; v2 knows nothing of this package (the mock is
// the composition root).
type assetFixtures interface {
	// PrepareFixtureAssets reads and probes a manifest's assets without
	// making them visible; the batch is stored or undone with the rest.
	PrepareFixtureAssets(fixture.Manifest) (*v2.FixtureBatch, error)
	// ExportFixtureAssets lists an account's assets in the fixture format.
	ExportFixtureAssets(account string) []fixture.Asset
}

var _ assetFixtures = (*v2.Surface)(nil)

// assetFixtureSide is the v2 surface as assetFixtures (nil with --v2 off).
func (s *Server) assetFixtureSide() assetFixtures {
	if s.v2 == nil {
		return nil
	}
	return s.v2
}

// prepareAssets prepares the manifest's v2 assets (nil when it has none).
func (s *Server) prepareAssets(m fixture.Manifest) (*v2.FixtureBatch, error) {
	if !m.HasAssets() {
		return nil, nil
	}
	side := s.assetFixtureSide()
	if side == nil {
		for _, a := range m.Accounts {
			for _, as := range a.Assets {
				return nil, fmt.Errorf("%s: %s: v2 assets, but the v2 surface is disabled (--v2 off)", as.Where, as.Field)
			}
		}
	}
	return side.PrepareFixtureAssets(m)
}

// exportAssets is the account's v2 assets in the fixture format.
func (s *Server) exportAssets(account string) []fixture.Asset {
	if side := s.assetFixtureSide(); side != nil {
		return side.ExportFixtureAssets(account)
	}
	return nil
}
