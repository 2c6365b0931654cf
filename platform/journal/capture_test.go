package journal

import (
	"strings"
	"testing"
)

func TestRemoveKeepsOrderAcrossWrap(t *testing.T) {
	j := New(4)
	for i, k := range []string{"a", "b", "a", "b", "a", "b"} { // wraps: keeps the last 4
		j.Add(Entry{APIKey: Fingerprint(k), KeyID: KeyID(k), Path: string(rune('0' + i))})
	}
	if n := j.ForgetKey("a"); n != 2 {
		t.Fatalf("ForgetKey removed %d, want 2", n)
	}
	got := j.Last(0)
	if len(got) != 2 || got[0].Path != "5" || got[1].Path != "3" {
		t.Fatalf("after ForgetKey: %+v", got)
	}
	if got[0].Seq != 6 || got[1].Seq != 4 {
		t.Fatalf("seq numbers changed: %d %d", got[0].Seq, got[1].Seq)
	}
	j.Add(Entry{Path: "6"})
	j.Add(Entry{Path: "7"})
	j.Add(Entry{Path: "8"}) // full again: the oldest ("3") goes
	if got := j.Last(0); len(got) != 4 || got[0].Path != "8" || got[3].Path != "5" {
		t.Fatalf("after refilling: %+v", got)
	}
	if n := j.Remove(func(Entry) bool { return true }); n != 4 || len(j.Last(0)) != 0 {
		t.Fatalf("remove all: %d, left %d", n, len(j.Last(0)))
	}
}

func TestSameKeyTellsPrefixesApart(t *testing.T) {
	e := Entry{APIKey: Fingerprint("sk-test-user-1"), KeyID: KeyID("sk-test-user-1")}
	if Fingerprint("sk-test-user-1") != Fingerprint("sk-test-user-2") {
		t.Skip("the shortened form no longer collides; the test has nothing to show")
	}
	if !e.SameKey("sk-test-user-1") || e.SameKey("sk-test-user-2") {
		t.Fatal("SameKey must use the fingerprint")
	}
	legacy := Entry{APIKey: Fingerprint("sk-x")} // a surface that sets no KeyID
	if !legacy.SameKey("sk-x") || legacy.SameKey("sk-y") {
		t.Fatal("SameKey without KeyID")
	}
}

func TestCaptureBound(t *testing.T) {
	raw, dg := Capture(map[string]any{"a": 1})
	if string(raw) != `{"a":1}` || dg != nil {
		t.Fatalf("small body: %s %v", raw, dg)
	}
	raw, dg = Capture(map[string]any{"a": strings.Repeat("x", MaxBodyBytes)})
	if raw != nil || dg == nil || dg.Size <= MaxBodyBytes || len(dg.SHA256) != 64 {
		t.Fatalf("big body: %d bytes kept, digest %v", len(raw), dg)
	}
	if raw, dg := Capture(nil); raw != nil || dg != nil {
		t.Fatal("nil body")
	}
}
