// Package seekbuf is an in-memory io.WriteSeeker, for writers that seek back
// to patch what they wrote (go-mp4's Writer patches box sizes). The MP4
// remuxer of v2 and the test-media generator both write through it.
package seekbuf

import (
	"errors"
	"io"
)

// Buffer is an in-memory io.WriteSeeker; the zero value is empty and ready.
// Writing past the end grows it; seeking past the end and writing leaves
// zeros in the gap, as a file would.
type Buffer struct {
	buf []byte
	off int
}

// Write writes p at the current position.
func (m *Buffer) Write(p []byte) (int, error) {
	if need := m.off + len(p); need > len(m.buf) {
		m.buf = append(m.buf, make([]byte, need-len(m.buf))...)
	}
	copy(m.buf[m.off:], p)
	m.off += len(p)
	return len(p), nil
}

// Seek moves the position as io.Seeker says; a negative position is an
// error.
func (m *Buffer) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = int64(m.off) + offset
	case io.SeekEnd:
		abs = int64(len(m.buf)) + offset
	default:
		return 0, errors.New("seekbuf: invalid whence")
	}
	if abs < 0 {
		return 0, errors.New("seekbuf: negative position")
	}
	m.off = int(abs)
	return abs, nil
}

// Bytes returns everything written (not a copy).
func (m *Buffer) Bytes() []byte { return m.buf }
