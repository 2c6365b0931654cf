package limits

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

func TestLedgerFreeCreditsAndCharge(t *testing.T) {
	clk := clock.NewFake(time.Time{})
	l := NewLedger(100, clk, nil)
	if b := l.Balance("k"); b != 100 {
		t.Fatalf("new account balance %v", b)
	}
	if len(l.Accounts()) != 0 {
		t.Fatal("Balance must not create the account")
	}
	c, _ := CostOf("search", Quantity{})
	if err := l.Charge("k", c); err != nil {
		t.Fatal(err)
	}
	if b := l.Balance("k"); b != 99.99 {
		t.Fatalf("balance %v, want 99.99", b)
	}
	es := l.Entries("k")
	if len(es) != 1 || es[0].Operation != "search" || es[0].Credits != 0.01 || es[0].BalanceAfter != 99.99 || !es[0].Time.Equal(clk.Now()) {
		t.Fatalf("entries %+v", es)
	}
	if u := l.Usage("k"); u["search"] != 0.01 {
		t.Fatalf("usage %v", u)
	}
}

func TestLedgerInsufficientBalance(t *testing.T) {
	l := NewLedger(1, clock.NewFake(time.Time{}), nil)
	big := NewCharge("chat", UnitToken, 1e6, 1.5)
	if err := l.Check("k", big); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("Check: %v", err)
	}
	if err := l.Charge("k", big); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("Charge: %v", err)
	}
	if b := l.Balance("k"); b != 1 {
		t.Fatalf("balance changed to %v", b)
	}
	if len(l.Entries("k")) != 0 {
		t.Fatal("refused charge recorded")
	}
	exact := NewCharge("chat", UnitToken, 1, 1)
	if err := l.Charge("k", exact); err != nil {
		t.Fatalf("charge of exactly the balance: %v", err)
	}
	// An empty account refuses even a metered call of unknown size.
	zero, _ := CostOf("chat", Quantity{})
	if err := l.Check("k", zero); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("empty account Check: %v", err)
	}
	if err := l.Charge("k", zero); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("empty account Charge: %v", err)
	}
	// Top-up resumes service and is visible in the ledger.
	l.SetBalance("k", 5)
	if err := l.Check("k", zero); err != nil {
		t.Fatal(err)
	}
	es := l.Entries("k")
	last := es[len(es)-1]
	if last.Operation != OpAdjust || last.Credits != -5 || last.BalanceAfter != 5 {
		t.Fatalf("adjust entry %+v", last)
	}
	if u := l.Usage("k"); u[OpAdjust] != 0 || u["chat"] != 1 {
		t.Fatalf("usage %v", u)
	}
}

func TestLedgerDebitGoesNegative(t *testing.T) {
	l := NewLedger(0.001, clock.NewFake(time.Time{}), nil)
	c, _ := CostOf("chat_stream", Quantity{Tokens: 1000}) // 0.03 credits
	e := l.Debit("k", c)
	if e.BalanceAfter != -0.029 || l.Balance("k") != -0.029 {
		t.Fatalf("entry %+v balance %v", e, l.Balance("k"))
	}
	if err := l.Check("k", Charge{Operation: "search"}); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatal("negative account must be refused")
	}
}

func TestLedgerCreditsOff(t *testing.T) {
	l := NewLedger(0, clock.NewFake(time.Time{}), nil)
	l.SetEnabled(false)
	c, _ := CostOf("download", Quantity{Bytes: 5e9})
	if err := l.Check("k", c); err != nil {
		t.Fatal(err)
	}
	if err := l.Charge("k", c); err != nil {
		t.Fatal(err)
	}
	if e := l.Debit("k", c); e != (Entry{}) {
		t.Fatal("Debit recorded while off")
	}
	if len(l.Entries("k")) != 0 || l.Balance("k") != 0 {
		t.Fatal("credits off must record nothing")
	}
	l.SetEnabled(true)
	if err := l.Charge("k", c); !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("back on: %v", err)
	}
}

