package mock

import (
	"sync"
	"time"

	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform/webhook"
)

// lifecycle moves uploads from UNPARSE to PARSE or FAIL and scraper tasks
// from downloading to indexing, at the times decided when they were
// created. It is driven by ticks (a background ticker, every read, and the
// control plane), so with an injected clock it is fully deterministic.
type lifecycle struct {
	s  *Server
	mu sync.Mutex // one tick at a time: transitions are applied once
}

// processingTime is the UNPARSE -> PARSE time of a video: fixed, or its
// duration divided by the speed factor.
func (s *Server) processingTime(duration float64) time.Duration {
	if s.opts.ProcessingSpeed > 0 && duration > 0 {
		return time.Duration(duration / s.opts.ProcessingSpeed * float64(time.Second))
	}
	return s.opts.ProcessingTime
}

func (l *lifecycle) tick(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.s
	for _, t := range s.store.DueTasks(now) {
		l.downloaded(t, now)
	}
	for _, v := range s.store.DueVideos(now) {
		l.finish(v, v.FinalStatus, v.FinalCause)
	}
}

// finish applies a video's final status, indexes it, charges indexing and
// sends its callbacks.
func (l *lifecycle) finish(v *store.Video, status, cause string) {
	s := l.s
	if status == "" {
		status = store.StatusParse
	}
	v.Status = status
	v.Cause = cause
	if status != store.StatusFail {
		v.Cause = ""
	}
	if err := s.store.PutVideo(v); err != nil {
		s.opts.Logger.Error("lifecycle: save video", "video", v.No, "err", err)
		v.Status = store.StatusUnparse
		s.store.Requeue(v)
		return
	}
	if status == store.StatusParse {
		s.world.indexVideo(v)
		s.chargeIndexing(v)
	} else {
		s.world.removeVideo(v)
	}
	s.opts.Logger.Info("video status", "video", v.No, "status", status, "cause", cause)
	switch {
	case v.Callback == "":
	case v.TaskID != "":
		// Scraped videos report to the task's callback; newer docs send
		// one INDEXING_SUCCEEDED event per video once it is indexed.
		if status == store.StatusParse {
			s.hooks.EnqueueFor(webhook.Target{Surface: "v1", Account: v.Account}, v.Callback, map[string]any{
				"videoId": v.No, "message": "Video indexing succeed", "taskId": v.TaskID, "status": "INDEXING_SUCCEEDED",
			})
		}
	default:
		// Seed 001/002: {"videoNo": "...", "status": "PARSE"|"FAIL"}.
		s.hooks.EnqueueFor(webhook.Target{Surface: "v1", Account: v.Account}, v.Callback, map[string]any{"videoNo": v.No, "status": status})
	}
}

// downloaded completes a scraper task's download phase: its videos appear
// (UNPARSE, indexing) and the task callback fires.
func (l *lifecycle) downloaded(t *store.Task, now time.Time) {
	s := l.s
	for i, no := range t.VideoNos {
		v := s.scrapedVideo(t, i, no, now)
		if err := s.store.PutVideo(v); err != nil {
			s.opts.Logger.Error("lifecycle: save scraped video", "video", no, "err", err)
			return
		}
	}
	t.Notified = true
	if err := s.store.PutTask(t); err != nil {
		s.opts.Logger.Error("lifecycle: save task", "task", t.ID, "err", err)
		return
	}
	if t.Callback != "" {
		s.hooks.EnqueueFor(webhook.Target{Surface: "v1", Account: t.Account}, t.Callback, map[string]any{
			"message": "Video has been downloaded, indexing has begun.", "taskId": t.ID, "status": "SUCCEEDED",
		})
	}
}

// force sets a video's status now (control plane), as if processing ended.
func (l *lifecycle) force(v *store.Video, status, cause string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if status == store.StatusUnparse {
		v.Status = store.StatusUnparse
		v.Cause = ""
		v.ReadyAt = l.s.clk.Now().Add(l.s.processingTime(v.Duration))
		if err := l.s.store.PutVideo(v); err != nil {
			l.s.opts.Logger.Error("lifecycle: save video", "video", v.No, "err", err)
		}
		l.s.world.removeVideo(v)
		return
	}
	l.finish(v, status, cause)
}
