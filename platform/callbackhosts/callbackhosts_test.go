package callbackhosts

import (
	"errors"
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		list    string
		wantAny bool
		wantStr string
		wantErr bool
	}{
		{name: "empty is any", list: "", wantAny: true, wantStr: "any"},
		{name: "blanks are any", list: " , ", wantAny: true, wantStr: "any"},
		{name: "any", list: "any", wantAny: true, wantStr: "any"},
		{name: "star", list: "loopback,*", wantAny: true, wantStr: "any"},
		{name: "loopback", list: "loopback", wantStr: "loopback"},
		{name: "mixed separators", list: "loopback, 10.0.0.0/8 hooks.example.com\t*.ci.internal", wantStr: "loopback,10.0.0.0/8,hooks.example.com,*.ci.internal"},
		{name: "names are lower-cased", list: "Hooks.Example.COM.", wantStr: "hooks.example.com."},
		{name: "bad cidr", list: "10.0.0.0/33", wantErr: true},
		{name: "bad name", list: "exa mple?.com", wantErr: true},
		{name: "url is not a host", list: "http://example.com", wantErr: true},
		{name: "empty label", list: "a..b", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.list)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %v, want an error", tc.list, p)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.list, err)
			}
			if p.Any() != tc.wantAny {
				t.Errorf("Any() = %v, want %v", p.Any(), tc.wantAny)
			}
			if p.String() != tc.wantStr {
				t.Errorf("String() = %q, want %q", p.String(), tc.wantStr)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		url    string
		want   error // nil, ErrNotAllowed or ErrBadURL
	}{
		{name: "zero policy admits a public name", policy: "", url: "https://hooks.example.com/cb"},
		{name: "zero policy admits anything", policy: "", url: "not a url"},
		{name: "loopback v4", policy: "loopback", url: "http://127.0.0.1:9999/cb"},
		{name: "loopback v4 whole /8", policy: "loopback", url: "http://127.3.2.1/cb"},
		{name: "loopback v6", policy: "loopback", url: "http://[::1]:8080/cb"},
		{name: "loopback v4-mapped v6", policy: "loopback", url: "http://[::ffff:127.0.0.1]/cb"},
		{name: "loopback localhost", policy: "loopback", url: "http://localhost:3000/cb"},
		{name: "loopback LOCALHOST with dot", policy: "loopback", url: "http://LOCALHOST.:3000/cb"},
		{name: "loopback refuses a private address", policy: "loopback", url: "http://10.1.2.3/cb", want: ErrNotAllowed},
		{name: "loopback refuses a name that may resolve to loopback", policy: "loopback", url: "http://127.0.0.1.nip.io/cb", want: ErrNotAllowed},
		{name: "loopback refuses localhost subdomains", policy: "loopback", url: "http://evil.localhost/cb", want: ErrNotAllowed},
		{name: "cidr admits inside", policy: "10.0.0.0/8", url: "https://10.200.0.1/x", want: nil},
		{name: "cidr refuses outside", policy: "10.0.0.0/8", url: "https://11.0.0.1/x", want: ErrNotAllowed},
		{name: "cidr v6", policy: "fd00::/8", url: "http://[fd12::1]/x"},
		{name: "zone stripped", policy: "fe80::/10", url: "http://[fe80::1%25eth0]/x"},
		{name: "single address", policy: "192.0.2.7", url: "http://192.0.2.7:81/x"},
		{name: "single address refuses neighbour", policy: "192.0.2.7", url: "http://192.0.2.8/x", want: ErrNotAllowed},
		{name: "name compared by name", policy: "hooks.example.com", url: "https://HOOKS.example.com./cb"},
		{name: "name does not admit subdomain", policy: "example.com", url: "https://a.example.com/cb", want: ErrNotAllowed},
		{name: "name does not admit its address", policy: "localhost", url: "http://127.0.0.1/cb", want: ErrNotAllowed},
		{name: "wildcard admits subdomain", policy: "*.example.com", url: "https://a.b.example.com/cb"},
		{name: "wildcard does not admit the apex", policy: "*.example.com", url: "https://example.com/cb", want: ErrNotAllowed},
		{name: "wildcard does not admit a look-alike", policy: "*.example.com", url: "https://badexample.com/cb", want: ErrNotAllowed},
		{name: "userinfo does not fool it", policy: "loopback", url: "http://127.0.0.1@evil.example/cb", want: ErrNotAllowed},
		{name: "restricted refuses non-http scheme", policy: "loopback", url: "ftp://127.0.0.1/cb", want: ErrBadURL},
		{name: "restricted refuses relative", policy: "loopback", url: "/cb", want: ErrBadURL},
		{name: "restricted refuses garbage", policy: "loopback", url: "http://[::1", want: ErrBadURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.policy)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.policy, err)
			}
			err = p.Check(tc.url)
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("Check(%q) under %q = %v, want nil", tc.url, tc.policy, err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("Check(%q) under %q = %v, want %v", tc.url, tc.policy, err, tc.want)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("loopback", "http://127.0.0.1/x")
	f.Add("10.0.0.0/8,*.example.com", "https://a.example.com/")
	f.Fuzz(func(t *testing.T, list, rawURL string) {
		p, err := Parse(list)
		if err != nil {
			return
		}
		err = p.Check(rawURL)
		if p.Any() && err != nil {
			t.Fatalf("an unrestricted policy refused %q: %v", rawURL, err)
		}
		if err != nil && !errors.Is(err, ErrNotAllowed) && !errors.Is(err, ErrBadURL) {
			t.Fatalf("Check(%q) = %v, an error of neither kind", rawURL, err)
		}
		q, err := Parse(p.String())
		if err != nil || q.String() != p.String() {
			t.Fatalf("String() %q does not parse back (%v, %q)", p.String(), err, q.String())
		}
	})
}

func ExamplePolicy_Check() {
	p, _ := Parse("loopback")
	fmt.Println(p.Check("http://127.0.0.1:8099/callback"))
	fmt.Println(p.Check("https://hooks.example.com/callback"))
	// Output:
	// <nil>
	// callback host not allowed: hooks.example.com is outside the allowed callback hosts (loopback)
}

func TestLoopback(t *testing.T) {
	p := Loopback()
	if p.String() != "loopback" || p.Check("http://[::1]/x") != nil || !errors.Is(p.Check("http://192.0.2.1/x"), ErrNotAllowed) {
		t.Fatalf("Loopback() = %s does not behave as \"loopback\"", p)
	}
}
