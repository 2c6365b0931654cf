package client

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

// sessionValue encodes a session id for chat and marketer: the docs type it
// int and a client reports that string values fail to parse, so a numeric id
// is sent as a JSON number; an empty one is omitted (a new session).
func sessionValue(id string) any {
	if id == "" {
		return nil
	}
	if _, err := strconv.ParseUint(id, 10, 64); err == nil {
		return json.Number(id)
	}
	return id
}

// ChatRequest asks about videos (POST /chat, /chat_stream).
type ChatRequest struct {
	VideoNos  []string
	Prompt    string
	SessionID string
	UniqueID  string
}

// MarshalJSON writes video_nos, prompt, session_id (a number), unique_id.
func (r ChatRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		VideoNos  []string `json:"video_nos"`
		Prompt    string   `json:"prompt"`
		SessionID any      `json:"session_id,omitempty"`
		UniqueID  string   `json:"unique_id,omitempty"`
	}{r.VideoNos, r.Prompt, sessionValue(r.SessionID), r.UniqueID})
}

// MarketerChatRequest chats with the public video pool (POST
// /marketer_chat, /marketer_chat_stream).
type MarketerChatRequest struct {
	Prompt    string
	SessionID string
	UniqueID  string
	// Type is TIKTOK (default), YOUTUBE or INSTAGRAM.
	Type string
}

// MarshalJSON writes prompt, session_id, unique_id, type.
func (r MarketerChatRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Prompt    string `json:"prompt"`
		SessionID any    `json:"session_id,omitempty"`
		UniqueID  string `json:"unique_id,omitempty"`
		Type      string `json:"type,omitempty"`
	}{r.Prompt, sessionValue(r.SessionID), r.UniqueID, r.Type})
}

// ChatPersonalRequest chats with personal media (POST /chat_personal,
// /chat_personal_stream). Its session_id is a string; "" starts a session.
type ChatPersonalRequest struct {
	SessionID string `json:"session_id"`
	Prompt    string `json:"prompt"`
	UniqueID  string `json:"unique_id,omitempty"`
}

func (c *Client) chat(ctx context.Context, name string, in any) (*ChatReply, error) {
	var out ChatReply
	if err := c.postJSON(ctx, APIPrefix+name, nil, in, requireData(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) stream(ctx context.Context, name string, in any) (*Stream, error) {
	b, err := jsonBody(in)
	if err != nil {
		return nil, err
	}
	p, err := c.do(ctx, &call{method: http.MethodPost, path: APIPrefix + name, body: b, accept: "text/event-stream", raw: true, stream: true})
	if err != nil {
		return nil, err
	}
	return newStream(p, name), nil
}

// Chat asks about videos and returns the whole answer.
func (c *Client) Chat(ctx context.Context, r ChatRequest) (*ChatReply, error) {
	return c.chat(ctx, "chat", r)
}

// ChatStream asks about videos and returns the SSE stream of thinking, ref
// and content events ending with {"code":"SUCCESS","data":"Done"}.
func (c *Client) ChatStream(ctx context.Context, r ChatRequest) (*Stream, error) {
	return c.stream(ctx, "chat_stream", r)
}

// MarketerChat chats with the public pool.
func (c *Client) MarketerChat(ctx context.Context, r MarketerChatRequest) (*ChatReply, error) {
	return c.chat(ctx, "marketer_chat", r)
}

// MarketerChatStream chats with the public pool as a stream.
func (c *Client) MarketerChatStream(ctx context.Context, r MarketerChatRequest) (*Stream, error) {
	return c.stream(ctx, "marketer_chat_stream", r)
}

// ChatPersonal chats with personal media.
func (c *Client) ChatPersonal(ctx context.Context, r ChatPersonalRequest) (*ChatReply, error) {
	return c.chat(ctx, "chat_personal", r)
}

// ChatPersonalStream chats with personal media as a stream (`data: {"token":
// ...}` ... `data: [DONE]`).
func (c *Client) ChatPersonalStream(ctx context.Context, r ChatPersonalRequest) (*Stream, error) {
	return c.stream(ctx, "chat_personal_stream", r)
}
