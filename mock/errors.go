package mock

import (
	"errors"

	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform/apierr"
)

// v1 business codes (API_FACTS A3.1). They travel as strings. The
// vocabulary is the platform's (platform/apierr), shared with v2.
const (
	CodeOK           = apierr.CodeOK
	CodeBadParam     = apierr.CodeBadParam
	CodeUnauthorized = apierr.CodeUnauthorized
	CodeNoBalance    = apierr.CodeNoBalance
	CodeForbidden    = apierr.CodeForbidden
	CodeDuplicate    = apierr.CodeDuplicate
	CodeUnsupported  = apierr.CodeUnsupported
	CodeRateLimited  = apierr.CodeRateLimited
	CodeInternal     = apierr.CodeInternal
)

// APIError is a business error: a v1 code and the message the real API
// sends with it. Handlers return it (or a store sentinel, mapped by toAPI);
// only the response adapter turns it into bytes.
type APIError = apierr.Error

func apiErr(code, format string, args ...any) *APIError { return apierr.New(code, format, args...) }

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

// isVideoMissing tells the "http" error style which bad-parameter errors
// are seed 000's "Asset not found".
func isVideoMissing(e *APIError) bool { return e == errVideoMissing || e.Msg == errVideoMissing.Msg }
