package drift_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
)

// changed wraps the mock with the injected differences: list_videos
// renames video_name and turns current_page into a string; chat_stream
// gains an event type the description does not know.
type changed struct{ next http.Handler }

var (
	renamed   = regexp.MustCompile(`"video_name":`)
	pageAsStr = regexp.MustCompile(`"current_page":(\d+)`)
)

func (c changed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/serve/api/v1/list_videos":
		rec := httptest.NewRecorder()
		c.next.ServeHTTP(rec, r)
		b := renamed.ReplaceAll(rec.Body.Bytes(), []byte(`"videoName":`))
		b = pageAsStr.ReplaceAll(b, []byte(`"current_page":"$1"`))
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(b)
	case "/serve/api/v1/chat_stream":
		rec := httptest.NewRecorder()
		c.next.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		b := rec.Body.String()
		_, _ = io.WriteString(w, `data:{"type":"surprise","content":"new"}`+"\n\n"+b)
	default:
		c.next.ServeHTTP(w, r)
	}
}

func TestDriftFindsExactlyTheInjectedDifferences(t *testing.T) {
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	m, err := mock.New(mock.Options{Clock: clk, RateLimits: "off", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	up := httptest.NewServer(changed{m.Handler()})
	t.Cleanup(up.Close)
	col, err := drift.New(drift.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(up.URL)
	g, err := proxy.New(proxy.Options{Routes: []proxy.Route{{Prefix: "/", Surface: "memories", Upstream: u}},
		Observers: []proxy.Observer{col}, Handlers: map[string]http.Handler{"/_mock/drift": col.Handler()}})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(g)
	t.Cleanup(func() { gw.Close(); _ = g.Close() })
	g2 := gwDrainer{g}

	const key = "sk-drift-key-0042"
	post := func(path, body string) []byte {
		t.Helper()
		req, _ := http.NewRequest("POST", gw.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	b := post("/serve/api/v1/upload_url", `{"url":"https://example.com/family_parking_lot.mp4"}`)
	var up1 struct {
		Data struct {
			VideoNo string `json:"videoNo"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &up1); err != nil || up1.Data.VideoNo == "" {
		t.Fatalf("upload_url: %s", b)
	}
	// Finish processing through the local control plane of the upstream.
	req, _ := http.NewRequest("POST", up.URL+"/_mock/videos/"+up1.Data.VideoNo+"/complete", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("complete: %v %v", resp, err)
	}
	// What the caller receives is the upstream's answer, drift or not.
	list := post("/serve/api/v1/list_videos", `{}`)
	if !bytes.Contains(list, []byte(`"videoName":"family_parking_lot"`)) || !bytes.Contains(list, []byte(`"current_page":"1"`)) {
		t.Fatalf("the proxy changed the answer: %s", list)
	}
	post("/serve/api/v1/list_videos", `{"page":1}`)
	stream := post("/serve/api/v1/chat_stream", `{"video_nos":["`+up1.Data.VideoNo+`"],"prompt":"Summarize this video"}`)
	if !bytes.HasPrefix(stream, []byte(`data:{"type":"surprise"`)) {
		t.Fatalf("stream: %s", stream)
	}
	post("/serve/api/v1/search", `{"search_param":"parking","search_type":"BY_VIDEO"}`)
	g2.Drain()

	resp, err := http.Get(gw.URL + "/_mock/drift")
	if err != nil {
		t.Fatal(err)
	}
	var rep drift.Report
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Operation+" "+f.Where+" "+f.Pointer)
		if f.Operation == "list_videos" && f.Count != 2 {
			t.Errorf("%s %s seen %d times, want 2", f.Operation, f.Pointer, f.Count)
		}
	}
	sort.Strings(got)
	want := []string{
		"chat_stream event event * /type",
		"list_videos response /data/current_page",
		"list_videos response /data/videos/*/video_name",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s\nreport: %s", strings.Join(got, "\n"), strings.Join(want, "\n"), raw)
	}
	if bytes.Contains(raw, []byte(key)) {
		t.Error("the report shows the key")
	}
	if rep.Exchanges != 5 {
		t.Errorf("exchanges %d, want 5", rep.Exchanges)
	}

	conformsToDescription(t, raw)

	resp, err = http.Get(gw.URL + "/_mock/drift?format=html")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Contains(page, []byte("/data/videos/*/video_name")) || !bytes.Contains(page, []byte("<table>")) {
		t.Errorf("html report: %s", page)
	}
	_ = bufio.NewReader
}

// conformsToDescription validates a JSON report against drift.yaml.
func conformsToDescription(t *testing.T, raw []byte) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(drift.Description)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("drift.yaml: %v", err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if err := doc.Components.Schemas["DriftReport"].Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		t.Fatalf("the report does not conform to drift.yaml: %v", err)
	}
}

type gwDrainer struct{ g *proxy.Gateway }

func (d gwDrainer) Drain() { d.g.Drain() }

// TestRequestDriftOnlyWhenTheServiceAcceptsWhatTheSpecRejects: a bad
// request the service refuses is the contract working; one it accepts is
// drift, reported at the body pointer.
func TestRequestDriftOnlyWhenTheServiceAcceptsWhatTheSpecRejects(t *testing.T) {
	var accept atomic.Bool
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if accept.Load() {
			_, _ = io.WriteString(w, `{"code":"0000","msg":"success","data":{"videos":[],"current_page":1,"page_size":20,"total_count":"0"},"success":true,"failed":false}`)
			return
		}
		_, _ = io.WriteString(w, `{"code":"0001","msg":"parameter error: page: value must be an integer","data":null,"success":false,"failed":true}`)
	}))
	t.Cleanup(up.Close)
	col, err := drift.New(drift.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(up.URL)
	g, err := proxy.New(proxy.Options{Routes: []proxy.Route{{Prefix: "/", Surface: "memories", Upstream: u}}, Observers: []proxy.Observer{col}})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(g)
	t.Cleanup(func() { gw.Close(); _ = g.Close() })
	send := func() {
		req, _ := http.NewRequest("POST", gw.URL+"/serve/api/v1/list_videos", strings.NewReader(`{"page":"first"}`))
		req.Header.Set("Authorization", "k")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		g.Drain()
	}
	send()
	if f := col.Report().Findings; len(f) != 0 {
		t.Fatalf("a refused bad request is not drift: %+v", f)
	}
	accept.Store(true)
	send()
	f := col.Report().Findings
	if len(f) != 1 || f[0].Where != "request" || f[0].Pointer != "/body/page" || f[0].Operation != "list_videos" {
		t.Fatalf("findings: %+v", f)
	}
}
