package v2

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math"
	"mime"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/content"
)

// chatSource is one medium a chat message or an embedding refers to: an
// asset of the caller, an inline (base64) payload or an outside URL.
type chatSource struct {
	kind     string // KindVideo, KindAudio or KindImage
	id       string // asset id, "b64_<sha256 prefix>" or the URL: fixes the content
	name     string // steers the content model like an upload's file name
	duration float64
	hasAudio bool
}

// assetIDPattern matches the asset ids v2 hands out.
var assetIDPattern = regexp.MustCompile(`^(re|im|imc)_[0-9_]+$`)

// externalDuration is the length the mock assumes for media behind a URL
// it cannot fetch (an outside host): one minute [UNCERTAIN: the vendor
// downloads the URL; the mock never leaves loopback].
const externalDuration = 60

// resolveMedia turns a file_uri / video_url / image_url / image value into
// a source. An asset id, or a URL of the mock's own download paths, must
// name a SUCCESS asset of the caller (else the live API's catch-all 400);
// a data URL or bare base64 is decoded and probed; any other http(s) URL is
// described from its file name.
func (s *Surface) resolveMedia(cl *call, ref, mimeType string) (chatSource, error) {
	ref = strings.TrimSpace(ref)
	switch {
	case ref == "":
		return chatSource{}, errInvalid
	case strings.HasPrefix(ref, "data:"):
		meta, payload, ok := strings.Cut(ref[len("data:"):], ",")
		if !ok || !strings.HasSuffix(meta, ";base64") {
			return chatSource{}, errInvalid
		}
		if dm := strings.TrimSuffix(meta, ";base64"); dm != "" {
			mimeType = dm // the data URL's own type beats the part's hint
		}
		return s.inlineMedia(payload, mimeType)
	case assetIDPattern.MatchString(ref):
		return s.assetSource(cl, ref)
	case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
		u, err := url.Parse(ref)
		if err != nil || u.Host == "" {
			return chatSource{}, errInvalid
		}
		if id, ok := ownAssetURL(u); ok {
			return s.assetSource(cl, id)
		}
		name := path.Base(u.Path)
		if name == "/" || name == "." {
			name = u.Host
		}
		kind := kindOf(mimeType, extOf(name))
		src := chatSource{kind: kind, id: ref, name: name}
		if kind != KindImage {
			src.duration, src.hasAudio = externalDuration, true
		}
		return src, nil
	}
	return s.inlineMedia(ref, mimeType)
}

// ownAssetURL recognises the mock's own download URLs (what a client gets
// when it builds file_uri from an asset): …/serve/api/v2/{id}/download and
// …/serve/api/v2/download?bucket=&blob=<id>.<ext>.
func ownAssetURL(u *url.URL) (string, bool) {
	i := strings.Index(u.Path, BasePath+"/")
	if i < 0 {
		return "", false
	}
	segs := strings.Split(strings.Trim(u.Path[i+len(BasePath):], "/"), "/")
	switch {
	case len(segs) == 2 && segs[1] == "download" && assetIDPattern.MatchString(segs[0]):
		return segs[0], true
	case len(segs) == 1 && segs[0] == "download":
		blob := u.Query().Get("blob")
		id := strings.TrimSuffix(blob, path.Ext(blob))
		if assetIDPattern.MatchString(id) {
			return id, true
		}
	}
	return "", false
}

// assetSource is a usable asset of the caller as a source.
func (s *Surface) assetSource(cl *call, id string) (chatSource, error) {
	a, err := s.usable(cl, id)
	if err != nil {
		return chatSource{}, err
	}
	src := chatSource{kind: a.Kind, id: a.ID, name: a.Filename, duration: a.Duration, hasAudio: a.HasAudio}
	switch a.Kind {
	case KindFrame, KindGroup:
		src.kind = KindImage
	case KindAudio:
		src.hasAudio = true
	}
	return src, nil
}

