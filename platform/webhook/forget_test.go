package webhook

import (
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
)

func TestForgetOneAccount(t *testing.T) {
	// The fake clock never reaches the retries; the receiver does not
	// exist, so deliveries stay in the log either way.
	d := New(Options{Clock: clock.NewFake(time.Time{}), Attempts: 1})
	defer d.Close()
	d.EnqueueFor(Target{Account: "a"}, "http://127.0.0.1:1/hook", 1)
	d.EnqueueFor(Target{Account: "b"}, "http://127.0.0.1:1/hook", 2)
	d.EnqueueFor(Target{Account: "a"}, "http://127.0.0.1:1/hook", 3)
	d.Forget("a")
	log := d.Snapshot()
	if len(log) != 1 || log[0].Account != "b" {
		t.Fatalf("log after Forget: %+v", log)
	}
}
