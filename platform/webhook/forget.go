package webhook

// Forget drops the logged and queued deliveries of account (a per-account
// reset), stops their retries and deletes them from the journal;
// deliveries of other accounts are untouched.
func (d *Deliverer) Forget(account string) {
	keep := func(list []*Delivery) []*Delivery {
		out := list[:0]
		for _, x := range list {
			if x.Account != account {
				out = append(out, x)
			} else {
				x.dropped = true
			}
		}
		clear(list[len(out):])
		return out
	}
	d.mu.Lock()
	d.log, d.queue = keep(d.log), keep(d.queue)
	d.mu.Unlock()
	if d.o.Store != nil {
		d.unjournal(func(r journalRecord) bool { return r.Account == account })
	}
}
