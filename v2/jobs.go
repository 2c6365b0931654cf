package v2

import (
	"encoding/json"
	"fmt"
	"time"
)

// Job kinds: what an async task computes when it is due. A task is
// persisted with its job (kind and inputs, never a closure), so a surface
// reopened on the same data directory computes the same result and sends
// the same callback (tasks.go).
const (
	// jobFixed: the result was computed when the task was accepted (frame
	// description, whose price is its token count; MAI transcripts).
	jobFixed = "fixed"
	// jobWhisper: Whisper segments of Medium (Speaker: with speakers).
	jobWhisper = "whisper"
	// jobSpeaker: pyannote speaker turns of Medium.
	jobSpeaker = "speaker"
	// jobMultiSpeaker: speaker turns matched to faces.
	jobMultiSpeaker = "multi-speaker"
	// jobSummary: the content model's summary of Medium (After: the task time).
	jobSummary = "summary"
	// jobClip: scene detection of Assets[0].
	jobClip = "clip"
	// jobSplit: one new asset per scene of Assets[0].
	jobSplit = "split"
	// jobEdit: the scenes of Assets the Prompt names, joined.
	jobEdit = "edit"
	// jobFrames: the frames of Assets[0] stored under the group Group.
	jobFrames = "frames"
)

// taskJob is one job and its inputs (only the fields its kind reads).
type taskJob struct {
	Kind        string          `json:"kind"`
	Medium      *mediumRecord   `json:"medium,omitempty"`
	Speaker     bool            `json:"speaker,omitempty"`
	After       time.Duration   `json:"after,omitempty"`
	Assets      []Asset         `json:"assets,omitempty"`
	Group       string          `json:"group,omitempty"`
	Prompt      string          `json:"prompt,omitempty"`
	Orientation string          `json:"orientation,omitempty"` // edit: landscape or portrait
	Result      json.RawMessage `json:"result,omitempty"`
	// Planned are the ids of the assets a split or an edit makes, minted
	// and written to the task record before the first is stored: a task
	// resumed after dying part-way reuses them (and the assets already
	// made) instead of making a second set.
	Planned []string `json:"planned,omitempty"`
}

// mediumRecord is a medium as a task record stores it.
type mediumRecord struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Kind     string  `json:"kind"`
	Duration float64 `json:"duration"`
	HasAudio bool    `json:"has_audio"`
	AudioURL string  `json:"audio_url"`
}

func recordMedium(m medium) *mediumRecord {
	return &mediumRecord{ID: m.id, Name: m.name, Kind: m.kind, Duration: m.duration, HasAudio: m.hasAudio, AudioURL: m.audioURL}
}

func (r *mediumRecord) medium() medium {
	if r == nil {
		return medium{}
	}
	return medium{id: r.ID, name: r.Name, kind: r.Kind, duration: r.Duration, hasAudio: r.HasAudio, audioURL: r.AudioURL}
}

// fixedJob is a job whose result is already known.
func fixedJob(result any) (taskJob, error) {
	raw, err := json.Marshal(result)
	if err != nil {
		return taskJob{}, err
	}
	return taskJob{Kind: jobFixed, Result: raw}, nil
}

// mediumJob is a job of kind over m.
func mediumJob(kind string, m medium) taskJob {
	return taskJob{Kind: kind, Medium: recordMedium(m)}
}

// assetJob is a job of kind over copies of assets.
func assetJob(kind string, assets ...Asset) taskJob {
	return taskJob{Kind: kind, Assets: assets}
}

// runJob computes a due job's callback data. plan records the job with its
// planned output ids (split, edit) before any output is made.
func (s *Surface) runJob(j taskJob, plan func(taskJob) error) (any, error) {
	planIDs := func(n int) ([]string, error) {
		if len(j.Planned) == n {
			return j.Planned, nil
		}
		j.Planned = make([]string, n)
		for i := range j.Planned {
			j.Planned[i] = s.newAssetID(s.ids.asset)
		}
		return j.Planned, plan(j)
	}
	m := j.Medium.medium()
	one := func() (*Asset, error) {
		if len(j.Assets) == 0 {
			return nil, fmt.Errorf("v2: %s task without its asset", j.Kind)
		}
		a := j.Assets[0]
		return &a, nil
	}
	switch j.Kind {
	case jobFixed:
		return j.Result, nil
	case jobWhisper:
		return s.whisperResult(m, j.Speaker), nil
	case jobSpeaker:
		return s.speakerResult(m), nil
	case jobMultiSpeaker:
		return s.multiSpeakerResult(m), nil
	case jobSummary:
		return s.summaryResult(m, j.After), nil
	case jobClip:
		a, err := one()
		if err != nil {
			return nil, err
		}
		return s.clipResult(a)
	case jobSplit:
		a, err := one()
		if err != nil {
			return nil, err
		}
		parts, err := s.splitVideo(a, planIDs)
		if err != nil {
			return nil, err
		}
		return map[string]any{"splits": parts}, nil
	case jobEdit:
		ids, err := planIDs(1)
		if err != nil {
			return nil, err
		}
		out, err := s.editVideos(j.Assets, j.Prompt, j.Orientation, ids[0])
		if err != nil {
			return nil, err
		}
		return editedEntry(out, -1, -1), nil
	case jobFrames:
		a, err := one()
		if err != nil {
			return nil, err
		}
		children, err := s.storeFrames(a, j.Group)
		if err != nil {
			return nil, err
		}
		return map[string]any{"asset_ch_ids": children, "asset_id": j.Group}, nil
	}
	return nil, fmt.Errorf("v2: unknown task kind %q", j.Kind)
}

// clipResult is the scene list of a (POST /video/clip's callback).
func (s *Surface) clipResult(a *Asset) (any, error) {
	m, err := s.openMedia(a)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	scenes := s.detectScenes(a, m.src)
	rows := make([]any, len(scenes))
	for i, sc := range scenes {
		rows[i] = map[string]any{"scene": i, "start_time": sc.From, "end_time": sc.To,
			"start_frame": sc.StartFrame, "end_frame": sc.EndFrame}
	}
	return taskResult(map[string]any{"data": rows}), nil
}
