package v2

import (
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/memharness/memharness/platform/journal"
)

// answerWriters recycles the journal.Writer each request's answer passes
// through; what a Writer kept is handed to the journal entry (record), so
// a recycled Writer holds nothing.
var answerWriters = sync.Pool{New: func() any { return new(journal.Writer) }}

// recordAnswers puts a journal.Writer in front of the response, so the
// journal keeps the answer as the client received it (record fills the
// entry from it; downloads are hashed while they stream, not buffered).
func recordAnswers(c *gin.Context) {
	w := answerWriters.Get().(*journal.Writer)
	w.Reset(c.Writer)
	c.Writer = w
	c.Next()
	c.Writer = w.ResponseWriter
	w.Reset(nil)
	answerWriters.Put(w)
}
