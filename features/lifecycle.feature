@lifecycle
Feature: Processing lifecycle of an upload
  An upload starts UNPARSE and becomes PARSE once indexed, or fails (FAILED in listings, FAIL in
  callbacks) with a cause - most often an unsupported codec (only h264, h265, vp9 and hevc are
  supported). When the upload names a callback, the service POSTs {"videoNo", "status"} to it.
  Sources: seed 001 (Upload pages: callback payload and statuses, "FAILED shortly after
  uploading ... unsupported video codecs"), seed 002, API_FACTS A3 (VideoStatus), A5.

  @smoke @callback @costly @op:upload @op:list_videos
  Scenario: An upload goes from UNPARSE to PARSE and the callback reports it
    Given a callback receiver is listening
    When I upload a 6-second video file named "beach_day.mp4" with the callback as "clip"
    Then the field "data.videoStatus" is "UNPARSE"
    When I wait up to 30 seconds until the video "clip" has status "PARSE"
    Then within 10 seconds the callback receiver gets a callback for "clip" with status "PARSE"
    And the video "clip" has status "PARSE"

  @callback @costly @op:upload
  Scenario: A refused callback delivery is retried
    Given a callback receiver that refuses the first 2 deliveries is listening
    When I upload a 4-second video file named "persistent.mp4" with the callback as "clip"
    And the video "clip" has finished processing
    Then within 20 seconds the callback receiver gets a callback for "clip" with status "PARSE"

  @costly @op:upload @op:list_videos
  Scenario: A parsed video is listed with the documented fields
    Given I upload a 6-second video file named "harbour_walk.mp4" as "clip"
    When the video "clip" has finished processing
    And I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "video_no": "${clip}", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.videos" has 1 item
    And the field "data.videos.0.video_no" is "${clip}"
    And the field "data.videos.0.status" is "PARSE"
    And the field "data.videos.0.duration" is "6"
    And the field "data.videos.0.size" matches "^[0-9]+$"
    And the field "data.videos.0.cause" is "null"
    And the field "data.videos.0.create_time" matches "^[0-9]{13}$"
    And the field "data.videos.0.video_name" is not empty
    And the field "data.total_count" is "1"

  @costly @op:upload @op:list_videos
  Scenario: A corrupt file ends FAILED with a cause
    When I upload a corrupt video file named "broken.mp4" as "bad"
    Then I wait up to 30 seconds until the video "bad" has status "FAILED"
    And the video "bad" has failed with a cause

  @costly @op:upload @op:list_videos
  Scenario: An MPEG-4 Part 2 (mp4v) video ends FAILED with a cause
    When I upload an mp4v-encoded video file named "old_camera.mp4" as "old"
    Then I wait up to 30 seconds until the video "old" has status "FAILED"
    And the video "old" has failed with a cause

  @callback @costly @op:upload
  Scenario: A failed upload is reported to the callback as FAIL
    Given a callback receiver is listening
    When I call "upload" with multipart fields:
      | name      | value                        |
      | file      | @corrupt(name=broken.mp4)    |
      | unique_id | ${unique_id}                 |
      | callback  | ${callback_url}              |
    And I remember the field "data.videoNo" as "bad"
    Then within 15 seconds the callback receiver gets a callback for "bad" with status "FAIL"

  @costly @op:upload_url @op:list_videos
  Scenario: A video uploaded by URL is indexed
    Given I upload a video by URL as "clip"
    When I wait up to 30 seconds until the video "clip" has status "PARSE"
    Then the video "clip" has status "PARSE"

  @costly @op:list_videos
  Scenario: The status filter of list_videos separates parsed and failed videos
    Given I upload a 4-second video file named "good_one.mp4" as "good"
    And I upload a corrupt video file named "bad_one.mp4" as "bad"
    And the video "good" has finished processing
    And the video "bad" has finished processing
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "status": "FAILED", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.videos" has 1 item
    And the field "data.videos.0.video_no" is "${bad}"
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "status": "PARSE", "unique_id": "${unique_id}"}
      """
    Then the field "data.videos" has 1 item
    And the field "data.videos.0.video_no" is "${good}"

  @costly @op:download
  Scenario: A video that is still being indexed cannot be downloaded yet
    Given a private mock whose processing takes 120 seconds
    And I upload a 6-second video file named "still_indexing.mp4" as "clip"
    When I download the video "clip"
    Then the response content type is "application/json"
    And the envelope is not a success

  @costly @op:get_audio_transcription
  Scenario: A video that is still being indexed has no audio transcription yet
    Given a private mock whose processing takes 120 seconds
    And I upload a 6-second video file named "still_indexing.mp4" as "clip"
    When I call "get_audio_transcription" with query "video_no=${clip}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data" is null

  @mock-only @costly @op:upload @op:list_videos @op:download
  Scenario: A mock restarted on the same data directory keeps the library
    Given a private mock that keeps its state in a data directory
    And I upload a 7-second video file named "kept_forever.mp4" as "kept"
    And the video "kept" has finished processing
    When the mock restarts on the same data directory
    And I call "list_videos" with JSON:
      """
      {"video_no": "${kept}", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.videos.0.status" is "PARSE"
    And the field "data.videos.0.duration" is "7"
    When I download the video "kept"
    Then the downloaded bytes are identical to the uploaded file of "kept"
