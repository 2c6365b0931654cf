@control @mock-only
Feature: The mock's control plane
  The mock (not the emulated API) answers under /_mock/: health, reset, clock, forced statuses,
  accounts and balances, the callback log, the request journal, faults, its configuration; and it
  honours the X-Mock-Force request header. Source: openapi/control.yaml, DESIGN.md.

  Background:
    Given the target is a mock

  @smoke
  Scenario: Health names the emulated operations
    When I call "mock_health"
    Then the response status is 200
    And the field "status" is "ok"
    And the field "operations" is "53"
    When I call "mock_config"
    Then the response status is 200

  @serial
  Scenario: The clock can be read and advanced
    Given a private mock
    When I call "mock_clock"
    Then the response status is 200
    And I remember the field "now" as "before"
    When I call "mock_clock_advance" with JSON:
      """
      {"seconds": 3600}
      """
    Then the response status is 200
    And the field "now" is not "${before}"
    When I call "mock_clock_advance" with JSON:
      """
      {"seconds": -5}
      """
    Then the response status is 400

  @costly
  Scenario: A video's status can be forced, and processing finished at once
    Given I upload a 4-second video file named "forced.mp4" as "clip"
    When I call "mock_video_status" for "${clip}" with JSON:
      """
      {"status": "FAIL", "cause": "unsupported codec"}
      """
    Then the response status is 200
    And the field "video_no" is "${clip}"
    And the video "clip" has failed with a cause
    When I call "mock_video_status" for "${clip}" with JSON:
      """
      {"status": "UNPARSE"}
      """
    And I call "mock_video_complete" for "${clip}"
    Then the response status is 200
    And the field "status" is "PARSE"
    And the video "clip" has status "PARSE"

  Scenario: Unknown videos are a 404 of the control plane
    When I call "mock_video_complete" for "${unknown_video_no}"
    Then the response status is 404
    And the field "error" is not empty

  Scenario: An account can be inspected and its balance set
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 1, "unique_id": "${unique_id}"}
      """
    And I call "mock_account" for "${api_key}"
    Then the response status is 200
    And the field "api_key" is "${api_key}"
    When I call "mock_account_balance" for "${api_key}" with JSON:
      """
      {"credits": 5}
      """
    Then the response status is 200
    And the field "balance" is "5"

  @callback @costly
  Scenario: The callback log records deliveries
    Given a callback receiver is listening
    And I upload a 4-second video file named "logged.mp4" with the callback as "clip"
    When the video "clip" has finished processing
    Then within 10 seconds the callback receiver gets a callback for "clip" with status "PARSE"
    And the callback log has a delivered callback for "clip"

  Scenario: The request journal lists served requests
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 1, "unique_id": "${unique_id}"}
      """
    Then the mock journal has a "list_videos" request answered "0000"
    When I call "mock_requests" with query "limit=5"
    Then the response status is 200
    And the field "requests" has at least 1 item

  Scenario Outline: X-Mock-Force answers the failure a test asks for (<code>)
    Given the next request is forced to answer "<code>"
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 1, "unique_id": "${unique_id}"}
      """
    Then the envelope is a business error "<code>"

    Examples:
      | code |
      | 0401 |
      | 0402 |
      | 0403 |
      | 0409 |
      | 0429 |

  @sse
  Scenario: A forced refusal of a stream is a JSON envelope, not a stream
    Given the next request is forced to answer "0429"
    When I stream "chat_stream" with JSON:
      """
      {"video_nos": ["${unknown_video_no}"], "prompt": "Summarize", "unique_id": "${unique_id}"}
      """
    Then the response content type is "application/json"
    And the envelope is a business error "0429"
    And the envelope message is "Request has exceeded the limit."

  Scenario: Faults can be injected and read back
    Given a private mock
    And I inject the faults:
      """
      {"operations": {"folders": {"error_rate": 1, "error_kind": "network_abnormal"}}}
      """
    When I call "mock_faults_get" with query "api_key=${api_key}"
    Then the response status is 200
    And the field "operations.folders.error_kind" is "network_abnormal"
    And the field "scoped" is "true"
    When I call "folders"
    Then the envelope is a business error "0001"
    And the envelope message contains "network"

  @destructive @costly
  Scenario: Reset forgets every video of the account
    Given a private mock
    And I upload a 3-second video file named "forget_me.mp4" as "clip"
    When I reset my account on the mock
    Then the response status is 200
    And the field "status" is "ok"
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the field "data.videos" has 0 items

  @costly @op:search
  Scenario: The mock verifies what the client sent
    When I call "search" with JSON:
      """
      {"search_param": "eagle over the ridge", "search_type": "BY_VIDEO", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the mock has seen 1 "search" request of mine matching:
      """
      {"search_param": {"contains": "eagle"}, "search_type": {"matches": "^BY_(VIDEO|AUDIO)$"}, "unique_id": "${unique_id}"}
      """
    And the mock has seen no "search" request of mine matching:
      """
      {"search_param": "falcon"}
      """

  @costly @op:search
  Scenario: A stub answers once, then the mock's own answer follows
    When I call "mock_stubs_add" with JSON:
      """
      {"operation": "search", "match": {"api_key": "${api_key}", "body": {"search_param": {"contains": "boom"}}},
       "answer": {"code": "0429", "msg": "Request has exceeded the limit."}, "times": 1, "priority": 1}
      """
    Then the response status is 200
    # Fired as is: the suite's client would retry a 0429 and hide it.
    When I fire 1 "search" requests at once without pacing with JSON:
      """
      {"search_param": "boom", "search_type": "BY_VIDEO", "unique_id": "${unique_id}"}
      """
    Then at least one of them is a business error "0429" with message "Request has exceeded the limit."
    When I call "search" with JSON:
      """
      {"search_param": "boom", "search_type": "BY_VIDEO", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success

  @costly @op:search
  Scenario: A fixture's transcript is what search finds
    When I call "mock_fixtures" with JSON:
      """
      {"accounts": [{"api_key": "${api_key}", "videos": [
        {"unique_id": "${unique_id}", "name": "ridge_morning",
         "visual": [{"start": 0, "end": 6, "text": "a golden eagle circles the ridge"}]},
        {"unique_id": "${unique_id}", "name": "harbour_boats",
         "visual": [{"start": 0, "end": 8, "text": "fishing boats leave the harbour"}]}]}]}
      """
    Then the response status is 200
    When I call "search" with JSON:
      """
      {"search_param": "eagle", "search_type": "BY_VIDEO", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.0.videoName" is "ridge_morning"
