package journal

import (
	"fmt"
	"sync"
	"testing"
)

func TestRingKeepsNewestFirst(t *testing.T) {
	j := New(3)
	for i := 0; i < 5; i++ {
		j.Add(Entry{OperationID: fmt.Sprint(i)})
	}
	got := j.Last(0)
	if len(got) != 3 || got[0].OperationID != "4" || got[2].OperationID != "2" {
		t.Fatalf("got %+v, want 4,3,2", got)
	}
	if got := j.Last(1); len(got) != 1 || got[0].OperationID != "4" {
		t.Fatalf("Last(1) = %+v", got)
	}
	j.Reset()
	if got := j.Last(0); len(got) != 0 {
		t.Fatalf("after reset: %+v", got)
	}
}

func TestConcurrentAdds(t *testing.T) {
	j := New(100)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				j.Add(Entry{Status: 200})
				_ = j.Last(5)
			}
		}()
	}
	wg.Wait()
	if n := len(j.Last(0)); n != 100 {
		t.Fatalf("kept %d, want 100", n)
	}
}

func TestFingerprint(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{key: "sk-short", want: "sk-short"},
		{key: "sk-0123456789abcdef", want: "sk-01234…"},
	} {
		if got := Fingerprint(tc.key); got != tc.want {
			t.Errorf("Fingerprint(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}
