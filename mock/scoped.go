package mock

import (
	"errors"
	"time"

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
	if s.v2 != nil {
		// Its v2 assets and tasks too: a running task stops, sends no
		// callback and writes no record back.
		s.v2.ForgetAccount(account)
	}
	if rec := s.records(); rec != nil {
		for _, v := range videos {
			_ = rec.DeleteRecord(recFixtureContent, v.No)
		}
	}
	s.p.ResetAccount(key)
	s.stubs.ForgetKey(key)
	if ms := s.memSync(); ms != nil {
		ms.ForgetKey(key)
	}
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

// AdvanceAccount moves time forward for one account only
// (POST /_mock/clock/advance?api_key=K): its videos still processing and
// its scraper tasks still downloading come d closer to done, and whatever
// becomes due completes (with its callbacks), while every other account's
// work keeps its pace. The mock's clock itself does not move, so a test can
// fast-forward its own uploads without disturbing tests beside it. With d
// of a minute or more the account's rate-limit buckets refill too (every
// bucket refills within a minute). It returns how many videos and tasks it
// moved.
func (s *Server) AdvanceAccount(key string, d time.Duration) int {
	account := s.p.Accounts.Resolve(key)
	now := s.clk.Now()
	moved := 0
	s.life.mu.Lock()
	var pending []*store.Video
	s.store.EachVideo(func(v *store.Video) bool {
		if v.Account == account && v.Status == store.StatusUnparse && !v.ReadyAt.Equal(farFuture) {
			pending = append(pending, v)
		}
		return true
	})
	for _, v := range pending {
		v.ReadyAt = v.ReadyAt.Add(-d)
		if err := s.store.PutVideo(v); err == nil {
			moved++
		}
	}
	for _, t := range s.store.DueTasks(now.Add(d)) {
		if t.Account != account || !t.DownloadedAt.After(now) {
			continue
		}
		t.DownloadedAt = t.DownloadedAt.Add(-d)
		if err := s.store.PutTask(t); err == nil {
			moved++
		}
	}
	s.life.mu.Unlock()
	s.Tick()
	if d >= time.Minute {
		s.p.Limiter.Forget(account)
	}
	return moved
}
