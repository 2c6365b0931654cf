"""Tests of an app's Memories.ai calls against memharness, written the way the
vendor's documentation calls the API (requests, raw key in Authorization)."""

import pytest
import requests

EAGLE_LIBRARY = {
    "accounts": [{
        "credits": 50,
        "videos": [
            {"unique_id": "birds", "name": "ridge_morning",
             "visual": [{"start": 0, "end": 6, "text": "a golden eagle circles the ridge"},
                        {"start": 6, "end": 12, "text": "clouds drift over the valley"}]},
            {"unique_id": "birds", "name": "harbour_boats",
             "visual": [{"start": 0, "end": 8, "text": "fishing boats leave the harbour"}]},
        ],
    }],
}


def search(api, prompt, unique_id):
    headers = {"Authorization": api.key}
    json_body = {"search_param": prompt, "search_type": "BY_VIDEO", "unique_id": unique_id,
                 "top_k": 3, "filtering_level": "low"}
    response = requests.post(f"{api.base_url}/serve/api/v1/search", headers=headers, json=json_body, timeout=30)
    return response.json()


def test_fixture_library_is_searchable(memharness):
    memharness.load_fixtures(EAGLE_LIBRARY)
    body = search(memharness, "eagle", "birds")
    assert body["code"] == "0000"
    assert body["data"][0]["videoName"] == "ridge_morning"
    memharness.assert_called("search", body={"search_param": "eagle", "unique_id": "birds"})


def test_export_round_trips(memharness):
    memharness.load_fixtures(EAGLE_LIBRARY)
    exported = memharness.export()
    videos = {v["name"]: v for v in exported["accounts"][0]["videos"]}
    assert sorted(videos) == ["harbour_boats", "ridge_morning"]
    assert videos["ridge_morning"]["visual"][0]["text"] == "a golden eagle circles the ridge"
    assert exported["accounts"][0]["credits"] == 50
    # What export writes loads back: into another account, the same library.
    again = {"accounts": [{**exported["accounts"][0], "api_key": memharness.key + "-copy"}]}
    for v in again["accounts"][0]["videos"]:
        v.pop("video_no")  # ids are unique across the mock
    memharness.load_fixtures(again)
    copied = memharness.export_of(memharness.key + "-copy")
    requests.post(f"{memharness.base_url}/_mock/reset", params={"api_key": memharness.key + "-copy"}, timeout=30)
    assert [v["visual"] for v in copied["accounts"][0]["videos"]] == [v["visual"] for v in exported["accounts"][0]["videos"]]


def test_verification_reports_near_misses(memharness):
    search(memharness, "eagles", "birds")
    with pytest.raises(AssertionError) as err:
        memharness.assert_called("search", body={"search_param": "eagle"})
    assert "body.search_param" in str(err.value)
    assert "'eagles'" in str(err.value)


def test_stub_answers_0429_once_then_the_real_answer(memharness):
    memharness.stub("search", {"code": "0429", "msg": "Request has exceeded the limit."}, times=1)
    first = search(memharness, "anything", "default")
    second = search(memharness, "anything", "default")
    assert first["code"] == "0429" and first["msg"] == "Request has exceeded the limit."
    assert second["code"] == "0000"


def test_upload_then_processing(memharness, tmp_path):
    # The vendor's upload example: multipart file plus form fields.
    video = tmp_path / "clip.txt"
    video.write_bytes(b"not really a video")
    headers = {"Authorization": memharness.key}
    with open(video, "rb") as f:
        files = {"file": ("clip.mp4", f, "video/mp4")}
        response = requests.post(f"{memharness.base_url}/serve/api/v1/upload", headers=headers,
                                 files=files, data={"unique_id": "default"}, timeout=30)
    body = response.json()
    assert body["code"] == "0000", body
    video_no = body["data"]["videoNo"]
    state = memharness.finish_processing(video_no)
    # Bytes that are not a video fail, with the cause the mock found.
    assert state["status"] in ("FAIL", "FAILED")
    memharness.assert_called("upload", count=1)


def test_each_test_has_its_own_account(memharness):
    # Nothing from the other tests is visible: a fresh key is a fresh account.
    response = requests.post(f"{memharness.base_url}/serve/api/v1/list_videos",
                             headers={"Authorization": memharness.key},
                             json={"page": 1, "size": 20, "unique_id": "birds"}, timeout=30)
    assert response.json()["data"]["videos"] == []


def test_memsync_memories_from_a_manifest_are_searchable(memharness):
    memharness.load_fixtures({"accounts": [{"memories": [
        {"memory": "Works as a wildlife photographer in the Scottish Highlands", "categories": ["career"]},
        {"memory": "Prefers tea to coffee", "categories": ["interests"]},
    ]}]})
    # The vendor's documented style: requests, X-API-Key, JSON body.
    response = requests.post(f"{memharness.memsync_url}/v1/memories/search",
                             headers=memharness.memsync_headers,
                             json={"query": "What does the user do for work?", "limit": 5, "categories": ["career"]},
                             timeout=30)
    assert response.status_code == 200
    memories = response.json()["data"]["memories"]
    assert memories[0]["memory"] == "Works as a wildlife photographer in the Scottish Highlands"
    assert all("career" in m["categories"] for m in memories)
    memharness.assert_called("searchMemories", body={"query": {"contains": "work"}})
    exported = memharness.export()
    assert [m["memory"] for m in exported["accounts"][0]["memories"]] == [
        "Works as a wildlife photographer in the Scottish Highlands", "Prefers tea to coffee"]
