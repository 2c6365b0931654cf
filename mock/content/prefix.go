package content

import "strings"

// RemovePrefix drops every namespace whose name starts with prefix (all
// the namespaces of one account, for a per-account reset) and reports how
// many it dropped.
func (ix *Index) RemovePrefix(prefix string) int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := 0
	for name := range ix.ns {
		if strings.HasPrefix(name, prefix) {
			delete(ix.ns, name)
			n++
		}
	}
	return n
}
