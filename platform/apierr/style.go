package apierr

import "net/http"

// Envelope is the body shape shared by v1, the "http" style and v2: code,
// msg, data and the success/failed pair. Field order matches the vendor's.
type Envelope struct {
	Code    any    `json:"code"`
	Msg     string `json:"msg"`
	Data    any    `json:"data"`
	Success *bool  `json:"success,omitempty"`
	Failed  *bool  `json:"failed,omitempty"`
}

var (
	yes = true
	no  = false
)

// Style renders a surface's envelopes: one implementation per error style,
// so no handler ever writes an error body.
type Style interface {
	// Success is the status and body of a successful answer.
	Success(data any) (int, any)
	// Failure is the status and body of a business error.
	Failure(e *Error) (int, any)
}

// V1 is the v1 style: HTTP 200 with a string code, success/failed flags.
type V1 struct{}

// Success implements Style.
func (V1) Success(data any) (int, any) {
	return http.StatusOK, Envelope{Code: CodeOK, Msg: "success", Data: data, Success: &yes, Failed: &no}
}

// Failure implements Style.
func (V1) Failure(e *Error) (int, any) {
	return http.StatusOK, Envelope{Code: e.Code, Msg: e.Msg, Success: &no, Failed: &yes}
}

// HTTP is seed 000's style applied to v1 paths (--error-style http): the
// integer code equals the HTTP status, with seed 000's messages. NotFound
// tells which messages mean "asset not found".
type HTTP struct{ NotFound func(*Error) bool }

// Success implements Style.
func (HTTP) Success(data any) (int, any) {
	return http.StatusOK, Envelope{Code: http.StatusOK, Msg: "success", Data: data}
}

// Failure implements Style.
func (h HTTP) Failure(e *Error) (int, any) {
	st := Status(e.Code)
	msg := Seed000Message(e.Code)
	if e.Code == CodeBadParam && h.NotFound != nil && h.NotFound(e) {
		msg = "Asset not found"
	}
	return st, Envelope{Code: st, Msg: msg}
}

// Caption is the security.memories.ai style: integer 0 on success, -1 on
// failure, HTTP 200.
type Caption struct{}

// Success implements Style.
func (Caption) Success(data any) (int, any) {
	return http.StatusOK, Envelope{Code: 0, Msg: "success", Data: data}
}

// Failure implements Style.
func (Caption) Failure(e *Error) (int, any) {
	return http.StatusOK, Envelope{Code: -1, Msg: e.Msg}
}

// V2 is Visual Intelligence v2's style (seed 000, V2_SURFACE §2): the HTTP
// status equals the code, the body carries success/failed, and the message
// is the handler's (v2 messages are specific: "asset_id cannot be null or
// empty"). StringCodes renders codes as the older pages' strings ("0000",
// "0400") for clients written against them. LimitStatus is the status of a
// rate-limit rejection (429 per the error table; 400 per the verified-live
// note).
type V2 struct {
	StringCodes bool
	LimitStatus int
}

func (v V2) code(status int) any {
	if !v.StringCodes {
		return status
	}
	if status == http.StatusOK {
		return CodeOK
	}
	return "0" + itoa3(status)
}

func itoa3(n int) string {
	return string([]byte{byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}

// Success implements Style.
func (v V2) Success(data any) (int, any) {
	return http.StatusOK, Envelope{Code: v.code(http.StatusOK), Msg: "success", Data: data, Success: &yes, Failed: &no}
}

// Failure implements Style.
func (v V2) Failure(e *Error) (int, any) {
	st := Status(e.Code)
	if e.Code == CodeRateLimited && v.LimitStatus != 0 {
		st = v.LimitStatus
	}
	return st, Envelope{Code: v.code(st), Msg: e.Msg, Data: nil, Success: &no, Failed: &yes}
}
