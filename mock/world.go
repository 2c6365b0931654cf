package mock

import "github.com/memharness/memharness/mock/store"

// world is the mock's understanding of the libraries: content models,
// search indexes and the seeded public library.
type world struct{ s *Server }

func newWorld(s *Server) (*world, error) { return &world{s: s}, nil }

func (w *world) indexVideo(v *store.Video)  {}
func (w *world) removeVideo(v *store.Video) {}
func (w *world) indexImage(im *store.Image) {}
func (w *world) reset()                     {}
