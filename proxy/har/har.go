// Package har reads and writes HTTP Archive 1.2 files
// (http://www.softwareishard.com/blog/har-12-spec/), the format browsers'
// developer tools export and Hoverfly, WireMock and many other tools import.
//
// The types are the subset of HAR 1.2 the recorder fills, plus a few custom
// fields (HAR allows names starting with an underscore) that carry what the
// standard has no place for: the size and SHA-256 of a body left out because
// of its size, and the arrival offsets of server-sent events.
package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Version is the HAR version written and accepted.
const Version = "1.2"

// File is a whole HAR document: {"log": {...}}.
type File struct {
	Log Log `json:"log"`
}

// Log is the root object of a HAR document.
type Log struct {
	Version string  `json:"version"`
	Creator Creator `json:"creator"`
	Pages   []Page  `json:"pages,omitempty"`
	Entries []Entry `json:"entries"`
	Comment string  `json:"comment,omitempty"`
}

// Creator names the application that wrote the log.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Page is a HAR page (unused by the recorder, kept for files written by
// browsers).
type Page struct {
	StartedDateTime string `json:"startedDateTime"`
	ID              string `json:"id"`
	Title           string `json:"title"`
}

// Entry is one recorded exchange.
type Entry struct {
	StartedDateTime string   `json:"startedDateTime"`
	Time            float64  `json:"time"`
	Request         Request  `json:"request"`
	Response        Response `json:"response"`
	Cache           struct{} `json:"cache"`
	Timings         Timings  `json:"timings"`
	Comment         string   `json:"comment,omitempty"`
	// Surface is the mock surface the exchange belongs to ("memories",
	// "memsync", ...): a custom field.
	Surface string `json:"_surface,omitempty"`
	// BasePath is the base path of an upstream given with one
	// (--upstream http://host/prefix): Request.URL is the URL the upstream
	// was sent, BasePath followed by the path the caller used, which replay
	// matches on. A custom field.
	BasePath string `json:"_basePath,omitempty"`
}

// Started parses StartedDateTime.
func (e *Entry) Started() (time.Time, error) {
	return time.Parse(time.RFC3339Nano, e.StartedDateTime)
}

// Request is the recorded request.
type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []Cookie    `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	PostData    *PostData   `json:"postData,omitempty"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
	Comment     string      `json:"comment,omitempty"`
}

// Response is the recorded answer.
type Response struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []Cookie    `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	Content     Content     `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
	Comment     string      `json:"comment,omitempty"`
}

// Cookie is a HAR cookie (the recorder leaves the list empty: cookies stay
// in the headers, redacted like them).
type Cookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// NameValue is a header or query parameter.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PostData is a request body.
type PostData struct {
	MimeType string      `json:"mimeType"`
	Text     string      `json:"text"`
	Params   []NameValue `json:"params,omitempty"`
	Comment  string      `json:"comment,omitempty"`
	// Encoding "base64" marks a binary body (custom: HAR 1.2 only has it
	// on responses).
	Encoding string `json:"_encoding,omitempty"`
	// Omitted is set when the body was larger than the recording cap: Text
	// is empty and Size and SHA256 describe the body.
	Omitted bool   `json:"_omitted,omitempty"`
	Size    int64  `json:"_size,omitempty"`
	SHA256  string `json:"_sha256,omitempty"`
}

// Content is a response body.
type Content struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
	// Omitted, SHA256: as in PostData (Size is the standard field).
	Omitted bool   `json:"_omitted,omitempty"`
	SHA256  string `json:"_sha256,omitempty"`
	// Events are the server-sent events of a text/event-stream answer, in
	// order: Text is their raw concatenation.
	Events []Event `json:"_events,omitempty"`
}

// Event is one server-sent event of a recorded stream: its arrival time
// after the start of the answer and its length in Content.Text.
type Event struct {
	// OffsetMS is when the event's last byte arrived, in milliseconds after
	// the response headers.
	OffsetMS float64 `json:"offset_ms"`
	// Bytes is the event's length (blank-line separator included).
	Bytes int `json:"bytes"`
}

// Timings are the phases of the exchange in milliseconds (-1: not known).
type Timings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	SSL     float64 `json:"ssl"`
}

// Body returns the recorded response bytes (decoded when base64).
func (c *Content) Body() ([]byte, error) {
	if c.Encoding == "base64" {
		return base64.StdEncoding.DecodeString(c.Text)
	}
	return []byte(c.Text), nil
}

// Body returns the recorded request bytes (decoded when base64).
func (p *PostData) Body() ([]byte, error) {
	if p == nil {
		return nil, nil
	}
	if p.Encoding == "base64" {
		return base64.StdEncoding.DecodeString(p.Text)
	}
	return []byte(p.Text), nil
}

// Header returns the first value of a header of the list (case-insensitive).
func Header(list []NameValue, name string) string {
	for _, h := range list {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// ErrNotHAR reports a file that is not a HAR 1.x document.
var ErrNotHAR = errors.New("har: not a HAR 1.x document")

// Decode reads a HAR document and checks its version.
func Decode(r io.Reader) (*File, error) {
	var f File
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotHAR, err)
	}
	if !strings.HasPrefix(f.Log.Version, "1.") {
		return nil, fmt.Errorf("%w: version %q", ErrNotHAR, f.Log.Version)
	}
	return &f, nil
}

// ReadFile reads and decodes one HAR file.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// FormatTime renders a time as HAR wants it (ISO 8601 with milliseconds).
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
