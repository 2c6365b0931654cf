@search
Feature: Search the private and public libraries
  Natural-language search (English) over parsed videos ranks clips by score; BY_IMAGE answers a
  page of images; transcript search is an exact text match; image searches take a file.
  Sources: seed 001 (Search pages), API_FACTS A7.8-A7.12.

  @smoke @costly @op:search
  Scenario: Search finds each uploaded video by a word of its file name
    Given I upload a 6-second video file named "red_kite_over_hills.mp4" as "kite"
    And I upload a 6-second video file named "harbour_ferry_crossing.mp4" as "ferry"
    And the video "kite" has finished processing
    And the video "ferry" has finished processing
    When I call "search" with JSON:
      """
      {"search_param": "kite", "search_type": "BY_VIDEO", "unique_id": "${unique_id}", "top_k": 10, "filtering_level": "low"}
      """
    Then the envelope is a success
    And the field "data" has at least 1 item
    And the field "data.0.videoNo" is "${kite}"
    And the field "data.0.score" is a number between 0 and 1
    And the field "data.0.startTime" matches "^[0-9]+(\.[0-9]+)?$"
    And the field "data.0.startTime" is a number between 0 and 6
    And the field "data.0.endTime" is a number between 0 and 6
    And the items of "data" are ordered by "score" descending
    When I call "search" with JSON:
      """
      {"search_param": "ferry", "search_type": "BY_VIDEO", "unique_id": "${unique_id}", "top_k": 10, "filtering_level": "low"}
      """
    Then the envelope is a success
    And the field "data.0.videoNo" is "${ferry}"
    And the items of "data" are ordered by "score" descending

  @costly @op:search
  Scenario: A null filtering_level searches without a threshold
    # The vendor's search notebook (Memories-ai-labs/examples) sends "filtering_level": null.
    Given I upload a 6-second video file named "red_kite_over_hills.mp4" as "kite"
    And the video "kite" has finished processing
    When I call "search" with JSON:
      """
      {"search_param": "kite", "search_type": "BY_VIDEO", "unique_id": "${unique_id}", "top_k": 10, "filtering_level": null}
      """
    Then the envelope is a success
    And the field "data.0.videoNo" is "${kite}"
    When I call "search" with JSON:
      """
      {"search_param": "kite", "search_type": "BY_VIDEO", "unique_id": "${unique_id}", "top_k": 10, "filtering_level": "none"}
      """
    Then the envelope is a business error "0001"

  @costly @op:search
  Scenario: Search only sees its own namespace
    Given I upload a 6-second video file named "red_kite_over_hills.mp4" as "kite"
    And the video "kite" has finished processing
    When I call "search" with JSON:
      """
      {"search_param": "kite", "search_type": "BY_VIDEO", "unique_id": "${unique_id}-elsewhere", "top_k": 10}
      """
    Then the envelope is a success
    And the field "data" has 0 items

  @costly @op:search @op:upload_img
  Scenario: BY_IMAGE search answers a page of images
    Given I call "upload_img" with multipart fields:
      | name      | value                             |
      | files     | @png(name=sunset_beach.png, seed=5) |
      | unique_id | ${unique_id}                      |
    When I call "search" with JSON:
      """
      {"search_param": "sunset", "search_type": "BY_IMAGE", "unique_id": "${unique_id}", "top_k": 10}
      """
    Then the envelope is a success
    And the field "data.item" has at least 1 item
    And the field "data.item.0.img_url" is not empty
    And the field "data.total_count" matches "^[0-9]+$"

  @costly @op:search_public
  Scenario: Search the public TikTok library
    When I call "search_public" with JSON:
      """
      {"search_param": "basketball fans", "search_type": "BY_VIDEO", "type": "TIKTOK", "top_k": 3, "filtering_level": "low"}
      """
    Then the envelope is a success
    And the field "data" has at least 1 item
    And the field "data.0.videoNo" matches "^PI-[0-9]{18}$"
    And the items of "data" are ordered by "score" descending

  @op:search_public
  Scenario: search_public accepts only BY_VIDEO and BY_AUDIO
    When I call "search_public" with JSON:
      """
      {"search_param": "basketball", "search_type": "BY_IMAGE", "type": "TIKTOK"}
      """
    Then the envelope is a business error "0001"

  @costly @op:get_audio_transcription @op:search_audio_transcripts
  Scenario: Transcript search finds a video by a word it says
    Given I upload a 8-second video file named "kitchen_talk.mp4" as "talk"
    And the video "talk" has finished processing
    And I call "get_audio_transcription" with query "video_no=${talk}&unique_id=${unique_id}"
    And I remember a word of the field "data.transcriptions.0.content" as "word"
    When I call "search_audio_transcripts" with query "query=${word}&page=1&page_size=50&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.videos" has an item whose "videoNo" is "${talk}"
    And the field "data.current_page" is "1"
    And the field "data.total_count" matches "^[0-9]+$"

  @op:search_audio_transcripts
  Scenario: Transcript search over more than 100 per page is refused
    When I call "search_audio_transcripts" with query "query=love&page=1&page_size=101&unique_id=${unique_id}"
    Then the envelope is a business error "0001"

  @costly @op:search_public_audio_transcripts
  Scenario: Search public transcripts by text
    When I call "search_public_audio_transcripts" with query "query=the&page=1&page_size=10"
    Then the envelope is a success
    And the field "data.videos" has at least 1 item
    And the field "data.videos.0.videoNo" matches "^PI-[0-9]{18}$"
    And the field "data.videos.0.audio_ts" contains "the"

  @costly @op:search_similar_images
  Scenario: Search the private library with an image
    Given I upload a 6-second video file named "garden_party.mp4" as "party"
    And the video "party" has finished processing
    When I call "search_similar_images" with multipart fields:
      | name       | value                       |
      | file       | @png(name=query.png, seed=9) |
      | unique_id  | ${unique_id}                |
      | similarity | 0.1                         |
    Then the envelope is a success
    And the field "data" has at least 1 item
    And the field "data.0.videoNo" is "${party}"

  @costly @op:search_public_similar_images
  Scenario: Search the public library with an image
    When I call "search_public_similar_images" with multipart fields:
      | name       | value                        |
      | file       | @jpeg(name=query.jpg, seed=4) |
      | type       | TIKTOK                       |
      | similarity | 0.1                          |
    Then the envelope is a success
    And the field "data" has at least 1 item
    And the field "data.0.videoNo" matches "^PI-[0-9]{18}$"

  @costly @op:search_clips_by_image
  Scenario: Find the clips of one video that match an image
    Given I upload a 12-second video file named "dog_in_park.mp4" as "dog"
    And the video "dog" has finished processing
    When I call "search_clips_by_image" with multipart fields:
      | name      | value                          |
      | file      | @png(name=dog.png, seed=11)    |
      | video_no  | ${dog}                         |
      | prompt    | a dog running                  |
      | unique_id | ${unique_id}                   |
    Then the envelope is a success
    And the field "data" has at least 1 item
    And the field "data.0.start_time" is a number between 0 and 12.1
    And the field "data.0.end_time" is a number between 0 and 12.1
    And the field "data.0.score" is a number between 0 and 1

  @op:search
  Scenario Outline: search refuses a bad parameter (<kind>)
    When I call "search" with JSON:
      """
      <body>
      """
    Then the envelope is a business error "0001"

    Examples:
      | kind             | body                                                                                       |
      | missing required | {"search_type": "BY_VIDEO", "unique_id": "${unique_id}"}                                   |
      | empty required   | {"search_param": "", "search_type": "BY_VIDEO", "unique_id": "${unique_id}"}               |
      | bad enum         | {"search_param": "kite", "search_type": "BY_SMELL", "unique_id": "${unique_id}"}           |
      | wrong type       | {"search_param": "kite", "search_type": "BY_VIDEO", "top_k": "ten"}                        |
      | top_k over 1000  | {"search_param": "kite", "search_type": "BY_VIDEO", "top_k": 1001}                         |
      | top_k below 1    | {"search_param": "kite", "search_type": "BY_VIDEO", "top_k": 0}                            |
      | bad datetime     | {"search_param": "kite", "search_type": "BY_VIDEO", "datetime_taken": "20 October 2025"}   |
      | filtering level  | {"search_param": "kite", "search_type": "BY_VIDEO", "filtering_level": "extreme"}          |

  @op:search
  Scenario: search refuses a body that is not JSON
    When I call "search" with the body "{search_param: kite" of type "application/json"
    Then the envelope is a business error "0001"
