// Package chat is the mock's conversational layer: Video Chat
// (/chat, /chat_stream), Video Marketer (/marketer_chat, /marketer_chat_stream)
// and Chat with personal media (/chat_personal, /chat_personal_stream).
//
// It has two halves:
//
//   - Generate turns a Request (prompt, videos with their visual and audio
//     transcripts, history, seed) into an Answer: an intent, "thinking" steps,
//     references to transcript segments and markdown content shaped like the
//     vendor's sample answers. Every reference and every timestamp in the
//     content comes from a segment that exists in the input, so a client can
//     check the answer against the transcripts it fetched.
//   - StreamVideoChat, StreamError and StreamPersonal write an Answer as
//     Server-Sent Events with the vendor's framing, byte for byte, paced by an
//     injected clock.Clock. ChatData, PersonalData and SessionDetail give the
//     non-stream JSON shapes.
//
// The package does no routing and keeps no state: the caller resolves video
// numbers, checks PARSE status, picks the seed and records sessions.
//
// Determinism: Generate draws only from a PCG source (math/rand/v2) seeded with
// Request.Seed and an FNV-1a hash of the prompt, through its own helpers on
// Uint64, so the same request gives byte-identical answers on every run and Go
// release. The stream writers draw their fault decision from the caller's
// *rand.Rand the same way.
package chat
