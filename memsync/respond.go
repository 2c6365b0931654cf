package memsync

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// apiError is every non-2xx answer. The single adapter (writeError) renders it as the documented
// error envelope {error:{code,message,details}, status:"error", timestamp}.
type apiError struct {
	Status  int
	Code    string
	Message string
	Details map[string]any
	// Headers are added to the response (Retry-After).
	Headers map[string]string
	// Raw, when set, is written as the body instead of the documented envelope: the answers
	// FastAPI itself gives before the application's handlers (and their envelope) run.
	Raw any
}

// Error implements error.
func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// result is what a handler returns on success.
type result struct {
	Status int
	Body   any
	// Bare skips the standard envelope (the paginated list builds its own shape).
	Bare bool
}

// ok is a 200 answer.
func ok(body any) (result, error) { return result{Status: http.StatusOK, Body: body}, nil }

// Error constructors, one per documented code. Endpoint pages show flat extras (memory_id,
// suggestion, ...) next to the code; here they travel in details.

// errValidation is 400 VALIDATION_ERROR with details {field, reason}.
func errValidation(field, reason string) *apiError {
	d := map[string]any{"reason": reason}
	if field != "" {
		d["field"] = field
	}
	return &apiError{Status: http.StatusBadRequest, Code: "VALIDATION_ERROR", Message: "Invalid request format", Details: d}
}

// errAuth is 401 AUTHENTICATION_ERROR.
func errAuth(reason string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: "AUTHENTICATION_ERROR", Message: "Invalid API key",
		Details: map[string]any{"reason": reason}}
}

// errForbidden is 403 FORBIDDEN for a key without the operation's scope.
func errForbidden(scope string) *apiError {
	return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "Insufficient permissions",
		Details: map[string]any{"required_scope": scope}}
}

// errMemoryNotFound is 404 MEMORY_NOT_FOUND.
func errMemoryNotFound(id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "MEMORY_NOT_FOUND", Message: "Memory not found",
		Details: map[string]any{"memory_id": id}}
}

// errMemoryForbidden is the update/delete pages' "memory belongs to another user".
func errMemoryForbidden(id string) *apiError {
	return &apiError{Status: http.StatusForbidden, Code: "FORBIDDEN", Message: "Access denied",
		Details: map[string]any{"memory_id": id, "reason": "Memory belongs to another user"}}
}

// errNoMemories is the search page's NO_MEMORIES_FOUND for a user without memories.
func errNoMemories() *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "NO_MEMORIES_FOUND", Message: "No memories exist for the user",
		Details: map[string]any{"suggestion": "Store some memories first"}}
}

// errProfileNotFound is 404 PROFILE_NOT_FOUND with the page's suggestion.
func errProfileNotFound(count int) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "PROFILE_NOT_FOUND", Message: "Profile not yet generated",
		Details: map[string]any{"suggestion": "Store some memories first to generate a profile", "current_memory_count": count}}
}

// errBioNotFound is 404 BIO_NOT_FOUND with a suggestion and the current memory count.
func errBioNotFound(count int, suggestion string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "BIO_NOT_FOUND", Message: "Bio not yet generated",
		Details: map[string]any{"suggestion": suggestion, "current_memory_count": count}}
}

// errIntegrationNotFound is 404 INTEGRATION_NOT_FOUND.
func errIntegrationNotFound(id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "INTEGRATION_NOT_FOUND", Message: "Integration not found",
		Details: map[string]any{"integration_id": id}}
}

// errAPIKeyNotFound is 404 API_KEY_NOT_FOUND.
func errAPIKeyNotFound(id string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "API_KEY_NOT_FOUND", Message: "API key not found",
		Details: map[string]any{"api_key_id": id}}
}

// errCannotDeleteActiveKey is 403 CANNOT_DELETE_ACTIVE_KEY.
func errCannotDeleteActiveKey(id string) *apiError {
	return &apiError{Status: http.StatusForbidden, Code: "CANNOT_DELETE_ACTIVE_KEY", Message: "Cannot delete the currently used API key",
		Details: map[string]any{"api_key_id": id}}
}

// errInvalidFileType is 400 INVALID_FILE_TYPE with the supported types.
func errInvalidFileType(reason string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "INVALID_FILE_TYPE", Message: "Unsupported file type",
		Details: map[string]any{"field": "file", "reason": reason, "supported_types": supportedFileTypes()}}
}

