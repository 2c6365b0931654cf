package mock

import (
	"strconv"
	"strings"

	"github.com/memharness/memharness/mock/content"
	"github.com/memharness/memharness/mock/model"
	"github.com/memharness/memharness/mock/store"
)

func memoryItem(m *store.TextMemory) map[string]any {
	d := map[string]any{"memory_id": m.ID, "role": m.Role, "content": m.Content, "create_time": ms(m.CreatedAt)}
	if len(m.Tags) > 0 {
		d["tags"] = m.Tags
	}
	if m.Latitude != "" {
		d["latitude"] = m.Latitude
	}
	if m.Longitude != "" {
		d["longitude"] = m.Longitude
	}
	if m.MemoriesAt != "" {
		d["memories_at"] = m.MemoriesAt
	}
	return d
}

// memoryDoc indexes a text memory with the same BM25 index the video
// search uses: one "segment" holding the role and content.
func memoryDoc(m *store.TextMemory) content.Doc {
	return content.Doc{Namespace: nsKey(m.Account, m.Namespace), VideoNo: m.ID, Name: m.Role,
		Visual: []model.Segment{{Text: m.Content, End: 1}}, Tags: m.Tags}
}

// hMemoriesAdd is POST /memories/add. The vendor documents only the
// generic success envelope (data {}), so nothing else is returned.
func (s *Server) hMemoriesAdd(cl *call) (any, error) {
	raw, ok := cl.body["memories"].([]any)
	if !ok || len(raw) == 0 {
		return nil, apiErr(CodeBadParam, "parameter error: memories is required")
	}
	now := s.clk.Now()
	var ms []*store.TextMemory
	for i, x := range raw {
		obj, _ := x.(map[string]any)
		text := strings.TrimSpace(toString(obj["content"]))
		if text == "" {
			return nil, apiErr(CodeBadParam, "parameter error: memories[%d].content is required", i)
		}
		ms = append(ms, &store.TextMemory{
			ID: s.ids.number(), Account: cl.account, Namespace: cl.ns(), Role: toString(obj["role"]), Content: text,
			Tags: cl.strs("tags"), Latitude: cl.str("latitude"), Longitude: cl.str("longitude"),
			MemoriesAt: cl.str("memories_at"), CreatedAt: now,
		})
	}
	for _, m := range ms {
		if err := s.store.PutMemory(m); err != nil {
			return nil, err
		}
		s.world.mem().Add(memoryDoc(m))
	}
	return map[string]any{}, nil
}

// hMemories is POST /memories: a page of memories, newest first.
func (s *Server) hMemories(cl *call) (any, error) {
	page, size, err := pageParams(cl, 20, 100)
	if err != nil {
		return nil, err
	}
	ms, total, err := s.store.ListMemories(cl.account, cl.ns(), (page-1)*size, size)
	if err != nil {
		return nil, err
	}
	items := make([]any, 0, len(ms))
	for _, m := range ms {
		items = append(items, memoryItem(m))
	}
	return map[string]any{"memories": items, "current_page": page, "page_size": size, "total_count": strconv.Itoa(total)}, nil
}

// hMemoriesSearch is POST /memories/search, ranked by BM25.
func (s *Server) hMemoriesSearch(cl *call) (any, error) {
	query := strings.TrimSpace(cl.str("query"))
	if query == "" {
		return nil, apiErr(CodeBadParam, "parameter error: query is required")
	}
	page, size, err := pageParams(cl, 20, 100)
	if err != nil {
		return nil, err
	}
	ns := cl.ns()
	hits := s.world.mem().Search(content.Query{Namespace: nsKey(cl.account, ns), Text: query, Mode: content.ByVideo, TopK: content.MaxTopK})
	byID := map[string]*store.TextMemory{}
	s.store.EachMemory(func(m *store.TextMemory) bool {
		if m.Account == cl.account && m.Namespace == ns {
			byID[m.ID] = m
		}
		return true
	})
	var items []any
	seen := map[string]bool{}
	for _, h := range hits {
		m := byID[h.VideoNo]
		if m == nil || seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		it := memoryItem(m)
		it["score"] = roundScore(h.Score)
		items = append(items, it)
	}
	total := len(items)
	lo := min((page-1)*size, total)
	hi := min(lo+size, total)
	out := items[lo:hi]
	if out == nil {
		out = []any{}
	}
	return map[string]any{"memories": out, "current_page": page, "page_size": size, "total_count": strconv.Itoa(total)}, nil
}
