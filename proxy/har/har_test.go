package har

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRedactorJSONKeepsEveryOtherByte(t *testing.T) {
	r := NewRedactor([]string{"password", "api_key"})
	for _, tc := range []struct {
		name, in, want string
	}{
		{name: "flat", in: `{"a":1, "password" : "x y", "b":[1,2]}`, want: `{"a":1, "password" : "REDACTED", "b":[1,2]}`},
		{name: "nested and case", in: `{"u":{"API_KEY":{"k":1}},"l":[{"password":null}]}`, want: `{"u":{"API_KEY":"REDACTED"},"l":[{"password":"REDACTED"}]}`},
		{name: "value named like a field", in: `{"name":"password","v":"api_key"}`, want: `{"name":"password","v":"api_key"}`},
		{name: "not json", in: `{"password": `, want: `{"password": `},
		{name: "untouched", in: "{\n  \"z\": 1,\n  \"a\": \"\\u00e9\"\n}", want: "{\n  \"z\": 1,\n  \"a\": \"\\u00e9\"\n}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(r.JSON([]byte(tc.in))); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestRedactorHeadersQueryAndSecrets(t *testing.T) {
	r := NewRedactor([]string{"X-Custom"})
	h := http.Header{"Authorization": {"Bearer sk-abcdef"}, "X-Api-Key": {"ms-123456"}, "X-Custom": {"c"}, "Accept": {"*/*"}, "Referer": {"https://x/?k=sk-abcdef"}}
	secrets := r.Secrets(h)
	hs := r.Headers(h, secrets)
	want := map[string]string{"Authorization": Redacted, "X-Api-Key": Redacted, "X-Custom": Redacted, "Accept": "*/*", "Referer": "https://x/?k=REDACTED"}
	for _, nv := range hs {
		if want[nv.Name] != nv.Value {
			t.Errorf("%s: %q, want %q", nv.Name, nv.Value, want[nv.Name])
		}
	}
	q, raw := r.Query("a=1&x-custom=2&b=sk-abcdef", secrets)
	if raw != "a=1&x-custom=REDACTED&b=REDACTED" || len(q) != 3 || q[1].Value != Redacted {
		t.Fatalf("query %q %+v", raw, q)
	}
}

// TestHelperWriter is the child process of TestKill9LeavesOnlyCompleteFiles.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv("HAR_CRASH_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	w, err := NewWriter(WriterOptions{Dir: dir, PerFile: 7})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	body := strings.Repeat("payload ", 4000)
	for i := 0; ; i++ {
		e := &Entry{StartedDateTime: FormatTime(time.Now()), Request: Request{Method: "POST", URL: fmt.Sprintf("http://x/%d", i)},
			Response: Response{Status: 200, Content: Content{MimeType: "text/plain", Text: body}}}
		_ = w.Add(e)
		if i%5 == 0 {
			w.Flush()
			fmt.Println("flushed", i)
		}
	}
}

func TestKill9LeavesOnlyCompleteFiles(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
	cmd.Env = append(os.Environ(), "HAR_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	seen := 0
	for sc.Scan() && seen < 20 {
		if strings.HasPrefix(sc.Text(), "flushed") {
			seen++
		}
	}
	// Killed while it writes: no chance to finish anything.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if seen < 20 {
		t.Fatalf("the writer flushed only %d times", seen)
	}
	files, err := List(dir)
	if err != nil || len(files) < 10 {
		t.Fatalf("files %v, %v", files, err)
	}
	total := 0
	for _, f := range files {
		doc, err := ReadFile(f)
		if err != nil {
			t.Fatalf("%s is not a complete HAR: %v", f, err)
		}
		if n := len(doc.Log.Entries); n == 0 || n > 7 {
			t.Errorf("%s holds %d entries", f, n)
		}
		total += len(doc.Log.Entries)
	}
	if total < 95 {
		t.Errorf("only %d entries survived 20 flushes of 5", total)
	}
	// A temporary file may remain; it is never a .har and the next
	// writer removes it.
	w, err := NewWriter(WriterOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	if stale, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*")); len(stale) != 0 {
		t.Errorf("stale temporary files: %v", stale)
	}
}

func TestWriterRotatesAndFlushes(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(WriterOptions{Dir: dir, PerFile: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		if err := w.Add(&Entry{Request: Request{Method: "GET", URL: fmt.Sprint("http://x/", i)}, Response: Response{Status: 200}}); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := List(dir)
	if len(files) != 3 {
		t.Fatalf("files: %v", files)
	}
	var urls []string
	for _, f := range files {
		doc, err := ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range doc.Log.Entries {
			urls = append(urls, e.Request.URL)
		}
	}
	if strings.Join(urls, " ") != "http://x/0 http://x/1 http://x/2 http://x/3 http://x/4 http://x/5 http://x/6" {
		t.Fatalf("order: %v", urls)
	}
}
