package mock

import (
	"errors"

	"github.com/memharness/memharness/mock/store"
)

// ResetAccount forgets one account, as POST /_mock/reset?api_key=K does:
// its videos, images, sessions, tasks, memories, folders and media files,
// its balance and ledger, rate-limit buckets, journal entries, callback
// deliveries, faults and key links. Other accounts are untouched, so
// tests running in parallel against one mock can each start clean.
func (s *Server) ResetAccount(key string) error {
	rs, ok := s.store.(store.AccountResetter)
	if !ok {
		return errors.New("this store cannot reset one account")
	}
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	account := s.p.Accounts.Resolve(key)
	videos, images, err := rs.ResetAccount(account)
	if err != nil {
		return err
	}
	s.world.forgetAccount(account, videos, images)
	s.p.ResetAccount(key)
	s.stubs.ForgetKey(key)
	return nil
}

// forgetAccount drops an account's content models and index entries.
func (w *world) forgetAccount(account string, videos []*store.Video, images []*store.Image) {
	prefix := nsKey(account, "")
	w.mu.Lock()
	for _, v := range videos {
		delete(w.contents, v.No)
		delete(w.fixed, v.No)
	}
	for _, im := range images {
		delete(w.images, im.ID)
	}
	ix, mem := w.index, w.memories
	w.mu.Unlock()
	ix.RemovePrefix(prefix)
	mem.RemovePrefix(prefix)
}
