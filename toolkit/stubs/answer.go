package stubs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/memharness/memharness/internal/specschema"
)

// CheckEvents refuses a stubbed event list that the stream description st
// of operation opID does not allow: each event's data must match the event
// component the spec names (x-sse-events; a named event, such as the agent
// stream's "event: progress", its own component from x-sse-named-events),
// checked and explained as the contract suite and the drift report check
// captured streams; the terminator (st.Terminator, e.g. [DONE]) may only
// come last. Every surface's stub check uses it.
func CheckEvents(opID string, st specschema.Stream, events []Event) error {
	for i, e := range events {
		if st.IsTerminator(e.Data) {
			if i != len(events)-1 {
				return fmt.Errorf("answer.events[%d]: terminator %s is not the last event", i, st.Terminator)
			}
			continue
		}
		schema, leaves, err := st.CheckNamedEvent(e.Event, e.Data)
		if err != nil {
			return fmt.Errorf("answer.events[%d]: %v", i, err)
		}
		if len(leaves) > 0 {
			ptr := leaves[0].Pointer
			if ptr == "" {
				ptr = "/"
			}
			return fmt.Errorf("answer.events[%d] breaks the %s event schema %s at %s: %s", i, opID, schema, ptr, leaves[0].Reason)
		}
	}
	return nil
}

// BodyCode reads the envelope code of a raw stubbed body (a string, or a
// number as v2's integer codes), for the journal; "" when it has none.
func BodyCode(raw []byte) string {
	var env struct {
		Code any `json:"code"`
	}
	if json.Unmarshal(raw, &env) != nil {
		return ""
	}
	switch c := env.Code.(type) {
	case string:
		return c
	case float64:
		return strconv.FormatFloat(c, 'f', -1, 64)
	}
	return ""
}

// Delay is a stub's delay_ms as a duration.
func Delay(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
