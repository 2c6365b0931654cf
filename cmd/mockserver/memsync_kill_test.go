package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// memSyncProc is a mockserver binary serving MemSync on a data directory.
type memSyncProc struct {
	t   *testing.T
	cmd *exec.Cmd
	ms  string // MemSync base URL
	out *bytes.Buffer
}

// startMemSyncProc starts bin on dir with MemSync on and the given fixtures, and waits until
// both listeners answer.
func startMemSyncProc(t *testing.T, bin, dir, fixtures string) *memSyncProc {
	t.Helper()
	addr, msAddr := freeAddr(t), freeAddr(t)
	p := &memSyncProc{t: t, ms: "http://" + msAddr, out: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, "--addr", addr, "--memsync-addr", msAddr, "--data-dir", dir,
		"--fixtures", fixtures, "--log-level", "error", "--rate-limits", "off")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for _, u := range []string{"http://" + addr + "/_mock/health", p.ms + "/healthcheck"} {
		for {
			res, err := http.Get(u)
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) || p.cmd.ProcessState != nil {
				t.Fatalf("mockserver did not start (%s): %v\n%s", u, err, p.out)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return p
}

// do sends one MemSync request with key and returns the status and the envelope's data (the
// whole body for the list, whose items are the envelope's data array).
func (p *memSyncProc) do(method, path, key string, body any) (int, map[string]any) {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			p.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, p.ms+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	var env map[string]any
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &env); err != nil {
		p.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if d, ok := env["data"].(map[string]any); ok {
		return res.StatusCode, d
	}
	return res.StatusCode, env
}

// state is what must survive: every memory listed and the ids a search ranks.
func (p *memSyncProc) state(key, query string) (list []any, found []string) {
	p.t.Helper()
	st, d := p.do(http.MethodGet, "/v1/memories?page_size=100", key, nil)
	if st != http.StatusOK {
		p.t.Fatalf("list: %d %v", st, d)
	}
	list, _ = d["data"].([]any)
	if list == nil {
		p.t.Fatalf("list has no items: %v", d)
	}
	st, d = p.do(http.MethodPost, "/v1/memories/search", key, map[string]any{"query": query, "limit": 10})
	if st != http.StatusOK {
		p.t.Fatalf("search: %d %v", st, d)
	}
	for _, r := range d["memories"].([]any) {
		found = append(found, r.(map[string]any)["id"].(string))
	}
	return list, found
}

// TestMemSyncSurvivesKill9 runs the built mockserver with --data-dir and --fixtures: memories
// stored, updated and deleted through the MemSync API, and a fixture memory edited since it was
// loaded, are listed and found by search alike after kill -9 and a restart on the same
// directory, and the fixture is not loaded twice.
func TestMemSyncSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildMockserver(t)
	dir := t.TempDir()
	fx := filepath.Join(t.TempDir(), "memories.yaml")
	if err := os.WriteFile(fx, []byte(`
accounts:
  - api_key: sk-fix
    memories:
      - id: mem_0123456789ab
        memory: Loves hiking in the Alps with their dog
        categories: [interests, travel]
`), 0o600); err != nil {
		t.Fatal(err)
	}

	p := startMemSyncProc(t, bin, dir, fx)
	const key = "sk-kill"
	st, d := p.do(http.MethodPost, "/v1/memories", key, map[string]any{
		"messages": []map[string]string{{"role": "user", "content": "I work as a nurse. I enjoy painting. I live in Boston."}},
		"agent_id": "agent", "thread_id": "thread", "source": "chat",
	})
	if st != http.StatusOK {
		t.Fatalf("store: %d %v", st, d)
	}
	mems := d["memories"].([]any)
	if len(mems) != 3 {
		t.Fatalf("stored %d memories, want 3", len(mems))
	}
	first := mems[0].(map[string]any)["id"].(string)
	second := mems[1].(map[string]any)["id"].(string)
	if st, d := p.do(http.MethodPatch, "/v1/memories/"+first, key, map[string]any{"content": "Works as a head nurse at Boston General"}); st != http.StatusOK {
		t.Fatalf("update: %d %v", st, d)
	}
	if st, d := p.do(http.MethodDelete, "/v1/memories/"+second, key, nil); st != http.StatusOK {
		t.Fatalf("delete: %d %v", st, d)
	}
	if st, d := p.do(http.MethodPatch, "/v1/memories/mem_0123456789ab", "sk-fix", map[string]any{"content": "Loves hiking in the Dolomites with their dog"}); st != http.StatusOK {
		t.Fatalf("update fixture memory: %d %v", st, d)
	}
	wantList, wantFound := p.state(key, "nurse at the hospital")
	wantFix, wantFixFound := p.state("sk-fix", "hiking in the mountains")
	if len(wantList) != 2 || len(wantFound) == 0 || len(wantFix) != 1 || len(wantFixFound) != 1 {
		t.Fatalf("before the kill: list %v found %v, fixture %v found %v", wantList, wantFound, wantFix, wantFixFound)
	}

	p.kill9()
	p = startMemSyncProc(t, bin, dir, fx)
	gotList, gotFound := p.state(key, "nurse at the hospital")
	if !reflect.DeepEqual(gotList, wantList) || !reflect.DeepEqual(gotFound, wantFound) {
		t.Errorf("after restart:\n list %v\n want %v\n found %v want %v", gotList, wantList, gotFound, wantFound)
	}
	gotFix, gotFixFound := p.state("sk-fix", "hiking in the mountains")
	if !reflect.DeepEqual(gotFix, wantFix) || !reflect.DeepEqual(gotFixFound, wantFixFound) {
		t.Errorf("fixture memory after restart:\n list %v\n want %v\n found %v want %v", gotFix, wantFix, gotFixFound, wantFixFound)
	}
	if st, d := p.do(http.MethodDelete, "/v1/memories/"+second, key, nil); st != http.StatusNotFound {
		t.Errorf("deleted memory after restart: %d %v", st, d)
	}
}

// kill9 sends SIGKILL (Process.Kill) and reaps the process.
func (p *memSyncProc) kill9() {
	p.t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		p.t.Fatal(err)
	}
	_ = p.cmd.Wait()
}
