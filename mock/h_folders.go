package mock

import (
	"slices"
	"strconv"
	"strings"

	"github.com/memharness/memharness/mock/store"
)

// Special folders of the newest docs (API_FACTS A7.29): every account has
// them and they cannot be renamed or deleted.
const (
	folderDefault = -1
	folderLegacy  = -2
)

func folderItem(id int64, name string) map[string]any {
	return map[string]any{"folder_id": id, "folder_name": name}
}

// hFolders is GET /folders.
func (s *Server) hFolders(cl *call) (any, error) {
	fs, err := s.store.ListFolders(cl.account)
	if err != nil {
		return nil, err
	}
	out := []any{folderItem(folderDefault, "Default"), folderItem(folderLegacy, "API")}
	for _, f := range fs {
		out = append(out, folderItem(f.ID, f.Name))
	}
	return map[string]any{"folders": out}, nil
}

func (s *Server) folderNameTaken(account, name string, except int64) (bool, error) {
	fs, err := s.store.ListFolders(account)
	if err != nil {
		return false, err
	}
	for _, f := range fs {
		if f.ID != except && strings.EqualFold(f.Name, name) {
			return true, nil
		}
	}
	return strings.EqualFold(name, "Default") || strings.EqualFold(name, "API"), nil
}

func folderName(cl *call, field string) (string, error) {
	name := strings.TrimSpace(cl.str(field))
	if name == "" {
		return "", apiErr(CodeBadParam, "parameter error: %s is required", field)
	}
	if len([]rune(name)) > 100 {
		return "", apiErr(CodeBadParam, "parameter error: %s must be at most 100 characters", field)
	}
	return name, nil
}

// hFolderCreate is POST /folders/create.
func (s *Server) hFolderCreate(cl *call) (any, error) {
	name, err := folderName(cl, "name")
	if err != nil {
		return nil, err
	}
	if taken, err := s.folderNameTaken(cl.account, name, 0); err != nil || taken {
		if err != nil {
			return nil, err
		}
		return nil, &APIError{Code: CodeDuplicate, Msg: "A folder with this name already exists."}
	}
	f := &store.Folder{ID: s.ids.folder(), Account: cl.account, Name: name, CreatedAt: s.clk.Now()}
	if err := s.store.PutFolder(f); err != nil {
		return nil, err
	}
	return folderItem(f.ID, f.Name), nil
}

// userFolder loads a folder the caller may change.
func (s *Server) userFolder(cl *call) (*store.Folder, error) {
	idf, ok := cl.num("folder_id")
	if !ok {
		return nil, apiErr(CodeBadParam, "parameter error: folder_id is required")
	}
	id := int64(idf)
	if id == folderDefault || id == folderLegacy {
		return nil, apiErr(CodeBadParam, "The default folders cannot be changed.")
	}
	f, err := s.store.GetFolder(cl.account, id)
	if err != nil {
		return nil, apiErr(CodeBadParam, "folder not found")
	}
	return f, nil
}

// hFolderRename is POST /folders/rename.
func (s *Server) hFolderRename(cl *call) (any, error) {
	f, err := s.userFolder(cl)
	if err != nil {
		return nil, err
	}
	name, err := folderName(cl, "new_name")
	if err != nil {
		return nil, err
	}
	if taken, err := s.folderNameTaken(cl.account, name, f.ID); err != nil || taken {
		if err != nil {
			return nil, err
		}
		return nil, &APIError{Code: CodeDuplicate, Msg: "A folder with this name already exists."}
	}
	f.Name = name
	if err := s.store.PutFolder(f); err != nil {
		return nil, err
	}
	return folderItem(f.ID, f.Name), nil
}

// hFolderDelete is POST /folders/delete; a folder holding parsed videos
// cannot be deleted (API_FACTS A7.29).
func (s *Server) hFolderDelete(cl *call) (any, error) {
	f, err := s.userFolder(cl)
	if err != nil {
		return nil, err
	}
	id := f.ID
	var busy bool
	s.store.EachVideo(func(v *store.Video) bool {
		if v.Account == cl.account && v.FolderID == id && v.Status == store.StatusParse {
			busy = true
			return false
		}
		return true
	})
	if busy {
		return nil, apiErr(CodeBadParam, "The folder contains parsed videos and cannot be deleted.")
	}
	if err := s.store.DeleteFolder(cl.account, id); err != nil {
		return nil, err
	}
	return nil, nil
}

// hFolderVideos is GET /folders/videos: list_videos' shape for one folder.
func (s *Server) hFolderVideos(cl *call) (any, error) {
	s.Tick()
	idf, ok := cl.num("folder_id")
	if !ok {
		return nil, apiErr(CodeBadParam, "parameter error: folder_id is required")
	}
	id := int64(idf)
	page, size := cl.int("page", 1), cl.int("page_size", 20)
	if page < 1 || size < 1 {
		return nil, apiErr(CodeBadParam, "parameter error: page and page_size must be positive")
	}
	var matched []*store.Video
	s.store.EachVideo(func(v *store.Video) bool {
		if v.Account == cl.account && (v.FolderID == id || (id == folderDefault && v.FolderID == 0)) {
			matched = append(matched, v)
		}
		return true
	})
	sortNewest(matched)
	items := []videoItem{}
	for i := (page - 1) * size; i < len(matched) && len(items) < size; i++ {
		items = append(items, listItem(matched[i]))
	}
	return videoPage{Videos: items, CurrentPage: page, PageSize: size, TotalCount: strconv.Itoa(len(matched))}, nil
}

// hFolderMove is POST /folders/move.
func (s *Server) hFolderMove(cl *call) (any, error) {
	idf, ok := cl.num("folder_id")
	if !ok {
		return nil, apiErr(CodeBadParam, "parameter error: folder_id is required")
	}
	id := int64(idf)
	if id == folderLegacy {
		return nil, apiErr(CodeBadParam, "The API folder is read-only.")
	}
	if id != folderDefault {
		if _, err := s.store.GetFolder(cl.account, id); err != nil {
			return nil, apiErr(CodeBadParam, "folder not found")
		}
	}
	nos := cl.strs("video_nos")
	if len(nos) == 0 || len(nos) > 500 {
		return nil, apiErr(CodeBadParam, "parameter error: video_nos must hold 1 to 500 video numbers")
	}
	var moved []*store.Video
	for _, no := range nos {
		v, err := s.findOwnVideo(cl.account, no)
		if err != nil {
			return nil, err
		}
		moved = append(moved, v)
	}
	for _, v := range moved {
		v.FolderID = id
		if id == folderDefault {
			v.FolderID = 0
		}
		if err := s.store.PutVideo(v); err != nil {
			return nil, err
		}
	}
	return map[string]any{"folder_id": id, "moved": len(moved)}, nil
}

// findOwnVideo finds a video of the account in any namespace.
func (s *Server) findOwnVideo(account, no string) (*store.Video, error) {
	v, err := s.store.LookupVideo(no)
	if err != nil || v.Account != account {
		return nil, store.ErrNotFound
	}
	return v, nil
}

func sortNewest(vs []*store.Video) {
	slices.SortStableFunc(vs, func(a, b *store.Video) int { return b.CreatedAt.Compare(a.CreatedAt) })
}
