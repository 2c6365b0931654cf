package limits

import (
	"errors"
	"fmt"
	"hash/maphash"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

// ErrInsufficientBalance means the account cannot pay: the pipeline answers
// code 0402.
var ErrInsufficientBalance = errors.New("limits: insufficient balance")

// MaxEntries is how many ledger entries an account keeps (the newest);
// balances and usage totals stay exact regardless.
const MaxEntries = 1000

// OpAdjust is the Operation of the entry SetBalance records.
const OpAdjust = "adjust"

// Entry is one line of an account's ledger. Credits is the amount debited
// (negative for a top-up by SetBalance).
type Entry struct {
	Time         time.Time `json:"time"`
	Operation    string    `json:"operation"`
	Unit         string    `json:"unit"`
	Quantity     float64   `json:"quantity"`
	Credits      float64   `json:"credits"`
	BalanceAfter float64   `json:"balance_after"`
}

// AccountState is what a Persister stores per account. Amounts are exact
// integer micro-credits.
type AccountState struct {
	BalanceMicros int64            `json:"balance_micros"`
	SpentMicros   int64            `json:"spent_micros"`           // total charged, all time
	UsageMicros   map[string]int64 `json:"usage_micros,omitempty"` // per operation, all time
	EntryCount    int64            `json:"entry_count"`            // entries ever recorded
	Entries       []Entry          `json:"entries,omitempty"`      // newest MaxEntries, oldest first
	Created       time.Time        `json:"created"`
}

// Balance is BalanceMicros in credits.
func (s AccountState) Balance() float64 { return microsToCredits(s.BalanceMicros) }

// Persister stores account states so balances survive a restart. The ledger
// writes behind: changed accounts are saved by Flush (call it periodically,
// see StartFlusher, and at shutdown).
type Persister interface {
	SaveAccount(key string, st AccountState) error
	LoadAccounts() (map[string]AccountState, error)
}

type account struct {
	mu      sync.Mutex
	balance int64
	spent   int64
	usage   map[string]int64
	count   int64
	ring    []Entry // up to MaxEntries; ring[head] is the oldest once full
	head    int
	created time.Time
	dirty   bool
}

const ledgerShards = 32

type ledgerShard struct {
	mu sync.RWMutex
	m  map[string]*account
}

// Ledger keeps per-account credit balances and usage. It is safe for
// concurrent use.
type Ledger struct {
	free    int64
	clk     clock.Clock
	p       Persister
	enabled atomic.Bool
	seed    maphash.Seed
	shards  [ledgerShards]ledgerShard
	loadErr error

	dirtyMu sync.Mutex
	dirty   map[string]*account
	flushMu sync.Mutex
}

// NewLedger returns a ledger in which each new account starts with free
// credits, loading saved accounts from p when it is not nil (a load error
// leaves the ledger empty and is reported by LoadErr). Credits are enabled.
func NewLedger(free float64, clk clock.Clock, p Persister) *Ledger {
	l, _ := OpenLedger(free, clk, p)
	return l
}

// OpenLedger is NewLedger that also returns the load error.
func OpenLedger(free float64, clk clock.Clock, p Persister) (*Ledger, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	if free < 0 {
		free = 0
	}
	l := &Ledger{free: creditsToMicros(free), clk: clk, p: p, seed: maphash.MakeSeed(), dirty: map[string]*account{}}
	l.enabled.Store(true)
	for i := range l.shards {
		l.shards[i].m = map[string]*account{}
	}
	if p != nil {
		states, err := p.LoadAccounts()
		if err != nil {
			l.loadErr = fmt.Errorf("limits: load accounts: %w", err)
			return l, l.loadErr
		}
		for key, st := range states {
			a := &account{balance: st.BalanceMicros, spent: st.SpentMicros, count: st.EntryCount, created: st.Created, usage: map[string]int64{}}
			for op, m := range st.UsageMicros {
				a.usage[op] = m
			}
			ents := st.Entries
			if len(ents) > MaxEntries {
				ents = ents[len(ents)-MaxEntries:]
			}
			a.ring = append(make([]Entry, 0, len(ents)), ents...)
			l.shard(key).m[key] = a
		}
	}
	return l, nil
}

// LoadErr is the error of loading saved accounts, if any.
func (l *Ledger) LoadErr() error { return l.loadErr }

// SetEnabled switches credits on or off. Off, Check and Charge (and Debit)
// accept everything and record nothing.
func (l *Ledger) SetEnabled(on bool) { l.enabled.Store(on) }

// Enabled reports whether credits are enforced.
func (l *Ledger) Enabled() bool { return l.enabled.Load() }

// FreeCredits is the balance a new account starts with.
func (l *Ledger) FreeCredits() float64 { return microsToCredits(l.free) }

func (l *Ledger) shard(key string) *ledgerShard {
	return &l.shards[maphash.String(l.seed, key)%ledgerShards]
}

func (l *Ledger) lookup(key string) *account {
	s := l.shard(key)
	s.mu.RLock()
	a := s.m[key]
	s.mu.RUnlock()
	return a
}

// get returns the account, creating it with the free credits.
func (l *Ledger) get(key string) *account {
	if a := l.lookup(key); a != nil {
		return a
	}
	s := l.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.m[key]; a != nil {
		return a
	}
	a := &account{balance: l.free, usage: map[string]int64{}, created: l.clk.Now()}
	s.m[key] = a
	l.markDirty(key, a)
	return a
}

// markDirty queues a for the next Flush. Called with a.mu held, or before a
// is published.
func (l *Ledger) markDirty(key string, a *account) {
	if l.p == nil || a.dirty {
		return
	}
	a.dirty = true
	l.dirtyMu.Lock()
	l.dirty[key] = a
	l.dirtyMu.Unlock()
}

// Balance returns the account's balance in credits (the free credits for an
// account not seen yet; reading does not create it).
func (l *Ledger) Balance(account string) float64 {
	a := l.lookup(account)
	if a == nil {
		return microsToCredits(l.free)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return microsToCredits(a.balance)
}

func insufficient(balance, cost int64) bool { return balance <= 0 || balance < cost }

// Check reports ErrInsufficientBalance when the account cannot pay for c:
// its balance is below c's cost, or it is empty (zero or negative) — a
// metered call is refused on an empty account even when its size is not
// known yet. Nothing is debited. A nil error when credits are off.
func (l *Ledger) Check(account string, c Charge) error {
	if !l.Enabled() {
		return nil
	}
	var bal int64
	if a := l.lookup(account); a != nil {
		a.mu.Lock()
		bal = a.balance
		a.mu.Unlock()
	} else {
		bal = l.free
	}
	if insufficient(bal, c.Micros()) {
		return fmt.Errorf("%w: balance %.6f credits, cost %.6f", ErrInsufficientBalance, microsToCredits(bal), microsToCredits(c.Micros()))
	}
	return nil
}

// Charge atomically checks and debits c: on ErrInsufficientBalance nothing
// is debited or recorded. A zero-credit charge only checks. Negative amounts
// count as zero (refunds go through SetBalance).
func (l *Ledger) Charge(account string, c Charge) error {
	if !l.Enabled() {
		return nil
	}
	a := l.get(account)
	m := max(c.Micros(), 0)
	a.mu.Lock()
	if insufficient(a.balance, m) {
		bal := a.balance
		a.mu.Unlock()
		return fmt.Errorf("%w: balance %.6f credits, cost %.6f", ErrInsufficientBalance, microsToCredits(bal), microsToCredits(m))
	}
	if m != 0 {
		l.record(account, a, c, m)
	}
	a.mu.Unlock()
	return nil
}

// Debit records c unconditionally, letting the balance go to zero or below.
// It is for usage that has already happened and cannot be refused (tokens of
// a streamed answer, bytes of a finished download, indexing on PARSE); the
// next metered request of an account at or below zero then gets 0402, as the
// vendor pauses an exhausted account. Negative amounts count as zero.
func (l *Ledger) Debit(account string, c Charge) Entry {
	if !l.Enabled() {
		return Entry{}
	}
	a := l.get(account)
	m := max(c.Micros(), 0)
	a.mu.Lock()
	e := l.record(account, a, c, m)
	a.mu.Unlock()
	return e
}

// record appends an entry and updates totals. Called with a.mu held.
func (l *Ledger) record(key string, a *account, c Charge, m int64) Entry {
	a.balance -= m
	if c.Operation != OpAdjust {
		a.spent += m
		a.usage[c.Operation] += m
	}
	e := Entry{
		Time:         l.clk.Now(),
		Operation:    c.Operation,
		Unit:         c.Unit,
		Quantity:     c.Quantity,
		Credits:      microsToCredits(m),
		BalanceAfter: microsToCredits(a.balance),
	}
	a.count++
	if len(a.ring) < MaxEntries {
		a.ring = append(a.ring, e)
	} else {
		a.ring[a.head] = e
		a.head = (a.head + 1) % MaxEntries
	}
	l.markDirty(key, a)
	return e
}

// SetBalance sets the account's balance (creating the account) and records
// the difference as an OpAdjust entry. It works whether or not credits are
// enabled.
func (l *Ledger) SetBalance(account string, credits float64) {
	a := l.get(account)
	target := creditsToMicros(credits)
	a.mu.Lock()
	diff := a.balance - target
	l.record(account, a, Charge{Operation: OpAdjust, Unit: UnitCredit, Quantity: microsToCredits(-diff)}, diff)
	a.mu.Unlock()
}

// Entries returns the account's newest entries (at most MaxEntries), oldest
// first.
func (l *Ledger) Entries(account string) []Entry {
	a := l.lookup(account)
	if a == nil {
		return []Entry{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.entries()
}

func (a *account) entries() []Entry {
	out := make([]Entry, 0, len(a.ring))
	out = append(out, a.ring[a.head:]...)
	return append(out, a.ring[:a.head]...)
}

// Usage returns the credits spent per operation since the account was
// created (exact even when old entries were dropped; adjustments excluded).
func (l *Ledger) Usage(account string) map[string]float64 {
	out := map[string]float64{}
	a := l.lookup(account)
	if a == nil {
		return out
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for op, m := range a.usage {
		out[op] = microsToCredits(m)
	}
	return out
}

// State returns a snapshot of the account and whether it exists.
func (l *Ledger) State(account string) (AccountState, bool) {
	a := l.lookup(account)
	if a == nil {
		return AccountState{BalanceMicros: l.free, UsageMicros: map[string]int64{}}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state(), true
}

func (a *account) state() AccountState {
	u := make(map[string]int64, len(a.usage))
	for op, m := range a.usage {
		u[op] = m
	}
	return AccountState{BalanceMicros: a.balance, SpentMicros: a.spent, UsageMicros: u, EntryCount: a.count, Entries: a.entries(), Created: a.created}
}

// Accounts lists the known account keys, sorted.
func (l *Ledger) Accounts() []string {
	var out []string
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.RLock()
		for k := range s.m {
			out = append(out, k)
		}
		s.mu.RUnlock()
	}
	sort.Strings(out)
	return out
}

// Reset forgets every account in memory (the control plane's reset). Saved
// states are not deleted; the persistent store is the caller's to wipe.
func (l *Ledger) Reset() {
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		clear(s.m)
		s.mu.Unlock()
	}
	l.dirtyMu.Lock()
	clear(l.dirty)
	l.dirtyMu.Unlock()
}

// Flush saves every account changed since the last Flush. Accounts whose
// save fails stay queued; the errors are joined.
func (l *Ledger) Flush() error {
	if l.p == nil {
		return nil
	}
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	l.dirtyMu.Lock()
	batch := l.dirty
	l.dirty = make(map[string]*account, len(batch))
	l.dirtyMu.Unlock()

	keys := make([]string, 0, len(batch))
	for k := range batch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		a := batch[k]
		a.mu.Lock()
		st := a.state()
		a.dirty = false
		a.mu.Unlock()
		if err := l.p.SaveAccount(k, st); err != nil {
			errs = append(errs, fmt.Errorf("limits: save account %q: %w", k, err))
			a.mu.Lock()
			l.markDirty(k, a)
			a.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

// StartFlusher flushes every interval (on the ledger's clock) until the
// returned stop function is called; stop waits for the goroutine, flushes a
// last time and returns that flush's error.
func (l *Ledger) StartFlusher(every time.Duration) (stop func() error) {
	if every <= 0 {
		every = time.Second
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			select {
			case <-done:
				return
			case <-l.clk.After(every):
				_ = l.Flush() // failures stay queued and surface at stop
			}
		}
	}()
	var once sync.Once
	return func() error {
		once.Do(func() { close(done) })
		<-exited
		return l.Flush()
	}
}
