package platform

import (
	"sync"

	"github.com/memharness/memharness/platform/limits"
)

// scopedFaults holds the fault configurations set for one account
// (PUT /_mock/faults?api_key=K): they apply to that account's requests
// instead of the global configuration, so a test can break an operation
// for itself without breaking it for tests running beside it.
type scopedFaults struct {
	mu   sync.RWMutex
	seed int64
	by   map[string]*limits.Faults
}

func (s *scopedFaults) get(account string) *limits.Faults {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.by[account]
}

func (s *scopedFaults) set(account string, specs map[string]limits.FaultSpec) error {
	f := limits.NewFaults(s.seed)
	if err := f.Set(specs); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.by == nil {
		s.by = map[string]*limits.Faults{}
	}
	if len(specs) == 0 {
		delete(s.by, account)
		return nil
	}
	s.by[account] = f
	return nil
}

func (s *scopedFaults) forget(account string) {
	s.mu.Lock()
	delete(s.by, account)
	s.mu.Unlock()
}

func (s *scopedFaults) reset() {
	s.mu.Lock()
	s.by = nil
	s.mu.Unlock()
}

// faultsFor returns the fault configuration that applies to account: its
// own when one was set, else the global one.
func (p *Platform) faultsFor(account string) *limits.Faults {
	if account != "" {
		if f := p.scoped.get(account); f != nil {
			return f
		}
	}
	return p.Faults
}

// SetAccountFaults replaces the fault configuration of the account key
// belongs to (an empty map removes it, and the global one applies again).
// Invalid specs leave the configuration unchanged.
func (p *Platform) SetAccountFaults(key string, specs map[string]limits.FaultSpec) error {
	return p.scoped.set(p.Accounts.Resolve(key), specs)
}

// AccountFaults returns the fault configuration that applies to the
// account key belongs to, and whether it is the account's own.
func (p *Platform) AccountFaults(key string) (map[string]limits.FaultSpec, bool) {
	if f := p.scoped.get(p.Accounts.Resolve(key)); f != nil {
		return f.Get(), true
	}
	return p.Faults.Get(), false
}

// ResetAccount forgets what the shared layer holds for the account key
// belongs to: balance and ledger, rate-limit buckets, journal entries,
// callback deliveries, faults and key links. Other accounts are untouched.
// It returns the account that was reset. Surfaces forget their own records
// (the library) themselves.
func (p *Platform) ResetAccount(key string) string {
	account := p.Accounts.Resolve(key)
	keys := p.Accounts.Keys(key)
	for _, k := range append(keys, key, account) {
		p.Ledger.Forget(k)
		p.Journal.ForgetKey(k)
	}
	p.Limiter.Forget(account)
	p.Webhooks.Forget(account)
	p.scoped.forget(account)
	p.Accounts.Forget(key)
	return account
}