// Random charges from many goroutines: the sum of recorded entries equals the
// balance change exactly, refused charges leave no trace, and the balance
// never goes below zero.
func TestLedgerExactUnderConcurrency(t *testing.T) {
	const (
		workers = 16
		each    = 60 // 960 entries per account, under MaxEntries
	)
	l := NewLedger(100, clock.NewFake(time.Time{}), nil)
	accounts := []string{"a", "b", "c"}
	ops := []string{"search", "chat", "marketer_chat", "download", "get_video_transcription", OpIndex}
	var wg sync.WaitGroup
	var mu sync.Mutex
	okMicros := map[string]int64{}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; i < each; i++ {
				acct := accounts[r.IntN(len(accounts))]
				op := ops[r.IntN(len(ops))]
				c, _ := CostOf(op, Quantity{Queries: 1 + r.IntN(3), Tokens: r.Int64N(200_000), Bytes: r.Int64N(2e8), MediaSeconds: r.Float64() * 600})
				if err := l.Charge(acct, c); err == nil {
					mu.Lock()
					okMicros[acct] += c.Micros()
					mu.Unlock()
				} else if !errors.Is(err, ErrInsufficientBalance) {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	for _, acct := range accounts {
		st, ok := l.State(acct)
		if !ok {
			continue
		}
		var sum int64
		for _, e := range st.Entries {
			sum += creditsToMicros(e.Credits)
		}
		change := 100*MicrosPerCredit - st.BalanceMicros
		if sum != change || sum != okMicros[acct] || st.SpentMicros != sum {
			t.Errorf("%s: entries sum %d, balance change %d, accepted %d, spent %d", acct, sum, change, okMicros[acct], st.SpentMicros)
		}
		var usage int64
		for _, m := range st.UsageMicros {
			usage += m
		}
		if usage != sum {
			t.Errorf("%s: usage %d != %d", acct, usage, sum)
		}
		if st.BalanceMicros < 0 {
			t.Errorf("%s went negative: %d", acct, st.BalanceMicros)
		}
		for i := 1; i < len(st.Entries); i++ {
			prev, cur := st.Entries[i-1], st.Entries[i]
			if creditsToMicros(prev.BalanceAfter)-creditsToMicros(cur.Credits) != creditsToMicros(cur.BalanceAfter) {
				t.Fatalf("%s: entry %d does not follow from %d", acct, i, i-1)
			}
		}
	}
}

func TestLedgerEntriesBounded(t *testing.T) {
	l := NewLedger(1000, clock.NewFake(time.Time{}), nil)
	c, _ := CostOf("search", Quantity{})
	for i := 0; i < 2500; i++ {
		if err := l.Charge("k", c); err != nil {
			t.Fatal(err)
		}
	}
	es := l.Entries("k")
	if len(es) != MaxEntries {
		t.Fatalf("%d entries", len(es))
	}
	if es[len(es)-1].BalanceAfter != 975 || es[0].BalanceAfter != 1000-0.01*1501 {
		t.Fatalf("oldest %+v newest %+v", es[0], es[len(es)-1])
	}
	st, _ := l.State("k")
	if st.EntryCount != 2500 || st.SpentMicros != 25*MicrosPerCredit || l.Usage("k")["search"] != 25 {
		t.Fatalf("totals %+v", st.SpentMicros)
	}
}

type memPersister struct {
	mu     sync.Mutex
	saved  map[string]AccountState
	fail   error
	saves  int
	notify chan string
}

func (m *memPersister) SaveAccount(key string, st AccountState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.saves++
	m.saved[key] = st
	if m.notify != nil {
		select {
		case m.notify <- key:
		default:
		}
	}
	return nil
}

func (m *memPersister) LoadAccounts() (map[string]AccountState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	out := map[string]AccountState{}
	for k, v := range m.saved {
		out[k] = v
	}
	return out, nil
}

func TestLedgerPersistence(t *testing.T) {
	p := &memPersister{saved: map[string]AccountState{}}
	clk := clock.NewFake(time.Time{})
	l, err := OpenLedger(100, clk, p)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := CostOf("chat", Quantity{Tokens: 12345})
	for i := 0; i < 3; i++ {
		if err := l.Charge("k", c); err != nil {
			t.Fatal(err)
		}
	}
	l.SetBalance("other", 7)
	if p.saves != 0 {
		t.Fatal("the ledger writes behind; nothing saved before Flush")
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if p.saves != 2 {
		t.Fatalf("%d saves, want 2", p.saves)
	}
	if err := l.Flush(); err != nil || p.saves != 2 {
		t.Fatalf("clean accounts re-saved: %v %d", err, p.saves)
	}

	// A failing store keeps the account queued.
	l.Charge("k", c)
	p.fail = errors.New("disk full")
	if err := l.Flush(); err == nil {
		t.Fatal("flush error swallowed")
	}
	p.fail = nil
	if err := l.Flush(); err != nil || p.saves != 3 {
		t.Fatalf("retry: %v %d", err, p.saves)
	}

	// Restart.
	l2, err := OpenLedger(100, clk, p)
	if err != nil {
		t.Fatal(err)
	}
	if l2.Balance("k") != l.Balance("k") || l2.Balance("other") != 7 {
		t.Fatalf("after restart %v/%v, want %v/7", l2.Balance("k"), l2.Balance("other"), l.Balance("k"))
	}
	if len(l2.Entries("k")) != 4 || l2.Usage("k")["chat"] != l.Usage("k")["chat"] {
		t.Fatalf("entries %d usage %v", len(l2.Entries("k")), l2.Usage("k"))
	}
	if err := l2.Charge("k", c); err != nil || len(l2.Entries("k")) != 5 {
		t.Fatal("charging a restored account")
	}

	p.fail = errors.New("corrupt")
	if _, err := OpenLedger(100, clk, p); err == nil {
		t.Fatal("load error swallowed")
	}
	if l3 := NewLedger(100, clk, p); l3.LoadErr() == nil {
		t.Fatal("LoadErr")
	}
}

func TestLedgerFlusher(t *testing.T) {
	p := &memPersister{saved: map[string]AccountState{}}
	clk := clock.NewFake(time.Time{})
	l := NewLedger(100, clk, p)
	p.notify = make(chan string, 16)
	stop := l.StartFlusher(time.Second)
	l.SetBalance("k", 3)
	deadline := time.After(10 * time.Second)
	for saved := false; !saved; {
		// Advance the fake clock until the flusher (which may not have
		// reached its wait yet) saves; each round waits on the save channel.
		clk.Advance(time.Second)
		select {
		case <-p.notify:
			saved = true
		case <-deadline:
			t.Fatal("flusher never saved")
		case <-time.After(5 * time.Millisecond):
		}
	}
	l.SetBalance("k", 4)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if p.saved["k"].Balance() != 4 {
		t.Fatalf("final flush: %v", p.saved["k"].Balance())
	}
}

func TestLedgerResetAndAccounts(t *testing.T) {
	l := NewLedger(100, clock.NewFake(time.Time{}), nil)
	for i := 0; i < 5; i++ {
		l.SetBalance(fmt.Sprintf("k%d", i), 1)
	}
	if got := l.Accounts(); len(got) != 5 || got[0] != "k0" {
		t.Fatalf("%v", got)
	}
	l.Reset()
	if len(l.Accounts()) != 0 || l.Balance("k0") != 100 {
		t.Fatal("reset")
	}
}

func TestLedgerNegativeChargeIsNotARefund(t *testing.T) {
	l := NewLedger(10, clock.NewFake(time.Time{}), nil)
	if err := l.Charge("k", NewCharge("x", UnitCredit, 1, -5)); err != nil {
		t.Fatal(err)
	}
	l.Debit("k", NewCharge("x", UnitCredit, 1, -5))
	if b := l.Balance("k"); b != 10 {
		t.Fatalf("balance %v", b)
	}
}
