@auth
Feature: Authentication with an API key
  Every request carries `Authorization: <API_KEY>` - the raw key. A missing or rejected key is a
  business error: HTTP 200 with the string code "0401".
  Sources: seed 001 (Create your key, every request sample), API_FACTS A2, A3.1, A3.2.

  @smoke @op:list_videos
  Scenario: A request without an API key answers 0401
    Given the next request has no API key
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20}
      """
    Then the response status is 200
    And the response content type is "application/json"
    And the envelope is a business error "0401"

  @op:get_metadata
  Scenario: A GET without an API key answers 0401
    Given the next request has no API key
    When I call "get_metadata" with query "video_no=${unknown_video_no}"
    Then the envelope is a business error "0401"

  @sse @op:chat_stream
  Scenario: A stream request without an API key is refused before the stream starts
    Given the next request has no API key
    When I stream "chat_stream" with JSON:
      """
      {"video_nos": ["${unknown_video_no}"], "prompt": "Summarize"}
      """
    Then the response content type is "application/json"
    And the envelope is a business error "0401"

  @op:list_videos
  Scenario: A key the server does not know is rejected with 0401
    Given a mock that accepts only its own API key
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    When I use the API key "sk-not-on-the-list"
    And I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a business error "0401"

  @op:understand_uploadImg
  Scenario: The caption host refuses a request without a key
    Given the next request has no API key
    When I call "understand_uploadImg" with JSON:
      """
      {"url": "https://storage.googleapis.com/mavi-images/sample/person.jpg", "user_prompt": "What is in this image?"}
      """
    Then the response status is 200
    And the envelope is not a success

  @mock-only @op:list_videos
  Scenario: The mock tolerates a "Bearer " prefix on the key
    Given the next request uses the API key "Bearer ${api_key}"
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
