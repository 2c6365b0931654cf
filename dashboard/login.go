package dashboard

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
)

// TokenCookie is the cookie a browser carries the control token in: a
// page cannot send X-Mock-Token on navigation, so the control plane
// accepts this cookie like the header (SameSite=Strict: another site's
// page cannot make the browser send it).
const TokenCookie = "mock_token"

// TokenOK reports whether r carries the control token tok, in the
// X-Mock-Token header or in TokenCookie, compared in constant time.
func TokenOK(r *http.Request, tok string) bool {
	eq := func(s string) bool { return subtle.ConstantTimeCompare([]byte(s), []byte(tok)) == 1 }
	if eq(r.Header.Get("X-Mock-Token")) {
		return true
	}
	c, err := r.Cookie(TokenCookie)
	return err == nil && eq(c.Value)
}

// loginScript stores the typed token as TokenCookie and reloads; it is
// allowed by its hash, the only script the login page may run.
const loginScript = `document.getElementById("login").addEventListener("submit", function (ev) {
  ev.preventDefault();
  document.cookie = "` + TokenCookie + `=" + encodeURIComponent(document.getElementById("token").value) + "; path=/_mock; SameSite=Strict";
  location.reload();
});`

var loginCSP = func() string {
	sum := sha256.Sum256([]byte(loginScript))
	return "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; form-action 'self'; base-uri 'none'"
}()

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>memharness dashboard: control token</title>
<style>body{font:15px system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em}input,button{font:inherit;padding:.3em .5em}</style></head>
<body><h1>Control token</h1>
<p>This mock's control plane needs its token (<code>--control-token</code>, or the one it printed at start-up).
It is kept in a <code>` + TokenCookie + `</code> cookie for <code>/_mock</code> on this browser only.</p>
<form id="login"><label for="token">Token</label> <input id="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Open the dashboard</button></form>
<script>{{.}}</script></body></html>`))

// Login answers a browser that opened the dashboard without the token:
// 401 with a page that asks for it.
func Login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", loginCSP)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_ = loginPage.Execute(w, template.JS(loginScript))
}

// WantsHTML reports whether r is a browser navigation (asks for HTML).
func WantsHTML(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html")
}
