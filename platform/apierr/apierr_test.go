package apierr

import (
	"encoding/json"
	"fmt"
	"testing"
)

func render(t *testing.T, s Style, e *Error) (int, string) {
	t.Helper()
	var st int
	var body any
	if e == nil {
		st, body = s.Success(map[string]any{"x": 1})
	} else {
		st, body = s.Failure(e)
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return st, string(b)
}

func TestStyles(t *testing.T) {
	missing := &Error{Code: CodeBadParam, Msg: "video not found"}
	limit := &Error{Code: CodeRateLimited, Msg: "Request has exceeded the limit."}
	for _, tc := range []struct {
		name   string
		style  Style
		err    *Error
		status int
		body   string
	}{
		{name: "v1 ok", style: V1{}, status: 200, body: `{"code":"0000","msg":"success","data":{"x":1},"success":true,"failed":false}`},
		{name: "v1 error", style: V1{}, err: limit, status: 200, body: `{"code":"0429","msg":"Request has exceeded the limit.","data":null,"success":false,"failed":true}`},
		{name: "http not found", style: HTTP{NotFound: func(e *Error) bool { return e.Msg == "video not found" }}, err: missing, status: 400, body: `{"code":400,"msg":"Asset not found","data":null}`},
		{name: "http limit", style: HTTP{}, err: limit, status: 429, body: `{"code":429,"msg":"Rate limit exceeded","data":null}`},
		{name: "caption error", style: Caption{}, err: missing, status: 200, body: `{"code":-1,"msg":"video not found","data":null}`},
		{name: "v2 ok", style: V2{}, status: 200, body: `{"code":200,"msg":"success","data":{"x":1},"success":true,"failed":false}`},
		{name: "v2 unauthorized", style: V2{}, err: &Error{Code: CodeUnauthorized, Msg: "Unauthorized"}, status: 401, body: `{"code":401,"msg":"Unauthorized","data":null,"success":false,"failed":true}`},
		{name: "v2 limit as 400", style: V2{LimitStatus: 400}, err: limit, status: 400, body: `{"code":400,"msg":"Request has exceeded the limit.","data":null,"success":false,"failed":true}`},
		{name: "v2 string codes", style: V2{StringCodes: true}, status: 200, body: `{"code":"0000","msg":"success","data":{"x":1},"success":true,"failed":false}`},
		{name: "v2 string error", style: V2{StringCodes: true}, err: &Error{Code: CodeNoBalance, Msg: "Insufficient balance"}, status: 402, body: `{"code":"0402","msg":"Insufficient balance","data":null,"success":false,"failed":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := render(t, tc.style, tc.err)
			if st != tc.status || body != tc.body {
				t.Fatalf("got %d %s\nwant %d %s", st, body, tc.status, tc.body)
			}
		})
	}
}

func TestAsAndStatus(t *testing.T) {
	e := New(CodeDuplicate, "dup %d", 1)
	if got := As(fmt.Errorf("wrapped: %w", e)); got != e {
		t.Fatalf("As = %v", got)
	}
	if As(fmt.Errorf("plain")) != nil {
		t.Fatal("As of a plain error")
	}
	for code, want := range map[string]int{CodeOK: 200, CodeBadParam: 400, CodeUnauthorized: 401, CodeNoBalance: 402,
		CodeForbidden: 403, CodeMethod: 405, CodeDuplicate: 409, CodeUnsupported: 415, CodeRateLimited: 429, "9999": 500} {
		if got := Status(code); got != want {
			t.Errorf("Status(%s) = %d, want %d", code, got, want)
		}
	}
}
