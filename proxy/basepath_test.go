package proxy_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/replay"
)

// TestUpstreamWithABasePath: --upstream http://host/prefix sends the
// caller's path under the prefix, records the URL the upstream was sent,
// and replays the recording for the path the caller uses.
func TestUpstreamWithABasePath(t *testing.T) {
	srv, _ := upstreamMock(t, nil)
	pathSeen := make(chan string, 8)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pathSeen <- r.URL.Path
		if !strings.HasPrefix(r.URL.Path, "/prefix/") {
			http.NotFound(w, r)
			return
		}
		// The mock behind a path prefix, as a gateway in front of the
		// real service might mount it.
		http.StripPrefix("/prefix", srv.Handler()).ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	rec := recorder(t, dir, nil, 0)
	obs := newObserved()
	g, gw := gateway(t, proxy.Options{Observers: []proxy.Observer{rec, obs}}, up.URL+"/prefix/")
	const key = "sk-base-path-1"
	st, _, list := call(t, "POST", gw.URL+"/serve/api/v1/list_videos", key, "application/json", `{"page":1,"size":20}`)
	if st != 200 || !bytes.Contains(list, []byte(`"0000"`)) {
		t.Fatalf("list_videos through a base path: %d %s", st, list)
	}
	if p := <-pathSeen; p != "/prefix/serve/api/v1/list_videos" {
		t.Fatalf("the upstream saw %s", p)
	}
	x := obs.next(t)
	if x.URL.Path != "/prefix/serve/api/v1/list_videos" || x.Base != "/prefix" || x.Request.URL.Path != "/serve/api/v1/list_videos" {
		t.Fatalf("exchange URL %s base %q caller %s", x.URL, x.Base, x.Request.URL.Path)
	}
	g.Drain()
	rec.Flush()
	if raw := readAll(t, dir); !bytes.Contains(raw, []byte(`/prefix/serve/api/v1/list_videos`)) || !bytes.Contains(raw, []byte(`"_basePath":"/prefix"`)) {
		t.Fatalf("the recording names neither the upstream URL nor its base path:\n%s", raw)
	}
	up.Close()

	ix, err := replay.Load([]string{dir}, replay.Options{})
	if err != nil || ix.Len() != 1 || len(ix.Problems()) != 0 {
		t.Fatalf("load: %v, %d recordings, problems %v", err, ix.Len(), ix.Problems())
	}
	_, rp := gateway(t, proxy.Options{Replay: ix, Strict: true}, "")
	st, _, b := call(t, "POST", rp.URL+"/serve/api/v1/list_videos", "sk-other", "application/json", `{"size":20,"page":1}`)
	if st != 200 || !bytes.Equal(b, list) {
		t.Fatalf("replayed by the caller's path: %d %s", st, b)
	}
	// The upstream's own path is not what a caller sends: not matched.
	if st, _, b := call(t, "POST", rp.URL+"/prefix/serve/api/v1/list_videos", "sk-other", "application/json", `{"size":20,"page":1}`); st != http.StatusNotFound {
		t.Fatalf("the prefixed path matched: %d %s", st, b)
	}
}
