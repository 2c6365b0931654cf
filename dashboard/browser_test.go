package dashboard_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/memharness/memharness/dashboard"
	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/mock/media/mediatest"
)

var update = flag.Bool("update", false, "write the dashboard screenshot to docs/img/dashboard.png")

// ciEnv is set by .ci/run: in CI a missing browser fails the test instead
// of skipping it.
const ciEnv = "MEMHARNESS_CI"

// findBrowser returns Debian's chromium (or another Chrome), or skips the
// test with the reason when there is none outside CI.
func findBrowser(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MEMHARNESS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(ciEnv) != "" {
		t.Fatalf("no chromium on PATH in CI (%s is set): .ci/run installs Debian's chromium", ciEnv)
	}
	t.Skip("no chromium, chromium-browser or google-chrome on PATH (install Debian's chromium, or set MEMHARNESS_CHROMIUM)")
	return ""
}

// browser starts a headless chromium for the test: sandbox off (CI runs as
// root), no GPU, and nothing that would reach the network on its own.
func browser(t *testing.T, parent context.Context) (context.Context, *consoleLog) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(findBrowser(t)),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1360, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	cl := &consoleLog{}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				cl.add(string(m.Type) + ": " + m.Text + " " + m.URL)
			}
		}
	}()
	return ctx, cl
}

// consoleLog collects the page's console errors, exceptions and failed
// loads (CSP violations included).
type consoleLog struct {
	mu   sync.Mutex
	errs []string
}

func (c *consoleLog) add(s string) { c.mu.Lock(); c.errs = append(c.errs, s); c.mu.Unlock() }
func (c *consoleLog) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errs...)
}

