package proxy_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/memharness/memharness/proxy"
)

func TestGzipAnswerPassesEncodedAndIsObservedDecoded(t *testing.T) {
	const body = `{"code":"0000","msg":"success","data":{"videos":[]}}`
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = io.WriteString(zw, body)
	_ = zw.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(zipped.Bytes())
	}))
	t.Cleanup(up.Close)
	obs := newObserved()
	_, gw := gateway(t, proxy.Options{Observers: []proxy.Observer{obs}}, up.URL)
	req, _ := http.NewRequest("POST", gw.URL+"/serve/api/v1/list_videos", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, zipped.Bytes()) || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("the caller must get the encoded bytes as sent: %q %q", resp.Header.Get("Content-Encoding"), got)
	}
	x := obs.next(t)
	if string(x.ResponseBody.Bytes) != body || x.WireSize != int64(zipped.Len()) || x.Header.Get("Content-Encoding") != "" {
		t.Fatalf("observed %q (wire %d, encoding %q)", x.ResponseBody.Bytes, x.WireSize, x.Header.Get("Content-Encoding"))
	}
}

// TestUpgradePassesThrough: a WebSocket-style upgrade (the v2 audio
// socket, say) is a raw two-way connection through the proxy.
func TestUpgradePassesThrough(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "want an upgrade", 400)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
		_, _ = io.Copy(conn, brw)
	}))
	t.Cleanup(up.Close)
	_, gw := gateway(t, proxy.Options{Observers: []proxy.Observer{newObserved()}}, up.URL)
	conn, err := net.Dial("tcp", gw.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(waitLong))
	_, _ = io.WriteString(conn, "GET /serve/api/v2/audio HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	_, _ = io.WriteString(conn, "ping")
	buf := make([]byte, 4)
	if _, err := io.ReadFull(br, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo %q %v", buf, err)
	}
}
