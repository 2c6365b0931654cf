package drift

import (
	"net/http"
	"testing"

	"github.com/memharness/memharness/contract"
	"github.com/memharness/memharness/proxy"
)

// FuzzCheckForm: no form body, whole or cut, makes the form check panic.
func FuzzCheckForm(f *testing.F) {
	specs, err := contract.LoadSpecs()
	if err != nil {
		f.Fatal(err)
	}
	upload, _, ok := specs.Match("POST", "/serve/api/v1/upload", contract.APIMemories)
	if !ok {
		f.Fatal("no upload operation")
	}
	uploadURL, _, ok := specs.Match("POST", "/serve/api/v1/upload_url", contract.APIMemories)
	if !ok {
		f.Fatal("no upload_url operation")
	}
	const boundary = "XyZ"
	f.Add(true, false, []byte("--XyZ\r\nContent-Disposition: form-data; name=\"folder_id\"\r\n\r\n-1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\n\r\nxx\r\n--XyZ--\r\n"))
	f.Add(true, true, []byte("--XyZ\r\nContent-Disposition: form-data; name=\"req\"; filename=\"r.json\"\r\nContent-Type: application/json\r\n\r\n{\"a\":[1,{}]}\r\n--Xy"))
	f.Add(false, false, []byte("url=https%3A%2F%2Fx%2Fa.mp4&tags=a&tags=b&folder_id=1e400&retain_original_video=TRUE"))
	f.Add(false, false, []byte("%zz=&&=="))
	f.Fuzz(func(t *testing.T, multipart, truncated bool, body []byte) {
		op, ct := uploadURL, "application/x-www-form-urlencoded"
		if multipart {
			op, ct = upload, "multipart/form-data; boundary="+boundary
		}
		req, _ := http.NewRequest("POST", "http://x"+op.Path, nil)
		req.Header.Set("Content-Type", ct)
		x := &proxy.Exchange{Request: req, RequestBody: proxy.Body{Bytes: body, Size: int64(len(body)), Truncated: truncated}}
		for _, fd := range checkForm(op, x) {
			if fd.where != "request" || fd.reason == "" {
				t.Fatalf("finding %+v", fd)
			}
		}
	})
}
