// Package limits is the "limits and money" layer of the mock: per-account,
// per-interface rate limits (the vendor's `0429`), a credit ledger priced
// from the vendor's pricing page (the vendor's `0402`), and deterministic
// fault injection (latency, HTTP 500s, "network abnormal", connection resets,
// slow bodies) plus the per-request X-Mock-Force header.
//
// It is a pure library: it never writes HTTP responses. The request pipeline
// asks it three questions per request, in this order:
//
//	d := limiter.Allow(account, opID)         // !d.Allowed -> code 0429
//	c, metered := limits.CostOf(opID, q)
//	if metered { err = ledger.Check/Charge }   // ErrInsufficientBalance -> 0402
//	f := faults.Decide(opID, seq)             // sleep f.Delay, then fail/reset/slow
//
// Time always comes from an injected clock.Clock, so tests drive it by hand
// and the whole layer is deterministic under a fake clock and a fixed seed.
//
// # Credits
//
// One credit is worth US$0.01 (see CreditUSD); a new account starts with the
// free credits given to NewLedger (the vendor's pricing page says 100). The
// ledger keeps balances as exact integer micro-credits (1 credit =
// 1,000,000 µcr) so long runs of tiny charges (a search costs 0.01 credit)
// never drift; reports expose credits as float64. The full price list is
// returned by Prices.
package limits
