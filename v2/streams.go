package v2

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/platform/webhook"
)

// Live streams (V2_SURFACE §6.7): video moderation (/stream/start),
// audio transcription (/audio-stream/start) and stream.memories.ai's
// prompted understanding (/v1/understand/streamConnect). The vendor pulls
// an RTMP/HLS source and reports every 5-second segment; the mock pulls
// nothing (no network) and generates each segment's result from the
// content model, on the mock clock.

// segmentLength is the vendor's automatic segmentation ("every 5 seconds").
const segmentLength = 5 * time.Second

// Stream kinds.
const (
	streamVideo      = "video"
	streamAudio      = "audio"
	streamUnderstand = "understand"
)

// Stream statuses of the vendor's integer vocabulary (V2_SURFACE §3).
const (
	statusStreamOK       = 0
	statusStreamStopped  = 14
	statusStreamCapacity = 16
)

// defaultMaxStreams is N of "max N concurrent streams per account (video
// + audio combined)": the rate-limit page does not give N [GAP].
const defaultMaxStreams = 5

// maxUnderstandPerKey is stream.memories.ai's "Each API key can open a
// maximum of 4 concurrent streaming tasks".
const maxUnderstandPerKey = 4

var (
	errStreamCapacity = errors.New("stream: capacity reached")
	errStreamNotFound = errors.New("stream: task not found")
)

// liveStream is one running stream. Its goroutine owns the callbacks.
type liveStream struct {
	id, account, key, kind string
	hook                   string
	// chargeOp and segQty price one segment (fps-weighted seconds for
	// moderation, audio seconds for transcription).
	chargeOp string
	segQty   float64
	started  time.Time

	// request fields that shape the results
	moderation, logos bool
	fps, maxLogos     int
	provider          string
	prompt, system    string

	// index and segStart are where the stream resumes: the segment in
	// progress (already paid for) and its start.
	index    int
	segStart time.Time

	stopReq chan struct{}
	once    sync.Once
	done    chan struct{}
}

// recStream is the kind of the running streams' records.
const recStream = "v2-stream"

// maxCatchUp bounds the segments a resumed stream delivers at once for the
// time the mock was down: older ones are skipped (neither sent nor
// billed), so a stream reopened after a day does not flood its webhook.
const maxCatchUp = 12

// streamRecord is a running stream as persisted (store records, kind
// recStream): everything that shapes its callbacks and charges, and the
// segment in progress.
type streamRecord struct {
	ID         string    `json:"id"`
	Account    string    `json:"account"`
	Key        string    `json:"key"`
	Kind       string    `json:"kind"`
	Hook       string    `json:"hook"`
	ChargeOp   string    `json:"charge_op"`
	SegQty     float64   `json:"segment_quantity"`
	Started    time.Time `json:"started"`
	Moderation bool      `json:"moderation,omitempty"`
	Logos      bool      `json:"logos,omitempty"`
	FPS        int       `json:"fps,omitempty"`
	MaxLogos   int       `json:"max_logos,omitempty"`
	Provider   string    `json:"provider,omitempty"`
	Prompt     string    `json:"prompt,omitempty"`
	System     string    `json:"system,omitempty"`
	Segment    int       `json:"segment"`
	SegStart   time.Time `json:"segment_start"`
}

func (ls *liveStream) record(index int, segStart time.Time) streamRecord {
	return streamRecord{ID: ls.id, Account: ls.account, Key: ls.key, Kind: ls.kind, Hook: ls.hook, ChargeOp: ls.chargeOp,
		SegQty: ls.segQty, Started: ls.started, Moderation: ls.moderation, Logos: ls.logos, FPS: ls.fps,
		MaxLogos: ls.maxLogos, Provider: ls.provider, Prompt: ls.prompt, System: ls.system, Segment: index, SegStart: segStart}
}

func (r streamRecord) stream() *liveStream {
	return &liveStream{id: r.ID, account: r.Account, key: r.Key, kind: r.Kind, hook: r.Hook, chargeOp: r.ChargeOp,
		segQty: r.SegQty, started: r.Started, moderation: r.Moderation, logos: r.Logos, fps: r.FPS, maxLogos: r.MaxLogos,
		provider: r.Provider, prompt: r.Prompt, system: r.System, index: r.Segment, segStart: r.SegStart}
}

