// Package v2 emulates Memories.ai Visual Intelligence v2, the vendor's
// current platform at /serve/api/v2 (openapi/memories-v2.yaml): seed 000's
// envelope (integer code equal to the HTTP status), stateful assets with
// the WAITING -> UPLOADING -> SUCCESS|FAILED upload status, async tasks
// delivered to the account webhook, transcription, captions, embeddings,
// chat completions and social-media metadata.
//
// The surface shares the platform layer (package platform) with v1 and
// MemSync: accounts and keys, limits and credits, the journal, webhook
// delivery, the clock and faults. It owns only its handlers and its asset
// and task records.
package v2

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/openapi"
	"github.com/memharness/memharness/platform"
	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/callbackhosts"
)

// BasePath is where the surface is served, as on mavi-backend.memories.ai.
const BasePath = "/serve/api/v2"

// Options configures the v2 surface.
type Options struct {
	// Platform is the shared layer (required).
	Platform *platform.Platform
	// Store holds uploaded bytes (Media) and persists records (Records).
	Store interface {
		Media() store.Media
		store.Records
	}
	// Seed fixes every generated id and content (default 1).
	Seed int64
	// APIKeys restricts accepted keys (empty: any non-empty key).
	APIKeys []string
	// StringCodes renders "0000"-style string codes (--v2-codes string).
	StringCodes bool
	// LimitStatus is the HTTP status of a rate-limit rejection: 429
	// (default, the error table) or 400 (the verified-live note).
	LimitStatus int
	// UploadTime is how long an asset stays WAITING, then UPLOADING, in
	// total before it is SUCCESS or FAILED (default 2s; each half).
	UploadTime time.Duration
	// TaskTime is how long an async task runs before its webhook is sent
	// (default 3s; media-bound tasks add duration/30).
	TaskTime time.Duration
	// MaxUploadBytes bounds one upload (default 3 GiB).
	MaxUploadBytes int64
	// PublicBaseURL, when set, is the scheme://host the signed URLs point
	// at; otherwise the request's own host is used.
	PublicBaseURL string
	// Blobs resolves GET /download blobs of other surfaces (v1 videos).
	Blobs BlobSource
	// CallbackHosts restricts the per-request callback and webhook URLs
	// (callback_url, webhook_url, callback) to these hosts
	// (--callback-hosts); the zero value admits every host. The account
	// webhook is checked when it is set (control plane).
	CallbackHosts callbackhosts.Policy
	// Logger receives handler failures (default: discard).
	Logger *slog.Logger
	// StreamKnobs, when set, returns the pacing and fault knobs of chat
	// completion streams (the v1 chat's --stream-* knobs and PUT
	// /_mock/stream); nil streams without pauses.
	StreamKnobs func() chat.Knobs
	// AgentPingInterval is how long the Video Searching Agent stays silent
	// before it sends a ping event (default 15s, sse-starlette's default).
	AgentPingInterval time.Duration
	// PublicLibrarySize is the number of videos of the seeded public library
	// the agent searches (0: content.DefaultPublicLibrarySize, as v1).
	PublicLibrarySize int
	// StreamsOff answers the live-stream operations and the audio
	// WebSocket like an account without the stream feature (403 "User not
	// authorized for stream processing"; --streams off).
	StreamsOff bool
	// MaxStreams caps concurrent video + audio streams per account
	// (default 5; the rate-limit page does not give N).
	MaxStreams int
	// AudioIdleTimeout closes a real-time audio WebSocket that received
	// nothing for this long on the mock clock (default 20s).
	AudioIdleTimeout time.Duration
}

