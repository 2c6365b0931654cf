package stubs

import (
	"testing"
	"time"
)

func TestBodyCodeReadsStringAndNumberCodes(t *testing.T) {
	for raw, want := range map[string]string{
		`{"code":"0429","msg":"x"}`: "0429",
		`{"code":429}`:              "429",
		`{"code":null}`:             "",
		`{"msg":"no code"}`:         "",
		`[1,2]`:                     "",
		`not json`:                  "",
	} {
		if got := BodyCode([]byte(raw)); got != want {
			t.Errorf("BodyCode(%s) = %q, want %q", raw, got, want)
		}
	}
}

func TestDelayIsMilliseconds(t *testing.T) {
	if got := Delay(1.5); got != 1500*time.Microsecond {
		t.Fatalf("Delay(1.5) = %v", got)
	}
}
