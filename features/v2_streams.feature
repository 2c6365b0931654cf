@v2
Feature: Visual Intelligence v2 live streams
  Audio stream transcription (`/audio-stream/start|stop`) and video stream moderation
  (`/stream/start|stop`) answer the stream endpoints' own envelope `{code, message, data}` with a
  dashed-UUID `task_id`; segment callbacks go to the account webhook every 5 s and a stop sends the
  final callback (status 14, "Stream stopped by user"). Sources: V2_SURFACE §2, §6.7.

  Background:
    Given the v2 API

  @mock-only @callback @costly @op:v2_audio_stream_start @op:v2_audio_stream_stop
  Scenario: An audio stream starts and stops with the final callback
    Given the v2 account webhook is the callback receiver
    When I call v2 "v2_audio_stream_start" with JSON:
      """
      {"audio_url": "rtmp://example.com/live/audio", "provider": "assemblyai", "language_code": "en"}
      """
    Then the response status is 200
    And the field "message" is "success"
    And the field "data.task_id" matches "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    When I remember the field "data.task_id" as "stream"
    And I call v2 "v2_audio_stream_stop" with JSON:
      """
      {"task_id": "${stream}"}
      """
    Then the response status is 200
    And the field "data.message" is "Audio stream stopped successfully"
    And within 20 seconds the callback receiver gets the v2 task "${stream}"
    And the field "data.status" is "14"

  @op:v2_audio_stream_start
  Scenario: An audio stream from an unsupported scheme answers the catch-all 400
    When I call v2 "v2_audio_stream_start" with JSON:
      """
      {"audio_url": "ftp://example.com/live/audio", "provider": "elevenlabs"}
      """
    Then the v2 answer is the error 400 "Request has exceeded the limit."

  @op:v2_audio_stream_stop
  Scenario: Stopping an unknown audio stream answers 400
    When I call v2 "v2_audio_stream_stop" with JSON:
      """
      {"task_id": "660e8400-e29b-41d4-a716-446655440001"}
      """
    Then the v2 answer is the error 400 "Invalid task_id or task not found"

  @mock-only @callback @costly @op:v2_stream_start @op:v2_stream_stop
  Scenario: A moderation stream starts and stops with the final callback
    Given the v2 account webhook is the callback receiver
    When I call v2 "v2_stream_start" with JSON:
      """
      {"url": "rtmp://example.com/live/stream", "enable_content_moderation": true, "enable_logo_detection": true, "fps": 1, "max_logos": 5}
      """
    Then the response status is 200
    And the field "message" is "success"
    And the field "data.message" is "Stream processing started successfully"
    When I remember the field "data.task_id" as "stream"
    And I call v2 "v2_stream_stop" with JSON:
      """
      {"task_id": "${stream}"}
      """
    Then the response status is 200
    And the field "data.message" is "Stream stopped successfully"
    And within 20 seconds the callback receiver gets the v2 task "${stream}"

  @op:v2_stream_stop
  Scenario: Stopping an unknown moderation stream answers 400
    When I call v2 "v2_stream_stop" with JSON:
      """
      {"task_id": "550e8400-e29b-41d4-a716-446655440000"}
      """
    Then the v2 answer is the error 400 "Invalid task_id or task not found"