// inlineMedia decodes a base64 payload and probes it like an upload:
// media the mock cannot read answers the catch-all 400.
func (s *Surface) inlineMedia(payload, mimeType string) (chatSource, error) {
	raw, err := decodeBase64(payload)
	if err != nil || len(raw) == 0 {
		return chatSource{}, errInvalid
	}
	ext := extForMIME(mimeType)
	u, err := s.saveFile(bytes.NewReader(raw), "inline."+ext, mimeType)
	if err != nil {
		return chatSource{}, err
	}
	defer func() { _ = u.Pending.Abort() }()
	a := &Asset{Ext: ext, Size: u.Size}
	probe(a, u.Pending.File())
	if a.Final != StatusSuccess {
		return chatSource{}, errInvalid
	}
	sum := sha256.Sum256(raw)
	id := "b64_" + hex.EncodeToString(sum[:8])
	src := chatSource{kind: a.Kind, id: id, name: "inline", duration: a.Duration, hasAudio: a.HasAudio}
	if a.Kind == KindAudio {
		src.hasAudio = true
	}
	return src, nil
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if raw, err := base64.StdEncoding.DecodeString(s); err == nil {
		return raw, nil
	}
	if raw, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return raw, nil
	}
	return base64.URLEncoding.DecodeString(s)
}

// extForMIME is the extension the prober expects for a MIME type ("" lets
// it sniff the bytes).
func extForMIME(mt string) string {
	mt, _, _ = mime.ParseMediaType(mt)
	for ext, ct := range contentTypes {
		if ct == mt && ext != "m4v" && ext != "mpg" && ext != "tif" && ext != "jpeg" {
			return ext
		}
	}
	return ""
}

// kindOf guesses a URL's medium from its MIME type, then its extension
// (video by default: /vu is the video endpoint).
func kindOf(mimeType, ext string) string {
	switch {
	case strings.HasPrefix(mimeType, "image/"):
		return KindImage
	case strings.HasPrefix(mimeType, "audio/"):
		return KindAudio
	case strings.HasPrefix(mimeType, "video/"):
		return KindVideo
	}
	if k, ok := kinds[ext]; ok {
		return k
	}
	return KindVideo
}

// understand runs the content model on a source: the same generator that
// writes v1 transcripts, steered by the file name, inside the probed
// duration, with no audio segments when there is no audio track.
func (s *Surface) understand(src chatSource) *content.Video {
	in := content.VideoInput{Seed: s.o.Seed, VideoNo: src.id, Name: src.name, Duration: src.duration, HasAudio: src.hasAudio}
	if src.kind == KindImage {
		in.Duration, in.HasAudio = 0, false
	}
	return s.understood.get(in)
}

// contentCache keeps the content model's output for the last media asked
// about (the output is a pure function of the input, so a cached Video is
// exact). Callers must not modify the returned Video.
type contentCache struct {
	mu sync.Mutex
	m  map[understoodKey]*content.Video
}

// understoodKey is the part of content.VideoInput the surface sets.
type understoodKey struct {
	seed     int64
	id, name string
	duration float64
	hasAudio bool
}

// maxUnderstood bounds the cache; it is emptied when full.
const maxUnderstood = 512

func (c *contentCache) get(in content.VideoInput) *content.Video {
	key := understoodKey{in.Seed, in.VideoNo, in.Name, in.Duration, in.HasAudio}
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = content.Generate(in)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxUnderstood {
		c.m = make(map[understoodKey]*content.Video)
	}
	c.m[key] = v
	c.mu.Unlock()
	return v
}

// chatVideo is a video or audio source as the chat generator takes it; an
// audio file has no visual transcript.
func (s *Surface) chatVideo(src chatSource) chat.Video {
	v := s.understand(src)
	cv := chat.Video{VideoNo: src.id, Name: src.name, Duration: src.duration, Visual: v.Visual, Audio: v.Audio}
	if src.kind == KindAudio {
		cv.Visual = nil
	}
	return cv
}

// imageCaption is what the content model sees in an image.
func (s *Surface) imageCaption(src chatSource) string {
	src.kind = KindImage
	return s.understand(src).Visual[0].Text
}

// Media token rates of the mock (Gemini's documented figures, applied to
// every provider): 258 tokens per image or per second of video frames (one
// frame per second) and 32 per second of audio.
const (
	tokensPerFrame       = 258
	tokensPerAudioSecond = 32
)

// mediaTokens is what one source adds to the prompt.
func mediaTokens(src chatSource) int {
	secs := int(math.Ceil(math.Max(src.duration, 1)))
	n := 0
	switch src.kind {
	case KindImage:
		return tokensPerFrame
	case KindVideo:
		n = secs * tokensPerFrame
	}
	if src.hasAudio {
		n += secs * tokensPerAudioSecond
	}
	return n
}

// textTokens is the mock's token count for text: words × 1.3, rounded up
// (the v1 chat's metering estimate).
func textTokens(texts ...string) int {
	n := 0
	for _, t := range texts {
		n += chat.CountWords(t)
	}
	return (n*13 + 9) / 10
}
