package contract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/memharness/memharness/client"
	"github.com/memharness/memharness/mock/media/mediatest"
)

// uploadSteps upload media, follow the processing lifecycle (polling with a
// deadline, the control plane on a mock, a loopback callback receiver) and
// download.
type uploadSteps struct{ *world }

func (g uploadSteps) register(ctx *godog.ScenarioContext) {
	const grp, file = "Uploads, lifecycle and waiting", "steps_upload.go"
	d := func(pattern, example string, fn any) { g.def(ctx, grp, file, pattern, example, fn) }

	d(`^I upload a (\d+)-second video file named "([^"]+)" as "([^"]+)"$`, `Given I upload a 6-second video file named "red_kite.mp4" as "kite"`, g.uploadMP4)
	d(`^I upload a (\d+)-second video file named "([^"]+)" with the callback as "([^"]+)"$`, `When I upload a 6-second video file named "beach_day.mp4" with the callback as "clip"`, g.uploadMP4Callback)
	d(`^I upload a (\d+)-second silent video file named "([^"]+)" as "([^"]+)"$`, `Given I upload a 5-second silent video file named "quiet_room.mp4" as "quiet"`, g.uploadSilent)
	d(`^I upload a corrupt video file named "([^"]+)" as "([^"]+)"$`, `When I upload a corrupt video file named "broken.mp4" as "bad"`, g.uploadCorrupt)
	d(`^I upload an mp4v-encoded video file named "([^"]+)" as "([^"]+)"$`, `When I upload an mp4v-encoded video file named "old_camera.mp4" as "old"`, g.uploadMP4V)
	d(`^I upload a video by URL as "([^"]+)"$`, `Given I upload a video by URL as "clip"`, g.uploadURL)
	d(`^the video "([^"]+)" has finished processing$`, `And the video "kite" has finished processing`, g.finished)
	d(`^I wait up to (\d+) seconds until the video "([^"]+)" has status "([^"]+)"$`, `Then I wait up to 30 seconds until the video "clip" has status "PARSE"`, g.waitStatus)
	d(`^within (\d+) seconds "([^"]+)" with query "([^"]*)" has at least (\d+) items? in "([^"]+)"$`, `Then within 30 seconds "get_video_ids_by_task_id" with query "task_id=${task}" has at least 1 item in "data.video_ids"`, g.pollField)
	d(`^the video "([^"]+)" has status "([^"]+)"$`, `Then the video "clip" has status "UNPARSE"`, g.hasStatus)
	d(`^the video "([^"]+)" has failed with a cause$`, `Then the video "bad" has failed with a cause`, g.hasFailed)
	d(`^I download the video "([^"]+)"$`, `When I download the video "clip"`, g.download)
	d(`^the downloaded bytes are identical to the uploaded file of "([^"]+)"$`, `Then the downloaded bytes are identical to the uploaded file of "clip"`, g.sameBytes)
	d(`^a callback receiver is listening$`, `Given a callback receiver is listening`, g.listen)
	d(`^a callback receiver that refuses the first (\d+) deliver(?:y|ies) is listening$`, `Given a callback receiver that refuses the first 2 deliveries is listening`, g.listenRefusing)
	d(`^within (\d+) seconds the callback receiver gets a callback for "([^"]+)" with status "([^"]+)"$`, `Then within 10 seconds the callback receiver gets a callback for "clip" with status "PARSE"`, g.waitCallback)
	d(`^within (\d+) seconds the callback receiver gets a task callback for "([^"]+)" with status "([^"]+)"$`, `Then within 10 seconds the callback receiver gets a task callback for "${task}" with status "SUCCEEDED"`, g.waitTaskCallback)
	d(`^within (\d+) seconds the callback receiver gets a caption result for task "([^"]+)"$`, `Then within 10 seconds the callback receiver gets a caption result for task "${task}"`, g.waitCaption)
	d(`^the caption result has token counts that add up$`, `And the caption result has token counts that add up`, g.captionTokens)
}

