@v2
Feature: Visual Intelligence v2 social media
  Metadata, transcripts and the async MAI transcript of a YouTube, TikTok, Instagram or Twitter/X
  video: `POST /{platform}/video/metadata|transcript|mai/transcript|detail` with
  `{video_url, channel}` (`rapid`, `memories.ai`, `apify`). Each platform has its post-URL form; a
  URL of another platform or another form answers the catch-all 400. The MAI transcript is async
  and a per-request `callback_url` replaces the account webhook. Sources: V2_SURFACE §6.5, the
  api-reference Video-Metadata-Transcript pages, the vendor's published client.

  Background:
    Given the v2 API

  @smoke @costly @op:v2_social_metadata
  Scenario: TikTok metadata through rapid is the web API's itemInfo.itemStruct
    When I call v2 "v2_social_metadata" for "tiktok" with JSON:
      """
      {"video_url": "https://www.tiktok.com/@cutshall73/video/7543017294226558221", "channel": "rapid"}
      """
    Then the v2 envelope is a success
    And the field "data.itemInfo.itemStruct.id" is "7543017294226558221"
    And the field "data.itemInfo.itemStruct.author.uniqueId" is "cutshall73"
    And the field "data.itemInfo.itemStruct.video.downloadAddr" is not empty

  @costly @op:v2_social_metadata
  Scenario: TikTok metadata through apify is a list of actor items
    When I call v2 "v2_social_metadata" for "tiktok" with JSON:
      """
      {"video_url": "https://www.tiktok.com/@cutshall73/video/7543017294226558221", "channel": "apify"}
      """
    Then the v2 envelope is a success
    And the field "data" has 1 item
    And the field "data.0.authorMeta.name" is "cutshall73"
    And the field "data.0.videoMeta.duration" is not empty

  @costly @op:v2_social_metadata
  Scenario: Instagram metadata carries the creator profile and the reel's stats
    When I call v2 "v2_social_metadata" for "instagram" with JSON:
      """
      {"video_url": "https://www.instagram.com/reel/DNu8_Fs4mSd/", "channel": "rapid"}
      """
    Then the v2 envelope is a success
    And the field "data.owner.username" is not empty
    And the field "data.owner.followers" is not empty
    And the field "data.views" is not empty
    And the field "data.dimensions.height" is not empty

  @op:v2_social_metadata
  Scenario: An Instagram post URL is not a reel and answers 400
    When I call v2 "v2_social_metadata" for "instagram" with JSON:
      """
      {"video_url": "https://www.instagram.com/p/DNu8_Fs4mSd/", "channel": "rapid"}
      """
    Then the v2 answer is the error 400 "Request has exceeded the limit."

  @op:v2_social_metadata
  Scenario: A URL of another platform answers 400
    When I call v2 "v2_social_metadata" for "youtube" with JSON:
      """
      {"video_url": "https://www.tiktok.com/@cutshall73/video/7543017294226558221", "channel": "rapid"}
      """
    Then the v2 answer is the error 400 "Request has exceeded the limit."

  @op:v2_social_metadata
  Scenario: A request without channel names the missing field
    When I call v2 "v2_social_metadata" for "twitter" with JSON:
      """
      {"video_url": "https://x.com/NBCOlympics/status/1989901761650323606"}
      """
    Then the v2 answer is the error 400 "channel cannot be null or empty"

  @costly @op:v2_social_transcript
  Scenario: A YouTube transcript has string start and dur
    When I call v2 "v2_social_transcript" for "youtube" with JSON:
      """
      {"video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "channel": "rapid"}
      """
    Then the v2 envelope is a success
    And the field "data.0.data" has at least 1 item
    And the field "data.0.data.0.start" matches "^[0-9]+(\.[0-9]+)?$"
    And the field "data.0.data.0.text" is not empty

  @costly @op:v2_social_transcript
  Scenario: A TikTok transcript is a WEBVTT document
    When I call v2 "v2_social_transcript" for "tiktok" with JSON:
      """
      {"video_url": "https://www.tiktok.com/@nike/video/7434361641896103211", "channel": "rapid"}
      """
    Then the v2 envelope is a success
    And the field "data.0.transcript" matches "^WEBVTT"

  @costly @op:v2_social_transcript
  Scenario: A Twitter transcript has plain text and WEBVTT
    When I call v2 "v2_social_transcript" for "twitter" with JSON:
      """
      {"video_url": "https://x.com/NBCOlympics/status/1989901761650323606", "channel": "apify"}
      """
    Then the v2 envelope is a success
    And the field "data.0.tweetId" is "1989901761650323606"
    And the field "data.0.webvtt_text" matches "^WEBVTT"

  @mock-only @callback @costly @op:v2_social_mai_transcript
  Scenario: The MAI transcript arrives at the callback_url of the request
    Given a callback receiver is listening
    When I call v2 "v2_social_mai_transcript" for "instagram" with JSON:
      """
      {"video_url": "https://www.instagram.com/reels/DLlGZiCOBQ0/", "callback_url": "${callback_url}"}
      """
    Then the v2 envelope is a success
    And the field "data.task_id" matches "^[0-9a-f]{32}$"
    When I remember the field "data.task_id" as "task"
    Then within 20 seconds the callback receiver gets the v2 task "${task}"
    And the field "data.videoTranscript.data.data" has at least 1 item
    And the field "data.videoTranscript.data.data.0.transcript" is not empty
    And the field "data.audioTranscript.data.data" has at least 1 item

  @mock-only @op:v2_social_mai_transcript
  Scenario: The MAI transcript without any webhook answers 400
    When I call v2 "v2_social_mai_transcript" for "tiktok" with JSON:
      """
      {"video_url": "https://www.tiktok.com/@nike/video/7434361641896103211"}
      """
    Then the v2 answer is the error 400 "An async request requires at least one webhook."

  @costly @op:v2_social_detail
  Scenario: Detail by video id answers the platform's metadata
    When I call v2 "v2_social_detail" for "youtube" with JSON:
      """
      {"video_id": "dQw4w9WgXcQ"}
      """
    Then the v2 envelope is a success
    And the field "data.videoId" is "dQw4w9WgXcQ"
    And the field "data.lengthSeconds" matches "^[0-9]+$"

  @op:v2_social_detail
  Scenario: Another platform answers 400
    When I call v2 "v2_social_detail" for "facebook" with JSON:
      """
      {"video_id": "12345678"}
      """
    Then the v2 answer is the error 400 "Request has exceeded the limit."
