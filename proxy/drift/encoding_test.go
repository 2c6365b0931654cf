package drift_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
	"github.com/memharness/memharness/proxy/replay"
)

// encodedAnswer is a list_videos answer with one video and one injected
// difference: current_page as a string.
const encodedAnswer = `{"code":"0000","msg":"success","data":{"videos":[{"duration":"12","size":"3284512","status":"PARSE","cause":"null","video_no":"VI606404158946574336","video_name":"osprey_over_the_lake","create_time":"1754037217992"}],"current_page":"1","page_size":20,"total_count":"1"},"success":true,"failed":false}`

func compress(t *testing.T, enc string, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "br":
		w = brotli.NewWriter(&b)
	case "deflate":
		w = zlib.NewWriter(&b)
	default:
		t.Fatalf("encoding %q", enc)
	}
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestEncodedAnswersPassAsSentAndAreDecodedForDriftAndImport: a gzip, br
// or deflate answer reaches the caller byte for byte with its
// Content-Encoding; drift checks the decoded JSON (finding the injected
// string at its pointer), the recording holds the decoded text, and replay
// imports the video it lists.
func TestEncodedAnswersPassAsSentAndAreDecodedForDriftAndImport(t *testing.T) {
	for _, tc := range []struct {
		name, encoding string
	}{
		{name: "gzip", encoding: "gzip"},
		{name: "brotli", encoding: "br"},
		{name: "deflate", encoding: "deflate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wire := compress(t, tc.encoding, encodedAnswer)
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", tc.encoding)
				w.Header().Set("Vary", "Accept-Encoding")
				_, _ = w.Write(wire)
			}))
			t.Cleanup(up.Close)
			col, err := drift.New(drift.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			rec, err := proxy.NewRecorder(proxy.RecorderOptions{Dir: dir, Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(up.URL)
			g, err := proxy.New(proxy.Options{Routes: []proxy.Route{{Prefix: "/", Surface: "memories", Upstream: u}}, Observers: []proxy.Observer{col, rec}})
			if err != nil {
				t.Fatal(err)
			}
			gw := httptest.NewServer(g)
			t.Cleanup(func() { gw.Close(); _ = g.Close() })

			req, _ := http.NewRequest("POST", gw.URL+"/serve/api/v1/list_videos", strings.NewReader(`{}`))
			req.Header.Set("Authorization", "sk-enc")
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept-Encoding", tc.encoding)
			// A transport that does not decode: the caller sees the wire.
			resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(got, wire) || resp.Header.Get("Content-Encoding") != tc.encoding {
				t.Fatalf("the caller must get the %s bytes as sent: %q, %d bytes (sent %d)", tc.encoding, resp.Header.Get("Content-Encoding"), len(got), len(wire))
			}
			g.Drain()
			f := col.Report().Findings
			if len(f) != 1 || f[0].Pointer != "/data/current_page" || f[0].Where != "response" {
				t.Fatalf("drift on the decoded answer: %+v", f)
			}
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			ix, err := replay.Load([]string{dir}, replay.Options{})
			if err != nil || ix.Len() != 1 {
				t.Fatalf("load: %v %d %v", err, ix.Len(), ix.Problems())
			}
			if r := ix.Recordings()[0]; string(r.Body) != encodedAnswer || r.Header.Get("Content-Encoding") != "" {
				t.Fatalf("recorded %q (encoding %q)", r.Body, r.Header.Get("Content-Encoding"))
			}
			if v := ix.Videos(); len(v) != 1 || v[0].Name != "osprey_over_the_lake" {
				t.Fatalf("imported: %+v", v)
			}
		})
	}
}
