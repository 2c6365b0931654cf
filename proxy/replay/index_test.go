package replay

import (
	"fmt"
	"strings"
	"testing"

	"github.com/memharness/memharness/proxy/har"
)

func entry(method, url, ct, body string, status int, answer string) *har.Entry {
	e := &har.Entry{Surface: "memories",
		Request:  har.Request{Method: method, URL: url},
		Response: har.Response{Status: status, Content: har.Content{MimeType: "application/json", Text: answer}}}
	if body != "" {
		e.Request.PostData = &har.PostData{MimeType: ct, Text: body}
	}
	return e
}

func TestMatchNormalisesQueryBodyAndVolatileFields(t *testing.T) {
	ix := New(Options{})
	for i, e := range []*har.Entry{
		entry("POST", "http://h/serve/api/v1/search?b=2&a=1", "application/json", `{"search_param":"cat","top_k":5,"callback":"http://a"}`, 200, "A"),
		entry("POST", "http://h/serve/api/v1/upload_url", "application/x-www-form-urlencoded", "url=https%3A%2F%2Fx%2Fa.mp4&callback=http%3A%2F%2Fcb", 200, "B"),
		entry("POST", "http://h/serve/api/v1/list_videos", "application/json", `{}`, 200, "first"),
		entry("POST", "http://h/serve/api/v1/list_videos", "application/json", `{}`, 200, "second"),
	} {
		if err := ix.Add("f", i, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name          string
		q             Request
		want          string
		wantNoneFound bool
	}{
		{name: "key order, spacing, query order, other callback", q: Request{Surface: "memories", Method: "post", Path: "/serve/api/v1/search", RawQuery: "a=1&b=2", ContentType: "application/json", Body: []byte(`{ "top_k": 5, "callback": "http://b", "search_param": "cat" }`)}, want: "A"},
		{name: "JSON body under a form content type", q: Request{Surface: "memories", Method: "POST", Path: "/serve/api/v1/search", RawQuery: "b=2&a=1", ContentType: "text/plain", Body: []byte(`{"search_param":"cat","top_k":5}`)}, want: "A"},
		{name: "form order", q: Request{Surface: "memories", Method: "POST", Path: "/serve/api/v1/upload_url", ContentType: "application/x-www-form-urlencoded", Body: []byte("callback=x&url=https%3A%2F%2Fx%2Fa.mp4")}, want: "B"},
		{name: "different value", q: Request{Surface: "memories", Method: "POST", Path: "/serve/api/v1/search", RawQuery: "a=1&b=2", ContentType: "application/json", Body: []byte(`{"search_param":"dog","top_k":5}`)}, wantNoneFound: true},
		{name: "recorded order then the last repeats", q: Request{Surface: "memories", Method: "POST", Path: "/serve/api/v1/list_videos", Body: []byte(`{}`)}, want: "first"},
		{name: "second", q: Request{Surface: "memories", Method: "POST", Path: "/serve/api/v1/list_videos", Body: []byte(`{}`)}, want: "second"},
		{name: "third repeats the last", q: Request{Surface: "memories", Method: "POST", Path: "/serve/api/v1/list_videos", Body: []byte(` { } `)}, want: "second"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := ix.Match(tc.q)
			if tc.wantNoneFound {
				if ok {
					t.Fatalf("matched %s", r.Describe())
				}
				if c := ix.Closest(tc.q); c == nil || !strings.Contains(c.Describe(), `"search_param":"cat"`) {
					t.Fatalf("closest: %v", c)
				}
				return
			}
			if !ok || string(r.Body) != tc.want {
				t.Fatalf("got %v %v, want %s", r, ok, tc.want)
			}
		})
	}
}

func TestRedactedFieldsAreIgnored(t *testing.T) {
	ix := New(Options{})
	e := entry("POST", "http://h/v1/x?token=REDACTED", "application/json", `{"q":"a","secret":"REDACTED"}`, 200, "ok")
	ix.learnRedacted([]loaded{{file: "f", e: e}})
	if err := ix.Add("f", 0, e); err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.Match(Request{Surface: "memories", Method: "POST", Path: "/v1/x", RawQuery: "token=live", ContentType: "application/json", Body: []byte(`{"secret":"live","q":"a"}`)}); !ok {
		t.Fatalf("no match; ignored %v", ix.Ignored())
	}
}

func TestOmittedBodiesMatchAnyBody(t *testing.T) {
	ix := New(Options{})
	e := entry("POST", "http://h/serve/api/v1/upload", "", "", 200, "up")
	e.Request.PostData = &har.PostData{MimeType: "multipart/form-data; boundary=x", Omitted: true, Size: 5 << 20}
	if err := ix.Add("f", 0, e); err != nil {
		t.Fatal(err)
	}
	if r, ok := ix.Match(Request{Surface: "memories", Method: "POST", Path: "/serve/api/v1/upload", ContentType: "multipart/form-data; boundary=y", BodyTooLarge: true}); !ok || string(r.Body) != "up" {
		t.Fatal("an upload recorded without its body does not match")
	}
}

// BenchmarkMatch10k looks a request up among 10,000 recordings.
func BenchmarkMatch10k(b *testing.B) {
	ix := New(Options{})
	for i := range 10000 {
		e := entry("POST", "http://h/serve/api/v1/search", "application/json", fmt.Sprintf(`{"search_param":"term %d","top_k":10,"filtering_level":"medium"}`, i), 200, `{"code":"0000"}`)
		if err := ix.Add("f", i, e); err != nil {
			b.Fatal(err)
		}
	}
	q := Request{Surface: "memories", Method: "POST", Path: "/serve/api/v1/search", ContentType: "application/json",
		Body: []byte(`{"filtering_level":"medium","top_k":10,"search_param":"term 7777"}`)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok := ix.Match(q); !ok {
			b.Fatal("no match")
		}
	}
}
