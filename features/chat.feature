@chat
Feature: Chat with videos, the public pool and personal media
  Video chat answers as JSON (/chat) or as Server-Sent Events (/chat_stream): `data:<json>` lines
  of thinking, ref and content messages, ending with {"code":"SUCCESS","data":"Done"}; any other
  final data is an error ("Video is not parsed:", "No videos found for the provided video
  numbers."). Personal chat streams `data: {"token": ...}` and ends with `data: [DONE]`.
  Sources: seed 001 (Video Chat, Video Marketer, Chat with personal media), API_FACTS A7.13-A7.15.

  @smoke @sse @costly @op:chat_stream
  Scenario: A chat stream thinks, refers to the video, answers and ends with Done
    Given I upload a 8-second video file named "family_parking_lot.mp4" as "clip"
    And the video "clip" has finished processing
    When I stream "chat_stream" with JSON:
      """
      {"video_nos": ["${clip}"], "prompt": "Summarize the emotional moments in this video", "unique_id": "${unique_id}"}
      """
    Then the response status is 200
    And the response content type is "text/event-stream"
    And the stream event types come in the order "thinking, ref, content, end"
    And the stream ends with the event:
      """
      {"code": "SUCCESS", "data": "Done"}
      """
    And every stream event before the end carries the same "sessionId"
    And the stream events are framed as "data:"
    And the streamed "content" text is not empty

  @costly @op:chat
  Scenario: A chat answers as one JSON envelope with a session
    Given I upload a 8-second video file named "family_parking_lot.mp4" as "clip"
    And the video "clip" has finished processing
    When I call "chat" with JSON:
      """
      {"video_nos": ["${clip}"], "prompt": "What happens in this video?", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.role" is "ASSISTANT"
    And the field "data.content" is not empty
    And the field "data.thinkings" has at least 1 item
    And the field "data.thinkings.0.title" is not empty
    And the field "data.session_id" matches "^[0-9]{18}$"

  @sse @costly @op:chat
  Scenario: /chat streams when the client asks for text/event-stream (early v1.2)
    Given I upload a 8-second video file named "family_parking_lot.mp4" as "clip"
    And the video "clip" has finished processing
    When I stream "chat" with JSON:
      """
      {"video_nos": ["${clip}"], "prompt": "Give me the highlights with timestamps", "unique_id": "${unique_id}"}
      """
    Then the response content type is "text/event-stream"
    And the stream ends with the event:
      """
      {"code": "SUCCESS", "data": "Done"}
      """

  @sse @costly @op:chat_stream
  Scenario: Chat about a video that is not parsed yet ends with the documented error
    Given a private mock whose processing takes 120 seconds
    And I upload a 8-second video file named "still_indexing.mp4" as "clip"
    When I stream "chat_stream" with JSON:
      """
      {"video_nos": ["${clip}"], "prompt": "Summarize this video", "unique_id": "${unique_id}"}
      """
    Then the response status is 200
    And the stream ends with an error event whose data starts with "Video is not parsed:"

  @sse @op:chat_stream
  Scenario: Chat about a video nobody has ends with "No videos found"
    When I stream "chat_stream" with JSON:
      """
      {"video_nos": ["${unknown_video_no}"], "prompt": "Summarize this video", "unique_id": "${unique_id}"}
      """
    Then the response status is 200
    And the stream ends with an error event whose data starts with "No videos found for the provided video numbers."

  @op:chat
  Scenario Outline: chat refuses a bad request (<kind>)
    When I call "chat" with JSON:
      """
      <body>
      """
    Then the envelope is a business error "0001"

    Examples:
      | kind              | body                                                   |
      | no video_nos      | {"prompt": "Summarize", "unique_id": "${unique_id}"}   |
      | empty video_nos   | {"video_nos": [], "prompt": "Summarize"}               |
      | no prompt         | {"video_nos": ["${unknown_video_no}"]}                 |
      | video_nos a string| {"video_nos": "${unknown_video_no}", "prompt": "Hi"}   |

  @costly @op:marketer_chat
  Scenario: Video Marketer answers about the public pool
    When I call "marketer_chat" with JSON:
      """
      {"prompt": "What does nike recently post?", "session_id": "", "unique_id": "${unique_id}", "type": "TIKTOK"}
      """
    Then the envelope is a success
    And the field "data.role" is "ASSISTANT"
    And the field "data.content" is not empty
    And the field "data.thinkings" has at least 1 item

  @sse @costly @op:marketer_chat_stream
  Scenario: Video Marketer streams its answer
    When I stream "marketer_chat_stream" with JSON:
      """
      {"prompt": "What does @nike recently post?", "session_id": "", "unique_id": "${unique_id}", "type": "TIKTOK"}
      """
    Then the response content type is "text/event-stream"
    And the stream has at least 1 "content" event
    And the streamed "content" text is not empty
    And the stream ends with a success end

  @op:marketer_chat
  Scenario: Video Marketer refuses an unknown platform
    When I call "marketer_chat" with JSON:
      """
      {"prompt": "What does nike recently post?", "type": "MYSPACE"}
      """
    Then the envelope is a business error "0001"

  @costly @op:chat_personal
  Scenario: Chat with personal media answers as JSON
    Given I upload a 6-second video file named "beach_trip.mp4" as "beach"
    And the video "beach" has finished processing
    When I call "chat_personal" with JSON:
      """
      {"session_id": "", "prompt": "When did I go to the beach?", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.role" is "ASSISTANT"
    And the field "data.content" is not empty

  @sse @costly @op:chat_personal_stream
  Scenario: Chat with personal media streams tokens and ends with [DONE]
    Given I upload a 6-second video file named "beach_trip.mp4" as "beach"
    And the video "beach" has finished processing
    When I stream "chat_personal_stream" with JSON:
      """
      {"session_id": "", "prompt": "When did I go to the beach?", "unique_id": "${unique_id}"}
      """
    Then the response status is 200
    And the response content type is "text/event-stream"
    And the stream event types come in the order "token, end"
    And the stream ends with the terminator "[DONE]"
    And the stream events are framed as "data: "
    And the streamed "token" text is not empty
