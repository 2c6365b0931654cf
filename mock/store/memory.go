package store

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Options configures Open.
type Options struct {
	// Dir makes the store persistent: a bbolt database at Dir/state.db and
	// media files under Dir/media. Empty keeps records in memory and media
	// in a temporary directory removed by Close.
	Dir string
	// MaxUploadBytes bounds one media file (0 = unlimited).
	MaxUploadBytes int64
}

// Memory is the Store implementation: records in memory, optionally
// journalled to bbolt before each change is applied.
type Memory struct {
	mu       sync.RWMutex
	db       *bolt.DB
	media    *fileMedia
	tempDir  string
	videos   *coll[Video]
	tasks    *coll[Task]
	images   *coll[Image]
	sessions *coll[Session]
	memories *coll[TextMemory]
	folders  *coll[Folder]
	accounts map[string]AccountState
	byNo     map[string]string // video number -> full key
	// pending holds the full keys of UNPARSE videos and unnotified tasks,
	// so the lifecycle's frequent DueVideos/DueTasks never scan the whole
	// library.
	pendingVideos dueHeap
	pendingTasks  map[string]struct{}
}

// dueItem is one UNPARSE video waiting for its ReadyAt. The heap is lazy:
// an entry whose video changed since is dropped when it surfaces.
type dueItem struct {
	at  time.Time
	key string
}

type dueHeap []dueItem

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueItem)) }
func (h *dueHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

var _ Store = (*Memory)(nil)

const accountsBucket = "accounts"

// Open returns a store. With opts.Dir set it loads every record saved there.
func Open(opts Options) (*Memory, error) {
	m := &Memory{
		videos:   newColl[Video]("videos"),
		tasks:    newColl[Task]("tasks"),
		images:   newColl[Image]("images"),
		sessions: newColl[Session]("sessions"),
		memories: newColl[TextMemory]("memories"),
		folders:  newColl[Folder]("folders"),
		accounts: map[string]AccountState{},
		byNo:     map[string]string{},

		pendingTasks: map[string]struct{}{},
	}
	mediaDir := ""
	if opts.Dir == "" {
		d, err := os.MkdirTemp("", "memmock-media-")
		if err != nil {
			return nil, fmt.Errorf("temp media dir: %w", err)
		}
		m.tempDir, mediaDir = d, d
	} else {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		mediaDir = filepath.Join(opts.Dir, "media")
		db, err := bolt.Open(filepath.Join(opts.Dir, "state.db"), 0o600, &bolt.Options{Timeout: 2 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("open state.db (is another mock using %s?): %w", opts.Dir, err)
		}
		m.db = db
		if err := m.load(); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	fm, err := newFileMedia(mediaDir, opts.MaxUploadBytes)
	if err != nil {
		return nil, err
	}
	m.media = fm
	return m, nil
}

func (m *Memory) colls() []interface {
	bucket() string
	loadRaw(k string, v []byte) error
	clear()
} {
	return []interface {
		bucket() string
		loadRaw(k string, v []byte) error
		clear()
	}{m.videos, m.tasks, m.images, m.sessions, m.memories, m.folders}
}

func (m *Memory) load() error {
	return m.db.Update(func(tx *bolt.Tx) error {
		for _, c := range m.colls() {
			b, err := tx.CreateBucketIfNotExists([]byte(c.bucket()))
			if err != nil {
				return err
			}
			if err := b.ForEach(func(k, v []byte) error { return c.loadRaw(string(k), v) }); err != nil {
				return fmt.Errorf("load %s: %w", c.bucket(), err)
			}
		}
		b, err := tx.CreateBucketIfNotExists([]byte(accountsBucket))
		if err != nil {
			return err
		}
		err = b.ForEach(func(k, v []byte) error {
			var st AccountState
			if err := json.Unmarshal(v, &st); err != nil {
				return err
			}
			m.accounts[string(k)] = st
			return nil
		})
		if err != nil {
			return err
		}
		for k, v := range m.videos.items {
			m.byNo[v.No] = k
			m.trackVideo(k, v)
		}
		for k, t := range m.tasks.items {
			m.trackTask(k, t)
		}
		return nil
	})
}

// persist writes one record (or deletes it when v is nil) in its own
// transaction. It runs before the in-memory change so a failed write leaves
// no half-applied state.
func (m *Memory) persist(bucket, key string, v any) error {
	if m.db == nil {
		return nil
	}
	return m.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucket))
		if err != nil {
			return err
		}
		if v == nil {
			return b.Delete([]byte(key))
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return b.Put([]byte(key), raw)
	})
}

func scope(account, ns string) string { return account + "\x00" + ns }
func fullKey(account, ns, id string) string {
	return account + "\x00" + ns + "\x00" + id
}

