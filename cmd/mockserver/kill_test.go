package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/memharness/memharness/proxy/har"
)

// TestHelperRecordingServer is the child of TestKill9WhileRecording: a
// mockserver run whose arguments come from the environment.
func TestHelperRecordingServer(t *testing.T) {
	args := os.Getenv("MOCKSERVER_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process only")
	}
	ready := make(chan []string, 1)
	go func() {
		addrs := <-ready
		fmt.Println("ready", addrs[0])
	}()
	_ = run(strings.Fields(args), io.Discard, io.Discard, ready)
	os.Exit(0)
}

// TestKill9WhileRecording kills a recording mockserver with SIGKILL while
// requests stream through it: every .har file left is a complete document.
func TestKill9WhileRecording(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"code":"0000","msg":"success","data":{"path":"`+r.URL.Path+`","pad":"`+strings.Repeat("x", 2000)+`"},"success":true,"failed":false}`)
	}))
	t.Cleanup(up.Close)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRecordingServer$")
	cmd.Env = append(os.Environ(), "MOCKSERVER_HELPER_ARGS=--addr 127.0.0.1:0 --memsync-addr= --log-level error --upstream "+up.URL+" --record "+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				addr <- a
			}
		}
	}()
	var base string
	select {
	case base = <-addr:
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not start")
	}
	// Four clients send requests until the child dies.
	var wg sync.WaitGroup
	var mu sync.Mutex
	answered := 0
	enough := make(chan struct{})
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				resp, err := http.Post(fmt.Sprintf("http://%s/serve/api/v1/list_videos?c=%d&i=%d", base, c, i), "application/json", strings.NewReader(`{}`))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				answered++
				if answered == 300 {
					close(enough)
				}
				mu.Unlock()
			}
		}()
	}
	// 300 answers: the writer (100 entries a file) is busy rewriting.
	select {
	case <-enough:
	case <-time.After(60 * time.Second):
		t.Fatal("the child answered fewer than 300 requests")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	files, err := har.List(dir)
	if err != nil || len(files) < 2 {
		t.Fatalf("files %v %v", files, err)
	}
	entries := 0
	for _, f := range files {
		doc, err := har.ReadFile(f)
		if err != nil {
			t.Fatalf("%s is not a complete HAR document: %v", f, err)
		}
		entries += len(doc.Log.Entries)
	}
	t.Logf("%d answers, %d entries in %d complete files after SIGKILL", answered, entries, len(files))
}
