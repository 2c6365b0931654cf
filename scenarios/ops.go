package scenarios

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/memharness/memharness/client"
)

// An operation scenario performs one API call with a minimal valid request,
// for load tests of a single endpoint (loadtest --op NAME) and the
// rate-limit probe. Its name is the operation name (client.OpName). Calls
// that need a parsed video find or upload one first, once per Env
// (Fixtures), so the setup calls are counted under their own operations.

type opFunc func(ctx context.Context, e *Env) error

func opRegistry() map[string]opFunc {
	return map[string]opFunc{
		"search": func(ctx context.Context, e *Env) error {
			_, err := e.Client.Search(ctx, client.SearchRequest{SearchParam: word(e), SearchType: client.ByVideo, UniqueID: e.Namespace, TopK: 10})
			return err
		},
		"search_public": func(ctx context.Context, e *Env) error {
			_, err := e.Client.SearchPublic(ctx, client.SearchPublicRequest{SearchParam: word(e), SearchType: client.ByVideo, Type: "TIKTOK", TopK: 10})
			return err
		},
		"search_audio_transcripts": func(ctx context.Context, e *Env) error {
			_, err := e.Client.SearchAudioTranscripts(ctx, client.TranscriptSearchRequest{Query: word(e), Page: 1, PageSize: 20, UniqueID: e.Namespace})
			return err
		},
		"list_videos": func(ctx context.Context, e *Env) error {
			_, err := e.Client.ListVideos(ctx, client.ListVideosRequest{Page: 1, Size: 20, UniqueID: e.Namespace})
			return err
		},
		"list_sessions": func(ctx context.Context, e *Env) error {
			_, err := e.Client.ListSessions(ctx, 1, e.Namespace)
			return err
		},
		"upload_url": func(ctx context.Context, e *Env) error {
			_, err := upload(ctx, e)
			return err
		},
		"scraper_url": func(ctx context.Context, e *Env) error {
			_, err := e.Client.ScraperURL(ctx, client.ScraperURLRequest{VideoURLs: []string{"https://www.tiktok.com/@cutshall73/video/7543017294226558221"}, UniqueID: e.Namespace})
			return err
		},
		"marketer_chat": func(ctx context.Context, e *Env) error {
			_, err := e.Client.MarketerChat(ctx, client.MarketerChatRequest{Prompt: "What does nike recently post?", UniqueID: e.Namespace})
			return err
		},
		"memories_search": func(ctx context.Context, e *Env) error {
			_, err := e.Client.MemoriesSearch(ctx, client.MemoriesSearchRequest{Query: word(e), Page: 1, PageSize: 20, UniqueID: e.Namespace})
			return err
		},
		"delete_videos": func(ctx context.Context, e *Env) error {
			// A well-formed id that does not exist: the call is measured
			// without destroying anything (the answer is a business error).
			return e.Client.DeleteVideos(ctx, e.Namespace, []string{fmt.Sprintf("VI%018d", e.Rand.Uint64()%1e18)})
		},
		"chat": withVideo(func(ctx context.Context, e *Env, no string) error {
			_, err := e.Client.Chat(ctx, client.ChatRequest{VideoNos: []string{no}, Prompt: chatPrompts[0], UniqueID: e.Namespace})
			return err
		}),
		"chat_stream": withVideo(func(ctx context.Context, e *Env, no string) error {
			s, err := e.Client.ChatStream(ctx, client.ChatRequest{VideoNos: []string{no}, Prompt: chatPrompts[0], UniqueID: e.Namespace})
			if err != nil {
				return err
			}
			defer s.Close()
			return checkChatStream(e, s, no)
		}),
		"generate_summary": withVideo(func(ctx context.Context, e *Env, no string) error {
			_, err := e.Client.GenerateSummary(ctx, no, client.SummaryChapter, e.Namespace)
			return err
		}),
		"get_video_transcription": withVideo(func(ctx context.Context, e *Env, no string) error {
			_, err := e.Client.GetVideoTranscription(ctx, no, e.Namespace)
			return err
		}),
		"get_audio_transcription": withVideo(func(ctx context.Context, e *Env, no string) error {
			_, err := e.Client.GetAudioTranscription(ctx, no, e.Namespace)
			return err
		}),
		"get_metadata": withVideo(func(ctx context.Context, e *Env, no string) error {
			_, err := e.Client.GetMetadata(ctx, no, e.Namespace)
			return err
		}),
		"download": withVideo(func(ctx context.Context, e *Env, no string) error {
			_, err := e.Client.Download(ctx, client.DownloadRequest{VideoNo: no, UniqueID: e.Namespace}, io.Discard)
			return err
		}),
	}
}

func word(e *Env) string { return searchWords[e.Rand.IntN(len(searchWords))] }

func withVideo(f func(ctx context.Context, e *Env, no string) error) opFunc {
	return func(ctx context.Context, e *Env) error {
		no, err := e.Fixtures.ParsedVideo(ctx, e)
		if err != nil {
			return err
		}
		return f(ctx, e, no)
	}
}

// Operations lists the operation names Operation knows, sorted.
func Operations() []string {
	var names []string
	for n := range opRegistry() {
		names = append(names, n)
	}
	names = append(names, V2Operations()...)
	sort.Strings(names)
	return names
}

// Operation returns the single-call scenario of an operation.
func Operation(name string) (Scenario, bool) {
	if strings.HasPrefix(name, "v2_") {
		return V2Operation(name)
	}
	f, ok := opRegistry()[name]
	if !ok {
		return Scenario{}, false
	}
	tags := []string{"op", string(client.GroupOf(name))}
	switch name {
	case "upload_url", "scraper_url":
		tags = append(tags, "write", "costly")
	case "delete_videos":
		tags = append(tags, "write")
	default:
		tags = append(tags, "read")
	}
	return Scenario{
		Name:        name,
		Description: "one " + name + " call with a minimal valid request",
		Tags:        tags,
		Run: func(ctx context.Context, e *Env) error {
			if err := e.check(); err != nil {
				return err
			}
			if err := f(ctx, e); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		},
	}, true
}