// PutVideo implements Store.
func (m *Memory) PutVideo(v *Video) error {
	cp := *v
	k := fullKey(v.Account, v.Namespace, v.No)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.persist(m.videos.name, k, &cp); err != nil {
		return err
	}
	m.videos.put(scope(v.Account, v.Namespace), k, &cp)
	m.byNo[v.No] = k
	m.trackVideo(k, &cp)
	return nil
}

func (m *Memory) trackVideo(k string, v *Video) {
	if v.Status == StatusUnparse {
		heap.Push(&m.pendingVideos, dueItem{at: v.ReadyAt, key: k})
	}
}

func (m *Memory) trackTask(k string, t *Task) {
	if !t.Notified {
		m.pendingTasks[k] = struct{}{}
	} else {
		delete(m.pendingTasks, k)
	}
}

// GetVideo implements Store.
func (m *Memory) GetVideo(account, ns, no string) (*Video, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.videos.items[fullKey(account, ns, no)]
	if !ok {
		return nil, ErrNotFound
	}
	cp := *v
	return &cp, nil
}

// LookupVideo implements Store.
func (m *Memory) LookupVideo(no string) (*Video, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	k, ok := m.byNo[no]
	if !ok {
		return nil, ErrNotFound
	}
	cp := *m.videos.items[k]
	return &cp, nil
}

// DeleteVideo implements Store.
func (m *Memory) DeleteVideo(account, ns, no string) error {
	k := fullKey(account, ns, no)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.videos.items[k]; !ok {
		return ErrNotFound
	}
	if err := m.persist(m.videos.name, k, nil); err != nil {
		return err
	}
	m.videos.del(scope(account, ns), k)
	delete(m.byNo, no)
	return nil
}

// ListVideos implements Store.
func (m *Memory) ListVideos(account, ns string, f VideoFilter, offset, limit int) ([]*Video, int, error) {
	var out []*Video
	total, err := m.ScanVideos(account, ns, f, offset, limit, func(v *Video) {
		cp := *v
		out = append(out, &cp)
	})
	return out, total, err
}

// ScanVideos implements Store.
func (m *Memory) ScanVideos(account, ns string, f VideoFilter, offset, limit int, fn func(*Video)) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	list := m.videos.order[scope(account, ns)]
	total, taken := 0, 0
	// Newest first: walk the insertion order backwards.
	for i := len(list) - 1; i >= 0; i-- {
		v := list[i]
		if !f.match(v) {
			continue
		}
		if total >= offset && (limit <= 0 || taken < limit) {
			fn(v)
			taken++
		}
		total++
	}
	return total, nil
}

func (f VideoFilter) match(v *Video) bool {
	if f.No != "" && v.No != f.No {
		return false
	}
	if f.Name != "" && v.Name != f.Name {
		return false
	}
	if f.Status != "" && v.Status != f.Status {
		return false
	}
	if len(f.Nos) > 0 && !slices.Contains(f.Nos, v.No) {
		return false
	}
	if f.Tag != "" && !slices.Contains(v.Tags, f.Tag) {
		return false
	}
	if f.Camera != "" && v.CameraModel != f.Camera {
		return false
	}
	if f.FolderID != nil && v.FolderID != *f.FolderID {
		return false
	}
	if f.TakenFrom != nil && (v.DatetimeTaken == nil || v.DatetimeTaken.Before(*f.TakenFrom)) {
		return false
	}
	return true
}

// DueVideos implements Store. It pops the due entries of the pending heap,
// so a tick costs nothing when nothing is due, whatever the library size.
func (m *Memory) DueVideos(at time.Time) []*Video {
	// Most ticks find nothing due: decide that under the read lock.
	m.mu.RLock()
	idle := m.pendingVideos.Len() == 0 || m.pendingVideos[0].at.After(at)
	m.mu.RUnlock()
	if idle {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*Video
	seen := map[string]bool{}
	for m.pendingVideos.Len() > 0 && !m.pendingVideos[0].at.After(at) {
		it := heap.Pop(&m.pendingVideos).(dueItem)
		v, ok := m.videos.items[it.key]
		if !ok || seen[it.key] || v.Status != StatusUnparse {
			continue
		}
		if v.ReadyAt.After(at) {
			continue // rescheduled later; its newer entry is still queued
		}
		seen[it.key] = true
		cp := *v
		out = append(out, &cp)
	}
	slices.SortFunc(out, func(a, b *Video) int { return a.ReadyAt.Compare(b.ReadyAt) })
	return out
}

// Requeue puts a video back on the pending heap (after a failed
// transition) so a later tick retries it.
func (m *Memory) Requeue(v *Video) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := fullKey(v.Account, v.Namespace, v.No)
	if cur, ok := m.videos.items[k]; ok && cur.Status == StatusUnparse {
		heap.Push(&m.pendingVideos, dueItem{at: cur.ReadyAt, key: k})
	}
}

