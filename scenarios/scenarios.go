// Package scenarios holds named user flows of the Memories.ai API (upload ->
// wait for PARSE -> search -> chat ...), written once and run by both the
// contract suite and the load tester, so that both exercise the same
// behaviour against the mock or the real API.
//
// A scenario is a function of an Env; it returns an error with context and
// never panics. Checks of what the API answered (well-formed hits, stream
// event order) fail with an error wrapping ErrCheck, so callers can tell a
// contract violation from a transport or business error.
package scenarios

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/internal/clock"
)

// Scenario is a named user flow.
type Scenario struct {
	Name        string
	Description string
	// Tags classify the flow: "read", "write", "upload", "sse",
	// "lifecycle", "costly" (spends credits on the real API),
	// "destructive" (deletes data).
	Tags []string
	Run  func(ctx context.Context, env *Env) error
}

// HasTag reports whether the scenario carries tag.
func (s Scenario) HasTag(tag string) bool {
	for _, t := range s.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// ErrCheck marks a failed check of a response's content or order.
var ErrCheck = errors.New("scenario check failed")

func checkf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCheck, fmt.Sprintf(format, args...))
}

// Metric names recorded by the scenarios.
const (
	// MetricStreamTTFE is a stream's time to first event.
	MetricStreamTTFE = "stream_ttfe"
	// MetricStreamDuration is a stream's time to its end event.
	MetricStreamDuration = "stream_duration"
	// MetricUploadToParse is the time from sending an upload to seeing it
	// PARSE (by polling or callback).
	MetricUploadToParse = "upload_to_parse"
)

// Recorder receives per-step timings.
type Recorder interface {
	Record(metric string, d time.Duration)
}

// NopRecorder discards timings.
type NopRecorder struct{}

// Record does nothing.
func (NopRecorder) Record(string, time.Duration) {}

// CallbackWaiter waits for an upload callback naming videoNo and returns its
// status.
type CallbackWaiter interface {
	WaitCallback(ctx context.Context, videoNo string) (status string, err error)
}

// DefaultVideoURL is a small public sample video, used when Env.VideoURL is
// empty (the mock never fetches it unless told to).
const DefaultVideoURL = "http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4"

// Env is what a scenario runs with. One Env may serve many concurrent
// iterations except for Rand: give each iteration its own with Fork.
type Env struct {
	// Client calls the API (mock or real).
	Client *client.Client
	// Namespace is the unique_id the scenario's data lives under, so runs
	// do not see each other's videos.
	Namespace string
	// CallbackURL, when set, is passed to uploads; Callbacks then reports
	// their arrival.
	CallbackURL string
	Callbacks   CallbackWaiter
	// VideoURL is the source of upload_url (default DefaultVideoURL).
	VideoURL string
	// Rand drives choices (search words, prompts); seeded for repeatable
	// runs. Not safe for concurrent use.
	Rand *rand.Rand
	// Recorder receives timings (default none).
	Recorder Recorder
	// Clock times the steps (default the wall clock).
	Clock clock.Clock
	// WaitTimeout bounds waiting for PARSE (default 5 min).
	WaitTimeout time.Duration
	// Fixtures caches data shared by iterations (a parsed video). Shared by
	// Fork.
	Fixtures *Fixtures
	// MemSync, when set, is the MemSync API the memsync-* scenarios call.
	MemSync *MemSyncTarget
	// V2, when set, is the Visual Intelligence v2 API the v2 scenarios and
	// v2_* operations call.
	V2 *V2Target
}

// NewEnv returns an Env with defaults filled in.
func NewEnv(c *client.Client, namespace string, seed uint64) *Env {
	e := &Env{Client: c, Namespace: namespace}
	e.Rand = rand.New(rand.NewPCG(seed, seed+1))
	e.fill()
	return e
}

func (e *Env) fill() {
	if e.Recorder == nil {
		e.Recorder = NopRecorder{}
	}
	if e.Clock == nil {
		e.Clock = clock.Real{}
	}
	if e.Rand == nil {
		e.Rand = rand.New(rand.NewPCG(1, 2))
	}
	if e.VideoURL == "" {
		e.VideoURL = DefaultVideoURL
	}
	if e.WaitTimeout <= 0 {
		e.WaitTimeout = 5 * time.Minute
	}
	if e.Fixtures == nil {
		e.Fixtures = &Fixtures{}
	}
}

// Fork returns a copy of the Env, defaults filled in, with its own Rand
// seeded by seed; the client, fixtures and recorder are shared (a nil
// Fixtures gets a new one in the copy, so fork once from a base Env and
// then fork the base).
func (e *Env) Fork(seed uint64) *Env {
	f := *e
	f.fill()
	f.Rand = rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	return &f
}

func (e *Env) check() error {
	if e == nil || e.Client == nil {
		return errors.New("scenarios: Env has no client")
	}
	e.fill()
	return nil
}

// Fixtures is data shared by the iterations of a run.
type Fixtures struct {
	once   sync.Once
	sem    chan struct{} // a lock that a waiting caller can give up on
	parsed []string
	v2     string // a SUCCESS v2 video asset (V2Asset)
	v2img  string // a SUCCESS v2 image asset
}

