@v2
Feature: Visual Intelligence v2 embeddings
  `POST /embeddings/text|video|image` answer seed 000's envelope with deterministic vectors of the
  documented dimensions; video and image embeddings take a SUCCESS asset. Sources: V2_SURFACE §6.3.

  Background:
    Given the v2 API

  @smoke @op:v2_embed_text
  Scenario: Text embeddings come one per input with the asked dimensionality
    When I call v2 "v2_embed_text" with JSON:
      """
      {"input": ["a dog running on the beach", "snow on the mountains"], "model": "gemini-embedding-001", "dimensionality": 512}
      """
    Then the v2 envelope is a success
    And the field "data" has 2 items
    And the field "data.0.embedding" has 512 items

  @op:v2_embed_video
  Scenario: A video asset embeds
    Given I upload to v2 "@mp4(name=beach.mp4, seconds=4)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_embed_video" with JSON:
      """
      {"asset_id": "${clip}", "model": "multimodalembedding@001"}
      """
    Then the v2 envelope is a success
    And the field "data.embedding" has at least 128 items

  @op:v2_embed_video
  Scenario: An unknown asset answers the catch-all 400
    When I call v2 "v2_embed_video" with JSON:
      """
      {"asset_id": "re_000000000000000001", "model": "multimodalembedding@001"}
      """
    Then the v2 answer is the error 400 "Request has exceeded the limit."

  @op:v2_embed_image
  Scenario: An image asset embeds
    Given I upload to v2 "@png(name=still.png, size=48)" as "img"
    And the v2 asset "img" is "SUCCESS" within 30 seconds
    When I call v2 "v2_embed_image" with JSON:
      """
      {"asset_id": "${img}", "model": "multimodalembedding@001"}
      """
    Then the v2 envelope is a success
    And the field "data.embedding" has at least 128 items

  @op:v2_embed_image
  Scenario: An image embedding without asset_id names the missing field
    When I call v2 "v2_embed_image" with JSON:
      """
      {"model": "multimodalembedding@001"}
      """
    Then the v2 answer is the error 400 "asset_id cannot be null or empty"