// persistStream writes ls's record with the segment in progress.
func (s *Surface) persistStream(ls *liveStream, index int, segStart time.Time) {
	raw, err := json.Marshal(ls.record(index, segStart))
	if err == nil {
		err = s.o.Store.PutRecord(recStream, ls.id, raw)
	}
	if err != nil {
		s.o.Logger.Error("v2 stream record", "stream", ls.id, "err", err)
	}
}

// dropStream deletes ls's record: the stream ended.
func (s *Surface) dropStream(ls *liveStream) {
	if err := s.o.Store.DeleteRecord(recStream, ls.id); err != nil {
		s.o.Logger.Error("v2 stream record", "stream", ls.id, "err", err)
	}
}

// resumeStreams restarts the streams that were running when the surface
// was last closed (or killed) on this data directory: each goes on with
// the segment it was in, on the clock, its callbacks and charges as an
// uninterrupted run sends them; segments due while the mock was down come
// at once (at most maxCatchUp of them). With StreamsOff they end instead,
// with their final callback.
func (s *Surface) resumeStreams() error {
	var recs []streamRecord
	if err := eachRecord(s.o.Store, recStream, func(id string, r *streamRecord) {
		r.ID = id
		recs = append(recs, *r)
	}); err != nil {
		return err
	}
	sort.Slice(recs, func(i, j int) bool {
		if !recs[i].Started.Equal(recs[j].Started) {
			return recs[i].Started.Before(recs[j].Started)
		}
		return recs[i].ID < recs[j].ID
	})
	now := s.p.Clock.Now()
	for _, r := range recs {
		ls := r.stream()
		if s.o.StreamsOff {
			s.streamCallback(ls, s.finalBody(ls, ls.index, ls.segStart, "Stream stopped: stream processing disabled"))
			s.dropStream(ls)
			continue
		}
		if overdue := int(now.Sub(ls.segStart) / segmentLength); overdue > maxCatchUp {
			skip := overdue - maxCatchUp
			ls.index += skip
			ls.segStart = ls.segStart.Add(time.Duration(skip) * segmentLength)
		}
		// Resumed streams were admitted before: they hold their slots even
		// past a lower cap.
		s.streams.admitResumed(ls)
		s.start(ls)
	}
	return nil
}

// streamHub tracks running streams and the concurrency caps.
type streamHub struct {
	mu     sync.Mutex
	byID   map[string]*liveStream
	perAcc map[string]int // v2 video + audio streams per account
	perKey map[string]int // stream.memories.ai tasks per API key
	// bufs recycles the audio WebSocket's text-frame buffers.
	bufs sync.Pool
}

// maxPooledBuffer is the largest frame buffer kept for reuse.
const maxPooledBuffer = 256 << 10

func (h *streamHub) buffer() *bytes.Buffer {
	if b, ok := h.bufs.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

func (h *streamHub) recycle(b *bytes.Buffer) {
	if b == nil || b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	h.bufs.Put(b)
}

func (h *streamHub) init() {
	if h.byID == nil {
		h.byID = map[string]*liveStream{}
		h.perAcc = map[string]int{}
		h.perKey = map[string]int{}
	}
}

// admit registers ls unless its cap is reached. An id already running
// (ids repeat across restarts: the mint is seeded) is replaced by mint's.
func (h *streamHub) admit(ls *liveStream, maxPerAccount int, mint func() string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.init()
	for h.byID[ls.id] != nil {
		ls.id = mint()
	}
	if ls.kind == streamUnderstand {
		if h.perKey[ls.key] >= maxUnderstandPerKey {
			return errStreamCapacity
		}
		h.perKey[ls.key]++
	} else {
		if h.perAcc[ls.account] >= maxPerAccount {
			return errStreamCapacity
		}
		h.perAcc[ls.account]++
	}
	h.byID[ls.id] = ls
	return nil
}

// admitResumed registers a resumed stream without a cap check.
func (h *streamHub) admitResumed(ls *liveStream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.init()
	if ls.kind == streamUnderstand {
		h.perKey[ls.key]++
	} else {
		h.perAcc[ls.account]++
	}
	h.byID[ls.id] = ls
}

// release forgets ls and frees its slot.
func (h *streamHub) release(ls *liveStream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byID[ls.id] != ls {
		return
	}
	delete(h.byID, ls.id)
	if ls.kind == streamUnderstand {
		h.perKey[ls.key]--
		if h.perKey[ls.key] <= 0 {
			delete(h.perKey, ls.key)
		}
	} else {
		h.perAcc[ls.account]--
		if h.perAcc[ls.account] <= 0 {
			delete(h.perAcc, ls.account)
		}
	}
}

// find returns the running stream id of kind owned by owner (the account,
// or the key on the stream host).
func (h *streamHub) find(id, kind, owner string) (*liveStream, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ls := h.byID[id]
	if ls == nil || ls.kind != kind {
		return nil, errStreamNotFound
	}
	if (kind == streamUnderstand && ls.key != owner) || (kind != streamUnderstand && ls.account != owner) {
		return nil, errStreamNotFound
	}
	return ls, nil
}

// all returns the running streams.
func (h *streamHub) all() []*liveStream {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*liveStream, 0, len(h.byID))
	for _, ls := range h.byID {
		out = append(out, ls)
	}
	return out
}

