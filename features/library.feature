@library
Feature: Library utilities - list, details, download, delete, images, tasks
  Sources: seed 001 and seed 003 (Utils: list videos, delete videos, download), API_FACTS A7.7,
  A7.20, A7.23, A7.24, A7.26, A7.27, A3.1 (0409 duplicate request).

  @smoke @op:list_videos
  Scenario: An empty namespace lists no videos
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the response status is 200
    And the envelope is a success
    And the field "data.videos" has 0 items
    And the field "data.current_page" is "1"
    And the field "data.total_count" is "0"

  @op:list_videos
  Scenario: list_videos pages by 20 when no size is given
    When I call "list_videos" with JSON:
      """
      {"unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.current_page" is "1"
    And the field "data.page_size" is "20"

  @costly @op:list_videos
  Scenario: list_videos pages through a namespace
    Given I upload a 3-second video file named "one.mp4" as "one"
    And I upload a 3-second video file named "two.mp4" as "two"
    And I upload a 3-second video file named "three.mp4" as "three"
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 2, "unique_id": "${unique_id}"}
      """
    Then the field "data.videos" has 2 items
    And the field "data.total_count" is "3"
    And the field "data.page_size" is "2"
    When I call "list_videos" with JSON:
      """
      {"page": 2, "size": 2, "unique_id": "${unique_id}"}
      """
    Then the field "data.videos" has 1 item
    And the field "data.current_page" is "2"

  @costly @op:list_videos
  Scenario: Namespaces (unique_id) keep videos apart
    Given I upload a 3-second video file named "mine.mp4" as "mine"
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}-other"}
      """
    Then the envelope is a success
    And the field "data.videos" has 0 items

  @mock-only @costly @op:list_videos @op:download
  Scenario: Each API key is its own account with its own library
    Given an account of my own
    And I upload a 3-second video file named "private_to_me.mp4" as "clip"
    And the video "clip" has finished processing
    When I use the API key "${api_key}-someone-else"
    And I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.videos" has 0 items
    When I download the video "clip"
    Then the envelope is a business error "0001"

  @costly @op:get_private_video_details @op:get_metadata
  Scenario: Details and metadata of a parsed video come from its media
    Given I upload a 6-second video file named "red_kite.mp4" as "kite"
    And the video "kite" has finished processing
    When I call "get_private_video_details" with query "video_no=${kite}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.video_no" is "${kite}"
    And the field "data.status" is "PARSE"
    And the field "data.duration" is "6"
    When I call "get_metadata" with query "video_no=${kite}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.video_no" is "${kite}"
    And the field "data.status" is "PARSE"
    And the field "data.width" is "320"
    And the field "data.height" is "240"
    And the field "data.fps" is "30"

  @costly @op:download
  Scenario: Download returns the uploaded bytes unchanged
    Given I upload a 5-second video file named "keep_me.mp4" as "clip"
    And the video "clip" has finished processing
    When I download the video "clip"
    Then the response status is 200
    And the response content type is "application/octet-stream"
    And the downloaded bytes are identical to the uploaded file of "clip"

  @op:download
  Scenario: Download of an unknown video answers a JSON error
    When I call "download" with JSON:
      """
      {"video_no": "${unknown_video_no}", "unique_id": "${unique_id}"}
      """
    Then the response content type is "application/json"
    And the envelope is a business error "0001"

  @costly @destructive @op:delete_videos
  Scenario: Deleting a video removes it, and a second delete answers 0409
    Given I upload a 3-second video file named "short_lived.mp4" as "clip"
    And the video "clip" has finished processing
    When I call "delete_videos" with query "unique_id=${unique_id}" and JSON:
      """
      ["${clip}"]
      """
    Then the envelope is a success
    And the field "data" is null
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the field "data.videos" has no item whose "video_no" is "${clip}"
    When I call "delete_videos" with query "unique_id=${unique_id}" and JSON:
      """
      ["${clip}"]
      """
    Then the envelope is a business error "0409"
    When I download the video "clip"
    Then the envelope is a business error "0001"

  @op:delete_videos
  Scenario: delete_videos refuses more than 100 ids in one request
    When I call "delete_videos" with query "unique_id=${unique_id}" and JSON:
      """
      ${json_video_ids:101}
      """
    Then the envelope is a business error "0001"

  @op:delete_videos
  Scenario: delete_videos refuses an empty list
    When I call "delete_videos" with query "unique_id=${unique_id}" and JSON:
      """
      []
      """
    Then the envelope is a business error "0001"

  @costly @op:upload_img @op:img_list_page
  Scenario: Uploaded images are listed page by page
    Given I call "upload_img" with multipart fields:
      | name      | value                         |
      | files     | @png(name=garden.png, seed=3) |
      | files     | @png(name=street.png, seed=4) |
      | unique_id | ${unique_id}                  |
    When I call "img_list_page" with JSON:
      """
      {"page": 1, "page_size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.images" has 2 items
    And the field "data.total_count" is "2"
    And the field "data.images.0.img_url" is not empty

  @costly @op:scraper_url @op:get_video_ids_by_task_id
  Scenario: A scraper task reports the videos it downloaded
    When I call "scraper_url" with JSON:
      """
      {"video_urls": ["https://www.tiktok.com/@cutshall73/video/7543017294226558221"], "unique_id": "${unique_id}"}
      """
    And I remember the field "data.taskId" as "task"
    Then within 30 seconds "get_video_ids_by_task_id" with query "task_id=${task}&unique_id=${unique_id}" has at least 1 item in "data.video_ids"
    And the field "data.taskId" is "${task}"
    And the field "data.videos" has at least 1 item
    And the field "data.videos.0.video_no" matches "^VI[0-9]{18}$"

  @callback @costly @op:scraper_url
  Scenario: A scraper task notifies its callback when downloaded and per indexed video
    Given a callback receiver is listening
    When I call "scraper_url" with JSON:
      """
      {"video_urls": ["https://www.tiktok.com/@cutshall73/video/7543017294226558221"], "unique_id": "${unique_id}", "callback_url": "${callback_url}"}
      """
    And I remember the field "data.taskId" as "task"
    Then within 30 seconds the callback receiver gets a task callback for "${task}" with status "SUCCEEDED"
    And within 30 seconds the callback receiver gets a task callback for "${task}" with status "INDEXING_SUCCEEDED"

  @op:get_video_ids_by_task_id
  Scenario: Task status without a task id is refused
    When I call "get_video_ids_by_task_id" with query "unique_id=${unique_id}"
    Then the envelope is a business error "0001"
