package drift_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
)

// part is one multipart part: a text field, a file of size bytes, or
// (json) a JSON part sent as a file named like the field.
type part struct {
	name, value string
	file        int
	json        bool
}

func multipartBody(t testing.TB, parts []part) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		if p.json {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"; filename="`+p.name+`.json"`)
			h.Set("Content-Type", "application/json")
			w, err := mw.CreatePart(h)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.WriteString(w, p.value)
			continue
		}
		if p.file > 0 {
			w, err := mw.CreateFormFile(p.name, "clip.mp4")
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write(bytes.Repeat([]byte{0x42}, p.file))
			continue
		}
		_ = mw.WriteField(p.name, p.value)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// TestFormBodiesAreDriftChecked: form fields the service accepts but the
// description rejects are request drift at their field's pointer; numeric
// and boolean fields sent as text (as forms are) are not; file parts are
// not read beyond the capture, and an upload cut at the capture limit is
// still checked for the fields before its file.
func TestFormBodiesAreDriftChecked(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		// The service accepts everything: what the description rejects is
		// drift.
		_, _ = io.WriteString(w, `{"code":"0000","msg":"success","data":{"videoNo":"VI568102998803353600","videoName":"clip","videoStatus":"UNPARSE","uploadTime":"1744905509814"},"success":true,"failed":false}`)
	}))
	t.Cleanup(up.Close)
	col, err := drift.New(drift.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(up.URL)
	const capture = 64 << 10
	g, err := proxy.New(proxy.Options{Routes: []proxy.Route{{Prefix: "/", Surface: "memories", Upstream: u}},
		Observers: []proxy.Observer{col}, MaxRequestCapture: capture})
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(g)
	t.Cleanup(func() { gw.Close(); _ = g.Close() })

	const goodURL = "https://cdn.example.com/clip.mp4"
	form := func(v url.Values) (string, []byte) {
		return "application/x-www-form-urlencoded", []byte(v.Encode())
	}
	for _, tc := range []struct {
		name string
		path string
		body func() (string, []byte)
		want []string // request finding pointers, sorted
	}{
		{name: "good multipart upload, numbers and booleans as text", path: "/serve/api/v1/upload",
			body: func() (string, []byte) {
				return multipartBody(t, []part{{name: "unique_id", value: "u1"}, {name: "folder_id", value: "671631448308117504"},
					{name: "latitude", value: "39.9042"}, {name: "retain_original_video", value: "false"},
					{name: "tags", value: "a"}, {name: "tags", value: "b"}, {name: "file", file: 1000}})
			}},
		{name: "wrong folder_id and latitude", path: "/serve/api/v1/upload",
			body: func() (string, []byte) {
				return multipartBody(t, []part{{name: "folder_id", value: "my-folder"}, {name: "latitude", value: "95.5"}, {name: "file", file: 1000}})
			}, want: []string{"/body/folder_id", "/body/latitude"}},
		{name: "no file", path: "/serve/api/v1/upload",
			body: func() (string, []byte) { return multipartBody(t, []part{{name: "unique_id", value: "u1"}}) },
			want: []string{"/body/file"}},
		{name: "too many tags", path: "/serve/api/v1/upload",
			body: func() (string, []byte) {
				ps := []part{{name: "file", file: 10}}
				for range 21 {
					ps = append(ps, part{name: "tags", value: "t"})
				}
				return multipartBody(t, ps)
			}, want: []string{"/body/tags"}},
		{name: "caption upload: JSON req part, one file in an array field", path: "/v1/understand/uploadFile",
			body: func() (string, []byte) {
				return multipartBody(t, []part{{name: "req", json: true, value: `{"user_prompt":"Describe","system_prompt":"You see.","callback":"https://cb.example.com/x"}`},
					{name: "files", file: 500}, {name: "file", file: 20}, {name: "file", file: 20}})
			}},
		{name: "caption upload: req without callback, two videos", path: "/v1/understand/uploadFile",
			body: func() (string, []byte) {
				return multipartBody(t, []part{{name: "req", json: true, value: `{"user_prompt":"Describe","system_prompt":"You see."}`},
					{name: "files", file: 500}, {name: "files", file: 500}})
			}, want: []string{"/body/files", "/body/req/callback"}},
		{name: "good urlencoded upload_url", path: "/serve/api/v1/upload_url",
			body: func() (string, []byte) {
				return form(url.Values{"url": {goodURL}, "folder_id": {"-1"}, "retain_original_video": {"true"}, "tags": {"x", "y"}, "latitude": {"12.5"}})
			}},
		{name: "urlencoded without url, a boolean that is not", path: "/serve/api/v1/upload_url",
			body: func() (string, []byte) {
				return form(url.Values{"retain_original_video": {"maybe"}, "unique_id": {"u1"}})
			}, want: []string{"/body/retain_original_video", "/body/url"}},
		{name: "upload cut at the capture: fields before the file checked, required not", path: "/serve/api/v1/upload",
			body: func() (string, []byte) {
				return multipartBody(t, []part{{name: "folder_id", value: "nine"}, {name: "file", file: 4 * capture}, {name: "unique_id", value: "late"}})
			}, want: []string{"/body/folder_id"}},
		{name: "good upload cut at the capture", path: "/serve/api/v1/upload",
			body: func() (string, []byte) {
				return multipartBody(t, []part{{name: "folder_id", value: "-1"}, {name: "file", file: 4 * capture}})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col.Reset()
			ct, body := tc.body()
			req, _ := http.NewRequest("POST", gw.URL+tc.path, bytes.NewReader(body))
			req.Header.Set("Authorization", "sk-form")
			req.Header.Set("Content-Type", ct)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			g.Drain()
			var got []string
			var rules []string
			for _, f := range col.Report().Findings {
				if f.Where == "request" {
					got = append(got, f.Pointer)
					rules = append(rules, f.Rule)
				}
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("request findings %v, want %v\n%s", got, tc.want, strings.Join(rules, "\n"))
			}
		})
	}
}
