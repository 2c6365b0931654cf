package store

import (
	"strings"

	bolt "go.etcd.io/bbolt"
)

// AccountResetter is implemented by stores that can forget one account
// without touching the others (POST /_mock/reset?api_key=K), so test cases
// running in parallel against one mock do not wipe each other's data.
type AccountResetter interface {
	// ResetAccount deletes every record and media file of account and
	// returns the videos and images it deleted (for the indexes).
	ResetAccount(account string) (videos []*Video, images []*Image, err error)
}

var _ AccountResetter = (*Memory)(nil)

// ResetAccount implements AccountResetter. The database is changed first,
// in one transaction, so a failed write leaves the account as it was.
func (m *Memory) ResetAccount(account string) ([]*Video, []*Image, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prefix := account + "\x00"
	owned := func(k string) bool { return strings.HasPrefix(k, prefix) }
	if m.db != nil {
		err := m.db.Update(func(tx *bolt.Tx) error {
			for _, c := range m.colls() {
				b := tx.Bucket([]byte(c.bucket()))
				if b == nil {
					continue
				}
				if err := deleteKeys(b, owned); err != nil {
					return err
				}
			}
			if b := tx.Bucket([]byte(accountsBucket)); b != nil {
				return b.Delete([]byte(account))
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	videos := m.videos.drop(account, owned)
	images := m.images.drop(account, owned)
	m.tasks.drop(account, owned)
	m.sessions.drop(account, owned)
	m.memories.drop(account, owned)
	m.folders.drop(account, owned)
	for k := range m.pendingTasks {
		if owned(k) {
			delete(m.pendingTasks, k)
		}
	}
	// pendingVideos is lazy: entries of deleted videos are skipped when
	// they surface.
	delete(m.accounts, account)
	for _, v := range videos {
		delete(m.byNo, v.No)
		if v.MediaKey != "" {
			_ = m.media.Remove(v.MediaKey)
		}
	}
	for _, im := range images {
		if im.MediaKey != "" {
			_ = m.media.Remove(im.MediaKey)
		}
	}
	return videos, images, nil
}

// deleteKeys removes the keys of b that match.
func deleteKeys(b *bolt.Bucket, match func(string) bool) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if match(string(k)) {
			keys = append(keys, append([]byte(nil), k...))
		}
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// drop removes the records whose full key matches and the scopes of
// account, returning the removed records.
func (c *coll[T]) drop(account string, owned func(string) bool) []*T {
	var out []*T
	for k, v := range c.items {
		if owned(k) {
			out = append(out, v)
			delete(c.items, k)
		}
	}
	for sc := range c.order {
		if sc == account || owned(sc) {
			delete(c.order, sc)
		}
	}
	return out
}
