package mediatest

import (
	"bytes"
	"encoding/binary"
	"math"

	mp4 "github.com/abema/go-mp4"
	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

// WebMOptions describes a generated WebM/Matroska file. Zero values take
// the defaults noted on each field.
type WebMOptions struct {
	Duration      float64 // seconds; default 5
	Width, Height int     // default 320x240
	FPS           float64 // default 30
	// Codec is the video CodecID: "V_VP9" (default), "V_VP8", "V_AV1",
	// "V_MPEG4/ISO/AVC", "V_MPEGH/ISO/HEVC", "V_MPEG4/ISO/ASP", ...
	Codec      string
	Audio      bool   // adds an audio track
	AudioCodec string // audio CodecID; default "A_OPUS"
	// DocType is the EBML document type: "webm" (default) or "matroska"
	// (an .mkv file).
	DocType string
	// Live writes what browser MediaRecorder writes: a Segment and Clusters
	// of unknown size, no Duration, no DefaultDuration and no Cues, with a
	// block for every frame. Probes must time the blocks.
	Live bool
	// HeadersAtEnd writes Info and Tracks after the Clusters (legal, rare),
	// so a probe has to skip the media to find them. Ignored when Live.
	HeadersAtEnd bool
}

func (o WebMOptions) withDefaults() WebMOptions {
	if !(o.Duration > 0) || math.IsInf(o.Duration, 0) {
		o.Duration = 5
	}
	o.Duration = math.Min(o.Duration, 24*3600)
	if o.Width <= 0 {
		o.Width = 320
	}
	if o.Height <= 0 {
		o.Height = 240
	}
	o.Width, o.Height = min(o.Width, 16384), min(o.Height, 16384)
	if !(o.FPS > 0) || math.IsInf(o.FPS, 0) {
		o.FPS = 30
	}
	o.FPS = math.Min(o.FPS, 1000)
	if o.Codec == "" {
		o.Codec = "V_VP9"
	}
	if o.AudioCodec == "" {
		o.AudioCodec = "A_OPUS"
	}
	if o.DocType == "" {
		o.DocType = "webm"
	}
	return o
}

// Matroska structures for ebml-go's marshaller. Each top-level element is
// marshalled on its own so the Segment layout (and so the Cues' cluster
// positions) is known exactly.
type (
	mkvInfo struct {
		TimecodeScale uint64  `ebml:"TimecodeScale"`
		MuxingApp     string  `ebml:"MuxingApp"`
		WritingApp    string  `ebml:"WritingApp"`
		Duration      float64 `ebml:"Duration,omitempty"`
	}
	mkvVideo struct {
		PixelWidth  uint64 `ebml:"PixelWidth"`
		PixelHeight uint64 `ebml:"PixelHeight"`
	}
	mkvAudio struct {
		SamplingFrequency float64 `ebml:"SamplingFrequency"`
		Channels          uint64  `ebml:"Channels"`
	}
	mkvTrackEntry struct {
		TrackNumber     uint64    `ebml:"TrackNumber"`
		TrackUID        uint64    `ebml:"TrackUID"`
		CodecID         string    `ebml:"CodecID"`
		CodecPrivate    []byte    `ebml:"CodecPrivate,omitempty"`
		CodecDelay      uint64    `ebml:"CodecDelay,omitempty"`
		SeekPreRoll     uint64    `ebml:"SeekPreRoll,omitempty"`
		TrackType       uint64    `ebml:"TrackType"`
		DefaultDuration uint64    `ebml:"DefaultDuration,omitempty"`
		Video           *mkvVideo `ebml:"Video,omitempty"`
		Audio           *mkvAudio `ebml:"Audio,omitempty"`
	}
	mkvTracks struct {
		TrackEntry []mkvTrackEntry `ebml:"TrackEntry"`
	}
	mkvCluster struct {
		Timecode    uint64       `ebml:"Timecode"`
		SimpleBlock []ebml.Block `ebml:"SimpleBlock"`
	}
)

// Tracks numbers and the cluster length of generated files.
const (
	webmVideoTrack = 1
	webmAudioTrack = 2
	clusterMillis  = 5000
)

// WebM returns a small, structurally valid WebM (or Matroska) file:
// EBML header, Segment with a Void, Info, Tracks, Clusters of one-byte
// blocks and Cues. Outside Live mode only one video block per second is
// written (the headers carry the duration and frame rate), so 60 s is a
// few kilobytes.
func WebM(opts WebMOptions) []byte {
	o := opts.withDefaults()
	var out bytes.Buffer
	out.Write(ebmlHeader(o))
	headers := webmHeaders(o)

	var body bytes.Buffer
	if !o.Live {
		// A Void element, as muxers leave to rewrite headers in place.
		marshal(&body, &struct {
			Void []byte `ebml:"Void"`
		}{make([]byte, 16)})
	}
	if !o.HeadersAtEnd || o.Live {
		body.Write(headers)
	}
	var cues webm.Cues
	for _, c := range webmClusters(o) {
		cues.CuePoint = append(cues.CuePoint, webm.CuePoint{
			CueTime: c.Timecode,
			CueTrackPositions: []webm.CueTrackPosition{{
				CueTrack: webmVideoTrack, CueClusterPosition: uint64(body.Len()),
			}},
		})
		if o.Live {
			marshal(&body, &struct {
				Cluster mkvCluster `ebml:"Cluster,size=unknown"`
			}{c})
		} else {
			marshal(&body, &struct {
				Cluster mkvCluster `ebml:"Cluster"`
			}{c})
		}
	}
	if o.HeadersAtEnd && !o.Live {
		body.Write(headers)
	}
	if !o.Live {
		marshal(&body, &struct {
			Cues webm.Cues `ebml:"Cues"`
		}{cues})
	}

	if o.Live {
		out.Write([]byte{0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}) // unknown size
	} else {
		out.Write(sizedHeader([]byte{0x18, 0x53, 0x80, 0x67}, uint64(body.Len())))
	}
	out.Write(body.Bytes())
	return out.Bytes()
}

// LargeWebM returns a virtual WebM holding one cluster with a single
// SimpleBlock of blockSize zero bytes that are synthesised on read: a
// gigabyte-sized upload for benchmarks that costs a few kilobytes of memory.
// With HeadersAtEnd, Info and Tracks follow the cluster, so a probe must
// skip it by its size. Live is ignored.
func LargeWebM(opts WebMOptions, blockSize int64) *SparseFile {
	o := opts.withDefaults()
	o.Live = false
	blockSize = max(blockSize, 1)
	headers := webmHeaders(o)
	blockHead := []byte{0x80 | webmVideoTrack, 0, 0, 0x80} // track, timecode 0, keyframe
	timecode := []byte{0xE7, 0x81, 0x00}
	block := sizedHeader([]byte{0xA3}, uint64(len(blockHead))+uint64(blockSize))
	clusterLen := uint64(len(timecode)+len(block)+len(blockHead)) + uint64(blockSize)
	cluster := sizedHeader([]byte{0x1F, 0x43, 0xB6, 0x75}, clusterLen)
	segLen := uint64(len(cluster)) + clusterLen + uint64(len(headers))

	head := append(ebmlHeader(o), sizedHeader([]byte{0x18, 0x53, 0x80, 0x67}, segLen)...)
	var tail []byte
	if o.HeadersAtEnd {
		tail = headers
	} else {
		head = append(head, headers...)
	}
	head = append(append(append(append(head, cluster...), timecode...), block...), blockHead...)
	return &SparseFile{head: head, fill: blockSize, tail: tail}
}

// sizedHeader returns an element ID followed by an 8-byte size vint, the
// form muxers use for elements whose size is patched in after writing.
func sizedHeader(id []byte, size uint64) []byte {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], size)
	s[0] = 0x01
	return append(append([]byte{}, id...), s[:]...)
}

