@public
Feature: The public video library
  Public videos (PI- + 18 digits) come from TikTok, YouTube and Instagram; everyone can search
  them, read their platform details (every number a string) and their transcriptions.
  Sources: seed 001 (Search from public video sources, Get Public Video Details, Get Audio
  Transcription from a public video), API_FACTS A7.9, A7.17, A7.25.

  Background:
    When I call "search_public" with JSON:
      """
      {"search_param": "Find sprint race with Usain Bolt", "search_type": "BY_VIDEO", "type": "TIKTOK", "top_k": 3, "filtering_level": "medium"}
      """
    Then the envelope is a success
    And I remember the field "data.0.videoNo" as "pub"

  @smoke @costly @op:search_public @op:get_public_video_detail
  Scenario: Details of a public video
    When I call "get_public_video_detail" with query "video_no=${pub}"
    Then the envelope is a success
    And the field "data.video_no" is "${pub}"
    And the field "data.video_name" is not empty
    And the field "data.duration" matches "^[0-9]+$"
    And the field "data.status" is "PARSE"
    And the field "data.like_count" matches "^[0-9]+$"
    And the field "data.view_count" matches "^[0-9]+$"
    And the field "data.publish_time" matches "^[0-9]{10}$"
    And the field "data.video_url" is not empty

  @costly @op:search_public @op:get_public_video_transcription
  Scenario: Visual transcription of a public video
    When I call "get_public_video_transcription" with query "video_no=${pub}"
    Then the envelope is a success
    And the field "data.videoNo" is "${pub}"
    And the field "data.transcriptions" has at least 1 item

  @costly @op:search_public @op:get_public_audio_transcription
  Scenario: Audio transcription of a public video
    When I call "get_public_audio_transcription" with query "video_no=${pub}"
    Then the envelope is a success
    And the field "data.videoNo" is "${pub}"
    And the field "data.transcriptions" has at least 1 item
    And the field "data.transcriptions.0.startTime" matches "^[0-9]+(\.[0-9]+)?$"

  @costly @destructive @op:delete_videos
  Scenario: Public videos cannot be deleted
    When I call "delete_videos" with query "unique_id=${unique_id}" and JSON:
      """
      ["${pub}"]
      """
    Then the envelope is not a success
    When I call "get_public_video_detail" with query "video_no=${pub}"
    Then the envelope is a success

  @costly @op:get_public_video_detail
  Scenario: An unknown public video is refused
    When I call "get_public_video_detail" with query "video_no=PI-999999999999999999"
    Then the envelope is a business error "0001"