// flaky is a callback receiver that answers 500 to its first two POSTs.
type flaky struct {
	hits atomic.Int32
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if f.hits.Add(1) <= 2 {
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// upload sends a video through the emulated API and returns its number.
func upload(t *testing.T, base, key, name, callback string) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(mediatest.MP4(mediatest.MP4Options{Duration: 12, Width: 640, Height: 360, Audio: true}))
	_ = mw.WriteField("callback", callback)
	_ = mw.WriteField("tags", "beach")
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/serve/api/v1/upload", &body)
	req.Header.Set("Authorization", key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	i := bytes.Index(b, []byte(`"videoNo":"`))
	if i < 0 {
		t.Fatalf("upload: %s", b)
	}
	rest := b[i+len(`"videoNo":"`):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}

// call sends one JSON API request and fails the test on a transport error.
func call(t *testing.T, base, key, op, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/serve/api/v1/"+op, strings.NewReader(body))
	req.Header.Set("Authorization", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
}

// waitJS polls a JavaScript expression in the page until it is truthy.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// do is an action that runs a Go function (an API call between steps).
func do(f func()) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(context.Context, *chromedp.Target) error { f(); return nil })
}

// waitWaiters waits until a goroutine of the mock sleeps on the fake
// clock (a callback retry), so advancing the clock wakes it.
func waitWaiters(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for clk.Waiters() < n {
		if time.Now().After(deadline) {
			t.Fatalf("no retry is waiting on the clock (waiters %d)", clk.Waiters())
		}
		goruntime.Gosched()
	}
}

// liveDrift is a drift source with one finding whose count the test
// raises, as a proxy seeing more exchanges would.
type liveDrift struct{ count atomic.Int32 }

func (d *liveDrift) DriftReport() dashboard.DriftReport {
	seen := time.Date(2025, 10, 20, 11, 0, 1, 0, time.UTC)
	return dashboard.DriftReport{Exchanges: 12, Operations: 3, Findings: []dashboard.DriftFinding{{
		Surface: "memories", Operation: "search", Method: "POST", Path: "/serve/api/v1/search", Where: "response",
		Pointer: "/data/*/score", Rule: "value must be a number", Count: int(d.count.Load()), FirstSeen: seen, LastSeen: seen.Add(time.Minute),
		Example: dashboard.DriftExample{Pointer: "/data/0/score", Reason: "value must be a number",
			Request: dashboard.DriftMessage{Method: "POST", URL: "https://api.memories.ai/serve/api/v1/search",
				Headers: []dashboard.Header{{Name: "Authorization", Value: "[redacted]"}}, Body: `{"search_param":"beach"}`},
			Response: dashboard.DriftMessage{Status: 200, Headers: []dashboard.Header{{Name: "Content-Type", Value: "application/json"}},
				Body: `{"code":"0000","data":[{"videoNo":"VI1","score":"0.91"}]}`}},
	}}}
}

// TestBrowser drives the dashboard in Debian's chromium: a video uploaded
// through the API appears UNPARSE and turns PARSE after a clock advance
// made with the page's own form, without a reload; its callback to a
// receiver that fails twice shows every attempt; the journal filter hides
// what does not match; the verify form counts requests; one account is
// reset; fixtures load; a journal entry opens on its request and answer;
// the Drift view shows a finding live; the keyboard reaches every
// control; the page logs no error and weighs under 300 KB.
func TestBrowser(t *testing.T) {
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	srv, err := mock.New(mock.Options{Clock: clk, ProcessingTime: 2 * time.Second, CallbackBackoff: time.Second,
		CallbackAttempts: 5, FreeCredits: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	drift := &liveDrift{}
	drift.count.Store(3)
	srv.ShowDrift(drift) // as with --upstream
	api := httptest.NewServer(srv.Handler())
	t.Cleanup(api.Close)
	recv := &flaky{}
	hook := httptest.NewServer(recv)
	t.Cleanup(hook.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	ctx, console := browser(t, ctx)

	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("%s: %v\npage: %.3000s\nconsole: %q", what, err, html, console.all())
		}
	}

	js := func(expr string) chromedp.Action[chromedp.Void] { return chromedp.Evaluate[chromedp.Void](expr) }
	// setValue types a value into a field as a user would: the value,
	// then the input event the page listens to.
	setValue := func(id, v string) chromedp.Action[chromedp.Void] {
		return js(fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); })()`, id, v))
	}

	run("open the dashboard",
		chromedp.Navigate(api.URL+"/_mock/ui"),
		chromedp.WaitVisible(chromedp.ID("h-library")),
		waitJS(`document.getElementById("live").textContent === "live"`),
		js(`window.__notReloaded = true`))

	const key, other = "sk-dashboard-test", "sk-other-account"
	no := upload(t, api.URL, key, "beach_day.mp4", hook.URL+"/cb")
	otherNo := upload(t, api.URL, other, "city_walk.mp4", "")
	row := fmt.Sprintf(`document.querySelector('tr[data-item=%q] [data-status]')`, no)

	run("the upload appears UNPARSE without a reload",
		waitJS(row+` && `+row+`.textContent === "UNPARSE"`))

	run("fill the advance form", setValue("in-advance-seconds", "2"))
	if curl := eval[string](t, ctx, `document.querySelector("#ctl-advance pre.curl").textContent`); !strings.Contains(curl, `/_mock/clock/advance`) ||
		!strings.Contains(curl, `-d '{"seconds":2}'`) {
		t.Errorf("the advance form's curl is %q", curl)
	}
	run("scope the advance to one account", setValue("in-advance-key", key))
	if curl := eval[string](t, ctx, `document.querySelector("#ctl-advance pre.curl").textContent`); !strings.Contains(curl, `/_mock/clock/advance?api_key=`+key+`'`) {
		t.Errorf("the advance form's curl with a key is %q", curl)
	}
	run("back to the global advance", setValue("in-advance-key", ""))
	if curl := eval[string](t, ctx, `document.querySelector("#ctl-faults pre.curl").textContent`); !strings.Contains(curl, `/_mock/faults' `) {
		t.Errorf("the faults form's curl without a key is %q, want the global PUT /_mock/faults", curl)
	}
	run("advance the clock with the page's form: PARSE without a reload",
		chromedp.Click(chromedp.ID("btn-advance")),
		waitJS(row+`.textContent === "PARSE"`),
		waitJS(`window.__notReloaded === true`))

	delivery := `document.querySelector('#panel-callbacks tr[data-delivery]')`
	attempts := func(n int, status string) chromedp.Action[chromedp.Void] {
		return waitJS(fmt.Sprintf(`%s && %s.querySelector("[data-attempts]").textContent === "%d" && %s.querySelector("[data-status]").textContent === %q`,
			delivery, delivery, n, delivery, status))
	}
	run("first attempt fails", attempts(1, "pending"), waitJS(delivery+`.textContent.includes("HTTP 500")`))
	waitWaiters(t, clk, 1)
	if err := srv.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	run("second attempt fails", attempts(2, "pending"))
	waitWaiters(t, clk, 1)
	if err := srv.Advance(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	run("third attempt is delivered", attempts(3, "delivered"), waitJS(delivery+`.textContent.includes("HTTP 200")`))
	if got := recv.hits.Load(); got != 3 {
		t.Errorf("the receiver got %d POSTs, want 3", got)
	}

	// Traffic for the journal: two operations, two keys.
	for range 3 {
		call(t, api.URL, key, "list_videos", `{}`)
	}
	call(t, api.URL, other, "search", `{"search_param":"beach","search_type":"BY_VIDEO"}`)
	run("filter the journal by operation",
		waitJS(`document.querySelectorAll("#panel-requests li[data-op^='list_videos']").length === 3`),
		chromedp.SendKeys(chromedp.ID("f-op"), "list_videos"))
	shown := eval[int](t, ctx, `document.querySelectorAll("#panel-requests li:not([hidden])").length`)
	total := eval[int](t, ctx, `document.querySelectorAll("#panel-requests li").length`)
	if shown != 3 || total <= shown {
		t.Errorf("filtered journal shows %d of %d entries, want the 3 list_videos of more", shown, total)
	}
	run("new requests arrive live; those that do not match stay hidden",
		do(func() {
			call(t, api.URL, other, "list_videos", `{}`)
			call(t, api.URL, key, "search", `{"search_param":"x","search_type":"BY_VIDEO"}`)
		}),
		waitJS(`document.querySelectorAll("#panel-requests li[data-op^='list_videos']:not([hidden])").length === 4`))
	if !eval[bool](t, ctx, `Array.from(document.querySelectorAll("#panel-requests li:not([hidden])")).every(li => li.dataset.op.startsWith("list_videos"))`) {
		t.Error("a request of another operation shows through the filter")
	}

	run("verify requests with the page's form",
		setValue("in-find-matcher", `{"operation":"list_videos","at_least":4}`),
		chromedp.Click(chromedp.ID("btn-find")),
		waitJS(`document.querySelector("#ctl-find output").textContent.startsWith("200 ")`))
	if out := eval[string](t, ctx, `document.querySelector("#ctl-find output").textContent`); !strings.Contains(out, `"count":4`) {
		t.Errorf("verify output %q, want the 4 list_videos", out)
	}

	run("open a journal entry: the request and the answer as the client got it",
		chromedp.Focus(chromedp.CSS(`#panel-requests li[data-op^='list_videos']:not([hidden]) summary`)), chromedp.KeyEvent(kb.Enter),
		waitJS(`(p => p !== null && p.textContent.includes('"code": "0000"'))(document.querySelector("#panel-requests details[open] pre[data-answer]"))`))
	if ans := eval[string](t, ctx, `document.querySelector("#panel-requests details[open] pre[data-answer]").textContent`); !strings.Contains(ans, otherNo) {
		t.Errorf("the newest list_videos answer does not list %s:\n%.600s", otherNo, ans)
	}
	if req := eval[string](t, ctx, `document.querySelector("#panel-requests details[open] pre.json").textContent`); !strings.Contains(req, `"operation_id": "list_videos"`) {
		t.Errorf("the opened entry's request is %.300s", req)
	}

	run("the drift view shows the finding and its example, and follows its count live",
		waitJS(`document.querySelector("#panel-drift tr[data-drift] [data-count]").textContent === "3"`),
		chromedp.Focus(chromedp.CSS("#panel-drift details summary")), chromedp.KeyEvent(kb.Enter),
		waitJS(`document.querySelector("#panel-drift details[open] pre[data-example-answer]").textContent.includes('"score": "0.91"')`),
		do(func() { drift.count.Store(4) }),
		waitJS(`document.querySelector("#panel-drift tr[data-drift] [data-count]").textContent === "4"`),
		waitJS(`document.querySelector("#panel-drift details").open`),
		// Back to the top: the next steps click by position, and an
		// element under the sticky header would get the header's click.
		js(`window.scrollTo(0, 0)`))

	run("add a stub with the page's form, then delete it with its button",
		chromedp.Click(chromedp.ID("btn-stub")),
		waitJS(`document.querySelector("#panel-stubs tr[data-stub]") !== null`),
		waitJS(`document.querySelector("#panel-stubs tr[data-stub]").textContent.includes("0429")`),
		chromedp.Click(chromedp.CSS("#panel-stubs tr[data-stub] button")),
		waitJS(`document.querySelector("#panel-stubs tr[data-stub]") === null`))

	weight := eval[float64](t, ctx, `(() => { const n = performance.getEntriesByType("navigation")[0]; let s = n.decodedBodySize;
		for (const r of performance.getEntriesByType("resource")) if (!r.name.includes("/events")) s += r.decodedBodySize;
		return s; })()`)
	if weight <= 0 || weight >= 300<<10 {
		t.Errorf("page weight %.0f bytes, want under 300 KB", weight)
	}
	t.Logf("page weight %.1f KB", weight/1024)

	run("clear the filter", setValue("f-op", ""))
	screenshot(t, ctx, run)
	checkKeyboard(t, ctx, run)

	run("the item page shows the lifecycle, the understanding and the download",
		chromedp.Navigate(api.URL+"/_mock/ui/video?id="+no),
		chromedp.WaitVisible(chromedp.CSS("#panel-item .timeline")),
		waitJS(`(t => ["callback attempt 1", "callback attempt 2", "receiver answered HTTP 500", "callback attempt 3", "delivered: HTTP 200"].every(s => t.includes(s)))(document.querySelector("#panel-item .timeline").textContent)`),
		waitJS(`document.querySelector("#panel-item .summary") !== null && document.querySelectorAll("#panel-item .chapters li").length > 0`),
		waitJS(`document.getElementById("download") !== null`))
	resp, err := http.Get(api.URL + "/_mock/ui/media?id=" + no)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if want := mediatest.MP4(mediatest.MP4Options{Duration: 12, Width: 640, Height: 360, Audio: true}); !bytes.Equal(got, want) {
		t.Errorf("download link: %d bytes, want the %d uploaded", len(got), len(want))
	}

	run("reset one account from the page",
		chromedp.Navigate(api.URL+"/_mock/ui"),
		waitJS(`document.getElementById("live").textContent === "live"`),
		setValue("in-reset-key", key),
		chromedp.Click(chromedp.ID("btn-reset-one")),
		waitJS(fmt.Sprintf(`document.querySelector('tr[data-item=%q]') === null`, no)),
		waitJS(fmt.Sprintf(`document.querySelector('tr[data-item=%q]') !== null`, otherNo)),
		waitJS(`document.querySelector("#ctl-reset-one output").textContent.startsWith("200")`))

	run("load fixtures from the page: the video appears",
		chromedp.Click(chromedp.ID("btn-fixtures")),
		waitJS(`document.querySelector("#ctl-fixtures output").textContent.startsWith("200")`),
		waitJS(`Array.from(document.querySelectorAll("#panel-library td")).some(td => td.textContent === "ridge")`))

	if errs := console.all(); len(errs) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// checkKeyboard presses Tab from the top of the page and checks that focus
// reaches every visible control (links, buttons, inputs, selects,
// disclosure summaries) and that Enter on a focused summary opens it.
func checkKeyboard(t *testing.T, ctx context.Context, run func(string, ...chromedp.Action[chromedp.Void])) {
	t.Helper()
	want := eval[int](t, ctx, `(() => {
		const els = Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary'))
			.filter(e => e.checkVisibility());
		els.forEach((e, i) => e.dataset.kbd = i);
		document.activeElement && document.activeElement.blur();
		window.scrollTo(0, 0);
		return els.length; })()`)
	if want < 20 {
		t.Fatalf("only %d controls on the page", want)
	}
	reached := map[string]bool{}
	for range want + 10 {
		run("tab", chromedp.KeyEvent(kb.Tab))
		if id := eval[string](t, ctx, `document.activeElement && document.activeElement.dataset.kbd || ""`); id != "" {
			reached[id] = true
		}
	}
	if len(reached) != want {
		missed := eval[[]string](t, ctx, fmt.Sprintf(`Array.from(document.querySelectorAll("[data-kbd]")).filter(e => !%q.split(",").includes(e.dataset.kbd)).map(e => e.outerHTML.slice(0, 120))`,
			strings.Join(keys(reached), ",")))
		t.Errorf("Tab reached %d of %d controls; missed:\n%s", len(reached), want, strings.Join(missed, "\n"))
	}
	run("a summary opens with the keyboard", chromedp.Focus(chromedp.CSS("#panel-requests summary")), chromedp.KeyEvent(kb.Enter))
	if !eval[bool](t, ctx, `document.querySelector("#panel-requests details").open`) {
		t.Error("Enter on a journal entry's summary did not open it")
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// screenshot writes the dashboard as the README shows it (with -update)
// and, in CI, to the artifacts directory.
func screenshot(t *testing.T, ctx context.Context, run func(string, ...chromedp.Action[chromedp.Void])) {
	t.Helper()
	// The whole page, from the top, nothing focused.
	height := eval[int](t, ctx, `(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);
		return Math.min(document.documentElement.scrollHeight, 3000); })()`)
	run("viewport", chromedp.EmulateViewport(1360, int64(height)))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil || len(png) < 10<<10 {
		t.Fatalf("screenshot of %d bytes: %v", len(png), err)
	}
	var paths []string
	if *update {
		paths = append(paths, filepath.Join("..", "docs", "img", "dashboard.png"))
	}
	if dir := os.Getenv("CI_ARTIFACTS_DIR"); dir != "" {
		paths = append(paths, filepath.Join(dir, "dashboard.png"))
	}
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", p)
	}
}

// TestBrowserLogin: with a control token, the dashboard asks for it once;
// the page's script (allowed by its CSP hash) keeps it in the cookie and the
// dashboard, its live stream and its forms then work.
func TestBrowserLogin(t *testing.T) {
	srv, err := mock.New(mock.Options{Clock: clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC)), ControlToken: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	api := httptest.NewServer(srv.Handler())
	t.Cleanup(api.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx, console := browser(t, ctx)
	err = chromedp.Do(ctx,
		chromedp.Navigate(api.URL+"/_mock/ui"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), "s3cret"),
		chromedp.Click(chromedp.CSS("#login button")),
		chromedp.WaitVisible(chromedp.ID("h-library")),
		waitJS(`document.getElementById("live").textContent === "live"`),
		chromedp.Click(chromedp.ID("btn-advance")),
		waitJS(`document.querySelector("#ctl-advance output").textContent.startsWith("200 ")`))
	if err != nil {
		t.Fatalf("log in and use the dashboard: %v (console %q)", err, console.all())
	}
	// The 401 of the first load is the only expected console error.
	for _, e := range console.all() {
		if !strings.Contains(e, "401") {
			t.Errorf("console: %s", e)
		}
	}
}
