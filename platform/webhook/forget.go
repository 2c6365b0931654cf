package webhook

// Forget drops the logged and queued deliveries of account (a per-account
// reset); deliveries of other accounts are untouched.
func (d *Deliverer) Forget(account string) {
	keep := func(list []*Delivery) []*Delivery {
		out := list[:0]
		for _, x := range list {
			if x.Account != account {
				out = append(out, x)
			}
		}
		clear(list[len(out):])
		return out
	}
	d.mu.Lock()
	d.log, d.queue = keep(d.log), keep(d.queue)
	d.mu.Unlock()
}