// upload sends one file to /upload in the scenario's namespace and
// remembers its number (and bytes) under name.
func (g uploadSteps) upload(name string, data []byte, fileName string, callback bool) error {
	o, err := g.operation("upload")
	if err != nil {
		return err
	}
	rows := [][2]string{{"unique_id", g.ns}}
	if callback {
		cb, ok := g.vars["callback_url"]
		if !ok {
			return fmt.Errorf("no callback receiver is listening (add the step \"a callback receiver is listening\")")
		}
		rows = append(rows, [2]string{"callback", cb})
	}
	body, ct, err := buildMultipartWithFile(rows, "file", fileName, "video/mp4", data)
	if err != nil {
		return err
	}
	res, err := g.send(request{op: o, body: body, contentType: ct})
	if err != nil {
		return err
	}
	m, _ := res.json.(map[string]any)
	if envelopeCode(res) != "0000" {
		return fmt.Errorf("upload of %s answered %s %q: %s", fileName, envelopeCode(res), textOf(m["msg"]), excerpt(res.body))
	}
	no, _ := lookup(res.json, "data.videoNo")
	s, _ := no.(string)
	if s == "" {
		return fmt.Errorf("upload of %s answered no data.videoNo: %s", fileName, excerpt(res.body))
	}
	g.vars[name] = s
	g.media[name] = data
	g.uploaded = append(g.uploaded, s)
	return nil
}

// buildMultipartWithFile is buildMultipart with one given file part.
func buildMultipartWithFile(rows [][2]string, field, name, ct string, data []byte) ([]byte, string, error) {
	var b bytes.Buffer
	mw := newMultipartWriter(&b)
	for _, r := range rows {
		if err := mw.WriteField(r[0], r[1]); err != nil {
			return nil, "", err
		}
	}
	if err := mw.file(field, name, ct, data); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), mw.FormDataContentType(), nil
}

func (g uploadSteps) uploadMP4(secs int, fileName, name string) error {
	return g.upload(name, mediatest.MP4(mediatest.MP4Options{Duration: float64(secs), Audio: true}), fileName, false)
}

func (g uploadSteps) uploadMP4Callback(secs int, fileName, name string) error {
	return g.upload(name, mediatest.MP4(mediatest.MP4Options{Duration: float64(secs), Audio: true}), fileName, true)
}

func (g uploadSteps) uploadSilent(secs int, fileName, name string) error {
	return g.upload(name, mediatest.MP4(mediatest.MP4Options{Duration: float64(secs)}), fileName, false)
}

