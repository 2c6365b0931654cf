@upload
Feature: Upload videos and images
  Videos are uploaded from a file (multipart), from a direct URL (form fields) or scraped from
  platform posts, creators and hashtags; images are uploaded as files. An upload answers at once
  with the video number (VI + 18 digits) and UNPARSE; indexing is asynchronous.
  Sources: seed 001 (Upload pages), seed 002 (upload_url), API_FACTS A5, A7.1-A7.6.

  @smoke @costly @op:upload
  Scenario: Upload a video file
    When I call "upload" with multipart fields:
      | name      | value                                        |
      | file      | @mp4(name=beach_day.mp4, seconds=6)          |
      | unique_id | ${unique_id}                                 |
    Then the response status is 200
    And the response content type is "application/json"
    And the envelope is a success
    And the field "data.videoNo" matches "^VI[0-9]{18}$"
    And the field "data.videoStatus" is "UNPARSE"
    And the field "data.uploadTime" matches "^[0-9]{13}$"
    And the field "data.videoName" is not empty

  @costly @op:upload_url
  Scenario: Upload a video from a direct URL with the documented form fields
    When I call "upload_url" with form fields:
      | name                       | value                                                                               |
      | url                        | http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ElephantsDream.mp4 |
      | unique_id                  | ${unique_id}                                                                        |
      | datetime_taken             | 2025-10-20 11:00:00                                                                 |
      | camera_model               | Canon EOS 5D                                                                        |
      | latitude                   | 66.66                                                                               |
      | longitude                  | 66.66                                                                               |
      | tags                       | test1                                                                               |
      | tags                       | test2                                                                               |
      | retain_original_video      | true                                                                                |
      | video_transcription_prompt | Focus on the speaker and major scene changes.                                       |
    Then the envelope is a success
    And the field "data.videoNo" matches "^VI[0-9]{18}$"
    And the field "data.videoStatus" is "UNPARSE"
    And the field "data.uploadTime" matches "^[0-9]+$"

  @costly @op:upload_url
  Scenario: upload_url also accepts a JSON body, as working clients send it
    When I call "upload_url" with JSON:
      """
      {"url": "http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4", "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.videoStatus" is "UNPARSE"

  @costly @op:upload_url @op:get_metadata
  Scenario: Upload metadata is kept and the server appends the tag "api"
    When I call "upload_url" with form fields:
      | name         | value                                                                               |
      | url          | http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4 |
      | unique_id    | ${unique_id}                                                                        |
      | tags         | holiday                                                                             |
      | camera_model | Canon EOS 5D                                                                        |
    And I remember the field "data.videoNo" as "clip"
    And the video "clip" has finished processing
    And I call "get_metadata" with query "video_no=${clip}&unique_id=${unique_id}"
    Then the envelope is a success
    And the field "data.camera_model" is "Canon EOS 5D"
    And the field "data.tags" has 2 items
    And the field "data.tags.0" is "holiday"
    And the field "data.tags.-1" is "api"

  @op:upload_url
  Scenario Outline: upload_url rejects a bad parameter without creating anything
    When I call "upload_url" with form fields:
      | name      | value                                                                               |
      | url       | http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4 |
      | unique_id | ${unique_id}                                                                        |
      | <field>   | <value>                                                                             |
    Then the envelope is a business error "0001"
    And the field "data" is null
    When I call "list_videos" with JSON:
      """
      {"page": 1, "size": 20, "unique_id": "${unique_id}"}
      """
    Then the envelope is a success
    And the field "data.videos" has 0 items

    Examples: over a documented limit
      | field        | value       |
      | callback     | ${url:300}  |
      | camera_model | ${text:201} |
      | tags*21      | tag         |

    Examples: bad datetime and wrong types
      | field          | value               |
      | datetime_taken | 2025/10/20 11:00:00 |
      | datetime_taken | 2025-10-20T11:00:00 |
      | latitude       | north               |

  @op:upload_url
  Scenario: upload_url without its required url is refused
    When I call "upload_url" with form fields:
      | name      | value        |
      | unique_id | ${unique_id} |
    Then the envelope is a business error "0001"

  @op:upload_url
  Scenario: A callback of exactly 299 characters is accepted
    When I call "upload_url" with form fields:
      | name      | value                                                                               |
      | url       | http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4 |
      | unique_id | ${unique_id}                                                                        |
      | callback  | ${url:299}                                                                          |
    Then the envelope is a success

  @op:upload
  Scenario Outline: upload refuses a bad form field (<field>)
    When I call "upload" with multipart fields:
      | name      | value                               |
      | file      | @mp4(name=clip.mp4, seconds=3)      |
      | unique_id | ${unique_id}                        |
      | <field>   | <value>                             |
    Then the envelope is a business error "0001"

    Examples:
      | field          | value            |
      | tags*21        | tag              |
      | callback       | ${url:300}       |
      | datetime_taken | 2025-10-20 11:00 |
      | longitude      | east             |

  @op:upload
  Scenario: upload without a file is refused
    When I call "upload" with multipart fields:
      | name      | value        |
      | unique_id | ${unique_id} |
    Then the envelope is a business error "0001"

  @costly @op:upload_img
  Scenario: Upload two images in one request
    When I call "upload_img" with multipart fields:
      | name           | value                            |
      | files          | @png(name=test1.png, seed=1)     |
      | files          | @jpeg(name=test2.jpg, seed=2)    |
      | unique_id      | ${unique_id}                     |
      | datetime_taken | 2025-09-07 22:52:00              |
      | camera_model   | Canon EOS 5D                     |
      | latitude       | 39.9042                          |
      | longitude      | 116.4074                         |
    Then the envelope is a success
    And the field "data" has 2 items
    And the field "data.0.id" matches "^[0-9]+$"
    And the field "data.1.id" matches "^[0-9]+$"

  @costly
  Scenario Outline: Scrape videos from a platform into a library: <operation>
    When I call "<operation>" with JSON:
      """
      <body>
      """
    Then the envelope is a success
    And the field "data.taskId" is not empty

    @op:scraper_url
    Examples: post URLs, private library
      | operation   | body                                                                                                                                                        |
      | scraper_url | {"video_urls": ["https://www.tiktok.com/@cutshall73/video/7543017294226558221", "https://www.tiktok.com/@abcnews/video/7543794552365124919"], "unique_id": "${unique_id}", "quality": 1080} |

    @op:scraper_url_public
    Examples: post URLs, public library
      | operation          | body                                                                                      |
      | scraper_url_public | {"video_urls": ["https://www.tiktok.com/@cutshall73/video/7543017294226558221"], "quality": 720} |

    @op:scraper
    Examples: creator, private library
      | operation | body                                                                                       |
      | scraper   | {"username": "https://www.tiktok.com/@cutshall73", "scraper_cnt": 2, "unique_id": "${unique_id}"} |

    @op:scraper_public
    Examples: creator, public library
      | operation      | body                                                              |
      | scraper_public | {"username": "https://www.instagram.com/nike/", "scraper_cnt": 2} |

    @op:scraper_tag
    Examples: hashtag, private library
      | operation   | body                                                                    |
      | scraper_tag | {"hash_tags": ["LVMH"], "scraper_cnt": 2, "unique_id": "${unique_id}"} |

    @op:scraper_tag_public
    Examples: hashtag, public library
      | operation          | body                                      |
      | scraper_tag_public | {"hash_tags": ["LVMH"], "scraper_cnt": 2} |

  @op:scraper_url
  Scenario: scraper_url with more than 50 post URLs is refused
    When I call "scraper_url" with JSON:
      """
      {"video_urls": ${json_video_ids:51}, "unique_id": "${unique_id}"}
      """
    Then the envelope is a business error "0001"
