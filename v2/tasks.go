package v2

import (
	"strings"

	"github.com/memharness/memharness/platform/apierr"
	"net/http"
	"sync"
	"time"

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
type taskRunner struct {
	s  *Surface
	mu sync.Mutex
	// tasks is bounded: the oldest finished tasks are dropped past maxTasks.
	tasks map[string]*Task
	order []string
}

const maxTasks = 10000

func newTaskRunner(s *Surface) *taskRunner { return &taskRunner{s: s, tasks: map[string]*Task{}} }

// asyncResult computes a task's webhook data when the task is due. An error
// makes the callback a failure callback.
type asyncResult func() (any, error)

// startAsync starts an async operation: the account (or override) webhook
// is required, a 32-hex task id is returned at once, and after `after` on
// the mock clock the documented callback body
// {"code":200,"message":"SUCCESS","data":…,"task_id":…} is POSTed. The
// failure callback's shape is not documented [GAP]; the mock sends
// {"code":500,"message":"FAILED","data":{"error":…},"task_id":…}.
func (s *Surface) startAsync(cl *call, override string, after time.Duration, result asyncResult) (any, error) {
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
	t := &Task{ID: s.ids.task(), Account: cl.account, Operation: cl.op.id, Webhook: hook, Created: now,
		Due: now.Add(after), Status: "running"}
	s.tasks.add(t)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-s.p.Clock.After(after):
		case <-s.ctx.Done():
			return
		}
		data, err := result()
		body := map[string]any{"code": s.hookCode(http.StatusOK), "message": "SUCCESS", "data": data, "task_id": t.ID}
		status := "delivered"
		if err != nil {
			body = map[string]any{"code": s.hookCode(http.StatusInternalServerError), "message": "FAILED",
				"data": map[string]any{"error": toAPI(err).Msg}, "task_id": t.ID}
			status = "failed"
		}
		id := s.p.Webhooks.EnqueueFor(webhook.Target{Surface: "v2", Account: t.Account}, hook, body)
		s.tasks.finish(t.ID, status, id)
	}()
	return map[string]any{"task_id": t.ID}, nil
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

func (r *taskRunner) add(t *Task) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tasks[t.ID] = t
	r.order = append(r.order, t.ID)
	for len(r.order) > maxTasks {
		delete(r.tasks, r.order[0])
		r.order = r.order[1:]
	}
}

func (r *taskRunner) finish(id, status, delivery string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.tasks[id]; ok {
		t.Status, t.Delivery = status, delivery
	}
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
