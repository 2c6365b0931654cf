@v2
Feature: Visual Intelligence v2 transcription, captions and frames
  Whisper transcription (sync and async, `speaker` labels), pyannote diarization, multimodal
  speaker recognition, speech-to-text (ElevenLabs seconds, AssemblyAI milliseconds), frame
  description and summary, and extract-frames, on SUCCESS assets of the caller. Async operations
  answer `{task_id}` (32 hex) and POST `{code, message: "SUCCESS", data, task_id}` to the account
  webhook; with no webhook they answer 400 "An async request requires at least one webhook.".
  Sources: V2_SURFACE §4, §6.1, §6.2, §6.6, the VI whisper page's verified-live errors.

  Background:
    Given the v2 API

  @smoke @op:v2_audio_sync
  Scenario: Sync Whisper transcription has timed items inside the video
    Given I upload to v2 "@mp4(name=talk.mp4, seconds=8)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_audio_sync" with JSON:
      """
      {"asset_id": "${clip}", "model": "whisper-1", "speaker": true}
      """
    Then the v2 envelope is a success
    And the field "data.model" is "whisper-1"
    And the field "data.items" has at least 1 item
    And the field "data.items.0.text" is not empty
    And the field "data.items.0.speaker" matches "^SPEAKER_[0-9]{2}$"
    And the field "data.items.-1.end_time" is a number between 0 and 8.01

  @op:v2_audio_sync
  Scenario: A missing asset_id answers the verified-live message
    When I call v2 "v2_audio_sync" with JSON:
      """
      {"model": "whisper-1"}
      """
    Then the v2 answer is the error 400 "asset_id cannot be null or empty"

  @op:v2_audio_sync
  Scenario: An unknown asset answers the catch-all 400
    When I call v2 "v2_audio_sync" with JSON:
      """
      {"asset_id": "re_000000000000000001"}
      """
    Then the v2 answer is the error 400 "Request has exceeded the limit."

  @mock-only @callback @op:v2_audio_async
  Scenario: Async Whisper transcription arrives at the account webhook
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=talk.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_audio_async" with JSON:
      """
      {"asset_id": "${clip}", "model": "whisper-1"}
      """
    Then the v2 envelope is a success
    And the field "data.task_id" matches "^[0-9a-f]{32}$"
    When I remember the field "data.task_id" as "task"
    Then within 20 seconds the callback receiver gets the v2 task "${task}"

  @mock-only @op:v2_audio_async
  Scenario: An async call without an account webhook answers 400
    Given I upload to v2 "@mp4(name=talk.mp4, seconds=4)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_audio_async" with JSON:
      """
      {"asset_id": "${clip}"}
      """
    Then the v2 answer is the error 400 "An async request requires at least one webhook."

  @op:v2_speaker_sync
  Scenario: Sync diarization labels anonymous speakers
    Given I upload to v2 "@mp4(name=talk.mp4, seconds=8)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_speaker_sync" with JSON:
      """
      {"asset_id": "${clip}"}
      """
    Then the v2 envelope is a success
    And the field "data.model" is "pyannote"
    And the field "data.items" has at least 1 item
    And the field "data.items.0.speaker" matches "^SPEAKER_[0-9]{2}$"

  @mock-only @callback @op:v2_speaker_async
  Scenario: Async diarization arrives at the account webhook
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=talk.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_speaker_async" with JSON:
      """
      {"asset_id": "${clip}"}
      """
    And I remember the field "data.task_id" as "task"
    Then within 20 seconds the callback receiver gets the v2 task "${task}"

  @mock-only @callback @op:v2_multi_speaker_async
  Scenario: Multimodal speaker recognition arrives at the account webhook
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=talk.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_multi_speaker_async" with JSON:
      """
      {"asset_id": "${clip}"}
      """
    And I remember the field "data.task_id" as "task"
    Then within 20 seconds the callback receiver gets the v2 task "${task}"

  @op:v2_speech_to_text
  Scenario: ElevenLabs speech-to-text answers words in seconds
    Given I upload to v2 "@mp4(name=talk.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_speech_to_text" with JSON:
      """
      {"asset_id": "${clip}", "provider": "elevenlabs", "diarize": true}
      """
    Then the v2 envelope is a success
    And the field "data.text" is not empty
    And the field "data.words" has at least 1 item

  @op:v2_speech_to_text
  Scenario: AssemblyAI speech-to-text answers the transcript object
    Given I upload to v2 "@mp4(name=talk.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_speech_to_text" with JSON:
      """
      {"asset_id": "${clip}", "provider": "assemblyai", "speaker_labels": true}
      """
    Then the v2 envelope is a success
    And the field "data.status" is "completed"
    And the field "data.text" is not empty

  @op:v2_asset_transcription_legacy
  Scenario: The undocumented /asset/{asset_id}/transcription the vendor's client calls
    Given I upload to v2 "@mp4(name=talk.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_asset_transcription_legacy" for "${clip}" with JSON:
      """
      {"model": "whisper", "speaker_diarization": true}
      """
    Then the v2 envelope is a success
    And the field "data.items" has at least 1 item

  @mock-only @callback @op:v2_video_description
  Scenario: Frame description arrives at the account webhook
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=beach.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_video_description" with JSON:
      """
      {"asset_id": "${clip}", "model": "gemini-2.5-flash-lite"}
      """
    And I remember the field "data.task_id" as "task"
    Then within 20 seconds the callback receiver gets the v2 task "${task}"
    And the field "data.data.data" has at least 1 item

  @mock-only @callback @op:v2_video_summary
  Scenario: A video summary arrives at the account webhook
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=beach.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_video_summary" with JSON:
      """
      {"asset_id": "${clip}"}
      """
    And I remember the field "data.task_id" as "task"
    Then within 20 seconds the callback receiver gets the v2 task "${task}"

  @mock-only @callback @op:v2_extract_frames
  Scenario: Extracted frames are downloadable assets
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=beach.mp4, seconds=4)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_extract_frames" with JSON:
      """
      {"asset_id": "${clip}"}
      """
    And I remember the field "data.task_id" as "task"
    Then within 20 seconds the callback receiver gets the v2 task "${task}"
    And the field "data.asset_id" matches "^im_[0-9]{18}$"
    And the field "data.asset_ch_ids" has at least 1 item
    When I remember the field "data.asset_ch_ids.0" as "frame"
    And I call v2 "v2_asset_metadata" for "${frame}"
    Then the field "data.resource.0.upload_status" is "SUCCESS"
