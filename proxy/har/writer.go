package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Ext is the extension of recorded files.
const Ext = ".har"

// tmpPrefix starts the name of a file being written; such files are never
// read as recordings and stale ones are removed at start-up.
const tmpPrefix = ".tmp-"

// WriterOptions configure a Writer.
type WriterOptions struct {
	// Dir receives the files (created when missing).
	Dir string
	// PerFile is the number of entries after which a new file starts
	// (default 100); MaxFileBytes likewise bounds a file's size (default
	// 64 MiB). Both bound the memory the writer holds.
	PerFile      int
	MaxFileBytes int
	// Creator names the application in every file.
	Creator Creator
	// Now names files (time.Now when nil).
	Now func() time.Time
	// Logger reports write failures (discarded when nil).
	Logger *slog.Logger
}

// Writer appends entries to HAR files in a directory. Every write replaces
// the current file atomically (a temporary file in the same directory,
// synced, then renamed), so a crash at any moment leaves only complete HAR
// documents: the entries not yet written are lost, never half a file.
// Entries are encoded by the caller's goroutine and written by one
// background goroutine that coalesces bursts into one rewrite.
type Writer struct {
	opts   WriterOptions
	ch     chan item
	done   chan struct{}
	mu     sync.Mutex
	files  []string
	err    error
	closed bool
	cmu    sync.RWMutex // guards closed against sends
}

// NewWriter creates the directory, removes temporary files a crashed
// writer left there, and starts the background writer.
func NewWriter(opts WriterOptions) (*Writer, error) {
	if opts.Dir == "" {
		return nil, errors.New("har: no directory")
	}
	if opts.PerFile <= 0 {
		opts.PerFile = 100
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 64 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("har: %w", err)
	}
	stale, _ := filepath.Glob(filepath.Join(opts.Dir, tmpPrefix+"*"))
	for _, s := range stale {
		_ = os.Remove(s)
	}
	w := &Writer{opts: opts, ch: make(chan item, 256), done: make(chan struct{})}
	go w.loop()
	return w, nil
}

// Add queues one entry. It blocks only when the writer is far behind (256
// entries), which slows the recorded traffic instead of losing entries.
func (w *Writer) Add(e *Entry) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return fmt.Errorf("har: encode entry: %w", err)
	}
	w.cmu.RLock()
	defer w.cmu.RUnlock()
	if w.closed {
		return errors.New("har: writer closed")
	}
	w.ch <- item{entry: bytes.TrimRight(buf.Bytes(), "\n")}
	return nil
}

// item is an encoded entry or, when flushed is set, a flush request.
type item struct {
	entry   []byte
	flushed chan struct{}
}

// Close writes what is queued and stops the writer. It returns the first
// write error, if any.
func (w *Writer) Close() error {
	w.cmu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ch)
	}
	w.cmu.Unlock()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Files lists the files written so far, in order.
func (w *Writer) Files() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.files...)
}

// Flush waits until every entry queued before the call is on disk. It is
// meant for tests and the control plane.
func (w *Writer) Flush() {
	// The request travels the channel behind every queued entry and is
	// answered once the batch it belongs to is written.
	done := make(chan struct{})
	w.cmu.RLock()
	if w.closed {
		w.cmu.RUnlock()
		return
	}
	w.ch <- item{flushed: done}
	w.cmu.RUnlock()
	<-done
}

func (w *Writer) loop() {
	defer close(w.done)
	var (
		entries [][]byte
		size    int
		name    string
		seq     int
	)
	session := w.opts.Now().UTC().Format("20060102T150405Z")
	pid := os.Getpid()
	for first := range w.ch {
		batch := []item{first}
	drain:
		for {
			select {
			case e, ok := <-w.ch:
				if !ok {
					break drain
				}
				batch = append(batch, e)
			default:
				break drain
			}
		}
		dirty := false
		var waiting []chan struct{}
		for _, it := range batch {
			if it.flushed != nil {
				waiting = append(waiting, it.flushed)
				continue
			}
			e := it.entry
			if name == "" || len(entries) >= w.opts.PerFile || (size+len(e) > w.opts.MaxFileBytes && len(entries) > 0) {
				if dirty {
					w.write(name, entries)
				}
				seq++
				name = filepath.Join(w.opts.Dir, fmt.Sprintf("rec-%s-%d-%04d%s", session, pid, seq, Ext))
				entries, size = nil, 0
				w.mu.Lock()
				w.files = append(w.files, name)
				w.mu.Unlock()
			}
			entries = append(entries, e)
			size += len(e)
			dirty = true
		}
		if dirty {
			w.write(name, entries)
		}
		for _, c := range waiting {
			close(c)
		}
	}
}

// write replaces name with a HAR document of entries, atomically.
func (w *Writer) write(name string, entries [][]byte) {
	var buf bytes.Buffer
	creator, _ := json.Marshal(w.opts.Creator)
	fmt.Fprintf(&buf, `{"log":{"version":%q,"creator":%s,"entries":[`, Version, creator)
	for i, e := range entries {
		if i > 0 {
			buf.WriteString(",\n")
		} else {
			buf.WriteString("\n")
		}
		buf.Write(e)
	}
	buf.WriteString("\n]}}\n")
	if err := writeAtomic(name, buf.Bytes()); err != nil {
		w.opts.Logger.Error("recording not written", "file", name, "err", err)
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
	}
}

// writeAtomic writes b to a temporary file beside name, syncs it and
// renames it over name.
func writeAtomic(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), tmpPrefix+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// List returns the HAR files of a directory (or the file itself), sorted,
// leaving out temporary files.
func List(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), Ext) && !strings.HasPrefix(d.Name(), tmpPrefix) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
