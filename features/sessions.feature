@sessions
Feature: Chat sessions
  Every chat belongs to a session: the first answer names it (sessionId in stream events,
  session_id in JSON), a later chat continues it by passing session_id, list_sessions lists the
  sessions of a namespace (20 per page) and get_session_detail returns the messages, assistant
  messages with their thinkings and references.
  Sources: seed 001 (Video Chat, List sessions, Get session detail), API_FACTS A7.13, A7.21, A7.22.

  @smoke @sse @costly @op:chat_stream @op:chat @op:list_sessions @op:get_session_detail
  Scenario: A two-turn session is listed and its detail holds both turns
    Given I upload a 8-second video file named "city_marathon.mp4" as "clip"
    And the video "clip" has finished processing
    When I stream "chat_stream" with JSON:
      """
      {"video_nos": ["${clip}"], "prompt": "Summarize this video", "unique_id": "${unique_id}"}
      """
    Then the stream ends with the event:
      """
      {"code": "SUCCESS", "data": "Done"}
      """
    And I remember the stream's "sessionId" as "session"
    When I call "chat" with JSON:
      """
      {"video_nos": ["${clip}"], "prompt": "Divide it into chapters with timestamps", "session_id": ${session}, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.session_id" is "${session}"
    When I call "list_sessions" with query "page=1&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.sessions" has 1 item
    And the field "data.sessions" has an item whose "sessionId" is "${session}"
    And the field "data.sessions.0.title" is not empty
    And the field "data.current_page" is "1"
    And the field "data.page_size" is "20"
    And the field "data.total_count" is "1"
    When I call "get_session_detail" with query "sessionId=${session}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.session_id" is "${session}"
    And the field "data.title" is not empty
    And the field "data.messages" has 4 items
    And the field "data.messages.0.role" is "user"
    And the field "data.messages.0.content" is "Summarize this video"
    And the field "data.messages.1.role" is "assistant"
    And the field "data.messages.1.content" is not empty
    And the field "data.messages.2.content" is "Divide it into chapters with timestamps"
    And the field "data.messages.3.role" is "assistant"

  @sse @costly @op:chat_stream @op:get_session_detail
  Scenario: get_session_detail also accepts session_id, as clients send it
    Given I upload a 8-second video file named "city_marathon.mp4" as "clip"
    And the video "clip" has finished processing
    And I stream "chat_stream" with JSON:
      """
      {"video_nos": ["${clip}"], "prompt": "Summarize this video", "unique_id": "${unique_id}"}
      """
    And I remember the stream's "sessionId" as "session"
    When I call "get_session_detail" with query "session_id=${session}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.session_id" is "${session}"
    And the field "data.messages" has 2 items

  @op:list_sessions
  Scenario: A namespace without chats has no sessions
    When I call "list_sessions" with query "page=1&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.sessions" has 0 items
    And the field "data.total_count" is "0"

  @op:get_session_detail
  Scenario: An unknown session is refused
    When I call "get_session_detail" with query "sessionId=999999999999999999&unique_id=${unique_id}"
    Then the envelope is a business error "0001"

  @op:get_session_detail
  Scenario: get_session_detail without a session id is refused
    When I call "get_session_detail" with query "unique_id=${unique_id}"
    Then the envelope is a business error "0001"
