@memories
Feature: Text memories of a namespace
  Text memories ("MAG") are {role, content} items added to a namespace, listed page by page and
  searched by text. Sources: API_FACTS A7.28 (PT-plat add-memory, vendor OpenAPI).

  @smoke @op:memories_add @op:memories @op:memories_search
  Scenario: Added memories are listed and found by search
    When I call "memories_add" with JSON:
      """
      {"unique_id": "${unique_id}", "memories": [{"role": "Tester", "content": "I parked the red bicycle behind the bakery"}, {"role": "user", "content": "The team meeting moved to Thursday"}], "tags": ["errands"], "memories_at": "2025-10-20T11:00:00Z"}
      """
    Then the envelope is a success
    When I call "memories" with JSON:
      """
      {"page": 1, "page_size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.memories" has 2 items
    And the field "data.memories" has an item whose "content" is "I parked the red bicycle behind the bakery"
    And the field "data.total_count" is "2"
    When I call "memories_search" with JSON:
      """
      {"query": "bicycle", "page": 1, "page_size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.memories" has at least 1 item
    And the field "data.memories.0.content" contains "bicycle"

  @op:memories
  Scenario: A namespace without memories lists none
    When I call "memories" with JSON:
      """
      {"page": 1, "page_size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.memories" has 0 items

  @op:memories_add
  Scenario Outline: memories_add refuses a bad request (<kind>)
    When I call "memories_add" with JSON:
      """
      <body>
      """
    Then the envelope is a business error "0001"
    When I call "memories" with JSON:
      """
      {"page": 1, "page_size": 20, "unique_id": "${unique_id}"}
      """
    Then the field "data.memories" has 0 items

    Examples:
      | kind             | body                                                                                                                    |
      | missing memories | {"unique_id": "${unique_id}"}                                                                                           |
      | empty content    | {"unique_id": "${unique_id}", "memories": [{"role": "user", "content": ""}]}                                            |
      | bad datetime     | {"unique_id": "${unique_id}", "memories": [{"role": "user", "content": "hello"}], "memories_at": "yesterday afternoon"} |
      | wrong type       | {"unique_id": "${unique_id}", "memories": "hello"}                                                                      |

  @op:memories_search
  Scenario: memories_search without a query is refused
    When I call "memories_search" with JSON:
      """
      {"page": 1, "unique_id": "${unique_id}"}
      """
    Then the envelope is a business error "0001"