func ebmlHeader(o WebMOptions) []byte {
	var out bytes.Buffer
	marshal(&out, &struct {
		Header webm.EBMLHeader `ebml:"EBML"`
	}{webm.EBMLHeader{
		EBMLVersion: 1, EBMLReadVersion: 1, EBMLMaxIDLength: 4, EBMLMaxSizeLength: 8,
		DocType: o.DocType, DocTypeVersion: 4, DocTypeReadVersion: 2,
	}})
	return out.Bytes()
}

// webmHeaders returns the Info and Tracks elements.
func webmHeaders(o WebMOptions) []byte {
	info := mkvInfo{TimecodeScale: 1000000, MuxingApp: "mediatest", WritingApp: "mediatest"}
	if !o.Live {
		info.Duration = math.Round(o.Duration * 1000) // milliseconds, in TimecodeScale units
	}
	var headers bytes.Buffer
	marshal(&headers, &struct {
		Info mkvInfo `ebml:"Info"`
	}{info})
	marshal(&headers, &struct {
		Tracks mkvTracks `ebml:"Tracks"`
	}{webmTracks(o)})
	return headers.Bytes()
}

// marshal encodes v with ebml-go into buf.
func marshal(buf *bytes.Buffer, v any) {
	if err := ebml.Marshal(v, buf); err != nil {
		// Only reachable through a bug in this package: the structures
		// marshalled are fixed shapes of supported element types.
		panic("mediatest: marshalling EBML: " + err.Error())
	}
}

