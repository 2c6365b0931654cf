package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestParseDataLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		text string
		typ  string
		json bool
		end  bool
	}{
		{name: "no space", line: `data:{"type":"thinking","title":"t","content":"c","sessionId":"606120397607260160"}`, text: `{"type":"thinking","title":"t","content":"c","sessionId":"606120397607260160"}`, typ: "thinking", json: true},
		{name: "one space", line: `data: {"type":"content","role":"assistant","content":" hi"}`, text: `{"type":"content","role":"assistant","content":" hi"}`, typ: "content", json: true},
		{name: "two spaces keep one", line: "data:  x", text: " x"},
		{name: "success end", line: `data:{"code":"SUCCESS","data":"Done"}`, text: `{"code":"SUCCESS","data":"Done"}`, json: true, end: true},
		{name: "DONE marker", line: "data: [DONE]", text: "[DONE]", end: true},
		{name: "quoted done", line: `data:"Done"`, text: `"Done"`, json: true, end: true},
		{name: "token", line: `data: {"token":"This is"}`, text: `{"token":"This is"}`, json: true},
		{name: "empty", line: "data:", text: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := ParseDataLine(tc.line)
			if ev.Raw != tc.line || ev.Text != tc.text || ev.Type != tc.typ || (ev.Data != nil) != tc.json || ev.End != tc.end {
				t.Errorf("ParseDataLine(%q) = %+v", tc.line, ev)
			}
		})
	}
}

func TestSSEReaderFramings(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		texts []string
		names []string
	}{
		{name: "blank-line separated, no space", body: "data:{\"a\":1}\n\ndata:{\"a\":2}\n\n", texts: []string{`{"a":1}`, `{"a":2}`}, names: []string{"", ""}},
		{name: "consecutive lines with space, CRLF", body: "data: {\"a\":1}\r\ndata: [DONE]\r\n", texts: []string{`{"a":1}`, "[DONE]"}, names: []string{"", ""}},
		{name: "event names, comments and ids", body: ": ping\nevent: message\nid: 1\ndata:x\n\nretry: 10\ndata:y", texts: []string{"x", "y"}, names: []string{"message", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewSSEReader(strings.NewReader(tc.body))
			var texts, names []string
			for {
				ev, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				texts = append(texts, ev.Text)
				names = append(names, ev.Name)
			}
			if strings.Join(texts, "|") != strings.Join(tc.texts, "|") || strings.Join(names, "|") != strings.Join(tc.names, "|") {
				t.Errorf("texts %q names %q", texts, names)
			}
		})
	}
}

func FuzzParseDataLine(f *testing.F) {
	f.Add(`data:{"code":"SUCCESS","data":"Done"}`)
	f.Add("data: [DONE]")
	f.Add(`data:{"type":"ref","ref":[]}`)
	f.Fuzz(func(t *testing.T, s string) {
		ev := ParseDataLine("data:" + s)
		if !strings.HasSuffix(ev.Raw, ev.Text) {
			t.Errorf("text %q not a suffix of raw %q", ev.Text, ev.Raw)
		}
	})
}

const chatStreamBody = `data:{"type":"thinking","title":"Based on selected videos, fetch detailed information","content":"Okay","sessionId":"606120397607260160"}

data:{"type":"ref","sessionId":"606120397607260160","ref":[{"video":{"duration":"10","video_no":"VI606140356924534784","video_name":"v"},"refItems":[{"videoNo":"VI606140356924534784","startTime":23,"type":"keyframe"}]}]}

data:{"type":"content","role":"assistant","content":"A","sessionId":"606120397607260160"}

data:{"type":"content","role":"assistant","content":"B","sessionId":"606120397607260160"}

data:{"code":"SUCCESS","data":"Done"}

`

func streamServer(t *testing.T, body string) *recorder {
	return newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl, _ := w.(http.Flusher)
		for _, line := range strings.SplitAfter(body, "\n") {
			_, _ = io.WriteString(w, line)
			if fl != nil {
				fl.Flush()
			}
		}
	})
}

func TestChatStream(t *testing.T) {
	rec := streamServer(t, chatStreamBody)
	var exs []*Exchange
	c := testClient(rec.srv.URL, WithResponseHook(func(ex *Exchange) { exs = append(exs, ex) }))
	s, err := c.ChatStream(context.Background(), ChatRequest{VideoNos: []string{"VI606140356924534784"}, Prompt: "Summarize"})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Collect()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	if strings.Join(types, ",") != "thinking,ref,content,content," || !evs[4].End || !s.Done() {
		t.Errorf("types %v, done %v", types, s.Done())
	}
	if req := rec.last(); req.Header.Get("Accept") != "text/event-stream" || req.Path != "/serve/api/v1/chat_stream" {
		t.Errorf("request %s accept %q", req.Path, req.Header.Get("Accept"))
	}
	if len(exs) != 1 || !exs[0].Stream || exs[0].Code != "SUCCESS" || exs[0].Err != nil || string(exs[0].Body) != chatStreamBody || exs[0].TTFE < 0 || exs[0].Duration < exs[0].TTFE {
		t.Errorf("exchange %+v", exs)
	}
}

func TestChatStreamEnds(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		check func(error) bool
	}{
		{name: "personal stream with [DONE]", body: "data: {\"token\":\"This is\"}\ndata: {\"token\":\" it\"}\ndata: [DONE]\n", check: func(err error) bool { return err == nil }},
		{name: "error end", body: "data:{\"type\":\"thinking\"}\n\ndata:{\"code\":\"SUCCESS\",\"data\":\"Video is not parsed:\"}\n\n", check: func(err error) bool { return errors.Is(err, ErrStreamFailed) }},
		{name: "rate limit inside the stream", body: "data:{\"code\":\"0429\",\"msg\":\"Request has exceeded the limit.\"}\n\n", check: IsRateLimited},
		{name: "truncated", body: "data:{\"type\":\"content\",\"content\":\"A\"}\n\n", check: func(err error) bool { return errors.Is(err, ErrStreamTruncated) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := streamServer(t, tc.body)
			var exs []*Exchange
			c := testClient(rec.srv.URL, WithResponseHook(func(ex *Exchange) { exs = append(exs, ex) }))
			s, err := c.ChatPersonalStream(context.Background(), ChatPersonalRequest{Prompt: "p"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Collect()
			if !tc.check(err) {
				t.Errorf("err = %v", err)
			}
			if len(exs) != 1 || !tc.check(exs[0].Err) {
				t.Errorf("exchanges %+v", exs)
			}
		})
	}
}

func TestChatStreamJSONError(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeEnvelope(w, "0402", "not enough credits", nil)
	})
	c := testClient(rec.srv.URL)
	if _, err := c.ChatStream(context.Background(), ChatRequest{VideoNos: []string{"VI1"}, Prompt: "p"}); !IsInsufficientBalance(err) {
		t.Fatalf("err = %v", err)
	}
}
