@errors
Feature: Errors
  Business errors are HTTP 200 envelopes with a four-digit string code, success false and failed
  true (0001 bad parameter or not found); only infrastructure errors (an unknown route) use a
  real HTTP status. Sources: API_FACTS A3, A3.1, A3.2; seed 001 (Download Video error example).

  @smoke @op:get_private_video_details
  Scenario: An unknown video number is a business error, not an HTTP error
    When I call "get_private_video_details" with query "video_no=${unknown_video_no}&unique_id=${unique_id}"
    Then the response status is 200
    And the envelope is a business error "0001"
    And the field "msg" is not empty

  @smoke @op:get_metadata
  Scenario: get_metadata of an unknown video number answers 0000 with data null
    # The vendor's own example client (Memories-ai-labs/examples, common/client.py) polls
    # get_metadata and documents a null data for a video the API does not know.
    When I call "get_metadata" with query "video_no=${unknown_video_no}&unique_id=${unique_id}"
    Then the response status is 200
    And the envelope is a success
    And the field "data" is null

  @op:list_videos
  Scenario Outline: list_videos refuses a bad parameter (<kind>)
    When I call "list_videos" with JSON:
      """
      <body>
      """
    Then the envelope is a business error "0001"

    Examples:
      | kind        | body                                                      |
      | wrong type  | {"page": "first", "size": 20}                             |
      | page zero   | {"page": 0, "size": 20}                                   |
      | bad enum    | {"page": 1, "size": 20, "status": "DONE"}                 |
      | bad namespace | {"page": 1, "size": 20, "unique_id": ""}                |

  @op:get_video_transcription
  Scenario: A missing required query parameter is a business error
    When I call "get_video_transcription" with query "unique_id=${unique_id}"
    Then the response status is 200
    And the envelope is a business error "0001"

  Scenario: An unknown route is a real 404
    When I send "POST" to the path "/serve/api/v1/no_such_operation"
    Then the response status is 404
    And the field "status" is "404"
    And the field "path" is "/serve/api/v1/no_such_operation"

  @op:download
  Scenario: A wrong JSON type in the body is a business error
    When I call "download" with JSON:
      """
      {"video_no": 12345}
      """
    Then the response content type is "application/json"
    And the envelope is a business error "0001"
