package proxy

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/memharness/memharness/proxy/har"
)

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	// Dir receives the HAR files.
	Dir string
	// Redact names headers, query and form parameters and JSON fields
	// redacted on top of Authorization, X-API-Key and the other defaults.
	Redact []string
	// MaxBody is the largest request body kept in a file (default 1 MiB);
	// a larger one, and a binary answer larger than it, is replaced by its
	// size and SHA-256.
	MaxBody int64
	// PerFile starts a new file after this many entries (default 100).
	PerFile int
	// Version is written as the creator's version.
	Version string
	// Logger (discarded when nil).
	Logger *slog.Logger
}

// Recorder is an Observer that writes every complete exchange to HAR 1.2
// files, redacted before anything is encoded: keys never reach the disk.
type Recorder struct {
	w   *har.Writer
	red *har.Redactor
	max int64
	log *slog.Logger
}

// NewRecorder opens the directory and starts the background writer.
func NewRecorder(o RecorderOptions) (*Recorder, error) {
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	w, err := har.NewWriter(har.WriterOptions{
		Dir: o.Dir, PerFile: o.PerFile, Logger: o.Logger,
		Creator: har.Creator{Name: "memharness", Version: o.Version},
	})
	if err != nil {
		return nil, err
	}
	return &Recorder{w: w, red: har.NewRedactor(o.Redact), max: o.MaxBody, log: o.Logger}, nil
}

// Observe records one exchange; incomplete ones (client gone, upstream
// failed) are left out.
func (r *Recorder) Observe(x *Exchange) {
	if x.Err != nil {
		r.log.Debug("not recorded", "path", x.Request.URL.Path, "err", x.Err)
		return
	}
	if err := r.w.Add(Entry(x, r.red, r.max)); err != nil {
		r.log.Warn("not recorded", "path", x.Request.URL.Path, "err", err)
	}
}

// Flush waits until what was observed is on disk.
func (r *Recorder) Flush() { r.w.Flush() }

// Files lists the files written so far.
func (r *Recorder) Files() []string { return r.w.Files() }

// Close writes what is queued.
func (r *Recorder) Close() error { return r.w.Close() }

// Entry converts an exchange to a redacted HAR entry. Bodies larger than
// maxBody (requests; binary answers) keep only their size and SHA-256.
func Entry(x *Exchange, red *har.Redactor, maxBody int64) *har.Entry {
	req := x.Request
	secrets := red.Secrets(req.Header)
	u := x.URL
	if u == nil {
		u = &url.URL{Scheme: "http", Host: req.Host, Path: req.URL.Path, RawQuery: req.URL.RawQuery}
	}
	query, raw := red.Query(u.RawQuery, secrets)
	ru := *u
	ru.RawQuery = raw
	ru.User = nil
	e := &har.Entry{
		StartedDateTime: x.Started.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Time:            ms(x.Duration),
		Surface:         x.Surface,
		Request: har.Request{
			Method: req.Method, URL: ru.String(), HTTPVersion: req.Proto,
			Cookies: []har.Cookie{}, Headers: red.Headers(req.Header, secrets), QueryString: query,
			HeadersSize: -1, BodySize: x.RequestBody.Size,
		},
		Response: har.Response{
			Status: x.Status, StatusText: http.StatusText(x.Status), HTTPVersion: "HTTP/1.1",
			Cookies: []har.Cookie{}, Headers: red.Headers(x.Header, secrets),
			HeadersSize: -1, BodySize: x.WireSize,
		},
		Timings:  har.Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 0, Wait: ms(x.Wait), Receive: ms(x.Duration - x.Wait)},
		BasePath: x.Base,
	}
	if x.RequestBody.Size > 0 || req.ContentLength > 0 {
		e.Request.PostData = postData(req.Header.Get("Content-Type"), x.RequestBody, red, secrets, maxBody)
	}
	e.Response.Content = content(x, red, secrets, maxBody)
	return e
}

func postData(ct string, b Body, red *har.Redactor, secrets []string, maxBody int64) *har.PostData {
	p := &har.PostData{MimeType: ct}
	if b.Truncated || b.Size > maxBody {
		p.Omitted, p.Size, p.SHA256 = true, b.Size, b.SHA256
		p.Comment = fmt.Sprintf("body of %d bytes not recorded (over the recording limit of %d bytes)", b.Size, maxBody)
		return p
	}
	mt, _, _ := mime.ParseMediaType(ct)
	body := red.Body(mt, b.Bytes, secrets)
	if utf8.Valid(body) && mt != "multipart/form-data" {
		p.Text = string(body)
	} else {
		p.Text, p.Encoding = base64.StdEncoding.EncodeToString(body), "base64"
	}
	if mt == "application/x-www-form-urlencoded" {
		if v, err := url.ParseQuery(string(body)); err == nil {
			for k, vals := range v {
				for _, val := range vals {
					p.Params = append(p.Params, har.NameValue{Name: k, Value: val})
				}
			}
		}
	}
	return p
}

func content(x *Exchange, red *har.Redactor, secrets []string, maxBody int64) har.Content {
	ct := x.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	b := x.ResponseBody
	c := har.Content{Size: b.Size, MimeType: ct}
	if b.Truncated || (!textual(mt) && b.Size > maxBody) {
		c.Omitted, c.SHA256 = true, b.SHA256
		c.Comment = fmt.Sprintf("body of %d bytes not recorded (over the recording limit)", b.Size)
		return c
	}
	if mt == "text/event-stream" {
		// Each event is scrubbed on its own so the offsets stay aligned.
		off := 0
		var text []byte
		for _, ev := range x.Events {
			end := off + ev.Bytes
			if end > len(b.Bytes) {
				end = len(b.Bytes)
			}
			part := har.ScrubBytes(b.Bytes[off:end], secrets)
			text = append(text, part...)
			c.Events = append(c.Events, har.Event{OffsetMS: ev.OffsetMS, Bytes: len(part)})
			off = end
		}
		text = append(text, b.Bytes[off:]...)
		c.Text = string(text)
		return c
	}
	body := red.Body(mt, b.Bytes, secrets)
	if utf8.Valid(body) && textual(mt) {
		c.Text = string(body)
	} else {
		c.Text, c.Encoding = base64.StdEncoding.EncodeToString(body), "base64"
	}
	return c
}
