@limits
Feature: Rate limits and credits
  Each account has per-interface limits (v1.2 table: upload 1 QPS, search 10 QPS, chat 1 QPS,
  list 5 QPS, download 12 QPM ...); a request over the limit answers HTTP 200 with
  {"code":"0429","msg":"Request has exceeded the limit."}. Credits pay for metered calls; at zero
  the service answers 0402 and does nothing. A well-mannered client paces itself and retries 0429
  with backoff. Sources: seed 001 (Rate Limits, Pricing), API_FACTS A3.1, A4.

  @smoke @op:list_videos @needs-rate-limits
  Scenario: Requests fired without pacing exceed the limit and answer 0429
    When I fire 8 "list_videos" requests at once without pacing with JSON:
      """
      {"page": 1, "size": 1}
      """
    Then at least one of them is a business error "0429" with message "Request has exceeded the limit."

  @op:download @needs-rate-limits
  Scenario: Downloads are limited to 12 a minute
    When I fire 3 "download" requests at once without pacing with JSON:
      """
      {"video_no": "${unknown_video_no}"}
      """
    Then at least one of them is a business error "0429" with message "Request has exceeded the limit."

  @op:chat @needs-rate-limits
  Scenario: Chat is limited to one request a second
    When I fire 3 "chat" requests at once without pacing with JSON:
      """
      {"video_nos": ["${unknown_video_no}"], "prompt": "Summarize this video"}
      """
    Then at least one of them is a business error "0429" with message "Request has exceeded the limit."

  @costly @op:scraper_url @needs-rate-limits
  Scenario: Uploads from platform URLs are limited to one a minute
    When I fire 2 "scraper_url" requests at once without pacing with JSON:
      """
      {"video_urls": ["https://www.tiktok.com/@cutshall73/video/7543017294226558221"]}
      """
    Then at least one of them is a business error "0429" with message "Request has exceeded the limit."

  # @timing @serial: pacing leaves 10% of an interval for jitter; beside
  # other scenarios on a loaded machine the requests could arrive closer.
  @op:list_videos @timing @serial
  Scenario: A paced client stays within the documented limit
    When I make 8 paced "list_videos" calls with JSON:
      """
      {"page": 1, "size": 1}
      """
    Then none of them is a business error "0429"
    And all of them succeed

  @mock-only @op:list_videos @needs-rate-limits
  Scenario: The mock's journal records the refused requests
    When I fire 8 "list_videos" requests at once without pacing with JSON:
      """
      {"page": 1, "size": 1}
      """
    Then the mock journal has a "list_videos" request answered "0429"

  @mock-only @op:list_videos
  Scenario: The client retries 0429 with backoff until the call succeeds
    Given the next 2 "list_videos" requests are forced to answer "0429"
    When I list the videos with the paced client
    Then the call succeeds
    And the client sent 3 "list_videos" requests

  @mock-only @op:list_videos
  Scenario: A new account starts with the 100 free credits
    Given an account of my own
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 1, "unique_id": "${unique_id}"}
      """
    And I call "mock_account" for "${api_key}"
    Then the response status is 200
    And the field "balance" is "100"

  @mock-only @costly @op:search @needs-credits
  Scenario: Metered calls are charged to the account
    When I call "search" with JSON:
      """
      {"search_param": "kite", "search_type": "BY_VIDEO", "unique_id": "${unique_id}", "top_k": 3}
      """
    Then the envelope is a success
    And the account ledger has a charge for "search"
    And the account balance is below 100 credits

  @mock-only @op:list_videos
  Scenario: Free calls are not charged
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 1, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the account ledger has no charge for "list_videos"

  @mock-only @op:search @op:upload @op:list_videos @needs-credits
  Scenario: An empty balance answers 0402 and nothing is created
    Given the account balance is set to 0 credits
    When I call "search" with JSON:
      """
      {"search_param": "kite", "search_type": "BY_VIDEO", "unique_id": "${unique_id}"}
      """
    Then the envelope is a business error "0402"
    When I call "upload" with multipart fields:
      | name      | value                               |
      | file      | @mp4(name=unpaid.mp4, seconds=3)    |
      | unique_id | ${unique_id}                        |
    Then the envelope is a business error "0402"
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.videos" has 0 items

  @mock-only @op:list_videos
  Scenario: Free calls still work with an empty balance
    Given the account balance is set to 0 credits
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 1, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success

  @mock-only @op:search @needs-credits
  Scenario: The typed client reports an empty balance as 0402
    Given the account balance is set to 0 credits
    When I call "search" with JSON:
      """
      {"search_param": "kite", "search_type": "BY_VIDEO"}
      """
    Then the envelope is a business error "0402"
    And the mock journal has a "search" request answered "0402"
