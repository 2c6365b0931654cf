// Package model holds the small value types shared by the mock's content
// model, search index and chat generator, so those packages agree on what a
// transcript segment is without importing each other.
package model

// Segment is one timed piece of a video's visual or audio transcript.
// Times are seconds from the start of the media.
type Segment struct {
	Index   int     `json:"index"`
	Start   float64 `json:"start"`
	End     float64 `json:"end"`
	Text    string  `json:"text"`
	Speaker string  `json:"speaker,omitempty"` // audio segments only
}

// Item is one entry of a CHAPTER or TOPIC summary.
type Item struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Start       float64 `json:"start"`
	End         float64 `json:"end"`
}