// pollField repeats a GET operation until an array field of its answer has
// n items, within the deadline (the real service's own pace elsewhere).
func (g uploadSteps) pollField(secs int, id, q string, n int, path string) error {
	o, err := g.operation(id)
	if err != nil {
		return err
	}
	qs, err := g.expand(q)
	if err != nil {
		return err
	}
	vals, err := url.ParseQuery(qs)
	if err != nil {
		return err
	}
	timeout := time.Duration(secs) * time.Second
	if !g.target.Mock && timeout < g.s.cfg.WaitTimeout {
		timeout = g.s.cfg.WaitTimeout
	}
	deadline := time.Now().Add(timeout)
	delay := 100 * time.Millisecond
	for {
		res, err := g.send(request{op: o, query: vals})
		if err != nil {
			return err
		}
		if res.isJSON {
			if v, err := lookup(res.json, path); err == nil {
				if a, ok := v.([]any); ok && len(a) >= n {
					return nil
				}
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v %s still answers %s", timeout, id, excerpt(res.body))
		}
		select {
		case <-g.ctx.Done():
			return g.ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*3/2, 5*time.Second)
	}
}

func (g uploadSteps) uploadCorrupt(fileName, name string) error {
	return g.upload(name, mediatest.Corrupt(), fileName, false)
}

func (g uploadSteps) uploadMP4V(fileName, name string) error {
	// MPEG-4 Part 2 ("mp4v") is none of the documented codecs (h264, h265,
	// vp9, hevc): the docs say such uploads end FAILED.
	return g.upload(name, mediatest.MP4(mediatest.MP4Options{Duration: 4, Codec: "mp4v", Audio: true}), fileName, false)
}

func (g uploadSteps) uploadURL(name string) error {
	ctx, cancel := context.WithTimeout(g.ctx, 2*time.Minute)
	defer cancel()
	res, err := g.api().UploadURL(ctx, client.UploadURLRequest{URL: defaultVideoURL, VideoMeta: client.VideoMeta{UniqueID: g.ns}})
	if err != nil {
		return fmt.Errorf("upload_url: %w", err)
	}
	g.vars[name] = res.VideoNo
	g.uploaded = append(g.uploaded, res.VideoNo)
	return nil
}

// defaultVideoURL is the vendor docs' own sample video (seed 001).
const defaultVideoURL = "http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4"

func (g uploadSteps) videoNo(name string) (string, error) {
	v, err := g.expand("${" + name + "}")
	if err != nil {
		return "", err
	}
	return v, nil
}

// finished makes processing end: on a mock the control plane completes it
// at once (no waiting); elsewhere the video is polled until PARSE or a
// failure, within the wait timeout.
func (g uploadSteps) finished(name string) error {
	no, err := g.videoNo(name)
	if err != nil {
		return err
	}
	if g.target.Mock {
		o, err := g.operation("mock_video_complete")
		if err != nil {
			return err
		}
		res, err := g.send(request{op: o, params: map[string]string{"videoNo": no}})
		if err != nil {
			return err
		}
		if res.status != http.StatusOK {
			return fmt.Errorf("completing %s through the control plane answered HTTP %d: %s", no, res.status, excerpt(res.body))
		}
		return nil
	}
	_, err = g.poll(no, g.s.cfg.WaitTimeout, func(status string) bool { return status == client.StatusParse || client.IsFailedStatus(status) })
	return err
}

// poll lists the video until done(status) or the deadline; it returns the
// last listing entry.
func (g uploadSteps) poll(no string, timeout time.Duration, done func(string) bool) (*client.Video, error) {
	ctx, cancel := context.WithTimeout(g.ctx, timeout)
	defer cancel()
	delay := 50 * time.Millisecond
	if !g.target.Mock {
		delay = time.Second
	}
	var last *client.Video
	for {
		page, err := g.api().ListVideos(ctx, client.ListVideosRequest{Page: 1, Size: 20, VideoNo: no, UniqueID: g.ns})
		if err == nil {
			for i := range page.Videos {
				if page.Videos[i].VideoNo == no {
					last = &page.Videos[i]
				}
			}
			if last != nil && done(last.Status) {
				return last, nil
			}
		} else if ctx.Err() == nil && !client.IsRateLimited(err) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			if last == nil {
				return nil, fmt.Errorf("video %s never appeared in list_videos within %v", no, timeout)
			}
			return last, fmt.Errorf("video %s still has status %s after %v", no, last.Status, timeout)
		case <-time.After(delay):
		}
		delay = min(delay*3/2, 5*time.Second)
	}
}

func (g uploadSteps) waitStatus(secs int, name, want string) error {
	no, err := g.videoNo(name)
	if err != nil {
		return err
	}
	timeout := time.Duration(secs) * time.Second
	if !g.target.Mock && timeout < g.s.cfg.WaitTimeout {
		// The real service takes as long as it takes; the feature's number
		// is the mock's budget.
		timeout = g.s.cfg.WaitTimeout
	}
	v, err := g.poll(no, timeout, func(s string) bool { return s == want || client.IsFailedStatus(s) && client.IsFailedStatus(want) })
	if err != nil {
		return err
	}
	if v.Status != want {
		return fmt.Errorf("video %s ended with status %s (cause %q), want %s", no, v.Status, v.Cause, want)
	}
	return nil
}

