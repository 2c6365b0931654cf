package v2

import (
	"maps"
	"slices"
)

// AssetAccounts lists the accounts that hold assets, sorted (for the
// dashboard, which lists accounts before their libraries).
func (s *Surface) AssetAccounts() []string {
	s.assets.mu.RLock()
	set := map[string]bool{}
	for _, a := range s.assets.assets {
		set[a.Account] = true
	}
	s.assets.mu.RUnlock()
	return slices.Sorted(maps.Keys(set))
}

// Asset returns a copy of one asset by id, in any account (dashboard).
func (s *Surface) Asset(id string) (Asset, bool) {
	s.assets.mu.RLock()
	defer s.assets.mu.RUnlock()
	a, ok := s.assets.assets[id]
	if !ok {
		return Asset{}, false
	}
	return *a, true
}
