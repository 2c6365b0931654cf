package store

import (
	"errors"
	"time"
)

// Sentinel errors returned by every Store implementation. Callers compare
// them with errors.Is; the mock maps them to API codes in one place.
var (
	// ErrNotFound means no record with that key exists in the caller's
	// account and namespace.
	ErrNotFound = errors.New("not found")
	// ErrExists means a record with that key already exists.
	ErrExists = errors.New("already exists")
	// ErrTooLarge means an upload exceeded the configured size limit.
	ErrTooLarge = errors.New("upload too large")
)

// Video statuses as the v1 API reports them.
const (
	StatusUnparse = "UNPARSE"
	StatusParse   = "PARSE"
	StatusFail    = "FAIL"
)

// Video is one item of a private library. Numbers are kept typed here; the
// wire layer renders them as the seeds show (often as strings).
type Video struct {
	No        string `json:"no"`
	Account   string `json:"account"`
	Namespace string `json:"ns"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Cause     string `json:"cause,omitempty"`

	Size       int64   `json:"size"`
	Duration   float64 `json:"duration"`
	Width      int     `json:"width,omitempty"`
	Height     int     `json:"height,omitempty"`
	FPS        float64 `json:"fps,omitempty"`
	VideoCodec string  `json:"vcodec,omitempty"`
	AudioCodec string  `json:"acodec,omitempty"`
	HasAudio   bool    `json:"audio,omitempty"`

	CreatedAt time.Time `json:"created"`
	ReadyAt   time.Time `json:"ready"`
	// FinalStatus is what the lifecycle will move the video to at ReadyAt
	// (PARSE, or FAIL with FinalCause), decided at upload time from the probe.
	FinalStatus string `json:"final,omitempty"`
	FinalCause  string `json:"fcause,omitempty"`

	Callback      string     `json:"cb,omitempty"`
	Tags          []string   `json:"tags,omitempty"`
	DatetimeTaken *time.Time `json:"taken,omitempty"`
	CameraModel   string     `json:"camera,omitempty"`
	Latitude      *float64   `json:"lat,omitempty"`
	Longitude     *float64   `json:"lon,omitempty"`
	Prompt        string     `json:"prompt,omitempty"`
	Retain        bool       `json:"retain,omitempty"`
	SourceURL     string     `json:"url,omitempty"`
	TaskID        string     `json:"task,omitempty"`
	Platform      string     `json:"platform,omitempty"`
	FolderID      int64      `json:"folder,omitempty"`

	// MediaKey names the stored bytes ("" when the mock holds no bytes,
	// e.g. URL uploads without --fetch-urls) and MediaSHA256 their digest.
	MediaKey    string `json:"media,omitempty"`
	MediaSHA256 string `json:"sha,omitempty"`

	// TranscriptPrompt replaces Prompt for the visual transcript after
	// update_video_transcription; TranscriptRev counts the updates.
	TranscriptPrompt string `json:"tprompt,omitempty"`
	TranscriptRev    int    `json:"trev,omitempty"`

	// Finishes counts the video's finished transitions to PARSE or FAIL
	// (on the clock or forced), saved with each one. It names a
	// transition's callback, so a transition re-run after a kill between
	// journalling its callback and saving its status reuses the journalled
	// callback instead of sending a second one.
	Finishes int `json:"fin,omitempty"`
}

// Task is an asynchronous scraping job (scraper_url, scraper, scraper_tag
// and their public twins).
type Task struct {
	ID        string    `json:"id"`
	Account   string    `json:"account"`
	Namespace string    `json:"ns"`
	Kind      string    `json:"kind"`
	Public    bool      `json:"public,omitempty"`
	Platform  string    `json:"platform"`
	Inputs    []string  `json:"inputs"`
	Count     int       `json:"count,omitempty"`
	Quality   int       `json:"quality,omitempty"`
	Callback  string    `json:"cb,omitempty"`
	CreatedAt time.Time `json:"created"`
	// DownloadedAt is when the platform download finishes and the
	// videos appear (video_ids empty before it).
	DownloadedAt time.Time `json:"downloaded"`
	// VideoNos are minted at creation but only reported once downloaded.
	VideoNos []string `json:"videos"`
	// Notified is true once the "downloaded" callback was enqueued (with
	// --data-dir: journalled before Notified is saved).
	Notified bool `json:"notified,omitempty"`
}

// Image is one uploaded image.
type Image struct {
	ID            string     `json:"id"`
	Account       string     `json:"account"`
	Namespace     string     `json:"ns"`
	Name          string     `json:"name"`
	Format        string     `json:"format"`
	Width         int        `json:"w"`
	Height        int        `json:"h"`
	Size          int64      `json:"size"`
	PHash         uint64     `json:"phash"`
	DHash         uint64     `json:"dhash"`
	CreatedAt     time.Time  `json:"created"`
	DatetimeTaken *time.Time `json:"taken,omitempty"`
	CameraModel   string     `json:"camera,omitempty"`
	Latitude      *float64   `json:"lat,omitempty"`
	Longitude     *float64   `json:"lon,omitempty"`
	Tags          []string   `json:"tags,omitempty"`
	MediaKey      string     `json:"media,omitempty"`
}

// Message is one turn of a chat session.
type Message struct {
	Role      string          `json:"role"`
	Content   string          `json:"content"`
	Thinkings []byte          `json:"thinkings,omitempty"` // JSON array, opaque to the store
	Refs      []byte          `json:"refs,omitempty"`      // JSON array, opaque to the store
	At        time.Time       `json:"at"`
	Extra     map[string]bool `json:"extra,omitempty"`
}

// Session is a chat conversation.
type Session struct {
	ID        string    `json:"id"`
	Account   string    `json:"account"`
	Namespace string    `json:"ns"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	VideoNos  []string  `json:"videos,omitempty"`
	Messages  []Message `json:"messages"`
	CreatedAt time.Time `json:"created"`
	UpdatedAt time.Time `json:"updated"`
}

// TextMemory is one text memory (memories/add).
type TextMemory struct {
	ID         string    `json:"id"`
	Account    string    `json:"account"`
	Namespace  string    `json:"ns"`
	Role       string    `json:"role"`
	Content    string    `json:"content"`
	Tags       []string  `json:"tags,omitempty"`
	Latitude   string    `json:"lat,omitempty"`
	Longitude  string    `json:"lon,omitempty"`
	MemoriesAt string    `json:"at,omitempty"`
	CreatedAt  time.Time `json:"created"`
}

// Folder groups videos of an account (newest docs).
type Folder struct {
	ID        int64     `json:"id"`
	Account   string    `json:"account"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created"`
}

// AccountState is what survives a restart for an API key: its balance and
// usage ledger, kept opaque here and owned by the credits layer.
type AccountState struct {
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"created"`
	State     []byte    `json:"state,omitempty"`
}

// VideoFilter narrows ListVideos. Empty fields match everything.
type VideoFilter struct {
	Name     string
	No       string
	Nos      []string
	Status   string
	Tag      string
	Camera   string
	FolderID *int64
	// TakenFrom keeps videos taken at or after this time.
	TakenFrom *time.Time
}
