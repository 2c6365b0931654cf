package mock

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/model"
	"github.com/memharness/memharness/mock/store"
)

// publicNS is the one search namespace of the public library; platform
// filtering narrows it by video numbers.
const publicNS = "\x00public"

// publicVideo is one video of the public library: a seeded one, or one an
// account contributed through the *_public scrapers.
type publicVideo struct {
	no       string
	platform string
	meta     content.PublicVideo
	content  *content.Video
	scraped  *store.Video // set for contributed videos
}

// detail is get_public_video_detail's data.
func (p *publicVideo) detail() any {
	return p.meta.Detail()
}

// chatVideo is the video as the marketer chat sees it, with the counts the
// analysis quotes.
func (p *publicVideo) chatVideo() chat.Video {
	d := p.meta.Detail()
	return chat.Video{VideoNo: p.no, Name: p.meta.VideoName, Duration: float64(p.meta.Duration),
		Visual: p.content.Visual, Audio: p.content.Audio,
		Meta: map[string]string{
			"blogger_id": d.BloggerID, "hash_tag": d.HashTag, "view_count": d.ViewCount, "like_count": d.LikeCount,
			"share_count": d.ShareCount, "comment_count": d.CommentCount, "collect_count": d.CollectCount,
			"music_name": d.MusicName,
		}}
}

// keyframe is a synthetic keyframe of a public video, with a perceptual
// hash derived from the seed, for similar-image search.
type keyframe struct {
	no, name     string
	start, end   float64
	phash, dhash uint64
}

// publicLibrary is the seeded public library plus contributions. It is
// generated on first use (a few hundred milliseconds), not at start-up.
type publicLibrary struct {
	seed  int64
	size  int
	once  sync.Once
	mu    sync.RWMutex
	byNo  map[string]*publicVideo
	order []string
	index *content.Index
}

func newPublicLibrary(seed int64, n int) *publicLibrary {
	return &publicLibrary{seed: seed, size: n}
}

// ready generates the seeded library once.
func (p *publicLibrary) ready() *publicLibrary {
	p.once.Do(p.reset)
	return p
}

// reset restores the seeded library and drops contributions.
func (p *publicLibrary) reset() {
	byNo := map[string]*publicVideo{}
	var order []string
	ix := content.NewIndex()
	for _, pv := range content.PublicLibrary(p.seed, p.size) {
		v := &publicVideo{no: pv.VideoNo, platform: pv.Platform, meta: pv, content: pv.Content}
		byNo[v.no] = v
		order = append(order, v.no)
		ix.Add(pv.Doc(publicNS))
	}
	p.mu.Lock()
	p.byNo, p.order, p.index = byNo, order, ix
	p.mu.Unlock()
}

// add contributes a parsed public scrape to the library.
func (p *publicLibrary) add(v *store.Video, c *content.Video) {
	meta := content.PublicVideo{Platform: v.Platform, VideoNo: v.No, VideoName: v.Name, Duration: int(v.Duration),
		CreateTime: v.CreatedAt.UnixMilli(), VideoURL: v.SourceURL, BloggerID: creatorOf(v.SourceURL),
		TextLanguage: "en", MusicName: "original sound", PublishTime: v.CreatedAt.Unix(), Content: c}
	pv := &publicVideo{no: v.No, platform: v.Platform, meta: meta, content: c, scraped: v}
	p.mu.Lock()
	if _, ok := p.byNo[v.No]; !ok {
		p.order = append(p.order, v.No)
	}
	p.byNo[v.No] = pv
	ix := p.index
	p.mu.Unlock()
	ix.Add(meta.Doc(publicNS))
}

func creatorOf(raw string) string {
	for _, part := range strings.Split(raw, "/") {
		if strings.HasPrefix(part, "@") {
			return strings.TrimPrefix(part, "@")
		}
	}
	return "creator"
}

func (p *publicLibrary) get(no string) *publicVideo {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.byNo[strings.TrimSpace(no)]
}

func (p *publicLibrary) idx() *content.Index {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.index
}

// nosOf returns the video numbers of a platform, intersected with want
// when want is not empty.
func (p *publicLibrary) nosOf(platform string, want []string) []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []string
	for _, no := range p.order {
		if p.byNo[no].platform == platform && (len(want) == 0 || slices.Contains(want, no)) {
			out = append(out, no)
		}
	}
	return out
}

// find picks up to n videos of a platform for the marketer chat: those of
// the named creators and hashtags, ranked by the prompt when it matches,
// else the most viewed.
func (p *publicLibrary) find(platform, prompt string, creators, tags []string, n int) []*publicVideo {
	p.mu.RLock()
	var pool []*publicVideo
	for _, no := range p.order {
		v := p.byNo[no]
		if v.platform != platform {
			continue
		}
		if len(creators) > 0 && !containsFold(creators, v.meta.BloggerID) {
			continue
		}
		if len(tags) > 0 && !anyFold(tags, v.meta.Hashtags) {
			continue
		}
		pool = append(pool, v)
	}
	ix := p.index
	p.mu.RUnlock()
	if len(pool) == 0 {
		return nil
	}
	nos := make([]string, len(pool))
	byNo := map[string]*publicVideo{}
	for i, v := range pool {
		nos[i] = v.no
		byNo[v.no] = v
	}
	var out []*publicVideo
	if content.IsEnglish(prompt) {
		for _, h := range ix.Search(content.Query{Namespace: publicNS, Text: prompt, Mode: content.ByVideo, TopK: 50, VideoNos: nos}) {
			if v := byNo[h.VideoNo]; v != nil && !slices.Contains(out, v) {
				out = append(out, v)
				if len(out) == n {
					return out
				}
			}
		}
	}
	slices.SortStableFunc(pool, func(a, b *publicVideo) int {
		switch {
		case a.meta.ViewCount > b.meta.ViewCount:
			return -1
		case a.meta.ViewCount < b.meta.ViewCount:
			return 1
		}
		return 0
	})
	for _, v := range pool {
		if len(out) == n {
			break
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimPrefix(x, "@"), s) {
			return true
		}
	}
	return false
}

func anyFold(want, have []string) bool {
	for _, w := range want {
		if containsFold(have, strings.TrimPrefix(w, "#")) {
			return true
		}
	}
	return false
}

// keyframes returns one synthetic keyframe per visual segment of the
// platform's videos.
func (p *publicLibrary) keyframes(platform string) []keyframe {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []keyframe
	for _, no := range p.order {
		v := p.byNo[no]
		if v.platform != platform || v.content == nil {
			continue
		}
		out = appendKeyframes(out, p.seed, no, v.meta.VideoName, v.content.Visual)
	}
	return out
}

// appendKeyframes adds a keyframe per segment with hashes derived from the
// seed, the video and the segment index.
func appendKeyframes(out []keyframe, seed int64, no, name string, segs []model.Segment) []keyframe {
	for i, sg := range segs {
		h := fnv.New64a()
		_, _ = h.Write([]byte(strconv.FormatInt(seed, 10) + "|" + no + "|" + strconv.Itoa(i)))
		x := h.Sum64()
		out = append(out, keyframe{no: no, name: name, start: sg.Start, end: sg.End, phash: x, dhash: x * 0x9e3779b97f4a7c15})
	}
	return out
}
