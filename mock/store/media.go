package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// fileMedia stores media as files under dir, named by random keys.
type fileMedia struct {
	dir   string
	limit int64
}

func newFileMedia(dir string, limit int64) (*fileMedia, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("media dir: %w", err)
	}
	// A process killed mid-upload leaves its pending file behind; no
	// record names it (records are written after Commit), so it is dropped
	// when the directory is opened again (the state lock makes this the
	// only process using it).
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".upload-") {
				_ = os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
	return &fileMedia{dir: dir, limit: limit}, nil
}

func randomKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Create implements Media.
func (m *fileMedia) Create() (*Pending, error) {
	key := randomKey()
	f, err := os.CreateTemp(m.dir, ".upload-*")
	if err != nil {
		return nil, fmt.Errorf("create media: %w", err)
	}
	return &Pending{f: f, key: key, dir: m.dir, final: filepath.Join(m.dir, key), limit: m.limit}, nil
}

// Write implements io.Writer, enforcing the size limit.
func (p *Pending) Write(b []byte) (int, error) {
	if p.limit > 0 && p.n+int64(len(b)) > p.limit {
		return 0, ErrTooLarge
	}
	n, err := p.f.Write(b)
	p.n += int64(n)
	return n, err
}

// Size is the number of bytes written so far.
func (p *Pending) Size() int64 { return p.n }

// File returns the underlying file, for probing before commit (ReadAt).
func (p *Pending) File() *os.File { return p.f }

// Key is the key the media will have once committed.
func (p *Pending) Key() string { return p.key }

// Commit makes the media visible under Key.
func (p *Pending) Commit() (string, error) {
	if err := p.f.Sync(); err != nil {
		_ = p.Abort()
		return "", fmt.Errorf("sync media: %w", err)
	}
	if err := p.f.Close(); err != nil {
		_ = os.Remove(p.f.Name())
		return "", fmt.Errorf("close media: %w", err)
	}
	if err := os.Rename(p.f.Name(), p.final); err != nil {
		_ = os.Remove(p.f.Name())
		return "", fmt.Errorf("commit media: %w", err)
	}
	return p.key, nil
}

// Abort deletes the pending file. It is safe to call after Commit.
func (p *Pending) Abort() error {
	_ = p.f.Close()
	err := os.Remove(p.f.Name())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Open implements Media.
func (m *fileMedia) Open(key string) (*os.File, error) {
	if !validKey(key) {
		return nil, ErrNotFound
	}
	f, err := os.Open(filepath.Join(m.dir, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Remove implements Media.
func (m *fileMedia) Remove(key string) error {
	if !validKey(key) {
		return nil
	}
	err := os.Remove(filepath.Join(m.dir, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (m *fileMedia) removeAll() error {
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".upload-") {
			_ = os.Remove(filepath.Join(m.dir, e.Name()))
		}
	}
	return nil
}

// validKey keeps keys to the hex names Create mints, so a key can never
// escape the media directory.
func validKey(k string) bool {
	if len(k) != 32 {
		return false
	}
	_, err := hex.DecodeString(k)
	return err == nil
}

// ErrInterrupted is returned by Stream when the body broke off before its
// end (a client that went away, a malformed multipart part).
var ErrInterrupted = errors.New("store: upload interrupted")

// Stream copies r into a new pending media file while hashing it, for
// every surface's uploads: nothing is held whole in memory. A body over
// the size limit (the store's, or an http.MaxBytesReader's) is
// ErrTooLarge, any other read failure ErrInterrupted; in both cases the
// pending file is removed.
func Stream(m Media, r io.Reader) (p *Pending, size int64, sha string, err error) {
	p, err = m.Create()
	if err != nil {
		return nil, 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(p, h), r)
	if err != nil {
		_ = p.Abort()
		var mbe *http.MaxBytesError
		if errors.Is(err, ErrTooLarge) || errors.As(err, &mbe) {
			return nil, 0, "", ErrTooLarge
		}
		return nil, 0, "", ErrInterrupted
	}
	return p, n, hex.EncodeToString(h.Sum(nil)), nil
}
