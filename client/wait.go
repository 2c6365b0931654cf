package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Video statuses.
const (
	StatusParse   = "PARSE"
	StatusUnparse = "UNPARSE"
	// The failure spellings differ by source: FAIL (callback), FAILED
	// (newer enums), PARSE_ERROR (v1.2 code page).
	StatusFail       = "FAIL"
	StatusFailed     = "FAILED"
	StatusParseError = "PARSE_ERROR"
)

// ErrVideoFailed is returned by WaitForStatus when the video failed to
// parse and failure was not among the wanted statuses.
var ErrVideoFailed = errors.New("video processing failed")

// IsFailedStatus reports whether s is one of the failure spellings.
func IsFailedStatus(s string) bool {
	switch strings.ToUpper(s) {
	case StatusFail, StatusFailed, StatusParseError:
		return true
	}
	return false
}

// WithPolling sets WaitForStatus's poll interval: first delay, growing 1.5x
// per poll up to max (default 500 ms and 5 s).
func WithPolling(first, max time.Duration) Option {
	return func(c *Client) { c.pollFirst, c.pollMax = first, max }
}

// WaitForStatus polls list_videos (falling back to get_metadata when the
// listing does not show the video) until the video's status is one of want
// (default PARSE), and returns the last listing entry. A failure status not
// in want gives ErrVideoFailed; a 0429 answer while polling only slows the
// polling down. It honours ctx.
func (c *Client) WaitForStatus(ctx context.Context, videoNo, uniqueID string, want ...string) (*Video, error) {
	if len(want) == 0 {
		want = []string{StatusParse}
	}
	delay := c.pollFirst
	for {
		v, err := c.videoStatus(ctx, videoNo, uniqueID)
		switch {
		case err == nil && v != nil:
			if slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(w, v.Status) }) {
				return v, nil
			}
			if IsFailedStatus(v.Status) {
				return v, fmt.Errorf("memories: video %s: %w: status %s, cause %q", videoNo, ErrVideoFailed, v.Status, v.Cause)
			}
		case err != nil && !IsRateLimited(err):
			return nil, err
		}
		if serr := c.sleep(ctx, delay); serr != nil {
			return nil, fmt.Errorf("memories: waiting for video %s to reach %v: %w", videoNo, want, serr)
		}
		delay = delay * 3 / 2
		if delay > c.pollMax {
			delay = c.pollMax
		}
	}
}

// videoStatus returns the video's listing entry, nil when the video is not
// (yet) visible.
func (c *Client) videoStatus(ctx context.Context, videoNo, uniqueID string) (*Video, error) {
	page, err := c.ListVideos(ctx, ListVideosRequest{Page: 1, Size: 20, VideoNo: videoNo, UniqueID: uniqueID})
	if err != nil {
		return nil, err
	}
	for i := range page.Videos {
		if page.Videos[i].VideoNo == videoNo {
			return &page.Videos[i], nil
		}
	}
	md, err := c.GetMetadata(ctx, videoNo, uniqueID)
	if HasCode(err, CodeBadParam) {
		// Not visible yet (or never): keep polling until ctx ends.
		return nil, nil
	}
	if err != nil || md == nil {
		return nil, err
	}
	return &Video{Duration: md.Duration, Size: md.Size, Status: md.Status, Cause: md.Cause, VideoNo: md.VideoNo,
		VideoName: md.VideoName, CreateTime: md.CreateTime}, nil
}
