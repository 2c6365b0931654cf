// Package store keeps the mock's state: accounts, libraries, tasks, images,
// sessions, text memories and folders, plus the uploaded media bytes.
//
// Store is the interface the mock programs against. Memory is its only
// implementation: every record lives in memory behind one RWMutex, and when
// it is opened with a directory each mutation is first committed to an
// embedded bbolt database (one transaction per change) and media bytes are
// kept as files, so a restart with the same directory restores everything.
package store

import (
	"io"
	"os"
	"time"
)

// Store is the mock's state. Every method is safe for concurrent use and
// returns copies, so callers may keep what they get without locking.
type Store interface {
	// PutVideo inserts or replaces a video.
	PutVideo(v *Video) error
	// GetVideo returns a video of the account's namespace, or ErrNotFound.
	GetVideo(account, ns, no string) (*Video, error)
	// LookupVideo finds a video by number in any account (control plane).
	LookupVideo(no string) (*Video, error)
	// DeleteVideo removes a video record, or returns ErrNotFound.
	DeleteVideo(account, ns, no string) error
	// ListVideos pages the namespace's videos matching f, newest first,
	// and returns the total number of matches.
	ListVideos(account, ns string, f VideoFilter, offset, limit int) ([]*Video, int, error)
	// ScanVideos is ListVideos without copies: fn sees each video of the
	// page under the store's read lock and must neither keep nor modify it.
	ScanVideos(account, ns string, f VideoFilter, offset, limit int, fn func(*Video)) (int, error)
	// DueVideos returns videos still UNPARSE whose ReadyAt is not after at,
	// each once: the caller must transition them (or Requeue on failure).
	DueVideos(at time.Time) []*Video
	// Requeue makes a video DueVideos returned due again (after a failed
	// transition).
	Requeue(v *Video)
	// EachVideo calls fn for every video until fn returns false.
	EachVideo(fn func(*Video) bool)

	// PutTask inserts or replaces a scraping task.
	PutTask(t *Task) error
	// GetTask returns a task of the account, or ErrNotFound.
	GetTask(account, id string) (*Task, error)
	// DueTasks returns tasks not yet notified whose download is done at at.
	DueTasks(at time.Time) []*Task

	// PutImage inserts or replaces an image.
	PutImage(im *Image) error
	// ListImages pages the namespace's images, newest first.
	ListImages(account, ns string, offset, limit int) ([]*Image, int, error)
	// EachImage calls fn for every image until fn returns false.
	EachImage(fn func(*Image) bool)

	// PutSession inserts or replaces a chat session.
	PutSession(s *Session) error
	// GetSession returns a session of the account's namespace, or ErrNotFound.
	GetSession(account, ns, id string) (*Session, error)
	// ListSessions pages the namespace's sessions, newest first.
	ListSessions(account, ns string, offset, limit int) ([]*Session, int, error)

	// PutMemory inserts a text memory.
	PutMemory(m *TextMemory) error
	// ListMemories pages the namespace's memories, newest first.
	ListMemories(account, ns string, offset, limit int) ([]*TextMemory, int, error)
	// EachMemory calls fn for every memory until fn returns false.
	EachMemory(fn func(*TextMemory) bool)

	// PutFolder inserts or replaces a folder.
	PutFolder(f *Folder) error
	// GetFolder returns a folder of the account, or ErrNotFound.
	GetFolder(account string, id int64) (*Folder, error)
	// DeleteFolder removes a folder, or returns ErrNotFound.
	DeleteFolder(account string, id int64) error
	// ListFolders returns the account's folders in creation order.
	ListFolders(account string) ([]*Folder, error)

	// SaveAccount persists an account's opaque state.
	SaveAccount(st AccountState) error
	// LoadAccounts returns every saved account state.
	LoadAccounts() (map[string]AccountState, error)

	// Media returns the store for uploaded bytes.
	Media() Media
	// Persistent reports whether the store survives a restart.
	Persistent() bool
	// Reset deletes every record and every media file.
	Reset() error
	// Close releases the database and, for a temporary store, its files.
	Close() error
}

// Media keeps uploaded bytes as files so a large upload never sits whole in
// memory and download can stream it back byte for byte.
type Media interface {
	// Create starts a new media file. Write to it, then Commit or Abort.
	Create() (*Pending, error)
	// Open opens committed media for reading.
	Open(key string) (*os.File, error)
	// Remove deletes committed media; a missing key is not an error.
	Remove(key string) error
}

// Pending is a media file being written. It is invisible to Open until
// Commit; Abort deletes it.
type Pending struct {
	f     *os.File
	final string
	key   string
	dir   string
	n     int64
	limit int64
}

var _ io.Writer = (*Pending)(nil)