// EachVideo implements Store.
func (m *Memory) EachVideo(fn func(*Video) bool) {
	m.mu.RLock()
	vs := make([]*Video, 0, len(m.videos.items))
	for _, v := range m.videos.items {
		cp := *v
		vs = append(vs, &cp)
	}
	m.mu.RUnlock()
	for _, v := range vs {
		if !fn(v) {
			return
		}
	}
}

// PutTask implements Store.
func (m *Memory) PutTask(t *Task) error {
	cp := *t
	cp.VideoNos = slices.Clone(t.VideoNos)
	k := fullKey(t.Account, "", t.ID)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.persist(m.tasks.name, k, &cp); err != nil {
		return err
	}
	m.tasks.put(t.Account, k, &cp)
	m.trackTask(k, &cp)
	return nil
}

// GetTask implements Store.
func (m *Memory) GetTask(account, id string) (*Task, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	t, ok := m.tasks.items[fullKey(account, "", id)]
	if !ok {
		return nil, ErrNotFound
	}
	cp := *t
	cp.VideoNos = slices.Clone(t.VideoNos)
	return &cp, nil
}

// DueTasks implements Store.
func (m *Memory) DueTasks(at time.Time) []*Task {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*Task
	for k := range m.pendingTasks {
		if t := m.tasks.items[k]; !t.Notified && !t.DownloadedAt.After(at) {
			cp := *t
			cp.VideoNos = slices.Clone(t.VideoNos)
			out = append(out, &cp)
		}
	}
	slices.SortFunc(out, func(a, b *Task) int { return a.DownloadedAt.Compare(b.DownloadedAt) })
	return out
}

// PutImage implements Store.
func (m *Memory) PutImage(im *Image) error {
	cp := *im
	k := fullKey(im.Account, im.Namespace, im.ID)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.persist(m.images.name, k, &cp); err != nil {
		return err
	}
	m.images.put(scope(im.Account, im.Namespace), k, &cp)
	return nil
}

// ListImages implements Store.
func (m *Memory) ListImages(account, ns string, offset, limit int) ([]*Image, int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return pageOf(m.images, scope(account, ns), offset, limit)
}

// EachImage implements Store.
func (m *Memory) EachImage(fn func(*Image) bool) {
	m.mu.RLock()
	all := m.images.all()
	m.mu.RUnlock()
	for _, im := range all {
		if !fn(im) {
			return
		}
	}
}

// PutSession implements Store.
func (m *Memory) PutSession(s *Session) error {
	cp := *s
	cp.Messages = slices.Clone(s.Messages)
	k := fullKey(s.Account, s.Namespace, s.ID)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.persist(m.sessions.name, k, &cp); err != nil {
		return err
	}
	m.sessions.put(scope(s.Account, s.Namespace), k, &cp)
	return nil
}

// GetSession implements Store.
func (m *Memory) GetSession(account, ns, id string) (*Session, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.sessions.items[fullKey(account, ns, id)]
	if !ok {
		return nil, ErrNotFound
	}
	cp := *s
	cp.Messages = slices.Clone(s.Messages)
	return &cp, nil
}

// ListSessions implements Store.
func (m *Memory) ListSessions(account, ns string, offset, limit int) ([]*Session, int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return pageOf(m.sessions, scope(account, ns), offset, limit)
}

// PutMemory implements Store.
func (m *Memory) PutMemory(mem *TextMemory) error {
	cp := *mem
	k := fullKey(mem.Account, mem.Namespace, mem.ID)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.persist(m.memories.name, k, &cp); err != nil {
		return err
	}
	m.memories.put(scope(mem.Account, mem.Namespace), k, &cp)
	return nil
}

// ListMemories implements Store.
func (m *Memory) ListMemories(account, ns string, offset, limit int) ([]*TextMemory, int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return pageOf(m.memories, scope(account, ns), offset, limit)
}

// EachMemory implements Store.
func (m *Memory) EachMemory(fn func(*TextMemory) bool) {
	m.mu.RLock()
	all := m.memories.all()
	m.mu.RUnlock()
	for _, x := range all {
		if !fn(x) {
			return
		}
	}
}

func folderKey(account string, id int64) string {
	return fullKey(account, "", strconv.FormatInt(id, 10))
}

// PutFolder implements Store.
func (m *Memory) PutFolder(f *Folder) error {
	cp := *f
	k := folderKey(f.Account, f.ID)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.persist(m.folders.name, k, &cp); err != nil {
		return err
	}
	m.folders.put(f.Account, k, &cp)
	return nil
}

// GetFolder implements Store.
func (m *Memory) GetFolder(account string, id int64) (*Folder, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	f, ok := m.folders.items[folderKey(account, id)]
	if !ok {
		return nil, ErrNotFound
	}
	cp := *f
	return &cp, nil
}

