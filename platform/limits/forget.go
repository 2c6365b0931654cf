package limits

// Forget drops the buckets of account, so it starts full again while the
// other accounts keep theirs (a per-account reset).
func (l *Limiter) Forget(account string) {
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		for k := range s.m {
			if k.account == account {
				delete(s.m, k)
			}
		}
		s.mu.Unlock()
	}
}

// Forget drops account from memory: its next request starts it again with
// the free credits (a per-account reset). A saved state is the caller's to
// delete, as with Reset.
func (l *Ledger) Forget(account string) {
	s := l.shard(account)
	s.mu.Lock()
	delete(s.m, account)
	s.mu.Unlock()
	l.dirtyMu.Lock()
	delete(l.dirty, account)
	l.dirtyMu.Unlock()
}
