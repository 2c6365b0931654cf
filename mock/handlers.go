package mock

// init builds the server's collaborators once the store is open.
func (s *Server) init() error {
	s.ids = newIDs(s.opts.Seed)
	if err := s.initMeter(); err != nil {
		return err
	}
	s.life = &lifecycle{s: s}
	s.hooks = newCallbacks(s)
	w, err := newWorld(s)
	if err != nil {
		return err
	}
	s.world = w
	return nil
}

// registry maps operationIds of memories.yaml to their handlers. An
// operation missing here is answered by the example-driven generator.
func (s *Server) registry() map[string]handlerFunc {
	return map[string]handlerFunc{
		"upload":                    s.hUpload,
		"upload_url":                s.hUploadURL,
		"scraper_url":               s.hScraperURL(false),
		"scraper_url_public":        s.hScraperURL(true),
		"scraper":                   s.hScraper(false),
		"scraper_public":            s.hScraper(true),
		"scraper_tag":               s.hScraperTag(false),
		"scraper_tag_public":        s.hScraperTag(true),
		"upload_img":                s.hUploadImg,
		"img_list_page":             s.hImgListPage,
		"list_videos":               s.hListVideos,
		"get_private_video_details": s.hVideoDetails,
		"get_metadata":              s.hVideoDetails,
		"get_video_ids_by_task_id":  s.hTaskStatus,
		"delete_videos":             s.hDeleteVideos,
		"download":                  s.hDownload,
	}
}
