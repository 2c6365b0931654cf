@v2
Feature: Visual Agents on v2
  Scene detection (`/video/clip`), split and edit are async like the other v2 processing
  operations; screenplay tasks (`ros-sd-<date>-<8 hex>`) are polled, cancelled and downloaded; the
  video searching agent streams Server-Sent Events. Sources: V2_SURFACE §6.8.

  Background:
    Given the v2 API

  @mock-only @callback @op:v2_video_clip
  Scenario: Scene detection arrives at the account webhook
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=scenes.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_video_clip" with JSON:
      """
      {"asset_id": "${clip}"}
      """
    Then the v2 envelope is a success
    When I remember the field "data.task_id" as "task"
    Then within 30 seconds the callback receiver gets the v2 task "${task}"

  @mock-only @callback @op:v2_video_split
  Scenario: A split arrives at the account webhook
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=split.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_video_split" with JSON:
      """
      {"asset_id": "${clip}"}
      """
    Then the v2 envelope is a success
    When I remember the field "data.task_id" as "task"
    Then within 30 seconds the callback receiver gets the v2 task "${task}"

  @mock-only @callback @op:v2_video_edit
  Scenario: An edit of two assets arrives at the account webhook
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=one.mp4, seconds=4)" as "one"
    And I upload to v2 "@mp4(name=two.mp4, seconds=4)" as "two"
    And the v2 asset "one" is "SUCCESS" within 30 seconds
    And the v2 asset "two" is "SUCCESS" within 30 seconds
    When I call v2 "v2_video_edit" with JSON:
      """
      {"asset_ids": ["${one}", "${two}"], "orientation": "portrait", "user_prompt": "Keep the best moments and make it upbeat"}
      """
    Then the v2 envelope is a success
    When I remember the field "data.task_id" as "task"
    Then within 30 seconds the callback receiver gets the v2 task "${task}"

  @op:v2_video_clip
  Scenario: Scene detection of an unknown asset answers the catch-all 400
    When I call v2 "v2_video_clip" with JSON:
      """
      {"asset_id": "re_000000000000000001"}
      """
    Then the v2 answer is the error 400 "Request has exceeded the limit."

  @mock-only @callback @costly @op:v2_screenplay_create @op:v2_screenplay_get @op:v2_screenplay_cancel
  Scenario: A screenplay task is created, polled and cancelled
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=ep1.mp4, seconds=6)" as "ep1"
    And the v2 asset "ep1" is "SUCCESS" within 30 seconds
    When I call v2 "v2_screenplay_create" with JSON:
      """
      {"mode": "short_drama", "episodes": {"1": "${ep1}"}, "config": {"language": "en", "require_json": true}}
      """
    Then the v2 envelope is a success
    And the field "data.task_id" matches "^ros-sd-[0-9]{8}-[0-9a-f]{8}$"
    When I remember the field "data.task_id" as "play"
    And I call v2 "v2_screenplay_get" for "${play}"
    Then the v2 envelope is a success
    And the field "data.task_id" is "${play}"
    When I call v2 "v2_screenplay_cancel" for "${play}"
    Then the response status is 200

  @mock-only @callback @costly @op:v2_screenplay_create @op:v2_screenplay_download
  Scenario: A finished screenplay downloads as a zip
    Given the v2 account webhook is the callback receiver
    And I upload to v2 "@mp4(name=ep1.mp4, seconds=4)" as "ep1"
    And the v2 asset "ep1" is "SUCCESS" within 30 seconds
    When I call v2 "v2_screenplay_create" with JSON:
      """
      {"mode": "short_drama", "episodes": {"1": "${ep1}"}, "config": {"language": "en", "require_json": true}}
      """
    And I remember the field "data.task_id" as "play"
    Then the v2 screenplay "play" is "completed" within 60 seconds
    When I call v2 "v2_screenplay_download" for "${play}"
    Then the response status is 200
    And the response content type is "application/zip"

  @sse @op:v2_queries_stream
  Scenario: The video searching agent streams its steps
    When I call v2 "v2_queries_stream" with JSON:
      """
      {"query": "AI coding tools tutorials", "platforms": ["tiktok", "youtube"], "max_results": 3, "max_steps": 5}
      """
    Then the response status is 200
    And the response content type is "text/event-stream"
    And the v2 stream has the event "started"
