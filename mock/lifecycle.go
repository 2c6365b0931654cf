package mock

import (
	"strconv"
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
	// putVideo and putTask save a transition (nil: the store's PutVideo
	// and PutTask). Tests set them, under mu, to stop a transition between
	// journalling its callback and saving its status, as a kill would.
	putVideo func(*store.Video) error
	putTask  func(*store.Task) error
}

func (l *lifecycle) saveVideo(v *store.Video) error {
	if l.putVideo != nil {
		return l.putVideo(v)
	}
	return l.s.store.PutVideo(v)
}

func (l *lifecycle) saveTask(t *store.Task) error {
	if l.putTask != nil {
		return l.putTask(t)
	}
	return l.s.store.PutTask(t)
}

// callback hands a lifecycle callback to the deliverer. With --data-dir it
// is called before the transition is saved and keyed by the transition:
// the enqueue is journalled when it returns, so a kill before the save
// cannot lose it, and the transition re-run after the restart (same key,
// same payload) finds the journalled delivery instead of making a second.
// Without --data-dir it is called after the save, unkeyed, as before.
func (l *lifecycle) callback(account, key, url string, payload any) {
	l.s.hooks.EnqueueFor(webhook.Target{Surface: "v1", Account: account, Key: key}, url, payload)
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
	v.Finishes++
	url, payload := videoCallback(v, status)
	durable := url != "" && s.store.Persistent()
	if durable {
		// Journalled first (see callback). Should the save below fail,
		// the callback still goes out and the next tick's retry of the
		// transition finds it by its key.
		l.callback(v.Account, "v1-video:"+v.Account+":"+v.No+":"+strconv.Itoa(v.Finishes)+":"+status, url, payload)
	}
	if err := l.saveVideo(v); err != nil {
		s.opts.Logger.Error("lifecycle: save video", "video", v.No, "err", err)
		v.Status = store.StatusUnparse
		v.Finishes--
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
	if url != "" && !durable {
		l.callback(v.Account, "", url, payload)
	}
}

// videoCallback is the callback a video's transition to status sends (""
// when it sends none). It depends only on the video and the status, so a
// transition re-run after a restart sends the same payload.
func videoCallback(v *store.Video, status string) (string, any) {
	switch {
	case v.Callback == "":
		return "", nil
	case v.TaskID != "":
		// Scraped videos report to the task's callback; newer docs send
		// one INDEXING_SUCCEEDED event per video once it is indexed.
		if status != store.StatusParse {
			return "", nil
		}
		return v.Callback, map[string]any{
			"videoId": v.No, "message": "Video indexing succeed", "taskId": v.TaskID, "status": "INDEXING_SUCCEEDED",
		}
	default:
		// Seed 001/002: {"videoNo": "...", "status": "PARSE"|"FAIL"}.
		return v.Callback, map[string]any{"videoNo": v.No, "status": status}
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
	var payload any
	if t.Callback != "" {
		payload = map[string]any{
			"message": "Video has been downloaded, indexing has begun.", "taskId": t.ID, "status": "SUCCEEDED",
		}
	}
	// A task is downloaded once (Notified), so its id names the callback.
	durable := t.Callback != "" && s.store.Persistent()
	if durable {
		l.callback(t.Account, "v1-task:"+t.Account+":"+t.ID, t.Callback, payload)
	}
	t.Notified = true
	if err := l.saveTask(t); err != nil {
		s.opts.Logger.Error("lifecycle: save task", "task", t.ID, "err", err)
		return
	}
	if t.Callback != "" && !durable {
		l.callback(t.Account, "", t.Callback, payload)
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
		if err := l.saveVideo(v); err != nil {
			l.s.opts.Logger.Error("lifecycle: save video", "video", v.No, "err", err)
		}
		l.s.world.removeVideo(v)
		return
	}
	l.finish(v, status, cause)
}
