package scenarios

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/coder/websocket"
)

// Metrics of the v2-audio-ws-session scenario.
const (
	// MetricV2WSFirstPartial is the time from the first audio chunk to the
	// first partial transcript.
	MetricV2WSFirstPartial = "v2_ws_first_partial"
	// MetricV2WSSession is the time of a whole session, dial to close.
	MetricV2WSSession = "v2_ws_session"
)

// v2WSURL is the audio WebSocket beside the v2 base URL
// (…/serve/api/v2 -> ws…/serve/ws/v2/audio-stream).
func (t *V2Target) v2WSURL(provider string) string {
	base := strings.TrimSuffix(t.BaseURL, "/serve/api/v2")
	base = "ws" + strings.TrimPrefix(base, "http")
	return base + "/serve/ws/v2/audio-stream?provider=" + provider + "&commit_strategy=vad&sample_rate=16000"
}

// V2AudioWSSession streams 6 s of 16 kHz PCM over the real-time audio
// WebSocket with a provider chosen by the seed (ElevenLabs base64 JSON
// chunks or AssemblyAI binary frames), as fast as the socket takes them,
// and checks the provider's flow: the session start, partials, a final
// transcript (committed_transcript / Turn with end_of_turn) and a clean
// close (AssemblyAI after Terminate and Termination).
func V2AudioWSSession(ctx context.Context, e *Env) error {
	if err := e.check(); err != nil {
		return err
	}
	if e.V2 == nil {
		return fmt.Errorf("v2-audio-ws-session: no v2 target (set %s or --v2-target)", EnvV2BaseURL)
	}
	provider := "elevenlabs"
	if e.Rand.IntN(2) == 1 {
		provider = "assemblyai"
	}
	t0 := e.Clock.Now()
	c, _, err := websocket.Dial(ctx, e.V2.v2WSURL(provider), &websocket.DialOptions{HTTPClient: e.V2.HTTP,
		HTTPHeader: http.Header{"Authorization": {e.V2.Key}}})
	if err != nil {
		return fmt.Errorf("v2_audio_ws (%s): %w", provider, err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	read := func() (map[string]any, error) {
		_, b, err := c.Read(ctx)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, checkf("v2_audio_ws: frame is not JSON: %.200s", b)
		}
		return m, nil
	}
	first, err := read()
	if err != nil {
		return fmt.Errorf("v2_audio_ws: session start: %w", err)
	}
	if want := map[string]string{"elevenlabs": "session_started", "assemblyai": "Begin"}[provider]; first["message_type"] != want && first["type"] != want {
		return checkf("v2_audio_ws: first frame %v, want %s", first, want)
	}
	chunk := make([]byte, 16000) // 0.5 s
	sent := e.Clock.Now()
	for i := range 12 {
		if provider == "assemblyai" {
			err = c.Write(ctx, websocket.MessageBinary, chunk)
		} else {
			msg, _ := json.Marshal(map[string]any{"message_type": "input_audio_chunk", "sample_rate": 16000,
				"audio_base_64": base64.StdEncoding.EncodeToString(chunk), "commit": i == 11})
			err = c.Write(ctx, websocket.MessageText, msg)
		}
		if err != nil {
			return fmt.Errorf("v2_audio_ws: send audio: %w", err)
		}
	}
	if provider == "assemblyai" {
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"Terminate"}`)); err != nil {
			return fmt.Errorf("v2_audio_ws: Terminate: %w", err)
		}
	}
	partials, finals := 0, 0
	for {
		m, err := read()
		if err != nil {
			if provider == "assemblyai" {
				return fmt.Errorf("v2_audio_ws: closed before Termination: %w", err)
			}
			return err
		}
		partial := m["message_type"] == "partial_transcript" || (m["type"] == "Turn" && m["end_of_turn"] == false)
		final := m["message_type"] == "committed_transcript" || (m["type"] == "Turn" && m["end_of_turn"] == true)
		if partial && partials == 0 {
			e.Recorder.Record(MetricV2WSFirstPartial, e.Clock.Now().Sub(sent))
		}
		if partial {
			partials++
		}
		if final {
			if finals == 0 && partials == 0 {
				return checkf("v2_audio_ws: a final transcript before any partial: %v", m)
			}
			finals++
		}
		if m["type"] == "Termination" || (provider == "elevenlabs" && finals == 2) {
			break // ElevenLabs: the VAD commit at 5 s and the manual commit
		}
	}
	if finals == 0 {
		return checkf("v2_audio_ws (%s): no final transcript", provider)
	}
	if provider == "elevenlabs" {
		if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
			return fmt.Errorf("v2_audio_ws: close: %w", err)
		}
	} else if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		return checkf("v2_audio_ws: after Termination: %v, want a normal close", err)
	}
	e.Recorder.Record(MetricV2WSSession, e.Clock.Now().Sub(t0))
	return nil
}
