package v2

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/platform/apierr"
	"github.com/memharness/memharness/platform/webhook"
)

// Task is an async v2 operation in flight or done, as the control plane
// reports it.
type Task struct {
	ID        string    `json:"task_id"`
	Account   string    `json:"account"`
	Operation string    `json:"operation"`
	Webhook   string    `json:"webhook"`
	Created   time.Time `json:"created"`
	Due       time.Time `json:"due"`
	Status    string    `json:"status"` // running, delivered (handed to the webhook engine), failed
	Delivery  string    `json:"delivery,omitempty"`
}

// taskRunner runs async operations on the clock and hands their results to
// the platform's webhook engine (retries and the delivery log are there).
// Every task is persisted with its job through the store's records, so a
// task accepted before a restart (or a kill) on the same data directory is
// resumed when the surface opens: a due task runs at once, the others when
// their time comes, and their callbacks go out as if nothing had happened.
type taskRunner struct {
	s  *Surface
	mu sync.Mutex
	// tasks is bounded: the oldest tasks are dropped past maxTasks.
	tasks map[string]*Task
	order []string
	// stop cancels a running task's wait and hand-off (reset, forget).
	stop map[string]context.CancelFunc
}

const maxTasks = 10000

// recTask is the kind of the task records.
const recTask = "v2-task"

// taskRecord is a task as persisted: the control plane's view and, while
// it runs, the job it computes when due.
type taskRecord struct {
	Task
	Job *taskJob `json:"job,omitempty"`
}

func newTaskRunner(s *Surface) *taskRunner {
	return &taskRunner{s: s, tasks: map[string]*Task{}, stop: map[string]context.CancelFunc{}}
}

// startAsync starts an async operation: the account (or override) webhook
// is required, a 32-hex task id is returned at once, and after `after` on
// the mock clock job runs and the documented callback body
// {"code":200,"message":"SUCCESS","data":…,"task_id":…} is POSTed. The
// failure callback's shape is not documented [GAP]; the mock sends
// {"code":500,"message":"FAILED","data":{"error":…},"task_id":…}.
func (s *Surface) startAsync(cl *call, override string, after time.Duration, job taskJob) (any, error) {
	hook := override
	if err := s.checkHook(hook); err != nil {
		return nil, err
	}
	if hook == "" {
		hook = s.p.Accounts.Webhook(cl.account)
	}
	if hook == "" {
		return nil, errNoWebhook
	}
	now := s.p.Clock.Now()
	t := &Task{Account: cl.account, Operation: cl.op.id, Webhook: hook, Created: now,
		Due: now.Add(after), Status: "running"}
	if err := s.tasks.add(t, &job); err != nil {
		return nil, err
	}
	s.armTask(*t, job)
	return map[string]any{"task_id": t.ID}, nil
}

// armTask waits for t's due time on the clock, runs its job and hands the
// callback to the webhook engine. Closing the surface first leaves the
// task running in its record, to be resumed by the next open; a reset or
// the account's forget stops it for good (no job, no callback, no record).
func (s *Surface) armTask(t Task, job taskJob) {
	ctx, cancel := context.WithCancel(s.ctx)
	s.tasks.mu.Lock()
	s.tasks.stop[t.ID] = cancel
	s.tasks.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		select {
		case <-clock.Until(s.p.Clock, t.Due):
		case <-ctx.Done():
			return
		}
		select {
		case <-ctx.Done():
			return
		default:
		}
		data, err := s.runJob(job, func(j taskJob) error { return s.tasks.plan(ctx, t.ID, j) })
		body := map[string]any{"code": s.hookCode(http.StatusOK), "message": "SUCCESS", "data": data, "task_id": t.ID}
		status := "delivered"
		if err != nil {
			body = map[string]any{"code": s.hookCode(http.StatusInternalServerError), "message": "FAILED",
				"data": map[string]any{"error": toAPI(err).Msg}, "task_id": t.ID}
			status = "failed"
		}
		s.tasks.handOff(ctx, t, status, func() string {
			// Keyed by the task: a task resumed after a kill between this
			// hand-off and its recorded end does not call back twice.
			return s.p.Webhooks.EnqueueFor(webhook.Target{Surface: "v2", Account: t.Account, Key: "v2-task:" + t.ID},
				t.Webhook, body)
		})
	}()
}

// handOff enqueues a finished task's callback and records its end, unless
// a reset or forget (or Close) stopped the task meanwhile: under mu, so a
// reset either comes first (nothing is sent or written back) or after.
func (r *taskRunner) handOff(ctx context.Context, t Task, status string, enqueue func() string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.stop, t.ID)
	if ctx.Err() != nil {
		return
	}
	r.finishLocked(t.ID, status, enqueue())
}

// plan persists a running task's job with its planned output ids. A task
// stopped meanwhile is not written back (and makes nothing); one dropped
// from the bounded table goes on unrecorded, as its end would be.
func (r *taskRunner) plan(ctx context.Context, id string, job taskJob) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ctx.Err() != nil {
		return fmt.Errorf("v2: task %s stopped", id)
	}
	t, ok := r.tasks[id]
	if !ok {
		return nil
	}
	return r.put(t, &job)
}

