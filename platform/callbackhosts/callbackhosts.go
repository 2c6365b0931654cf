// Package callbackhosts decides which callback URLs a caller may name: the
// mock POSTs upload, scraper and caption results to any URL a request
// carries, and a policy (the mock's --callback-hosts) keeps those deliveries
// on hosts the operator chose, for example on loopback in tests and CI.
//
// A policy is a list of entries, each one of:
//
//   - a host name, compared case-insensitively and without a trailing dot
//     ("hooks.example.com"); "*.example.com" also admits every subdomain;
//   - an IP address ("10.0.0.7", "::1") or a CIDR ("10.0.0.0/8", "fd00::/8");
//   - "loopback": 127.0.0.0/8, ::1 and the name "localhost".
//
// The empty list, "any" and "*" admit every host (the default). Check never
// resolves names: a literal IP is matched against the addresses and CIDRs,
// a name only against the names, so a policy decision costs no DNS lookup
// and cannot be steered by a resolver.
package callbackhosts

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// ErrNotAllowed reports a callback URL whose host is outside the policy.
var ErrNotAllowed = errors.New("callback host not allowed")

// ErrBadURL reports a callback URL that is not an absolute http(s) URL with a host.
var ErrBadURL = errors.New("callback URL is not an absolute http(s) URL")

// Policy is a parsed host list. The zero value admits every host.
type Policy struct {
	restricted bool
	prefixes   []netip.Prefix
	names      map[string]bool
	suffixes   []string // ".example.com" for "*.example.com"
	entries    []string // the list as given, for String
}

// loopbackPrefixes are what "loopback" admits besides the name localhost.
var loopbackPrefixes = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}

// Parse reads a host list separated by commas and/or white space. It fails on
// an entry that is neither a host name, an IP address, a CIDR nor "loopback".
func Parse(list string) (Policy, error) {
	fields := strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	var p Policy
	for _, f := range fields {
		e := strings.ToLower(strings.TrimSpace(f))
		switch {
		case e == "any" || e == "*":
			return Policy{}, nil
		case e == "loopback":
			p.prefixes = append(p.prefixes, loopbackPrefixes...)
			p.addName("localhost")
		case strings.Contains(e, "/"):
			pfx, err := netip.ParsePrefix(e)
			if err != nil {
				return Policy{}, fmt.Errorf("callback hosts: %q is not a CIDR: %w", f, err)
			}
			p.prefixes = append(p.prefixes, pfx.Masked())
		default:
			if a, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
				a = a.Unmap()
				p.prefixes = append(p.prefixes, netip.PrefixFrom(a, a.BitLen()))
				break
			}
			name, wildcard := strings.CutPrefix(e, "*.")
			name = strings.TrimSuffix(name, ".")
			if !validName(name) {
				return Policy{}, fmt.Errorf("callback hosts: %q is not a host name, IP address, CIDR or \"loopback\"", f)
			}
			if wildcard {
				p.suffixes = append(p.suffixes, "."+name)
			} else {
				p.addName(name)
			}
		}
		p.restricted = true
		p.entries = append(p.entries, e)
	}
	return p, nil
}

func (p *Policy) addName(n string) {
	if p.names == nil {
		p.names = map[string]bool{}
	}
	p.names[n] = true
}

// validName accepts DNS-style names: dot-separated labels of letters, digits,
// hyphens and underscores, none empty.
func validName(n string) bool {
	if n == "" || len(n) > 253 {
		return false
	}
	for _, label := range strings.Split(n, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// Any reports whether the policy admits every host.
func (p Policy) Any() bool { return !p.restricted }

// String renders the policy as a list Parse accepts ("any" when unrestricted).
func (p Policy) String() string {
	if !p.restricted {
		return "any"
	}
	return strings.Join(p.entries, ",")
}

// Check admits or refuses one callback URL. The unrestricted policy admits
// anything (the mock then behaves as before the policy existed); a restricted
// one refuses a URL that is not an absolute http(s) URL with a host
// (ErrBadURL) and hosts outside its list (ErrNotAllowed). Errors name the
// host and the policy so they can be shown to the caller as they are.
func (p Policy) Check(rawURL string) error {
	if !p.restricted {
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("%w: %q", ErrBadURL, rawURL)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.WithZone("").Unmap()
		for _, pfx := range p.prefixes {
			if pfx.Contains(a) {
				return nil
			}
		}
		return fmt.Errorf("%w: %s is outside the allowed callback hosts (%s)", ErrNotAllowed, host, p)
	}
	if p.names[host] {
		return nil
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(host, s) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is outside the allowed callback hosts (%s)", ErrNotAllowed, host, p)
}

// MarshalText renders the policy as String does, so configuration dumps
// (GET /_mock/config) show the list rather than an empty object.
func (p Policy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Loopback is the policy "loopback": 127.0.0.0/8, ::1 and localhost, what
// tests and CI use so that no callback leaves the machine.
func Loopback() Policy {
	p, _ := Parse("loopback") // a constant list that always parses
	return p
}
