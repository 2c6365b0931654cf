package mock

import (
	"sync"

	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/store"
)

// world is the mock's understanding of the libraries: the deterministic
// content model of every parsed video, the search index over the callers'
// parsed videos and images, and the seeded public library.
type world struct {
	s *Server

	mu       sync.RWMutex
	contents map[string]*content.Video // by video number
	images   map[string]*store.Image   // by image id
	index    *content.Index            // the callers' parsed videos and images
	memories *content.Index            // the callers' text memories
	public   *publicLibrary
	// fixed holds the content fixtures fix, by video number (fixtures.go).
	fixed map[string]*contentOverride
}

func newWorld(s *Server) (*world, error) {
	w := &world{s: s, contents: map[string]*content.Video{}, images: map[string]*store.Image{},
		index: content.NewIndex(), memories: content.NewIndex()}
	w.public = newPublicLibrary(s.opts.Seed, s.opts.PublicLibrarySize)
	// Rebuild the indexes from the store (a restart with --data-dir),
	// fixture content first so the index holds what the fixture gave.
	w.fixed = loadOverrides(s)
	s.store.EachVideo(func(v *store.Video) bool {
		if v.Status == store.StatusParse {
			w.indexVideo(v)
		}
		return true
	})
	s.store.EachImage(func(im *store.Image) bool {
		w.indexImage(im)
		return true
	})
	s.store.EachMemory(func(m *store.TextMemory) bool {
		w.memories.Add(memoryDoc(m))
		return true
	})
	return w, nil
}

// idx returns the private search index.
func (w *world) idx() *content.Index {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.index
}

// mem returns the text-memory index.
func (w *world) mem() *content.Index {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.memories
}

// image returns an indexed image by id.
func (w *world) image(id string) *store.Image {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.images[id]
}

func nsKey(account, ns string) string { return account + "\x00" + ns }

// contentOf returns the content model of a video, generating and caching
// it on first use. The same video always gets the same content.
func (w *world) contentOf(v *store.Video) *content.Video {
	w.mu.RLock()
	c, ok := w.contents[v.No]
	w.mu.RUnlock()
	if ok {
		return c
	}
	c = content.Generate(content.VideoInput{
		Seed: w.s.opts.Seed, VideoNo: v.No, Name: v.Name, Prompt: v.Prompt, Tags: v.Tags,
		CameraModel: v.CameraModel, Duration: v.Duration, HasAudio: v.HasAudio,
	})
	if v.TranscriptRev > 0 {
		content.ReplaceVisual(c, v.TranscriptPrompt, w.s.opts.Seed+int64(v.TranscriptRev))
	}
	w.mu.Lock()
	if o := w.fixed[v.No]; o != nil && v.TranscriptRev == 0 {
		// A fixture's content is served exactly as given, until the
		// client asks for a new transcript.
		c = o.apply(c)
	}
	w.contents[v.No] = c
	w.mu.Unlock()
	return c
}

// indexVideo makes a parsed video searchable.
func (w *world) indexVideo(v *store.Video) {
	w.mu.Lock()
	delete(w.contents, v.No) // regenerate: name, prompt or transcript may have changed
	w.mu.Unlock()
	c := w.contentOf(v)
	if v.Account == publicAccount {
		w.public.ready().add(v, c)
		return
	}
	d := content.Doc{
		Namespace: nsKey(v.Account, v.Namespace), VideoNo: v.No, Name: v.Name,
		Visual: c.Visual, Audio: c.Audio, Tags: v.Tags, CameraModel: v.CameraModel,
		Lat: v.Latitude, Lon: v.Longitude,
	}
	if v.DatetimeTaken != nil {
		d.DatetimeTaken = *v.DatetimeTaken
	}
	w.idx().Add(d)
}

// removeVideo drops a video from the indexes.
func (w *world) removeVideo(v *store.Video) {
	w.idx().Remove(nsKey(v.Account, v.Namespace), v.No)
	w.mu.Lock()
	delete(w.contents, v.No)
	w.mu.Unlock()
}

// imageCaption is the generated description of an image, steered by its
// name and camera like a video's transcript.
func (w *world) imageCaption(im *store.Image) string {
	return content.ImageCaption(content.VideoInput{Seed: w.s.opts.Seed, VideoNo: im.ID, Name: im.Name,
		Tags: im.Tags, CameraModel: im.CameraModel, Duration: 4})
}

// indexImage makes an uploaded image searchable (BY_IMAGE).
func (w *world) indexImage(im *store.Image) {
	d := content.Doc{
		Namespace: nsKey(im.Account, im.Namespace), VideoNo: im.ID, Name: im.Name, Image: true,
		Caption: w.imageCaption(im), Tags: im.Tags, CameraModel: im.CameraModel, Lat: im.Latitude, Lon: im.Longitude,
	}
	if im.DatetimeTaken != nil {
		d.DatetimeTaken = *im.DatetimeTaken
	}
	w.mu.Lock()
	w.images[im.ID] = im
	ix := w.index
	w.mu.Unlock()
	ix.Add(d)
}

// reset forgets every private content model and index entry and every
// public contribution; the seeded public library stays.
func (w *world) reset() {
	w.mu.Lock()
	w.contents = map[string]*content.Video{}
	w.images = map[string]*store.Image{}
	w.index = content.NewIndex()
	w.memories = content.NewIndex()
	w.fixed = nil
	w.mu.Unlock()
	w.public.ready().reset()
}

// keyframes returns the synthetic keyframes of a namespace's parsed videos.
func (w *world) keyframes(account, ns string) []keyframe {
	var out []keyframe
	vs, _, err := w.s.store.ListVideos(account, ns, store.VideoFilter{Status: store.StatusParse}, 0, 0)
	if err != nil {
		return nil
	}
	for _, v := range vs {
		out = appendKeyframes(out, w.s.opts.Seed, v.No, v.Name, w.contentOf(v).Visual)
	}
	return out
}

// setOverride fixes (or, with nil, releases) a video's content.
func (w *world) setOverride(no string, o *contentOverride) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.contents, no)
	if o == nil {
		delete(w.fixed, no)
		return
	}
	if w.fixed == nil {
		w.fixed = map[string]*contentOverride{}
	}
	w.fixed[no] = o
}
