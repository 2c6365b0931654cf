@transcription
Feature: Transcriptions and summaries of private videos
  A parsed video has a visual transcription (scene descriptions) and, when it has an audio track,
  an audio transcription; segments are {index, content, startTime, endTime} with times as strings.
  Summaries come as chapters or topics. A video without audio answers data null with code 0000.
  Sources: seed 001 (Transcription pages, Generate Video Summary), API_FACTS A7.16-A7.19.

  @smoke @costly @op:get_video_transcription
  Scenario: The visual transcription of a parsed video
    Given I upload a 8-second video file named "laundry_by_the_stream.mp4" as "clip"
    And the video "clip" has finished processing
    When I call "get_video_transcription" with query "video_no=${clip}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.videoNo" is "${clip}"
    And the field "data.transcriptions" has at least 1 item
    And the field "data.transcriptions.0.index" is "0"
    And the field "data.transcriptions.0.content" is not empty
    And the field "data.transcriptions.0.startTime" matches "^[0-9]+(\.[0-9]+)?$"
    And the field "data.transcriptions.0.endTime" matches "^[0-9]+(\.[0-9]+)?$"
    And the field "data.transcriptions.-1.endTime" is a number between 0 and 8
    And the items of "data.transcriptions" are ordered by "startTime" ascending

  @costly @op:get_audio_transcription
  Scenario: The audio transcription of a parsed video with sound
    Given I upload a 8-second video file named "kitchen_talk.mp4" as "clip"
    And the video "clip" has finished processing
    When I call "get_audio_transcription" with query "video_no=${clip}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.videoNo" is "${clip}"
    And the field "data.transcriptions" has at least 1 item
    And the field "data.transcriptions.0.content" is not empty
    And the field "data.createTime" matches "^[0-9]{13}$"

  @costly @op:get_audio_transcription
  Scenario: A video without an audio track has no audio transcription
    Given I upload a 5-second silent video file named "quiet_room.mp4" as "quiet"
    And the video "quiet" has finished processing
    When I call "get_audio_transcription" with query "video_no=${quiet}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data" is null

  @costly @op:get_video_caption
  Scenario: get_video_caption is the newer name of the visual transcription
    Given I upload a 8-second video file named "laundry_by_the_stream.mp4" as "clip"
    And the video "clip" has finished processing
    When I call "get_video_caption" with query "video_no=${clip}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.videoNo" is "${clip}"
    And the field "data.transcriptions" has at least 1 item

  @costly
  Scenario Outline: Summaries by <type> follow the timeline
    Given I upload a 12-second video file named "parking_lot_departure.mp4" as "clip"
    And the video "clip" has finished processing
    When I call "generate_summary" with query "video_no=${clip}&type=<type>&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.summary" is not empty
    And the field "data.items" has at least 1 item
    And the field "data.items.0.title" is not empty
    And the field "data.items.0.description" is not empty
    And the field "data.items.0.start" matches "^[0-9]+(\.[0-9]+)?$"
    And the field "data.items.-1.start" is a number between 0 and 12

    @op:generate_summary
    Examples:
      | type    |
      | CHAPTER |
      | TOPIC   |

  @costly @op:generate_summary
  Scenario: Chapters come in the order of the video
    Given I upload a 40-second video file named "long_parking_lot_departure.mp4" as "clip"
    And the video "clip" has finished processing
    When I call "generate_summary" with query "video_no=${clip}&type=CHAPTER&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.items" has at least 2 items
    And the items of "data.items" are ordered by "start" ascending
    And the field "data.items.-1.start" is a number between 0 and 40

  @op:generate_summary
  Scenario Outline: generate_summary refuses a bad type (<kind>)
    When I call "generate_summary" with query "video_no=${unknown_video_no}<type>&unique_id=${unique_id}"
    Then the envelope is a business error "0001"

    Examples:
      | kind     | type            |
      | bad enum | &type=PARAGRAPH |
      | missing  |                 |

  @costly @op:update_video_transcription @op:get_video_transcription
  Scenario: A transcription can be regenerated with a custom prompt
    Given I upload a 8-second video file named "workshop_demo.mp4" as "clip"
    And the video "clip" has finished processing
    When I call "update_video_transcription" with JSON:
      """
      {"video_no": "${clip}", "prompt": "Focus on the tools being used", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.video_no" is "${clip}"
    When I call "get_video_transcription" with query "video_no=${clip}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.transcriptions" has at least 1 item

  @op:get_video_transcription
  Scenario: The transcription of an unknown video number is refused
    When I call "get_video_transcription" with query "video_no=${unknown_video_no}&unique_id=${unique_id}"
    Then the envelope is a business error "0001"

  @op:update_video_transcription
  Scenario: update_video_transcription without a prompt is refused
    When I call "update_video_transcription" with JSON:
      """
      {"video_no": "${unknown_video_no}", "unique_id": "${unique_id}"}
      """
    Then the envelope is a business error "0001"