func webmTracks(o WebMOptions) mkvTracks {
	video := mkvTrackEntry{
		TrackNumber: webmVideoTrack, TrackUID: 0x5EED0001, CodecID: o.Codec, TrackType: 1,
		Video: &mkvVideo{PixelWidth: uint64(o.Width), PixelHeight: uint64(o.Height)},
	}
	if !o.Live {
		video.DefaultDuration = uint64(math.Round(1e9 / o.FPS))
	}
	if o.Codec == "V_MPEG4/ISO/AVC" {
		video.CodecPrivate = avcConfigRecord(o.Width, o.Height)
	}
	tracks := mkvTracks{TrackEntry: []mkvTrackEntry{video}}
	if o.Audio {
		audio := mkvTrackEntry{
			TrackNumber: webmAudioTrack, TrackUID: 0x5EED0002, CodecID: o.AudioCodec, TrackType: 2,
			Audio: &mkvAudio{SamplingFrequency: 48000, Channels: 2},
		}
		if o.AudioCodec == "A_OPUS" {
			audio.CodecPrivate = opusHead()
			audio.CodecDelay, audio.SeekPreRoll = 6500000, 80000000 // ns, as libwebm writes
		}
		tracks.TrackEntry = append(tracks.TrackEntry, audio)
	}
	return tracks
}

// webmClusters lays the blocks out in clusters of clusterMillis.
func webmClusters(o WebMOptions) []mkvCluster {
	type block struct {
		track uint64
		ms    int64
		key   bool
	}
	var blocks []block
	frames := int64(math.Max(1, math.Round(o.Duration*o.FPS)))
	every := int64(math.Max(1, math.Round(o.FPS))) // one block per second unless Live
	if o.Live {
		every = 1
	}
	for i := int64(0); i < frames; i++ {
		if i%every == 0 || i == frames-1 {
			blocks = append(blocks, block{webmVideoTrack, int64(math.Round(float64(i) * 1000 / o.FPS)), i%every == 0})
		}
	}
	if o.Audio {
		step := int64(1000)
		if o.Live {
			step = 60 // 60 ms Opus packets
		}
		for ms := int64(0); ms < int64(o.Duration*1000); ms += step {
			blocks = append(blocks, block{webmAudioTrack, ms, true})
		}
	}
	// Interleave by time, video first at equal times, as muxers do.
	sortBlocks := func(a, b block) bool { return a.ms < b.ms || (a.ms == b.ms && a.track < b.track) }
	for i := 1; i < len(blocks); i++ {
		for j := i; j > 0 && sortBlocks(blocks[j], blocks[j-1]); j-- {
			blocks[j], blocks[j-1] = blocks[j-1], blocks[j]
		}
	}
	var clusters []mkvCluster
	for _, b := range blocks {
		start := b.ms / clusterMillis * clusterMillis
		if len(clusters) == 0 || int64(clusters[len(clusters)-1].Timecode) != start {
			clusters = append(clusters, mkvCluster{Timecode: uint64(start)})
		}
		c := &clusters[len(clusters)-1]
		c.SimpleBlock = append(c.SimpleBlock, ebml.Block{
			TrackNumber: b.track, Timecode: int16(b.ms - start), Keyframe: b.key,
			Data: [][]byte{{byte(b.ms)}},
		})
	}
	return clusters
}

// opusHead is the Opus identification header stored as CodecPrivate
// (RFC 7845 §5.1): stereo, 312 samples pre-skip, 48 kHz.
func opusHead() []byte {
	h := []byte("OpusHead")
	h = append(h, 1, 2)
	h = binary.LittleEndian.AppendUint16(h, 312)
	h = binary.LittleEndian.AppendUint32(h, 48000)
	h = binary.LittleEndian.AppendUint16(h, 0)
	return append(h, 0)
}

// avcConfigRecord is an AVCDecoderConfigurationRecord, the CodecPrivate of
// V_MPEG4/ISO/AVC tracks.
func avcConfigRecord(w, h int) []byte {
	var buf bytes.Buffer
	if _, err := mp4.Marshal(&buf, avcConfig(w, h), mp4.Context{}); err != nil {
		return nil
	}
	return buf.Bytes()
}

// avcConfig is the avcC box of a w x h Constrained Baseline stream.
func avcConfig(w, h int) *mp4.AVCDecoderConfiguration {
	sps, pps := h264ParameterSets(w, h)
	return &mp4.AVCDecoderConfiguration{
		AnyTypeBox:                 mp4.AnyTypeBox{Type: mp4.BoxTypeAvcC()},
		ConfigurationVersion:       1,
		Profile:                    mp4.AVCBaselineProfile,
		ProfileCompatibility:       0xC0,
		Level:                      h264Level,
		Reserved:                   0x3F,
		LengthSizeMinusOne:         3,
		Reserved2:                  0x7,
		NumOfSequenceParameterSets: 1,
		SequenceParameterSets:      []mp4.AVCParameterSet{{Length: uint16(len(sps)), NALUnit: sps}},
		NumOfPictureParameterSets:  1,
		PictureParameterSets:       []mp4.AVCParameterSet{{Length: uint16(len(pps)), NALUnit: pps}},
	}
}