// Running reports how many live streams are running (all kinds).
func (s *Surface) Running() int {
	s.streams.mu.Lock()
	defer s.streams.mu.Unlock()
	return len(s.streams.byID)
}

// stopAllStreams stops every running stream with its final callback (Reset).
func (s *Surface) stopAllStreams() {
	for _, ls := range s.streams.all() {
		ls.stop()
	}
}

// stopAccountStreams stops the running streams of one account (its keys'
// understanding tasks included), with their final callbacks.
func (s *Surface) stopAccountStreams(account string) {
	for _, ls := range s.streams.all() {
		if ls.account == account {
			ls.stop()
		}
	}
}

// stop asks the stream's goroutine to send the final callback and end, and
// waits until it has.
func (ls *liveStream) stop() {
	ls.once.Do(func() { close(ls.stopReq) })
	<-ls.done
}

// segmentCharge prices one segment of ls.
func (ls *liveStream) segmentCharge() limits.Charge {
	c, _ := limits.CostOf(ls.chargeOp, limits.Quantity{MediaSeconds: ls.segQty})
	return c
}

// launch admits ls, pre-charges its first segment, persists it and starts
// its goroutine.
func (s *Surface) launch(ls *liveStream) error {
	if err := s.streams.admit(ls, s.o.MaxStreams, func() string { return dashedUUID(s.ids.task()) }); err != nil {
		return err
	}
	// "Charges occur at start (pre-charge for one segment) and per
	// segment processed": the first segment is paid before it starts.
	if err := s.p.Ledger.Charge(ls.account, ls.segmentCharge()); err != nil {
		s.streams.release(ls)
		return errNoBalance
	}
	ls.index, ls.segStart = 0, ls.started
	s.persistStream(ls, ls.index, ls.segStart)
	s.start(ls)
	return nil
}

// start runs an admitted stream's goroutine.
func (s *Surface) start(ls *liveStream) {
	ls.stopReq, ls.done = make(chan struct{}), make(chan struct{})
	s.wg.Add(1)
	go s.runStream(ls)
}

// runStream produces a callback every segmentLength of mock time until
// the stream is stopped, its balance runs out, or the surface closes (its
// record then stays, for the next open to resume it).
func (s *Surface) runStream(ls *liveStream) {
	defer s.wg.Done()
	defer close(ls.done)
	defer s.streams.release(ls)
	segStart := ls.segStart
	for i := ls.index; ; i++ {
		select {
		case <-s.ctx.Done():
			return
		case <-ls.stopReq:
			s.streamCallback(ls, s.finalBody(ls, i, segStart, "Stream stopped by user"))
			s.dropStream(ls)
			return
		case <-clock.Until(s.p.Clock, segStart.Add(segmentLength)):
		}
		// A close that raced the segment's time wins: the segment is
		// the next open's to send.
		select {
		case <-s.ctx.Done():
			return
		default:
		}
		segEnd := segStart.Add(segmentLength)
		s.streamCallback(ls, s.segmentBody(ls, i, segStart, segEnd))
		segStart = segEnd
		// The next segment is paid before it is processed; a failed
		// charge ends the stream, as "If the billing process fails … the
		// server will automatically stop the stream".
		if err := s.p.Ledger.Charge(ls.account, ls.segmentCharge()); err != nil {
			s.streamCallback(ls, s.finalBody(ls, i+1, segStart, "Stream stopped: insufficient balance"))
			s.dropStream(ls)
			return
		}
		s.persistStream(ls, i+1, segStart)
	}
}

