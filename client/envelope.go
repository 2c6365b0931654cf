package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Code is the envelope's business code. The v1 API sends it as a string
// ("0000", "0429"); the caption host and the HTTP error style send an integer
// (0, 429). Code keeps the text as sent, so "0429" and "429" stay distinct
// and a contract check can tell which style the server used.
type Code string

// UnmarshalJSON accepts a JSON string or a JSON number.
func (c *Code) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*c = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = Code(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("client: envelope code %s is neither a string nor a number", b)
		}
		*c = Code(n.String())
	}
	return nil
}

// IsNumeric reports whether the code was sent as an integer (caption host,
// HTTP error style).
func (c Code) IsNumeric() bool {
	if c == "" {
		return false
	}
	_, err := strconv.Atoi(string(c))
	return err == nil && (len(c) == 1 || c[0] != '0')
}

// Envelope is the common response wrapper:
// {"code":"0000","msg":"success","data":...,"success":true,"failed":false}.
// Success and Failed are pointers because early examples omit them.
type Envelope[T any] struct {
	Code    Code   `json:"code"`
	Msg     string `json:"msg"`
	Data    T      `json:"data"`
	Success *bool  `json:"success,omitempty"`
	Failed  *bool  `json:"failed,omitempty"`
}

// IsSuccess reports whether the envelope carries a success: "0000" (v1),
// 0 (caption host) or 200 (HTTP error style). With no code at all the
// success flag decides.
func (e *Envelope[T]) IsSuccess() bool { return codeSuccess(e.Code, e.Success) }

func codeSuccess(c Code, success *bool) bool {
	switch c {
	case "0000", "0", "200":
		return true
	case "":
		return success != nil && *success
	}
	return false
}

// Business codes of the v1 API (string style).
const (
	CodeOK                  = "0000"
	CodeBadParam            = "0001"
	CodeUnauthorized        = "0401"
	CodeInsufficientBalance = "0402"
	CodeDisabled            = "0403"
	CodeDuplicate           = "0409"
	CodeRateLimited         = "0429"
)

// APIError is a response the server answered but did not accept: a business
// error inside the envelope (v1: HTTP 200 with a non-"0000" code), an
// HTTP-style error (integer code equal to the status), or a non-2xx status
// with no envelope at all (Code empty).
type APIError struct {
	// Op is the operation name (see Exchange.Op).
	Op string
	// Code is the envelope code as sent ("0429", "429"), empty when the body
	// was not an envelope.
	Code string
	// Msg is the envelope message, or the start of a non-envelope body.
	Msg string
	// HTTPStatus is the HTTP status of the response.
	HTTPStatus int
}

// Error implements error.
func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("memories %s: HTTP %d: %s", e.Op, e.HTTPStatus, e.Msg)
	}
	return fmt.Sprintf("memories %s: code %s: %s (HTTP %d)", e.Op, e.Code, e.Msg, e.HTTPStatus)
}

// normCode maps the HTTP error style's integer codes onto the v1 string
// codes so helpers and metrics treat 429 and "0429" alike.
func normCode(code string, status int) string {
	switch code {
	case "400":
		return CodeBadParam
	case "401":
		return CodeUnauthorized
	case "402":
		return CodeInsufficientBalance
	case "403":
		return CodeDisabled
	case "409":
		return CodeDuplicate
	case "429":
		return CodeRateLimited
	case "":
		switch status {
		case 401:
			return CodeUnauthorized
		case 402:
			return CodeInsufficientBalance
		case 429:
			return CodeRateLimited
		}
	}
	return code
}

// Normalized returns the error's code in v1 spelling ("429" -> "0429").
func (e *APIError) Normalized() string { return normCode(e.Code, e.HTTPStatus) }

func apiCode(err error) (string, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Normalized(), true
	}
	return "", false
}

// HasCode reports whether err is an *APIError whose normalized code is code
// (v1 spelling, e.g. "0409").
func HasCode(err error, code string) bool {
	c, ok := apiCode(err)
	return ok && c == code
}

// IsRateLimited reports whether err is a 0429 (or HTTP 429) answer.
func IsRateLimited(err error) bool { return HasCode(err, CodeRateLimited) }

// IsInsufficientBalance reports whether err is a 0402 (out of credits) answer.
func IsInsufficientBalance(err error) bool { return HasCode(err, CodeInsufficientBalance) }

// IsUnauthorized reports whether err is a 0401 (bad or missing key) answer.
func IsUnauthorized(err error) bool { return HasCode(err, CodeUnauthorized) }

// ErrDecode marks a response that does not have the documented shape: not
// an envelope, or data that does not decode into the typed result. The load
// tester counts it as a schema violation.
var ErrDecode = errors.New("response does not match the documented shape")

// DecodeError wraps ErrDecode with the operation and the cause.
type DecodeError struct {
	Op   string
	Body []byte
	Err  error
}

// Error implements error.
func (e *DecodeError) Error() string {
	body := e.Body
	if len(body) > 200 {
		body = body[:200]
	}
	return fmt.Sprintf("memories %s: %v: %v (body %q)", e.Op, ErrDecode, e.Err, body)
}

// Unwrap lets errors.Is(err, ErrDecode) and errors.Is(err, cause) work.
func (e *DecodeError) Unwrap() []error { return []error{ErrDecode, e.Err} }

// NumString is a string field that the v1.2 examples send as a JSON string
// ("duration":"12") and newer docs as a number (12). It decodes both and
// keeps the text; it encodes as a string, like the seeds.
type NumString string

// UnmarshalJSON accepts a string, a number or null.
func (n *NumString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*n = ""
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = NumString(s)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return fmt.Errorf("client: %s is neither a string nor a number", b)
	}
	*n = NumString(num.String())
	return nil
}

// Float returns the value as a float64 (0 and an error when not numeric).
func (n NumString) Float() (float64, error) { return strconv.ParseFloat(string(n), 64) }

// Int returns the value as an int64 (0 and an error when not an integer).
func (n NumString) Int() (int64, error) { return strconv.ParseInt(string(n), 10, 64) }

// String returns the text.
func (n NumString) String() string { return string(n) }