// DeleteFolder implements Store.
func (m *Memory) DeleteFolder(account string, id int64) error {
	k := folderKey(account, id)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.folders.items[k]; !ok {
		return ErrNotFound
	}
	if err := m.persist(m.folders.name, k, nil); err != nil {
		return err
	}
	m.folders.del(account, k)
	return nil
}

// ListFolders implements Store.
func (m *Memory) ListFolders(account string) ([]*Folder, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*Folder
	for _, f := range m.folders.order[account] {
		cp := *f
		out = append(out, &cp)
	}
	return out, nil
}

// SaveAccount implements Store.
func (m *Memory) SaveAccount(st AccountState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.persist(accountsBucket, st.Key, &st); err != nil {
		return err
	}
	m.accounts[st.Key] = st
	return nil
}

// LoadAccounts implements Store.
func (m *Memory) LoadAccounts() (map[string]AccountState, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]AccountState, len(m.accounts))
	for k, v := range m.accounts {
		out[k] = v
	}
	return out, nil
}

// Media implements Store.
func (m *Memory) Media() Media { return m.media }

// Persistent implements Store.
func (m *Memory) Persistent() bool { return m.db != nil }

// Reset implements Store.
func (m *Memory) Reset() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.db != nil {
		err := m.db.Update(func(tx *bolt.Tx) error {
			for _, c := range m.colls() {
				if err := tx.DeleteBucket([]byte(c.bucket())); err != nil && err != bolt.ErrBucketNotFound {
					return err
				}
				if _, err := tx.CreateBucket([]byte(c.bucket())); err != nil {
					return err
				}
			}
			if err := tx.DeleteBucket([]byte(accountsBucket)); err != nil && err != bolt.ErrBucketNotFound {
				return err
			}
			if err := dropRecords(tx); err != nil {
				return err
			}
			_, err := tx.CreateBucket([]byte(accountsBucket))
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, c := range m.colls() {
		c.clear()
	}
	m.accounts = map[string]AccountState{}
	m.byNo = map[string]string{}
	m.pendingVideos = nil
	m.pendingTasks = map[string]struct{}{}
	return m.media.removeAll()
}

// Close implements Store.
func (m *Memory) Close() error {
	var err error
	if m.db != nil {
		err = m.db.Close()
	}
	if m.tempDir != "" {
		if rerr := os.RemoveAll(m.tempDir); err == nil {
			err = rerr
		}
	}
	return err
}

// coll is one kind of record: the records by full key, and per scope the
// records in insertion order (for newest-first paging without map
// lookups). A replaced record is overwritten in place, so the order slice
// keeps pointing at the live value; callers only ever get copies.
type coll[T any] struct {
	name  string
	items map[string]*T
	order map[string][]*T
}

func newColl[T any](name string) *coll[T] {
	return &coll[T]{name: name, items: map[string]*T{}, order: map[string][]*T{}}
}

func (c *coll[T]) bucket() string { return c.name }

func (c *coll[T]) clear() {
	c.items = map[string]*T{}
	c.order = map[string][]*T{}
}

func (c *coll[T]) put(sc, k string, v *T) {
	if old, ok := c.items[k]; ok {
		*old = *v
		return
	}
	c.items[k] = v
	c.order[sc] = append(c.order[sc], v)
}

func (c *coll[T]) del(sc, k string) {
	p := c.items[k]
	delete(c.items, k)
	list := c.order[sc]
	if i := slices.Index(list, p); i >= 0 {
		c.order[sc] = slices.Delete(list, i, i+1)
	}
	if len(c.order[sc]) == 0 {
		delete(c.order, sc)
	}
}

// loadRaw restores one record from the database. The scope is the full key
// without its last component, which is how every Put builds it.
func (c *coll[T]) loadRaw(k string, raw []byte) error {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("%s/%q: %w", c.name, k, err)
	}
	sc := k
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == 0 {
			sc = k[:i]
			break
		}
	}
	// Accounts-only scopes (tasks, folders) were stored with an empty
	// namespace component; strip its separator too.
	if len(sc) > 0 && sc[len(sc)-1] == 0 {
		sc = sc[:len(sc)-1]
	}
	c.put(sc, k, &v)
	return nil
}

func (c *coll[T]) all() []*T {
	out := make([]*T, 0, len(c.items))
	for _, v := range c.items {
		cp := *v
		out = append(out, &cp)
	}
	return out
}

func pageOf[T any](c *coll[T], sc string, offset, limit int) ([]*T, int, error) {
	list := c.order[sc]
	total := len(list)
	var out []*T
	for i := total - 1 - offset; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		cp := *list[i]
		out = append(out, &cp)
	}
	return out, total, nil
}
