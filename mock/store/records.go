package store

import (
	"bytes"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Records is a small key-value area other surfaces (the v2 assets and
// tasks) use to persist their own records across restarts. A surface keeps
// its records in memory and writes each change through here; on a store
// without a directory every method is a no-op.
type Records interface {
	// PutRecord stores raw under kind/id, replacing any previous value.
	PutRecord(kind, id string, raw []byte) error
	// DeleteRecord removes kind/id; a missing record is not an error.
	DeleteRecord(kind, id string) error
	// EachRecord calls fn for every record of kind until fn returns false.
	EachRecord(kind string, fn func(id string, raw []byte) bool) error
}

// recordPrefix names the bbolt buckets of Records, apart from the store's
// own collections.
const recordPrefix = "rec:"

var _ Records = (*Memory)(nil)

// PutRecord implements Records.
func (m *Memory) PutRecord(kind, id string, raw []byte) error {
	if m.db == nil {
		return nil
	}
	return m.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(recordPrefix + kind))
		if err != nil {
			return err
		}
		return b.Put([]byte(id), bytes.Clone(raw))
	})
}

// DeleteRecord implements Records.
func (m *Memory) DeleteRecord(kind, id string) error {
	if m.db == nil {
		return nil
	}
	return m.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(recordPrefix + kind))
		if b == nil {
			return nil
		}
		return b.Delete([]byte(id))
	})
}

// EachRecord implements Records.
func (m *Memory) EachRecord(kind string, fn func(id string, raw []byte) bool) error {
	if m.db == nil {
		return nil
	}
	return m.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(recordPrefix + kind))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !fn(string(k), bytes.Clone(v)) {
				return nil
			}
		}
		return nil
	})
}

// dropRecords deletes every Records bucket (part of Reset).
func dropRecords(tx *bolt.Tx) error {
	var names [][]byte
	err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if strings.HasPrefix(string(name), recordPrefix) {
			names = append(names, bytes.Clone(name))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := tx.DeleteBucket(n); err != nil {
			return err
		}
	}
	return nil
}
