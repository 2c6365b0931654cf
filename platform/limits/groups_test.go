package limits

import (
	"errors"
	"testing"
	"time"
)

// briefOps is the operation list the mock's route table uses.
var briefOps = []string{
	"upload", "upload_url", "scraper_url", "scraper_url_public", "scraper", "scraper_public",
	"scraper_tag", "scraper_tag_public", "upload_img", "img_list_page", "search", "search_public",
	"search_audio_transcripts", "search_public_audio_transcripts", "search_similar_images",
	"search_public_similar_images", "search_clips_by_image", "chat", "chat_stream", "marketer_chat",
	"marketer_chat_stream", "chat_personal", "chat_personal_stream", "get_video_transcription",
	"get_audio_transcription", "get_public_video_transcription", "get_public_audio_transcription",
	"generate_summary", "update_video_transcription", "list_videos", "list_sessions",
	"get_session_detail", "get_video_ids_by_task_id", "get_private_video_details", "get_metadata",
	"get_video_caption", "get_public_video_detail", "delete_videos", "download", "memories_add",
	"memories", "memories_search", "folders", "folders_create", "folders_rename", "folders_delete",
	"folders_videos", "folders_move", "understand_upload", "understand_uploadFile",
	"understand_uploadImg", "understand_uploadImgFile", "understand_uploadImgFileBase64",
}

func TestEveryOperationHasGroupAndLimit(t *testing.T) {
	for _, name := range []string{ProfileV12, ProfilePlatform} {
		prof, err := Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range briefOps {
			if !KnownOperation(op) {
				t.Errorf("%s: operation %q is not mapped", name, op)
				continue
			}
			g := GroupOf(op)
			l, ok := prof[g]
			if !ok {
				t.Errorf("%s: group %q of %q has no limit", name, g, op)
			}
			if l.Unlimited() {
				t.Errorf("%s: group %q of %q is unlimited", name, g, op)
			}
		}
		for _, g := range Groups() {
			if _, ok := prof[g]; !ok {
				t.Errorf("%s: group %q missing", name, g)
			}
		}
	}
}

func TestGroupNamesNeverCollideWithOperations(t *testing.T) {
	for _, g := range Groups() {
		if KnownOperation(g) {
			t.Errorf("group %q is also an operationId", g)
		}
	}
}

func TestGroupOfUnknown(t *testing.T) {
	if g := GroupOf("no_such_op"); g != GroupOther {
		t.Fatalf("GroupOf(unknown) = %q, want %q", g, GroupOther)
	}
}

func TestProfileValues(t *testing.T) {
	tests := []struct {
		profile string
		op      string
		want    Limit
	}{
		{profile: ProfileV12, op: "upload", want: Limit{Every: time.Second, Burst: 1}},
		{profile: ProfileV12, op: "scraper_url", want: Limit{Every: time.Minute, Burst: 1}},
		{profile: ProfileV12, op: "search", want: Limit{Every: 100 * time.Millisecond, Burst: 1}},
		{profile: ProfileV12, op: "search_public", want: Limit{Every: 100 * time.Millisecond, Burst: 1}},
		{profile: ProfileV12, op: "chat_stream", want: Limit{Every: time.Second, Burst: 1}},
		{profile: ProfileV12, op: "marketer_chat", want: Limit{Every: time.Second, Burst: 1}},
		{profile: ProfileV12, op: "get_video_transcription", want: Limit{Every: 200 * time.Millisecond, Burst: 1}},
		{profile: ProfileV12, op: "get_audio_transcription", want: Limit{Every: 200 * time.Millisecond, Burst: 1}},
		{profile: ProfileV12, op: "generate_summary", want: Limit{Every: 200 * time.Millisecond, Burst: 1}},
		{profile: ProfileV12, op: "list_videos", want: Limit{Every: 200 * time.Millisecond, Burst: 1}},
		{profile: ProfileV12, op: "list_sessions", want: Limit{Every: 200 * time.Millisecond, Burst: 1}},
		{profile: ProfileV12, op: "delete_videos", want: Limit{Every: 200 * time.Millisecond, Burst: 1}},
		{profile: ProfileV12, op: "download", want: Limit{Every: 5 * time.Second, Burst: 1}},
		{profile: ProfileV12, op: "understand_upload", want: Limit{Every: time.Second, Burst: 1}},
		{profile: ProfileV12, op: "understand_uploadImg", want: Limit{Every: 200 * time.Millisecond, Burst: 1}},
		{profile: ProfilePlatform, op: "upload", want: Limit{Every: time.Minute, Burst: 1}},
		{profile: ProfilePlatform, op: "search", want: Limit{Every: time.Second, Burst: 1}},
		{profile: ProfilePlatform, op: "chat", want: Limit{Every: 30 * time.Second, Burst: 1}},
		{profile: ProfilePlatform, op: "marketer_chat_stream", want: Limit{Every: 30 * time.Second, Burst: 1}},
		{profile: ProfilePlatform, op: "get_video_ids_by_task_id", want: Limit{Every: time.Second, Burst: 1}},
		{profile: ProfilePlatform, op: "download", want: Limit{Every: 5 * time.Second, Burst: 1}},
		{profile: ProfilePlatform, op: "scraper", want: Limit{Every: time.Minute, Burst: 1}},
		{profile: ProfileOff, op: "search", want: Limit{}},
	}
	for _, tc := range tests {
		prof, err := Profile(tc.profile)
		if err != nil {
			t.Fatal(err)
		}
		if got := prof[GroupOf(tc.op)]; got != tc.want {
			t.Errorf("%s %s: got %v, want %v", tc.profile, tc.op, got, tc.want)
		}
	}
	if v, _ := Profile(ProfileV12); v[GroupHumanReID] != (Limit{Every: time.Second, Burst: 1}) {
		t.Errorf("v1.2 human-reid = %v", v[GroupHumanReID])
	}
}

func TestProfileUnknownAndCopy(t *testing.T) {
	if _, err := Profile("v9"); !errors.Is(err, ErrUnknownProfile) {
		t.Fatalf("err = %v", err)
	}
	a, _ := Profile(ProfileV12)
	a[GroupSearch] = Limit{}
	b, _ := Profile(ProfileV12)
	if b[GroupSearch].Unlimited() {
		t.Fatal("Profile returned a shared map")
	}
}
