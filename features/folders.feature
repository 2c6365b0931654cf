@folders
Feature: Folders
  The newest docs group videos in folders: -1 is the Default folder, -2 the read-only legacy API
  folder; names are unique, at most 100 characters; a folder holding parsed videos cannot be
  deleted. Sources: API_FACTS A7.29 (vendor OpenAPI).

  @smoke @op:folders_create @op:folders @op:folders_rename @op:folders_delete
  Scenario: Create, list, rename and delete a folder
    When I call "folders_create" with form fields:
      | name | value              |
      | name | trips-${unique_id} |
    Then the envelope is a success
    And the field "data.folder_name" is "trips-${unique_id}"
    And I remember the field "data.folder_id" as "folder"
    When I call "folders"
    Then the envelope is a success
    And the field "data.folders" has an item whose "folder_id" is "${folder}"
    When I call "folders_rename" with form fields:
      | name     | value                 |
      | folder_id | ${folder}            |
      | new_name | journeys-${unique_id} |
    Then the envelope is a success
    When I call "folders"
    Then the field "data.folders" has an item whose "folder_name" is "journeys-${unique_id}"
    When I call "folders_delete" with form fields:
      | name      | value     |
      | folder_id | ${folder} |
    Then the envelope is a success
    When I call "folders"
    Then the field "data.folders" has no item whose "folder_id" is "${folder}"

  @costly @op:folders_create @op:folders_move @op:folders_videos @op:folders_delete
  Scenario: Videos moved into a folder are listed there, and the folder cannot be deleted
    Given I upload a 4-second video file named "summer_trip.mp4" as "clip"
    And the video "clip" has finished processing
    And I call "folders_create" with form fields:
      | name | value               |
      | name | summer-${unique_id} |
    And I remember the field "data.folder_id" as "folder"
    When I call "folders_move" with JSON:
      """
      {"folder_id": ${folder}, "video_nos": ["${clip}"]}
      """
    Then the envelope is a success
    When I call "folders_videos" with query "folder_id=${folder}&page=1&page_size=20"
    Then the envelope is a success
    And the field "data.videos" has 1 item
    And the field "data.videos.0.video_no" is "${clip}"
    When I call "folders_delete" with form fields:
      | name      | value     |
      | folder_id | ${folder} |
    Then the envelope is not a success

  @op:folders_create
  Scenario: A folder name over 100 characters is refused
    When I call "folders_create" with form fields:
      | name | value       |
      | name | ${text:101} |
    Then the envelope is a business error "0001"

  @op:folders_create
  Scenario: Folder names are unique
    Given I call "folders_create" with form fields:
      | name | value             |
      | name | twin-${unique_id} |
    When I call "folders_create" with form fields:
      | name | value             |
      | name | twin-${unique_id} |
    Then the envelope is not a success

  @op:folders_rename @op:folders_delete
  Scenario: The Default (-1) and legacy API (-2) folders cannot be renamed or deleted
    When I call "folders_rename" with form fields:
      | name      | value                |
      | folder_id | -1                   |
      | new_name  | mine-${unique_id}    |
    Then the envelope is not a success
    When I call "folders_delete" with form fields:
      | name      | value |
      | folder_id | -2    |
    Then the envelope is not a success