// Surface is the v2 API. Create it with New and mount it with Register.
type Surface struct {
	o     Options
	p     *platform.Platform
	spec  *openapi3.T
	ops   map[string]*operation
	table []*operation
	style apierr.V2
	seq   atomic.Uint64
	// understood caches the content model's output per medium (chat and
	// embeddings read the same assets again and again).
	understood contentCache
	// answers caches generated chat choices (chat_cache.go).
	answers answerCache

	assets *assetStore
	tasks  *taskRunner
	// agents is the Visual Agents state (screenplay tasks, the public
	// library index); its zero value is ready (agent_state.go).
	agents agentState
	// streams are the running live streams (streams.go).
	streams streamHub
	ids     *idMint

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds the surface from the embedded specification.
func New(o Options) (*Surface, error) {
	if o.Platform == nil || o.Store == nil {
		return nil, fmt.Errorf("v2: Platform and Store are required")
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.LimitStatus == 0 {
		o.LimitStatus = http.StatusTooManyRequests
	}
	if o.LimitStatus != http.StatusTooManyRequests && o.LimitStatus != http.StatusBadRequest {
		return nil, fmt.Errorf("v2: limit status %d: want 429 or 400", o.LimitStatus)
	}
	if o.UploadTime == 0 {
		o.UploadTime = 2 * time.Second
	}
	if o.TaskTime == 0 {
		o.TaskTime = 3 * time.Second
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = defaultMaxStreams
	}
	if o.AudioIdleTimeout <= 0 {
		o.AudioIdleTimeout = defaultAudioIdle
	}
	if o.MaxUploadBytes == 0 {
		o.MaxUploadBytes = 3 << 30
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	spec, err := openapi.MemoriesV2()
	if err != nil {
		return nil, err
	}
	s := &Surface{o: o, p: o.Platform, spec: spec, ops: map[string]*operation{},
		style: apierr.V2{StringCodes: o.StringCodes, LimitStatus: o.LimitStatus}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.ids = newIDMint(o.Seed, s.p.Clock)
	s.assets, err = openAssets(o.Store, s.p.Clock)
	if err != nil {
		return nil, err
	}
	s.tasks = newTaskRunner(s)
	if err := s.buildRoutes(); err != nil {
		return nil, err
	}
	// Tasks accepted before a restart resume on the clock: their callbacks
	// are due whether or not a client asks about them first.
	if err := s.tasks.resume(); err != nil {
		return nil, err
	}
	s.screenplays()
	// Live streams running at the last close go on (streams.go).
	if err := s.resumeStreams(); err != nil {
		return nil, err
	}
	return s, nil
}

// Register mounts the surface on e under BasePath.
func (s *Surface) Register(e *gin.Engine) {
	e.Any(BasePath+"/*rest", recordAnswers, s.serve)
	s.registerStreams(e)
}

// Operations is the number of operations the route table serves.
func (s *Surface) Operations() int { return len(s.ops) }

// Reset forgets every asset and task (the platform and store are reset by
// their owners).
func (s *Surface) Reset() {
	s.tasks.reset()
	s.assets.reset()
	s.agents.reset(s)
	s.stopAllStreams()
}

// ForgetAccount removes one account's assets and their bytes and its
// tasks (running ones stop: no callback, no record).
func (s *Surface) ForgetAccount(account string) {
	s.tasks.forget(account)
	s.assets.forgetAccount(account)
	s.forgetScreenplays(account)
	s.stopAccountStreams(account)
}

// Close stops pending tasks.
func (s *Surface) Close() {
	s.cancel()
	s.wg.Wait()
}

// handlerFunc is one operation's business logic: it returns the envelope's
// data, or an error the adapter maps, or written when it wrote the answer.
type handlerFunc func(*call) (any, error)

type writtenT struct{}

// written tells the adapter the handler wrote the response itself.
var written = writtenT{}

// operation is one row of the route table.
type operation struct {
	id       string
	method   string
	path     string
	segs     []string // path segments; "{x}" for parameters
	statics  int
	spec     *openapi3.Operation
	query    []*openapi3.Parameter
	body     *openapi3.Schema
	check    *schemaCheck // body, compiled (validate.go)
	required bool
	auth     bool
	handler  handlerFunc
}

func (s *Surface) buildRoutes() error {
	reg := s.registry()
	paths := s.spec.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		item := s.spec.Paths.Value(p)
		for method, o := range item.Operations() {
			op := &operation{id: o.OperationID, method: method, path: p, spec: o}
			for _, seg := range strings.Split(strings.Trim(p, "/"), "/") {
				op.segs = append(op.segs, seg)
				if !strings.HasPrefix(seg, "{") {
					op.statics++
				}
			}
			params := append(openapi3.Parameters{}, item.Parameters...)
			params = append(params, o.Parameters...)
			for _, pr := range params {
				if pr.Value != nil && pr.Value.In == openapi3.ParameterInQuery {
					op.query = append(op.query, pr.Value)
				}
			}
			if rb := o.RequestBody; rb != nil && rb.Value != nil {
				op.required = rb.Value.Required
				for _, ct := range []string{"application/json", "multipart/form-data", "application/octet-stream"} {
					if mt := rb.Value.Content.Get(ct); mt != nil && mt.Schema != nil {
						op.body = mt.Schema.Value
						op.check = compileSchema(op.body)
						break
					}
				}
			}
			sec := s.spec.Security
			if o.Security != nil {
				sec = *o.Security
			}
			op.auth = len(sec) > 0
			h, ok := reg[op.id]
			if !ok {
				return fmt.Errorf("v2: operation %s has no handler", op.id)
			}
			op.handler = h
			s.ops[op.id] = op
			s.table = append(s.table, op)
		}
	}
	// Most static segments first: /upload/signed-url before /{asset_id}/…
	sort.SliceStable(s.table, func(i, j int) bool { return s.table[i].statics > s.table[j].statics })
	return nil
}

// match finds the operation for method and the path below BasePath, and
// the path parameters. pathOnly reports a path that exists with another
// method (405).
func (s *Surface) match(method, rest string) (op *operation, params map[string]string, pathOnly bool) {
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	for _, cand := range s.table {
		if len(cand.segs) != len(segs) {
			continue
		}
		var ps map[string]string
		ok := true
		for i, seg := range cand.segs {
			if strings.HasPrefix(seg, "{") {
				if segs[i] == "" {
					ok = false
					break
				}
				if ps == nil {
					ps = map[string]string{}
				}
				ps[strings.Trim(seg, "{}")] = segs[i]
			} else if seg != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if cand.method != method {
			pathOnly = true
			continue
		}
		return cand, ps, false
	}
	return nil, nil, pathOnly
}
