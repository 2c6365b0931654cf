package memtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/memtest"
	"github.com/memharness/memharness/mock/media/mediatest"
	"github.com/memharness/memharness/toolkit/fixtures"
	"github.com/memharness/memharness/toolkit/stubs"
	"github.com/memharness/memharness/toolkit/verify"
)

// exampleT stands in for the *testing.T a real test passes: it prints
// what the helper reports and runs the cleanups at the end.
type exampleT struct{ cleanups []func() }

func (e *exampleT) Helper()                           {}
func (e *exampleT) Cleanup(f func())                  { e.cleanups = append(e.cleanups, f) }
func (e *exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (e *exampleT) Fatalf(format string, args ...any) { fmt.Printf("FATAL: "+format+"\n", args...) }
func (e *exampleT) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// A fixture library whose transcript a search must find, and a check of
// what the client sent.
func Example() {
	t := &exampleT{}
	defer t.done()

	m := memtest.New(t)
	m.LoadManifest(t, fixtures.Manifest{Accounts: []fixtures.Account{{
		APIKey: m.Key(),
		Videos: []fixtures.Video{
			{UniqueID: "birds", Name: "ridge_morning", Visual: []fixtures.Segment{{Start: 0, End: 6, Text: "a golden eagle circles the ridge"}}},
			{UniqueID: "birds", Name: "harbour_boats", Visual: []fixtures.Segment{{Start: 0, End: 8, Text: "fishing boats leave the harbour"}}},
		},
	}}})

	c := m.Client()
	res, err := c.Search(context.Background(), client.SearchRequest{SearchParam: "eagle", SearchType: "BY_VIDEO", UniqueID: "birds"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("first hit:", res.Hits[0].VideoName)

	ok := m.AssertCalled(t, verify.Matcher{Operation: "search", APIKey: m.Key(),
		Body: map[string]*verify.Field{"search_param": verify.Eq("eagle"), "unique_id": verify.Eq("birds")}})
	fmt.Println("search verified:", ok)
	// Output:
	// first hit: ridge_morning
	// search verified: true
}

// A wrong expectation fails with the near misses: the request that came
// closest and the field that differs.
func ExampleMock_AssertCalled() {
	t := &exampleT{}
	defer t.done()
	m := memtest.New(t)
	c := m.Client()
	_, _ = c.Search(context.Background(), client.SearchRequest{SearchParam: "eagles", SearchType: "BY_VIDEO"})

	m.AssertCalled(t, verify.Matcher{Operation: "search", Body: map[string]*verify.Field{"search_param": verify.Eq("eagle")}})
	// Output:
	// memtest: want at least 1 matching search request(s), the mock saw 0; closest:
	//   #1 search /serve/api/v1/search:
	//     body.search_param: want equals "eagle", got "eagles"
}

// A stub answers 0429 once; then the mock's own answer follows.
func ExampleMock_Stub() {
	t := &exampleT{}
	defer t.done()
	m := memtest.New(t)
	once := 1
	m.Stub(t, stubs.Stub{Operation: "search", Times: &once,
		Answer: stubs.Answer{Code: "0429", Msg: "Request has exceeded the limit."}})

	c := m.Client(client.WithRetry429(0)) // see the 0429 instead of retrying it
	for i := 1; i <= 2; i++ {
		_, err := c.Search(context.Background(), client.SearchRequest{SearchParam: "eagle", SearchType: "BY_VIDEO"})
		fmt.Printf("call %d: 0429=%v\n", i, client.HasCode(err, "0429"))
	}
	// Output:
	// call 1: 0429=true
	// call 2: 0429=false
}

// Processing follows the mock's fake clock: an upload stays UNPARSE until
// the test moves time.
func ExampleMock_Advance() {
	t := &exampleT{}
	defer t.done()
	m := memtest.New(t)
	c := m.Client()
	ctx := context.Background()
	up, err := c.UploadFile(ctx, client.UploadFileRequest{FileName: "beach.mp4",
		File: bytes.NewReader(mediatest.MP4(mediatest.MP4Options{Duration: 5}))})
	if err != nil {
		fmt.Println(err)
		return
	}
	status := func() string {
		md, err := c.GetPrivateVideoDetails(ctx, up.VideoNo, "")
		if err != nil {
			return err.Error()
		}
		return md.Status
	}
	fmt.Println("after upload:", status())
	m.Advance(2 * time.Second)
	fmt.Println("two seconds later:", status())
	// Output:
	// after upload: UNPARSE
	// two seconds later: PARSE
}

// MemSync runs beside the Memories.ai mock: a manifest's memories load
// into it, and its search finds them.
func ExampleMock_MemSyncURL() {
	t := &exampleT{}
	defer t.done()

	m := memtest.New(t)
	m.LoadManifest(t, fixtures.Manifest{Accounts: []fixtures.Account{{
		APIKey: m.Key(),
		Memories: []fixtures.Memory{
			{Memory: "Works as a wildlife photographer in the Highlands", Categories: []string{"career"}},
			{Memory: "Prefers tea to coffee", Categories: []string{"interests"}},
		},
	}}})

	req, _ := http.NewRequest(http.MethodPost, m.MemSyncURL()+"/v1/memories/search",
		strings.NewReader(`{"query":"What does the user do for work?","limit":1}`))
	req.Header.Set("X-API-Key", m.Key())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Memories []struct{ Memory string } `json:"memories"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, out.Data.Memories[0].Memory)
	fmt.Println("searched:", m.AssertCalled(t, verify.Matcher{Operation: "searchMemories", APIKey: m.Key()}))
	// Output:
	// 200 Works as a wildlife photographer in the Highlands
	// searched: true
}