func (f *Fixtures) lock(ctx context.Context) error {
	f.once.Do(func() { f.sem = make(chan struct{}, 1) })
	select {
	case f.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *Fixtures) unlock() { <-f.sem }

// ParsedVideo returns the number of a PARSE video in the namespace: one
// listed by list_videos, else one uploaded (and waited for) now. The result
// is cached; concurrent callers wait for the first.
func (f *Fixtures) ParsedVideo(ctx context.Context, e *Env) (string, error) {
	if err := f.lock(ctx); err != nil {
		return "", err
	}
	defer f.unlock()
	if len(f.parsed) > 0 {
		return f.parsed[e.Rand.IntN(len(f.parsed))], nil
	}
	page, err := e.Client.ListVideos(ctx, client.ListVideosRequest{Page: 1, Size: 20, Status: client.StatusParse, UniqueID: e.Namespace})
	if err != nil {
		return "", fmt.Errorf("find a parsed video: %w", err)
	}
	for _, v := range page.Videos {
		if v.Status == client.StatusParse {
			f.parsed = append(f.parsed, v.VideoNo)
		}
	}
	if len(f.parsed) == 0 {
		no, err := uploadAndWait(ctx, e)
		if err != nil {
			return "", fmt.Errorf("upload a video to chat about: %w", err)
		}
		f.parsed = append(f.parsed, no)
	}
	return f.parsed[e.Rand.IntN(len(f.parsed))], nil
}

// Forget drops the cached videos (after a delete, or a reset of the mock).
func (f *Fixtures) Forget() {
	if f.lock(context.Background()) == nil {
		f.parsed = nil
		f.unlock()
	}
}

// registry lists the flows; a function, not a package variable, so nothing
// is shared mutable state.
func registry() []Scenario {
	return []Scenario{
		{
			Name:        "upload-url-and-wait",
			Description: "upload_url a video, then poll list_videos (or wait for the callback) until PARSE; records upload-to-PARSE latency",
			Tags:        []string{"write", "upload", "lifecycle", "costly"},
			Run:         UploadURLAndWait,
		},
		{
			Name:        "search-library",
			Description: "search the private library BY_VIDEO for a word and check that every hit is well formed",
			Tags:        []string{"read", "search"},
			Run:         SearchLibrary,
		},
		{
			Name:        "chat-about-video",
			Description: "chat_stream about a parsed video (found by list_videos, uploaded if none); checks thinking->ref->content->end order and Done; records TTFE and duration",
			Tags:        []string{"read", "chat", "sse"},
			Run:         ChatAboutVideo,
		},
		{
			Name:        "list-and-delete",
			Description: "upload_url, list_videos shows it, delete_videos, a second delete answers 0409",
			Tags:        []string{"write", "upload", "destructive", "costly"},
			Run:         ListAndDelete,
		},
		{
			Name:        "memsync-store-and-search",
			Description: "MemSync: store a conversation (POST /v1/memories), then search finds it (POST /v1/memories/search)",
			Tags:        []string{"memsync", "write", "search"},
			Run:         MemSyncStoreAndSearch,
		},
		{
			Name:        "memsync-list-pages",
			Description: "MemSync: page through GET /v1/memories following pagination.has_next",
			Tags:        []string{"memsync", "read", "list"},
			Run:         MemSyncListPages,
		},
		{
			Name:        "v2-upload-transcribe-chat",
			Description: "v2: upload a video, poll metadata to SUCCESS, sync transcription, then a /vu/chat/completions question about it; records v2_upload_to_success",
			Tags:        []string{"v2", "write", "upload", "lifecycle", "costly"},
			Run:         V2UploadTranscribeChat,
		},
		{
			Name:        "v2-audio-ws-session",
			Description: "v2: 6 s of PCM over the real-time audio WebSocket (ElevenLabs or AssemblyAI by seed); checks session start, partials, final transcript and a clean close; records v2_ws_first_partial",
			Tags:        []string{"v2", "websocket", "costly"},
			Run:         V2AudioWSSession,
		},
		{
			Name:        "list-videos",
			Description: "one list_videos page of the namespace, checked for shape",
			Tags:        []string{"read", "list"},
			Run:         ListVideos,
		},
	}
}

// All returns every scenario, sorted by name.
func All() []Scenario {
	s := registry()
	sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	return s
}

// Get returns the scenario called name.
func Get(name string) (Scenario, bool) {
	for _, s := range registry() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// CallbackReceiver is an http.Handler collecting upload callbacks ({"videoNo",
// "status"}); it implements CallbackWaiter. Mount it where Env.CallbackURL
// points.
type CallbackReceiver struct {
	mu      sync.Mutex
	got     map[string]string
	waiters map[string][]chan string
}

// NewCallbackReceiver returns an empty receiver.
func NewCallbackReceiver() *CallbackReceiver {
	return &CallbackReceiver{got: map[string]string{}, waiters: map[string][]chan string{}}
}

// ServeHTTP records one callback body and answers 200.
func (r *CallbackReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var cb client.UploadCallback
	if err := decodeJSON(req, &cb); err != nil || cb.VideoNo == "" {
		http.Error(w, "bad callback", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.got[cb.VideoNo] = cb.Status
	ws := r.waiters[cb.VideoNo]
	delete(r.waiters, cb.VideoNo)
	r.mu.Unlock()
	for _, ch := range ws {
		ch <- cb.Status
	}
	w.WriteHeader(http.StatusOK)
}

// WaitCallback waits for a callback naming videoNo (returns at once when one
// already arrived).
func (r *CallbackReceiver) WaitCallback(ctx context.Context, videoNo string) (string, error) {
	r.mu.Lock()
	if s, ok := r.got[videoNo]; ok {
		r.mu.Unlock()
		return s, nil
	}
	ch := make(chan string, 1)
	r.waiters[videoNo] = append(r.waiters[videoNo], ch)
	r.mu.Unlock()
	select {
	case s := <-ch:
		return s, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Received returns the callbacks received so far (videoNo -> status).
func (r *CallbackReceiver) Received() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]string, len(r.got))
	for k, v := range r.got {
		out[k] = v
	}
	return out
}
