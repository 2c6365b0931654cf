// Package accounts maps API keys to accounts. Every distinct key is its own
// account by default (DESIGN.md); keys can be linked so that several keys
// are one account, and an account is one account across v1 and v2: all its
// keys share the library, the rate limits and the credits (V2_SURFACE §5).
// The directory also holds each account's webhook URL, the one the v2
// console sets for every async task.
package accounts

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrKeyTaken is returned by Link for a key that already belongs to another
// account (one key is never two accounts).
var ErrKeyTaken = errors.New("accounts: key already belongs to another account")

// Directory resolves keys to account ids; safe for concurrent use. The
// account id of an unlinked key is the key itself, so the common case costs
// one atomic load.
type Directory struct {
	linked atomic.Bool

	mu       sync.RWMutex
	owner    map[string]string // key -> account id, linked keys only
	webhooks map[string]string // account id -> webhook URL
	fallback string            // default webhook for every account
}

// New returns a directory; defaultWebhook (may be empty) is the webhook of
// every account that has not set its own.
func New(defaultWebhook string) *Directory {
	return &Directory{owner: map[string]string{}, webhooks: map[string]string{}, fallback: strings.TrimSpace(defaultWebhook)}
}

// Resolve returns the account id of key.
func (d *Directory) Resolve(key string) string {
	if !d.linked.Load() {
		return key
	}
	d.mu.RLock()
	id, ok := d.owner[key]
	d.mu.RUnlock()
	if ok {
		return id
	}
	return key
}

// Link makes every key in keys a key of the account that owner resolves to.
// Linking a key already linked elsewhere is ErrKeyTaken; re-linking to the
// same account is a no-op.
func (d *Directory) Link(owner string, keys ...string) (account string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	account = owner
	if id, ok := d.owner[owner]; ok {
		account = id
	}
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || k == account {
			continue
		}
		if id, ok := d.owner[k]; ok && id != account {
			return account, ErrKeyTaken
		}
	}
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || k == account {
			continue
		}
		d.owner[k] = account
	}
	d.linked.Store(len(d.owner) > 0)
	return account, nil
}

// Keys returns the keys of the account key belongs to, the account's own
// id first.
func (d *Directory) Keys(key string) []string {
	account := d.Resolve(key)
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []string
	for k, id := range d.owner {
		if id == account {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return append([]string{account}, out...)
}

// SetWebhook sets (or, with an empty url, clears) the webhook of the
// account key belongs to.
func (d *Directory) SetWebhook(key, url string) {
	account := d.Resolve(key)
	url = strings.TrimSpace(url)
	d.mu.Lock()
	if url == "" {
		delete(d.webhooks, account)
	} else {
		d.webhooks[account] = url
	}
	d.mu.Unlock()
}

// Webhook returns the webhook URL of the account key belongs to: its own,
// else the default, else "".
func (d *Directory) Webhook(key string) string {
	account := d.Resolve(key)
	d.mu.RLock()
	defer d.mu.RUnlock()
	if u, ok := d.webhooks[account]; ok {
		return u
	}
	return d.fallback
}

// Forget removes the links and webhook of the account key belongs to (a
// per-account reset).
func (d *Directory) Forget(key string) {
	account := d.Resolve(key)
	d.mu.Lock()
	for k, id := range d.owner {
		if id == account {
			delete(d.owner, k)
		}
	}
	delete(d.webhooks, account)
	d.linked.Store(len(d.owner) > 0)
	d.mu.Unlock()
}

// Reset forgets every link and webhook (the default webhook stays).
func (d *Directory) Reset() {
	d.mu.Lock()
	d.owner = map[string]string{}
	d.webhooks = map[string]string{}
	d.linked.Store(false)
	d.mu.Unlock()
}

// KeyFromHeader is the API key an Authorization header carries. The vendor
// documents the raw key; some clients (the OpenAI SDK always) send
// "Bearer <key>", which every surface tolerates.
func KeyFromHeader(h string) string {
	key := strings.TrimSpace(h)
	if len(key) > 7 && strings.EqualFold(key[:7], "bearer ") {
		key = strings.TrimSpace(key[7:])
	}
	return key
}

// Allowed reports whether key may call when only the keys in list are
// accepted (an empty list accepts any non-empty key).
func Allowed(list []string, key string) bool {
	if key == "" {
		return false
	}
	if len(list) == 0 {
		return true
	}
	for _, k := range list {
		if k == key {
			return true
		}
	}
	return false
}
