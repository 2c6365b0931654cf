package accounts

import (
	"errors"
	"reflect"
	"testing"
)

func TestLinkedKeysShareOneAccount(t *testing.T) {
	d := New("")
	if got := d.Resolve("sk-a"); got != "sk-a" {
		t.Fatalf("unlinked key resolves to %q", got)
	}
	acct, err := d.Link("sk-a", "sk-b", "sk-c")
	if err != nil || acct != "sk-a" {
		t.Fatalf("Link = %q, %v", acct, err)
	}
	for _, k := range []string{"sk-a", "sk-b", "sk-c"} {
		if got := d.Resolve(k); got != "sk-a" {
			t.Errorf("Resolve(%s) = %q, want sk-a", k, got)
		}
	}
	// Linking through a secondary key joins the same account.
	if acct, err := d.Link("sk-b", "sk-d"); err != nil || acct != "sk-a" {
		t.Fatalf("Link via secondary = %q, %v", acct, err)
	}
	if got := d.Keys("sk-d"); !reflect.DeepEqual(got, []string{"sk-a", "sk-b", "sk-c", "sk-d"}) {
		t.Fatalf("Keys = %v", got)
	}
	if _, err := d.Link("sk-x", "sk-b"); !errors.Is(err, ErrKeyTaken) {
		t.Fatalf("stealing a key: %v", err)
	}
	d.Forget("sk-c")
	if got := d.Resolve("sk-b"); got != "sk-b" {
		t.Fatalf("after Forget: %q", got)
	}
}

func TestWebhooks(t *testing.T) {
	d := New("http://127.0.0.1:9/default")
	if got := d.Webhook("sk-a"); got != "http://127.0.0.1:9/default" {
		t.Fatalf("default webhook %q", got)
	}
	if _, err := d.Link("sk-a", "sk-b"); err != nil {
		t.Fatal(err)
	}
	d.SetWebhook("sk-b", "http://127.0.0.1:9/mine")
	if got := d.Webhook("sk-a"); got != "http://127.0.0.1:9/mine" {
		t.Fatalf("account webhook %q", got)
	}
	d.SetWebhook("sk-a", "")
	if got := d.Webhook("sk-b"); got != "http://127.0.0.1:9/default" {
		t.Fatalf("cleared webhook %q", got)
	}
	d.Reset()
	if d.Resolve("sk-b") != "sk-b" {
		t.Fatal("reset kept links")
	}
}

func TestKeyFromHeaderAndAllowed(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{header: "sk-a", want: "sk-a"},
		{header: "  Bearer   sk-a ", want: "sk-a"},
		{header: "bearer sk-a", want: "sk-a"},
		{header: "Bearer", want: "Bearer"},
		{header: "", want: ""},
	} {
		if got := KeyFromHeader(tc.header); got != tc.want {
			t.Errorf("KeyFromHeader(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
	if !Allowed(nil, "sk-a") || Allowed(nil, "") || Allowed([]string{"sk-b"}, "sk-a") || !Allowed([]string{"sk-b", "sk-a"}, "sk-a") {
		t.Fatal("Allowed")
	}
}
