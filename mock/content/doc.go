// Package content is the mock's "understanding" layer: it invents what the
// real service would have seen and heard in a video, and finds it again.
//
// Everything here is a pure, deterministic library (no HTTP, no clock, no
// package-level mutable state):
//
//   - Generate builds a Video (visual and audio transcripts, chapters,
//     topics, a summary) from a seed, the video number and the metadata the
//     client supplied (file name, transcription prompt, tags, camera). The
//     metadata steers the vocabulary, so what a client uploads is what its
//     searches find.
//   - Index is an in-memory inverted index with BM25 ranking that serves the
//     search endpoints (clips, audio lines, images) and the exact-substring
//     transcript search.
//   - PublicLibrary seeds the TikTok / YouTube / Instagram pool behind the
//     public search, public transcription and marketer chat endpoints.
//   - MemoryIndex stores and ranks text memories.
//
// Determinism: random choices come from a PCG generator (math/rand/v2) seeded
// with an FNV-1a hash of the seed and the object id, and are drawn through
// this package's own helpers (modulo arithmetic on Uint64), so the same input
// yields byte-identical output on every run and platform (and across Go
// releases, barring changes to Go's Unicode tables, which decide what a
// letter is).
package content