func (g uploadSteps) listed(name string) (*client.Video, error) {
	no, err := g.videoNo(name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(g.ctx, time.Minute)
	defer cancel()
	page, err := g.api().ListVideos(ctx, client.ListVideosRequest{Page: 1, Size: 20, VideoNo: no, UniqueID: g.ns})
	if err != nil {
		return nil, err
	}
	for i := range page.Videos {
		if page.Videos[i].VideoNo == no {
			return &page.Videos[i], nil
		}
	}
	return nil, fmt.Errorf("list_videos does not show video %s in namespace %s", no, g.ns)
}

func (g uploadSteps) hasStatus(name, want string) error {
	v, err := g.listed(name)
	if err != nil {
		return err
	}
	if v.Status != want {
		return fmt.Errorf("video %s has status %s (cause %q), want %s", v.VideoNo, v.Status, v.Cause, want)
	}
	return nil
}

// hasFailed: the listing shows a failure status (the docs spell it FAILED
// in listings; FAIL and PARSE_ERROR appear elsewhere) with a cause other
// than the "null" placeholder.
func (g uploadSteps) hasFailed(name string) error {
	v, err := g.listed(name)
	if err != nil {
		return err
	}
	if !client.IsFailedStatus(v.Status) {
		return fmt.Errorf("video %s has status %s, want a failure (FAILED)", v.VideoNo, v.Status)
	}
	if c := strings.TrimSpace(v.Cause); c == "" || c == "null" {
		return fmt.Errorf("video %s failed without a cause (cause %q)", v.VideoNo, v.Cause)
	}
	return nil
}

func (g uploadSteps) download(name string) error {
	no, err := g.videoNo(name)
	if err != nil {
		return err
	}
	o, err := g.operation("download")
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"video_no": no, "unique_id": g.ns})
	_, err = g.send(request{op: o, body: body, contentType: "application/json", accept: "application/octet-stream, application/json"})
	return err
}

func (g uploadSteps) sameBytes(name string) error {
	r, err := g.lastResult()
	if err != nil {
		return err
	}
	want, ok := g.media[name]
	if !ok {
		return fmt.Errorf("no file was uploaded as %q in this scenario", name)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/octet-stream") {
		return fmt.Errorf("download answered %s instead of the bytes: %s", ct, excerpt(r.body))
	}
	gs, ws := sha256.Sum256(r.body), sha256.Sum256(want)
	if gs != ws {
		return fmt.Errorf("downloaded %d bytes (sha256 %s), uploaded %d bytes (sha256 %s)", len(r.body), hex.EncodeToString(gs[:8]), len(want), hex.EncodeToString(ws[:8]))
	}
	return nil
}

// receiver is a loopback HTTP endpoint that records callback deliveries.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	refuse  int // answer 503 to this many more deliveries
	refused int
	signal  chan struct{}
}

func newReceiver() *receiver {
	r := &receiver{signal: make(chan struct{}, 1)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		r.mu.Lock()
		if r.refuse > 0 {
			r.refuse--
			r.refused++
			r.mu.Unlock()
			rw.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		r.bodies = append(r.bodies, b)
		r.mu.Unlock()
		select {
		case r.signal <- struct{}{}:
		default:
		}
		rw.WriteHeader(http.StatusOK)
	}))
	return r
}

func (r *receiver) close() { r.srv.Close() }

