// Package apierr is the error vocabulary every emulated surface shares: a
// business error is a canonical code (the vendor's v1 codes, "0001" bad
// parameter, "0401" key, "0402" balance, "0429" limit, ...) and the message
// the real API sends with it. Handlers return *Error values; only a
// surface's response adapter turns them into bytes, in that surface's
// error style (style.go).
package apierr

import (
	"errors"
	"fmt"
	"net/http"
)

// Canonical codes (API_FACTS A3.1). They travel as strings on v1.
const (
	CodeOK           = "0000"
	CodeBadParam     = "0001"
	CodeUnauthorized = "0401"
	CodeNoBalance    = "0402"
	CodeForbidden    = "0403"
	CodeMethod       = "0405"
	CodeDuplicate    = "0409"
	CodeUnsupported  = "0415"
	CodeRateLimited  = "0429"
	CodeInternal     = "0500"
)

// Error is a business error: a canonical code and the message the real API
// sends with it.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return e.Code + ": " + e.Msg }

// New returns an Error with a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Status is the HTTP status a canonical code maps to where the integer code
// equals the HTTP status (seed 000).
func Status(code string) int {
	switch code {
	case CodeOK:
		return http.StatusOK
	case CodeBadParam:
		return http.StatusBadRequest
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeNoBalance:
		return http.StatusPaymentRequired
	case CodeForbidden:
		return http.StatusForbidden
	case CodeMethod:
		return http.StatusMethodNotAllowed
	case CodeDuplicate:
		return http.StatusConflict
	case CodeUnsupported:
		return http.StatusUnsupportedMediaType
	case CodeRateLimited:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// Seed000Message is seed 000's message for a code (the error-codes page).
func Seed000Message(code string) string {
	switch code {
	case CodeBadParam:
		return "Invalid request parameters"
	case CodeUnauthorized:
		return "Unauthorized"
	case CodeNoBalance:
		return "Insufficient balance or credits"
	case CodeForbidden:
		return "Forbidden"
	case CodeMethod:
		return "Method not allowed"
	case CodeDuplicate:
		return "Request conflict or duplicate request"
	case CodeUnsupported:
		return "Unsupported media type"
	case CodeRateLimited:
		return "Rate limit exceeded"
	default:
		return "Internal server error"
	}
}