// streamCallback POSTs body to the stream's hook through the platform's
// webhook engine (retries, delivery log).
func (s *Surface) streamCallback(ls *liveStream, body any) {
	surface := "v2"
	if ls.kind == streamUnderstand {
		surface = "stream"
	}
	s.p.Webhooks.EnqueueFor(webhook.Target{Surface: surface, Account: ls.account}, ls.hook, body)
}

// streamTime renders a segment boundary: RFC 3339 with milliseconds, UTC,
// on the mock clock [GAP: the docs only say "<string>"].
func streamTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// streamCallback is a v2 stream's callback, in the documented field order.
type streamCallbackBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	TaskID  string `json:"task_id"`
	Data    any    `json:"data"`
}

// finalData is the documented stop callback's data.
type finalData struct {
	SegmentIndex     int    `json:"segment_index"`
	SegmentStartTime string `json:"segment_start_time"`
	SegmentEndTime   string `json:"segment_end_time"`
	Status           int    `json:"status"`
	Message          string `json:"message"`
	Transcript       any    `json:"transcript"`
}

// segmentData is one segment's data [GAP: the stop callback's fields plus
// the results of the stream's kind].
type segmentData struct {
	SegmentIndex      int    `json:"segment_index"`
	SegmentStartTime  string `json:"segment_start_time"`
	SegmentEndTime    string `json:"segment_end_time"`
	Status            int    `json:"status"`
	Message           string `json:"message"`
	FPS               int    `json:"fps,omitempty"`
	FramesAnalyzed    int    `json:"frames_analyzed,omitempty"`
	Provider          string `json:"provider,omitempty"`
	ContentModeration any    `json:"content_moderation,omitempty"`
	LogoDetection     any    `json:"logo_detection,omitempty"`
	Transcript        any    `json:"transcript,omitempty"`
}

// understandCallback is a stream.memories.ai callback: the start answer's
// fields plus the window [GAP].
type understandCallback struct {
	Status       int    `json:"status"`
	TaskID       string `json:"task_id"`
	Text         string `json:"text"`
	SegmentIndex *int   `json:"segment_index,omitempty"`
	StartTime    string `json:"start_time,omitempty"`
	EndTime      string `json:"end_time,omitempty"`
	Message      string `json:"message,omitempty"`
}

// finalBody is the last callback: the documented stop callback for v2
// streams, the start answer's shape with status 14 on the stream host.
func (s *Surface) finalBody(ls *liveStream, index int, segStart time.Time, msg string) any {
	if ls.kind == streamUnderstand {
		return understandCallback{Status: statusStreamStopped, TaskID: ls.id, Message: msg}
	}
	return streamCallbackBody{Code: "200", Message: "SUCCESS", TaskID: ls.id, Data: finalData{SegmentIndex: index,
		SegmentStartTime: streamTime(segStart), SegmentEndTime: streamTime(s.p.Clock.Now()),
		Status: statusStreamStopped, Message: msg}}
}

// segmentBody is one segment's callback.
func (s *Surface) segmentBody(ls *liveStream, index int, from, to time.Time) any {
	seg := s.segmentContent(ls, index)
	if ls.kind == streamUnderstand {
		return understandCallback{Status: statusStreamOK, TaskID: ls.id, Text: seg.visual, SegmentIndex: &index,
			StartTime: streamTime(from), EndTime: streamTime(to)}
	}
	d := segmentData{SegmentIndex: index, SegmentStartTime: streamTime(from), SegmentEndTime: streamTime(to),
		Status: statusStreamOK}
	switch ls.kind {
	case streamVideo:
		d.Message, d.FPS, d.FramesAnalyzed = "Segment processed", ls.fps, ls.fps*int(segmentLength/time.Second)
		if ls.moderation {
			d.ContentModeration = moderationResult(s.o.Seed, ls.id, index, seg.visual)
		}
		if ls.logos {
			d.LogoDetection = logoResult(s.o.Seed, ls.id, index, ls.maxLogos, ls.fps)
		}
	case streamAudio:
		d.Message, d.Provider = "Segment transcribed", ls.provider
		d.Transcript = providerFinal(ls.provider, ls.id, index, seg.audio, float64(index)*segmentLength.Seconds())
	}
	return streamCallbackBody{Code: "200", Message: "SUCCESS", TaskID: ls.id, Data: d}
}

