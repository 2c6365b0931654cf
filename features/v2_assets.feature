@v2
Feature: Visual Intelligence v2 assets
  v2 (`…/serve/api/v2`) answers seed 000's envelope: an integer code equal to the HTTP status,
  `msg`, `data`, `success`, `failed`. Uploads are stored and probed; `upload_status` goes WAITING →
  UPLOADING → SUCCESS (or FAILED for unreadable media); only SUCCESS assets are usable; download
  returns the exact bytes. Sources: V2_SURFACE §2, §3, §6.1; seed 000.

  Background:
    Given the v2 API

  @smoke @op:v2_upload @op:v2_asset_metadata @op:v2_download
  Scenario: An uploaded video reaches SUCCESS and downloads byte for byte
    Given I upload to v2 "@mp4(name=beach.mp4, seconds=6)" as "clip"
    Then the v2 envelope is a success
    And the field "data.asset_id" matches "^re_[0-9]{18}$"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    And the field "data.total" is "1"
    And the field "data.resource.0.asset_id" is "${clip}"
    And the field "data.resource.0.extension" is "mp4"
    When I call v2 "v2_download" for "${clip}"
    Then the response status is 200
    And the v2 answer is the bytes uploaded as "clip"

  @op:v2_upload @op:v2_asset_metadata
  Scenario: An unreadable upload ends FAILED
    Given I upload to v2 "@corrupt(name=broken.mp4)" as "bad"
    Then the v2 asset "bad" is "FAILED" within 30 seconds

  @op:v2_upload
  Scenario: An upload without a file part answers 400
    When I call v2 "v2_upload" with multipart fields:
      | name  | value |
      | notes | hello |
    Then the v2 answer is the error 400 "file cannot be null or empty"

  @op:v2_upload_signed_url @op:v2_signed_upload_put
  Scenario: A signed URL takes the bytes with PUT and the asset reaches SUCCESS
    When I call v2 "v2_upload_signed_url" with JSON:
      """
      {"original_filename": "signed.mp4"}
      """
    Then the v2 envelope is a success
    And the field "data.expires_in" is "93600"
    And the field "data.signed_url" contains "/signed-upload/"
    When I PUT "@mp4(name=signed.mp4, seconds=4)" to the v2 signed URL as "signed"
    Then the v2 asset "signed" is "SUCCESS" within 30 seconds
    When I call v2 "v2_download" for "${signed}"
    Then the v2 answer is the bytes uploaded as "signed"

  @op:v2_upload_signed_url @op:v2_signed_upload_post
  Scenario: A signed URL takes a multipart POST too
    When I call v2 "v2_upload_signed_url" with JSON:
      """
      {"original_filename": "form.mp4"}
      """
    And I POST "@mp4(name=form.mp4, seconds=3)" to the v2 signed URL as "form"
    Then the v2 asset "form" is "SUCCESS" within 30 seconds

  @mock-only @op:v2_signed_upload_put
  Scenario: The mock's signed-upload endpoint refuses a wrong token
    When I call v2 "v2_upload_signed_url" with JSON:
      """
      {"original_filename": "signed.mp4"}
      """
    And I remember the field "data.asset_id" as "signed"
    And I call v2 "v2_signed_upload_put" for "${signed}" with query "token=wrong" and the file "@mp4(seconds=2)"
    Then the v2 answer is the error 403 "Invalid or expired signed URL"

  @op:v2_download_blob
  Scenario: Download by bucket and blob returns the asset's bytes
    Given I upload to v2 "@mp4(name=blob.mp4, seconds=4)" as "clip"
    And the v2 asset "clip" is "SUCCESS" within 30 seconds
    When I call v2 "v2_download_blob" with query "bucket=mavi-resource&blob=${clip}.mp4"
    Then the v2 answer is the bytes uploaded as "clip"

  @op:v2_download_blob
  Scenario: Download by bucket without a blob answers 400
    When I call v2 "v2_download_blob" with query "bucket=mavi-resource"
    Then the v2 answer is the error 400 "blob cannot be null or empty"

  @destructive @op:v2_delete_asset
  Scenario: A deleted asset is gone
    Given I upload to v2 "@png(name=still.png, size=32)" as "img"
    And the v2 asset "img" is "SUCCESS" within 30 seconds
    When I call v2 "v2_delete_asset" for "${img}"
    Then the v2 envelope is a success
    When I call v2 "v2_asset_metadata" for "${img}"
    Then the v2 answer is the error 400 "Asset not found"

  @destructive @op:v2_delete_asset_legacy
  Scenario: The undocumented DELETE /asset/{asset_id} the vendor's client uses deletes too
    Given I upload to v2 "@png(name=still.png, size=32)" as "img"
    And the v2 asset "img" is "SUCCESS" within 30 seconds
    When I call v2 "v2_delete_asset_legacy" for "${img}"
    Then the v2 envelope is a success
    When I call v2 "v2_download" for "${img}"
    Then the v2 answer is the error 400 "Resource does not exist"

  @op:v2_asset_metadata
  Scenario: Metadata of an unknown asset answers 400
    When I call v2 "v2_asset_metadata" for "re_000000000000000001"
    Then the v2 answer is the error 400 "Asset not found"

  @op:v2_asset_metadata
  Scenario: A request without a key answers 401 Unauthorized
    Given the next v2 request has no API key
    When I call v2 "v2_asset_metadata" for "re_000000000000000001"
    Then the v2 answer is the error 401 "Unauthorized"

  @mock-only @op:v2_asset_metadata
  Scenario: Another account cannot see an asset
    Given I upload to v2 "@png(name=mine.png, size=32)" as "img"
    And the v2 asset "img" is "SUCCESS" within 30 seconds
    When the next v2 request uses the API key "sk-someone-else-${unique_id}"
    And I call v2 "v2_asset_metadata" for "${img}"
    Then the v2 answer is the error 400 "Asset not found"
