package limits

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseForce(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Force
		wantErr bool
	}{
		{name: "empty", in: "", want: Force{}},
		{name: "spaces", in: "   ", want: Force{}},
		{name: "rate limit", in: "0429", want: Force{Code: "0429"}},
		{name: "rate limit short", in: "429", want: Force{Code: "0429"}},
		{name: "balance", in: "0402", want: Force{Code: "0402"}},
		{name: "bad parameter", in: "0001", want: Force{Code: "0001"}},
		{name: "bad parameter http", in: "400", want: Force{Code: "0001"}},
		{name: "auth", in: "0401", want: Force{Code: "0401"}},
		{name: "disabled", in: "403", want: Force{Code: "0403"}},
		{name: "duplicate", in: "0409", want: Force{Code: "0409"}},
		{name: "permission", in: "9009", want: Force{Code: "9009"}},
		{name: "http 500 number", in: "500", want: Force{Error: ErrorHTTP500}},
		{name: "http 500 word", in: "HTTP500", want: Force{Error: ErrorHTTP500}},
		{name: "network abnormal", in: "network_abnormal", want: Force{Error: ErrorNetworkAbnormal}},
		{name: "reset", in: "reset", want: Force{Reset: true}},
		{name: "latency", in: "latency=200ms", want: Force{Latency: 200 * time.Millisecond}},
		{name: "latency bare ms", in: "latency=150", want: Force{Latency: 150 * time.Millisecond}},
		{name: "latency seconds", in: "latency = 1.5s", want: Force{Latency: 1500 * time.Millisecond}},
		{name: "combined", in: "0429, latency=200ms", want: Force{Code: "0429", Latency: 200 * time.Millisecond}},
		{name: "slow default", in: "slow", want: Force{SlowBodyBPS: DefaultSlowBodyBPS}},
		{name: "slow with reset", in: "reset,slow=512", want: Force{Reset: true, SlowBodyBPS: 512}},
		{name: "trailing comma", in: "0402,", want: Force{Code: "0402"}},
		{name: "unknown", in: "teapot", wantErr: true},
		{name: "unknown code", in: "0999", wantErr: true},
		{name: "success is not a failure", in: "0000", wantErr: true},
		{name: "two outcomes", in: "0429,0402", wantErr: true},
		{name: "code and reset", in: "reset,500", wantErr: true},
		{name: "latency missing", in: "latency", wantErr: true},
		{name: "latency bad", in: "latency=soon", wantErr: true},
		{name: "latency negative", in: "latency=-5ms", wantErr: true},
		{name: "latency huge", in: "latency=2h", wantErr: true},
		{name: "latency nan", in: "latency=NaN", wantErr: true},
		{name: "slow bad", in: "slow=0", wantErr: true},
		{name: "value on flag", in: "reset=1", wantErr: true},
		{name: "too long", in: strings.Repeat("0429,", 100), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseForce(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrBadForce) {
					t.Fatalf("ParseForce(%q) err = %v, want ErrBadForce", tc.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseForce(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("ParseForce(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestForceApply(t *testing.T) {
	random := FaultDecision{Delay: time.Second, Error: ErrorHTTP500, SlowBodyBPS: 10}
	tests := []struct {
		name  string
		force Force
		want  FaultDecision
	}{
		{name: "nothing", force: Force{}, want: random},
		{name: "code clears random error", force: Force{Code: "0429"}, want: FaultDecision{Delay: time.Second, SlowBodyBPS: 10}},
		{name: "reset wins", force: Force{Reset: true}, want: FaultDecision{Delay: time.Second, Reset: true, SlowBodyBPS: 10}},
		{name: "error kind", force: Force{Error: ErrorNetworkAbnormal}, want: FaultDecision{Delay: time.Second, Error: ErrorNetworkAbnormal, SlowBodyBPS: 10}},
		{name: "latency and slow", force: Force{Latency: 5 * time.Millisecond, SlowBodyBPS: 99}, want: FaultDecision{Delay: 5 * time.Millisecond, Error: ErrorHTTP500, SlowBodyBPS: 99}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.force.Apply(random); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