// segText is what the content model sees and hears in one segment.
type segText struct{ visual, audio string }

// segmentContent generates segment index of ls: a 5-second "video" of the
// content model steered by the stream's prompt (if any).
func (s *Surface) segmentContent(ls *liveStream, index int) segText {
	return windowText(s.o.Seed, ls.id, index, ls.prompt)
}

// windowText is the content model's text for the index-th 5-s window of a
// stream or session: deterministic under the seed.
func windowText(seed int64, id string, index int, prompt string) segText {
	v := content.Generate(content.VideoInput{Seed: seed, VideoNo: id + "#" + itoa(index),
		Prompt: prompt, Duration: segmentLength.Seconds(), HasAudio: true})
	var vis, aud []string
	for _, sg := range v.Visual {
		vis = append(vis, sg.Text)
	}
	for _, sg := range v.Audio {
		aud = append(aud, sg.Text)
	}
	return segText{visual: strings.Join(vis, " "), audio: strings.Join(aud, " ")}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// unitf is a deterministic number in [0, 1) for (seed, id, index, what).
func unitf(seed int64, id string, index int, what string) float64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(seed))
	binary.LittleEndian.PutUint64(b[8:], uint64(index))
	h.Write(b[:])
	h.Write([]byte(id))
	h.Write([]byte(what))
	return float64(h.Sum64()>>11) / float64(1<<53)
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// moderationCategories are the categories the moderation page names
// ("adult content, violence, etc.") plus the usual companions.
var moderationCategories = []string{"adult", "violence", "hate", "self_harm", "drugs", "weapons"}

// moderationResult scores each category; most segments are clean, about one
// in ten is flagged on one category (scores are deterministic).
func moderationResult(seed int64, id string, index int, description string) map[string]any {
	cats := make(map[string]any, len(moderationCategories))
	var flagged []string
	hot := -1
	if unitf(seed, id, index, "flag") < 0.1 {
		hot = int(unitf(seed, id, index, "which") * float64(len(moderationCategories)))
	}
	for i, c := range moderationCategories {
		score := round3(unitf(seed, id, index, c) * 0.2)
		if i == hot {
			score = round3(0.7 + unitf(seed, id, index, c)*0.3)
			flagged = append(flagged, c)
		}
		cats[c] = score
	}
	if flagged == nil {
		flagged = []string{}
	}
	return map[string]any{"flagged": len(flagged) > 0, "flagged_categories": flagged, "categories": cats,
		"description": description}
}

// logoBrands are the logos the mock "sees".
var logoBrands = []string{"Nike", "Adidas", "Coca-Cola", "Pepsi", "Apple", "Samsung", "Toyota", "Shell",
	"McDonald's", "Starbucks", "Red Bull", "Puma"}

// logoResult detects 0..maxLogos logos with boxes in relative coordinates.
func logoResult(seed int64, id string, index, maxLogos, fps int) map[string]any {
	n := int(unitf(seed, id, index, "logos") * float64(min(maxLogos, 3)+1))
	logos := make([]any, 0, n)
	for k := range n {
		tag := "logo" + itoa(k)
		brand := logoBrands[int(unitf(seed, id, index, tag)*float64(len(logoBrands)))]
		x, y := round3(unitf(seed, id, index, tag+"x")*0.7), round3(unitf(seed, id, index, tag+"y")*0.7)
		w, h := round3(0.05+unitf(seed, id, index, tag+"w")*0.2), round3(0.05+unitf(seed, id, index, tag+"h")*0.2)
		logos = append(logos, map[string]any{"name": brand, "confidence": round3(0.6 + unitf(seed, id, index, tag+"c")*0.4),
			"bbox":  map[string]any{"x": x, "y": y, "width": w, "height": h},
			"frame": int(unitf(seed, id, index, tag+"f") * float64(fps*int(segmentLength/time.Second)))})
	}
	return map[string]any{"logos": logos, "count": len(logos)}
}
