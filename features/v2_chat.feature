@v2
Feature: Visual Intelligence v2 chat completions
  `/vu`, `/iu`, `/ilm` and plain `/chat/completions` answer a bare provider-style object (no
  envelope): Gemini and Qwen `object: completion` with `choices[].text`, Nova and GPT
  `object: chat.completion` with `choices[].message`; `"stream": true` answers OpenAI-style SSE
  chunks ending `data: [DONE]`. The referenced asset is read and answered about, tokens counted in
  `usage`. Sources: V2_SURFACE §6.4.

  Background:
    Given the v2 API

  @smoke @op:v2_vu_chat
  Scenario: Gemini answers about an uploaded video
    Given I upload to v2 "@mp4(name=beach.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_vu_chat" with JSON:
      """
      {"model": "gemini:gemini-2.5-flash", "max_tokens": 300, "messages": [{"role": "user", "content": [{"type": "text", "text": "What happens in this video?"}, {"type": "input_file", "file_uri": "${clip}", "mime_type": "video/mp4"}]}]}
      """
    Then the response status is 200
    And the field "object" is "completion"
    And the field "choices.0.text" is not empty
    And the field "usage.input_tokens" is not empty

  @sse @op:v2_vu_chat
  Scenario: A streamed completion ends with data: [DONE]
    Given I upload to v2 "@mp4(name=beach.mp4, seconds=6)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_vu_chat" with JSON:
      """
      {"model": "gemini:gemini-2.5-flash", "stream": true, "messages": [{"role": "user", "content": [{"type": "text", "text": "Describe it."}, {"type": "input_file", "file_uri": "${clip}", "mime_type": "video/mp4"}]}]}
      """
    Then the response status is 200
    And the response content type is "text/event-stream"
    And the v2 stream ends with "data: [DONE]"

  @op:v2_vu_chat
  Scenario: A model the platform does not offer answers the catch-all 400
    When I call v2 "v2_vu_chat" with JSON:
      """
      {"model": "gemini:no-such-model", "messages": [{"role": "user", "content": "hello"}]}
      """
    Then the v2 answer is the error 400 "Request has exceeded the limit."

  @op:v2_chat
  Scenario: Qwen on /chat/completions answers a completion object about the video
    Given I upload to v2 "@mp4(name=kitchen.mp4, seconds=5)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_chat" with JSON:
      """
      {"model": "qwen:qwen3-vl-plus", "max_tokens": 300, "messages": [{"role": "user", "content": [{"type": "video_url", "video_url": "${clip}"}, {"type": "text", "text": "Summarize this video."}]}]}
      """
    Then the response status is 200
    And the field "object" is "completion"
    And the field "choices.0.text" is not empty

  @op:v2_ilm_chat
  Scenario: Nova on /ilm/chat/completions answers a chat.completion about an image
    Given I upload to v2 "@png(name=still.png, size=48)" as "img"
    And the v2 asset "img" is "SUCCESS" within 30 seconds
    When I call v2 "v2_ilm_chat" with JSON:
      """
      {"model": "nova:amazon.nova-lite-v1:0", "messages": [{"role": "user", "content": [{"type": "text", "text": "What is in this picture?"}, {"type": "image_url", "image_url": "${img}"}]}]}
      """
    Then the response status is 200
    And the field "object" is "chat.completion"
    And the field "choices.0.message.role" is "assistant"
    And the field "choices.0.message.content" is not empty

  @op:v2_iu_chat
  Scenario: GPT on /iu/chat/completions answers an OpenAI chat.completion
    Given I upload to v2 "@png(name=still.png, size=48)" as "img"
    And the v2 asset "img" is "SUCCESS" within 30 seconds
    When I call v2 "v2_iu_chat" with JSON:
      """
      {"model": "gpt:gpt-4o", "messages": [{"role": "user", "content": [{"type": "text", "text": "Describe this image."}, {"type": "image_url", "image_url": {"url": "${img}"}}]}]}
      """
    Then the response status is 200
    And the field "object" is "chat.completion"
    And the field "choices.0.message.content" is not empty
    And the field "usage.prompt_tokens" is not empty
