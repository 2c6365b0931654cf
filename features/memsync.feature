@memsync
Feature: MemSync memories
  MemSync stores memories extracted from conversations and searches them; requests carry
  `X-API-Key`; lists page with {page, page_size} and answer pagination.has_next; 100 requests per
  minute per key, then 429 with Retry-After and X-RateLimit-Remaining 0.
  Sources: seed 004 (MemSync API reference overview), API_FACTS part B.

  Background:
    Given the MemSync API

  @smoke
  Scenario: A stored conversation is found by search
    When I call MemSync "storeMemories" with JSON:
      """
      {"messages": [{"role": "user", "content": "I'm a software engineer who loves hiking in the Alps."}, {"role": "assistant", "content": "That's a great combination of technical and outdoor interests!"}], "agent_id": "contract-agent", "thread_id": "thread-${unique_id}", "source": "chat"}
      """
    Then the response status is 200
    When I call MemSync "searchMemories" with JSON:
      """
      {"query": "What does the user enjoy outdoors?", "limit": 5, "thread_id": "thread-${unique_id}"}
      """
    Then the response status is 200
    And the field "data.memories" has at least 1 item
    And the field "data.memories.0.memory" contains "hiking"

  Scenario: Paging follows has_next to the end
    When I call MemSync "storeMemories" with JSON:
      """
      {"messages": [{"role": "user", "content": "I work as a nurse in Lisbon. I play the cello on weekends. My sister Ana lives in Porto. I am learning Japanese. I run a marathon every spring. I keep bees in my garden."}], "agent_id": "contract-agent", "thread_id": "thread-${unique_id}", "source": "chat"}
      """
    Then the response status is 200
    When I page through MemSync memories 2 per page
    Then paging followed has_next to the last page and saw every memory once

  Scenario: A request without X-API-Key answers 401
    Given the next MemSync request has no API key
    When I call MemSync "listMemories" with query "page=1&page_size=5"
    Then the response status is 401
    And the field "error.code" is "AUTHENTICATION_ERROR"

  @mock-only @needs-rate-limits
  Scenario: The 101st request in a minute answers 429
    Given the MemSync API with a fresh API key
    When I call MemSync "listMemories" 100 times
    Then every MemSync answer was HTTP 200
    When I call MemSync "listMemories" with query "page=1&page_size=5"
    Then the response status is 429
    And the response header "Retry-After" is present
    And the response header "X-RateLimit-Remaining" is "0"
    And the field "error.code" is "RATE_LIMIT_EXCEEDED"

  Scenario: A document sent as a file part is accepted
    When I call MemSync "createFileIntegration" with multipart fields:
      | name | value                                                              |
      | file | @text(name=notes.txt, content=I went hiking in the Alps last summer.) |
    Then the response status is 200

  Scenario: A file sent as a plain text field answers FastAPI's 422 validation detail
    # MemSync is a FastAPI service: a form field declared as an upload that arrives as text fails
    # request validation before the application runs, so the body is FastAPI's {"detail": [...]}.
    When I call MemSync "createFileIntegration" with multipart fields:
      | name | value |
      | file | hello |
    Then the response status is 422
    And the field "detail.0.type" is "value_error"
    And the field "detail.0.loc.0" is "body"
    And the field "detail.0.loc.1" is "file"
    And the field "detail.0.msg" contains "Expected UploadFile"
    And the field "detail.0.input" is "hello"
