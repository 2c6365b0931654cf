@caption
Feature: Caption and human re-identification (security.memories.ai)
  Video captions are asynchronous: the call answers {"code":0,"data":{"task_id"}} and the result
  {"status":0,"task_id","data":{"text","token":{"input","output","total"}}} is POSTed to the
  callback. Image captions are synchronous. Integer codes: 0 success, -1 failure.
  Sources: seed 001 (Caption & Human Re-identification, Video Caption, Image Caption), API_FACTS A8.

  @smoke @callback @costly @op:understand_upload
  Scenario: Caption a video by URL; the result arrives at the callback with token counts
    Given a callback receiver is listening
    When I call "understand_upload" with JSON:
      """
      {"video_url": "http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4", "user_prompt": "Summarize the video", "system_prompt": "You are a video understanding assistant.", "callback": "${callback_url}", "persons": [{"name": "Alice", "url": "https://example.com/alice.png"}]}
      """
    Then the response status is 200
    And the field "code" is "0"
    And the field "data.task_id" is not empty
    And I remember the field "data.task_id" as "task"
    And within 15 seconds the callback receiver gets a caption result for task "${task}"
    And the caption result has token counts that add up

  @callback @costly @op:understand_uploadFile
  Scenario: Caption a video file; the result arrives at the callback
    Given a callback receiver is listening
    When I call "understand_uploadFile" with multipart fields:
      | name  | value                                                                                                             |
      | req   | @json {"user_prompt": "Describe the scene", "system_prompt": "You are a video assistant.", "callback": "${callback_url}"} |
      | files | @mp4(name=lobby.mp4, seconds=25)                                                                                  |
    Then the field "code" is "0"
    And I remember the field "data.task_id" as "task"
    And within 15 seconds the callback receiver gets a caption result for task "${task}"
    And the caption result has token counts that add up

  @costly @op:understand_uploadImg
  Scenario: Caption an image by URL
    When I call "understand_uploadImg" with JSON:
      """
      {"url": "https://storage.googleapis.com/mavi-images/sample/person.jpg", "user_prompt": "What is in this image?", "system_prompt": "You are an image captioning assistant."}
      """
    Then the field "code" is "0"
    And the field "data.text" is not empty
    And the field "data.token.input" is a number between 1 and 1000000
    And the field "data.token.output" is a number between 1 and 1000000
    And the field "data.token.total" is a number between 2 and 2000000

  @costly @op:understand_uploadImgFile
  Scenario: Caption an image file
    When I call "understand_uploadImgFile" with multipart fields:
      | name | value                                                   |
      | req  | @json {"user_prompt": "Describe this picture"}          |
      | file | @png(name=backpack.png, seed=21)                        |
    Then the field "code" is "0"
    And the field "data.text" is not empty
    And the field "data.token.total" is a number between 2 and 2000000

  @costly @op:understand_uploadImgFileBase64
  Scenario: Caption a base64-encoded image
    When I call "understand_uploadImgFileBase64" with JSON:
      """
      {"image_base64": "${png_base64}", "img_type": "image/png", "user_prompt": "Describe this picture"}
      """
    Then the field "code" is "0"
    And the field "data.text" is not empty

  @op:understand_upload
  Scenario: A video caption without a callback is refused with code -1
    When I call "understand_upload" with JSON:
      """
      {"video_url": "http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4", "user_prompt": "Summarize", "system_prompt": "You are an assistant."}
      """
    Then the response status is 200
    And the field "code" is "-1"
    And the field "msg" is not empty

  @op:understand_upload
  Scenario: Human ReID takes at most 5 reference persons
    When I call "understand_upload" with JSON:
      """
      {"video_url": "http://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ForBiggerBlazes.mp4", "user_prompt": "Who is in the video?", "system_prompt": "You are an assistant.", "callback": "https://your.app/callback", "persons": [{"name": "A"}, {"name": "B"}, {"name": "C"}, {"name": "D"}, {"name": "E"}, {"name": "F"}]}
      """
    Then the response status is 200
    And the envelope is not a success

  @op:understand_uploadImgFileBase64
  Scenario: An image of an undocumented type is refused with code -1
    When I call "understand_uploadImgFileBase64" with JSON:
      """
      {"image_base64": "${png_base64}", "img_type": "image/tiff", "user_prompt": "Describe this picture"}
      """
    Then the field "code" is "-1"
