package mock

// init builds the server's collaborators once the store is open.
func (s *Server) init() error {
	s.ids = newIDs(s.opts.Seed)
	s.initMeter()
	s.life = &lifecycle{s: s}
	s.hooks = s.p.Webhooks
	w, err := newWorld(s)
	if err != nil {
		return err
	}
	s.world = w
	return s.initV2()
}

// registry maps operationIds of memories.yaml to their handlers. An
// operation missing here is answered by the example-driven generator.
func (s *Server) registry() map[string]handlerFunc {
	return map[string]handlerFunc{
		"upload":                          s.hUpload,
		"upload_url":                      s.hUploadURL,
		"scraper_url":                     s.hScraperURL(false),
		"scraper_url_public":              s.hScraperURL(true),
		"scraper":                         s.hScraper(false),
		"scraper_public":                  s.hScraper(true),
		"scraper_tag":                     s.hScraperTag(false),
		"scraper_tag_public":              s.hScraperTag(true),
		"upload_img":                      s.hUploadImg,
		"img_list_page":                   s.hImgListPage,
		"list_videos":                     s.hListVideos,
		"get_private_video_details":       s.hVideoDetails,
		"get_metadata":                    s.hVideoDetails,
		"get_video_ids_by_task_id":        s.hTaskStatus,
		"delete_videos":                   s.hDeleteVideos,
		"download":                        s.hDownload,
		"search":                          s.hSearch,
		"search_public":                   s.hSearchPublic,
		"search_audio_transcripts":        s.hSearchAudioTranscripts(false),
		"search_public_audio_transcripts": s.hSearchAudioTranscripts(true),
		"search_similar_images":           s.hSearchSimilarImages,
		"search_public_similar_images":    s.hSearchPublicSimilarImages,
		"search_clips_by_image":           s.hSearchClipsByImage,
		"get_video_transcription":         s.hVideoTranscription,
		"get_video_caption":               s.hVideoTranscription,
		"get_audio_transcription":         s.hAudioTranscription,
		"get_public_video_transcription":  s.hPublicTranscription(false),
		"get_public_audio_transcription":  s.hPublicTranscription(true),
		"get_public_video_detail":         s.hPublicVideoDetail,
		"generate_summary":                s.hGenerateSummary,
		"update_video_transcription":      s.hUpdateVideoTranscription,
		"chat":                            s.hChat(false),
		"chat_stream":                     s.hChat(true),
		"marketer_chat":                   s.hMarketerChat(false),
		"marketer_chat_stream":            s.hMarketerChat(true),
		"chat_personal":                   s.hChatPersonal(false),
		"chat_personal_stream":            s.hChatPersonal(true),
		"list_sessions":                   s.hListSessions,
		"get_session_detail":              s.hSessionDetail,
		"memories_add":                    s.hMemoriesAdd,
		"memories":                        s.hMemories,
		"memories_search":                 s.hMemoriesSearch,
		"understand_upload":               s.hCaptionVideoURL,
		"understand_uploadFile":           s.hCaptionVideoFile,
		"understand_uploadImg":            s.hCaptionImageURL,
		"understand_uploadImgFile":        s.hCaptionImageFile,
		"understand_uploadImgFileBase64":  s.hCaptionImageBase64,
		"folders":                         s.hFolders,
		"folders_create":                  s.hFolderCreate,
		"folders_rename":                  s.hFolderRename,
		"folders_delete":                  s.hFolderDelete,
		"folders_videos":                  s.hFolderVideos,
		"folders_move":                    s.hFolderMove,
	}
}