// wait returns the first body accepted by match, waiting until ctx ends.
func (r *receiver) wait(ctx context.Context, match func([]byte) bool) ([]byte, [][]byte, error) {
	for {
		r.mu.Lock()
		all := append([][]byte(nil), r.bodies...)
		r.mu.Unlock()
		for _, b := range all {
			if match(b) {
				return b, all, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, all, ctx.Err()
		case <-r.signal:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (g uploadSteps) listen() error {
	if g.receiver == nil {
		g.receiver = newReceiver()
	}
	g.vars["callback_url"] = g.receiver.srv.URL + "/callback"
	return nil
}

// listenRefusing starts a receiver that answers 503 to the first n
// deliveries, so only a sender that retries gets through.
func (g uploadSteps) listenRefusing(n int) error {
	if err := g.listen(); err != nil {
		return err
	}
	g.receiver.mu.Lock()
	g.receiver.refuse = n
	g.receiver.mu.Unlock()
	return nil
}

func (g uploadSteps) waitCallback(secs int, name, status string) error {
	no, err := g.videoNo(name)
	if err != nil {
		return err
	}
	got, err := g.awaitCallback(secs, "videoNo", no, status, "UploadCallback")
	if err != nil {
		return err
	}
	g.vars["callback_body"] = string(got)
	return nil
}

// waitTaskCallback waits for a scraper task notification: {"taskId",
// "status":"SUCCEEDED"} when downloading is done, then per video
// {"videoId","taskId","status":"INDEXING_SUCCEEDED"} (seed 001, API_FACTS A5).
func (g uploadSteps) waitTaskCallback(secs int, task, status string) error {
	id, err := g.expand(task)
	if err != nil {
		return err
	}
	_, err = g.awaitCallback(secs, "taskId", id, status, "ScraperCallback")
	return err
}

// awaitCallback waits up to secs for a callback whose key field is want
// and whose status is status, and validates it against the named schema.
func (g uploadSteps) awaitCallback(secs int, key, want, status, schema string) ([]byte, error) {
	if g.receiver == nil {
		return nil, fmt.Errorf("no callback receiver is listening")
	}
	ctx, cancel := context.WithTimeout(g.ctx, time.Duration(secs)*time.Second)
	defer cancel()
	got, all, err := g.receiver.wait(ctx, func(b []byte) bool {
		var cb map[string]any
		return json.Unmarshal(b, &cb) == nil && cb[key] == want && cb["status"] == status
	})
	if err != nil {
		return nil, fmt.Errorf("no callback {%s:%s, status:%s} within %ds; received %d: %s", key, want, status, secs, len(all), joinBodies(all))
	}
	if vs := g.s.validator.ValidateSchema(APIMemories, schema, got); len(vs) > 0 {
		return nil, ViolationsError(vs)
	}
	return got, nil
}

func joinBodies(bs [][]byte) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, excerpt(b))
	}
	return strings.Join(parts, " | ")
}

func (g uploadSteps) waitCaption(secs int, task string) error {
	if g.receiver == nil {
		return fmt.Errorf("no callback receiver is listening")
	}
	id, err := g.expand(task)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(g.ctx, time.Duration(secs)*time.Second)
	defer cancel()
	got, all, err := g.receiver.wait(ctx, func(b []byte) bool {
		var cb map[string]any
		return json.Unmarshal(b, &cb) == nil && cb["task_id"] == id
	})
	if err != nil {
		return fmt.Errorf("no caption result for task %s within %ds; received %d: %s", id, secs, len(all), joinBodies(all))
	}
	if vs := g.s.validator.ValidateSchema(APIMemories, "CaptionCallback", got); len(vs) > 0 {
		return ViolationsError(vs)
	}
	g.vars["caption_result"] = string(got)
	return nil
}

// captionTokens: the seed's example counts input 273 + output 79 = total
// 352; a result must carry the three counts, consistent and positive.
func (g uploadSteps) captionTokens() error {
	raw, ok := g.vars["caption_result"]
	if !ok {
		return fmt.Errorf("no caption result was received")
	}
	var cb struct {
		Status int `json:"status"`
		Data   *struct {
			Text  string            `json:"text"`
			Token client.TokenUsage `json:"token"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(raw), &cb); err != nil {
		return err
	}
	if cb.Status != 0 || cb.Data == nil {
		return fmt.Errorf("caption result is not a success: %s", raw)
	}
	t := cb.Data.Token
	if t.Input <= 0 || t.Output <= 0 || t.Total != t.Input+t.Output {
		return fmt.Errorf("token counts input %d + output %d != total %d: %s", t.Input, t.Output, t.Total, raw)
	}
	if strings.TrimSpace(cb.Data.Text) == "" {
		return fmt.Errorf("caption result has no text: %s", raw)
	}
	return nil
}