// errExpectedUpload is the 422 FastAPI (pydantic 2) answers when a form field declared
// UploadFile arrives as a plain text field: request validation fails before the application's
// code runs, so the body is FastAPI's {"detail":[...]} rather than the documented envelope.
// Why: MemSync is a FastAPI service (its docs' 422 pages and /docs layout); accepting the text
// as a file would invent a success the real service does not give.
func errExpectedUpload(field, input string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "REQUEST_VALIDATION", Message: "Expected UploadFile",
		Raw: map[string]any{"detail": []any{map[string]any{
			"type": "value_error", "loc": []any{"body", field},
			"msg":   "Value error, Expected UploadFile, received: <class 'str'>",
			"input": input, "ctx": map[string]any{"error": map[string]any{}},
		}}}}
}

// errFileTooLarge is 413 FILE_TOO_LARGE with the limit and the size, in MB.
func errFileTooLarge(size int64) *apiError {
	mb := (size + (1<<20 - 1)) >> 20
	return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "FILE_TOO_LARGE", Message: "File size exceeds limit",
		Details: map[string]any{"max_size_mb": maxFileBytes >> 20, "file_size_mb": mb}}
}

// errRateLimited is the 429 of both the per-minute windows and the bio refresh cooldown.
func errRateLimited(message string, limit int, reset time.Time, now time.Time) *apiError {
	wait := int(reset.Sub(now).Seconds() + 0.999)
	if wait < 1 {
		wait = 1
	}
	d := map[string]any{"reset_time": formatTime(reset), "retry_after": wait}
	if limit > 0 {
		d["limit"] = limit
	}
	return &apiError{Status: http.StatusTooManyRequests, Code: "RATE_LIMIT_EXCEEDED", Message: message, Details: d,
		Headers: map[string]string{"Retry-After": strconv.Itoa(wait)}}
}

// errorBody renders the documented error envelope.
func (s *Server) errorBody(e *apiError) map[string]any {
	inner := map[string]any{"code": e.Code, "message": e.Message}
	if e.Details != nil {
		inner["details"] = e.Details
	} else {
		inner["details"] = map[string]any{}
	}
	return map[string]any{"error": inner, "status": "error", "timestamp": formatTime(s.clk.Now())}
}

// writeError is the single writer of error answers.
func (s *Server) writeError(c *gin.Context, e *apiError) {
	for k, v := range e.Headers {
		c.Header(k, v)
	}
	if e.Raw != nil {
		writeJSON(c.Writer, e.Status, e.Raw)
		return
	}
	writeJSON(c.Writer, e.Status, s.errorBody(e))
}

// writeResult is the single writer of success answers, enveloped unless configured off.
func (s *Server) writeResult(c *gin.Context, r result) {
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	body := r.Body
	if s.envelope && !r.Bare {
		body = map[string]any{"data": r.Body, "status": "success", "timestamp": formatTime(s.clk.Now())}
	}
	writeJSON(c.Writer, status, body)
}

// writeJSON writes body as JSON with status.
func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"INTERNAL_ERROR","message":"Internal server error","details":{}},"status":"error","timestamp":"1970-01-01T00:00:00Z"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// noRoute answers every path and method the spec does not describe.
func (s *Server) noRoute(c *gin.Context) {
	s.writeError(c, &apiError{Status: http.StatusNotFound, Code: "RESOURCE_NOT_FOUND", Message: "Resource not found",
		Details: map[string]any{"method": c.Request.Method, "path": c.Request.URL.Path,
			"reason": "No such endpoint"}})
}

// recoverer turns a handler panic into the documented 500 envelope instead of a dropped
// connection, and logs it.
func (s *Server) recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("memsync: handler panic", "path", c.Request.URL.Path, "panic", fmt.Sprint(r))
				if !c.Writer.Written() {
					s.writeError(c, &apiError{Status: http.StatusInternalServerError, Code: "INTERNAL_ERROR",
						Message: "Internal server error"})
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// formatTime is the wire format of every timestamp: RFC 3339, UTC, whole seconds.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// timePtr formats t, or returns nil (JSON null) for the zero time.
func timePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

// sortedStrings sorts v in place and returns it.
func sortedStrings(v []string) []string {
	sort.Strings(v)
	return v
}
