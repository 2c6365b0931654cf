// Package mediatest generates tiny but valid media files for tests: MP4/MOV
// (progressive, "fast start", fragmented), WebM/Matroska (sized or live),
// and JPEG/PNG/GIF/WebP/BMP images of deterministic patterns. Everything is
// written programmatically (go-mp4 and ebml-go marshal the containers), so
// tests need no downloads and no ffmpeg.
//
// Generated videos carry real container headers (durations, sizes, frame
// rates, codec configuration) over placeholder samples of a byte or so
// each: enough for any container parser, not for a decoder.
package mediatest
