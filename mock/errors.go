package mock

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/memharness/memharness/mock/store"
)

// v1 business codes (API_FACTS A3.1). They travel as strings.
const (
	CodeOK           = "0000"
	CodeBadParam     = "0001"
	CodeUnauthorized = "0401"
	CodeNoBalance    = "0402"
	CodeForbidden    = "0403"
	CodeDuplicate    = "0409"
	CodeUnsupported  = "0415"
	CodeRateLimited  = "0429"
	CodeInternal     = "0500"
)

// APIError is a business error: a v1 code and the message the real API
// sends with it. Handlers return it (or a store sentinel, mapped by toAPI);
// only the response adapter turns it into bytes.
type APIError struct {
	Code string
	Msg  string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Msg }

func apiErr(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Messages the vendor documents for its v1 codes.
var (
	errUnauthorized = &APIError{Code: CodeUnauthorized, Msg: "Authorization is invalid or incorrect."}
	errNoBalance    = &APIError{Code: CodeNoBalance, Msg: "Not enough points (credits) to perform this request."}
	errRateLimited  = &APIError{Code: CodeRateLimited, Msg: "Request has exceeded the limit."}
	errVideoMissing = &APIError{Code: CodeBadParam, Msg: "video not found"}
	errNetwork      = &APIError{Code: CodeBadParam, Msg: "The network is abnormal, please try again later"}
	errInternal     = &APIError{Code: CodeInternal, Msg: "Internal server error"}
)

// toAPI is the one function that decides which API error any failure
// becomes, whatever layer it came from.
func toAPI(err error) *APIError {
	var ae *APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrNotFound):
		return errVideoMissing
	case errors.Is(err, store.ErrExists):
		return &APIError{Code: CodeDuplicate, Msg: "Duplicate request is not allowed."}
	case errors.Is(err, store.ErrTooLarge):
		return &APIError{Code: CodeBadParam, Msg: "File size exceeds the limit."}
	default:
		return errInternal
	}
}

// httpStyle is the seed 000 ("http" error style) rendering of a v1 code:
// the HTTP status, which is also the integer code, and its message.
func httpStyle(e *APIError) (status int, msg string) {
	switch e.Code {
	case CodeBadParam:
		if e == errVideoMissing || e.Msg == errVideoMissing.Msg {
			return http.StatusBadRequest, "Asset not found"
		}
		return http.StatusBadRequest, "Invalid request parameters"
	case CodeUnauthorized:
		return http.StatusUnauthorized, "Unauthorized"
	case CodeNoBalance:
		return http.StatusPaymentRequired, "Insufficient balance or credits"
	case CodeForbidden:
		return http.StatusForbidden, "Forbidden"
	case CodeDuplicate:
		return http.StatusConflict, "Request conflict or duplicate request"
	case CodeUnsupported:
		return http.StatusUnsupportedMediaType, "Unsupported media type"
	case CodeRateLimited:
		return http.StatusTooManyRequests, "Rate limit exceeded"
	default:
		return http.StatusInternalServerError, "Internal server error"
	}
}