// reset forgets every task and stops the running ones (their records are
// reset with the store).
func (r *taskRunner) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, cancel := range r.stop {
		cancel()
	}
	r.tasks, r.order, r.stop = map[string]*Task{}, nil, map[string]context.CancelFunc{}
}

// forget removes an account's tasks and their records and stops its
// running ones.
func (r *taskRunner) forget(account string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.order[:0]
	for _, id := range r.order {
		t := r.tasks[id]
		if t == nil || t.Account != account {
			kept = append(kept, id)
			continue
		}
		if cancel := r.stop[id]; cancel != nil {
			cancel()
			delete(r.stop, id)
		}
		delete(r.tasks, id)
		_ = r.s.o.Store.DeleteRecord(recTask, id)
	}
	clear(r.order[len(kept):])
	r.order = kept
}

// hookCode is the callback's code in the configured style.
func (s *Surface) hookCode(status int) any {
	if !s.o.StringCodes {
		return status
	}
	if status == http.StatusOK {
		return "0000"
	}
	return "0500"
}

// put persists a task record.
func (r *taskRunner) put(t *Task, job *taskJob) error {
	raw, err := json.Marshal(taskRecord{Task: *t, Job: job})
	if err != nil {
		return err
	}
	return r.s.o.Store.PutRecord(recTask, t.ID, raw)
}

// add mints t's id, persists t with its job and lists it. A task that
// cannot be persisted is not accepted.
func (r *taskRunner) add(t *Task, job *taskJob) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		// Ids repeat across restarts (the mint is seeded): skip taken ones.
		t.ID = r.s.ids.task()
		if _, taken := r.tasks[t.ID]; !taken {
			break
		}
	}
	if err := r.put(t, job); err != nil {
		return err
	}
	r.list(t)
	return nil
}

// list adds t to the table, dropping the oldest tasks past maxTasks (and
// the records of those that finished; a running one keeps its record until
// it ends). Called under mu.
func (r *taskRunner) list(t *Task) {
	r.tasks[t.ID] = t
	r.order = append(r.order, t.ID)
	for len(r.order) > maxTasks {
		old := r.tasks[r.order[0]]
		if old != nil && old.Status != "running" {
			_ = r.s.o.Store.DeleteRecord(recTask, old.ID)
		}
		delete(r.tasks, r.order[0])
		r.order = r.order[1:]
	}
}

// finishLocked records a task's end and persists it without its job.
// Called under mu.
func (r *taskRunner) finishLocked(id, status, delivery string) {
	t, ok := r.tasks[id]
	if !ok {
		// Dropped from the table while it ran: nothing to keep.
		_ = r.s.o.Store.DeleteRecord(recTask, id)
		return
	}
	t.Status, t.Delivery = status, delivery
	if err := r.put(t, nil); err != nil {
		r.s.o.Logger.Error("v2 task record", "task", id, "err", err)
	}
}

// resume loads the persisted tasks, oldest first, and arms the running
// ones (a due one runs at once).
func (r *taskRunner) resume() error {
	var recs []taskRecord
	if err := eachRecord(r.s.o.Store, recTask, func(id string, rec *taskRecord) {
		rec.ID = id
		recs = append(recs, *rec)
	}); err != nil {
		return err
	}
	sort.Slice(recs, func(i, j int) bool {
		if !recs[i].Created.Equal(recs[j].Created) {
			return recs[i].Created.Before(recs[j].Created)
		}
		return recs[i].ID < recs[j].ID
	})
	r.mu.Lock()
	for i := range recs {
		t := recs[i].Task
		r.list(&t)
	}
	r.mu.Unlock()
	for _, rec := range recs {
		if rec.Status != "running" {
			continue
		}
		if rec.Job == nil {
			// A record without its job cannot be computed: it fails
			// with the failure callback rather than vanish.
			rec.Job = &taskJob{Kind: "missing"}
		}
		r.s.armTask(rec.Task, *rec.Job)
	}
	return nil
}

// Tasks returns copies of the known tasks, oldest first.
func (s *Surface) Tasks() []Task {
	r := s.tasks
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Task, 0, len(r.order))
	for _, id := range r.order {
		out = append(out, *r.tasks[id])
	}
	return out
}

// Assets returns copies of an account's assets (control plane, dashboard).
func (s *Surface) Assets(account string) []Asset {
	list := s.assets.list(account)
	out := make([]Asset, len(list))
	for i, a := range list {
		out[i] = *a
	}
	return out
}

// checkHook refuses a per-request callback URL outside --callback-hosts
// with the catch-all 400 and a message naming the host ("" passes).
func (s *Surface) checkHook(raw string) error {
	if raw == "" {
		return nil
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	if err := s.o.CallbackHosts.Check(raw); err != nil {
		return apierr.New(apierr.CodeBadParam, "callback url not allowed: %v", err)
	}
	return nil
}
