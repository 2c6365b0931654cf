@errorstyle
Feature: The http error style
  With `--error-style http` (seed 000, the newer docs' common response page) the integer `code`
  equals the HTTP status and the messages are seed 000's: 401 "Unauthorized", 400 "Invalid request
  parameters", 402 "Insufficient balance or credits", 429 "Rate limit exceeded". Successes answer
  `{"code":200,"msg":"success","data":...}`. The default v1 style is covered everywhere else.

  @mock-only @op:list_videos
  Scenario: A missing key is HTTP 401 with the integer code 401
    Given a private mock with the "http" error style
    And the next request has no API key
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20}
      """
    Then the response status is 401
    And the field "code" is "401"
    And the field "msg" is "Unauthorized"
    And the field "data" is null

  @mock-only @op:search
  Scenario: A bad parameter is HTTP 400 "Invalid request parameters"
    Given a private mock with the "http" error style
    When I call "search" with JSON:
      """
      {"search_param": "beach", "search_type": "BY_SMELL", "unique_id": "${unique_id}"}
      """
    Then the response status is 400
    And the field "code" is "400"
    And the field "msg" is "Invalid request parameters"

  @mock-only @op:list_videos
  Scenario: A success carries the integer code 200
    Given a private mock with the "http" error style
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the response status is 200
    And the field "code" is "200"
    And the field "msg" is "success"

  @mock-only @op:search
  Scenario: A forced rate limit is HTTP 429 "Rate limit exceeded"
    Given a private mock with the "http" error style
    And the next request is forced to answer "0429"
    When I call "search" with JSON:
      """
      {"search_param": "beach", "search_type": "BY_VIDEO", "unique_id": "${unique_id}"}
      """
    Then the response status is 429
    And the field "code" is "429"
    And the field "msg" is "Rate limit exceeded"
