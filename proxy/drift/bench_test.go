package drift_test

import (
	"net/http"
	"testing"

	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
)

// BenchmarkObserveUpload is the drift collector's cost per exchange (on
// its own goroutine, after the caller has its answer) for an upload_url
// with a JSON body and for a multipart upload whose 1 MiB capture holds
// form fields and the start of the file.
func BenchmarkObserveUpload(b *testing.B) {
	col, err := drift.New(drift.Options{})
	if err != nil {
		b.Fatal(err)
	}
	answer := []byte(`{"code":"0000","msg":"success","data":{"videoNo":"VI568102998803353600","videoName":"clip","videoStatus":"UNPARSE","uploadTime":"1744905509814"},"success":true,"failed":false}`)
	exchange := func(path, ct string, body []byte, truncated bool) *proxy.Exchange {
		req, _ := http.NewRequest("POST", "http://127.0.0.1/serve/api/v1/"+path, nil)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "sk-bench")
		return &proxy.Exchange{Surface: "memories", Request: req, RequestBody: proxy.Body{Bytes: body, Size: int64(len(body)), Truncated: truncated},
			Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, ResponseBody: proxy.Body{Bytes: answer, Size: int64(len(answer))}}
	}
	ct, mp := multipartBody(b, []part{{name: "unique_id", value: "u1"}, {name: "folder_id", value: "-1"}, {name: "tags", value: "a"},
		{name: "file", file: 2 << 20}})
	for _, bc := range []struct {
		name string
		x    *proxy.Exchange
	}{
		{name: "json upload_url", x: exchange("upload_url", "application/json", []byte(`{"url":"https://cdn.example.com/a.mp4","unique_id":"u1","folder_id":-1,"tags":["a"]}`), false)},
		{name: "multipart upload, 1 MiB captured", x: exchange("upload", ct, mp[:1<<20], true)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				col.Observe(bc.x)
			}
			if f := col.Report().Findings; len(f) != 0 {
				b.Fatalf("findings: %+v", f)
			}
		})
	}
}
