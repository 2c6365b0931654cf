package media

import "strings"

// Codec-name normalisation. The names follow ffprobe's codec_name where one
// exists, because that is the vocabulary vendors (and their error messages)
// use; H.265 is reported as "h265" to match the vendor's own list.

// mp4VideoCodec maps an ISO BMFF visual sample entry fourcc to a codec name.
// oti is the esds ObjectTypeIndication when the entry carries one (mp4v),
// otherwise 0.
func mp4VideoCodec(fourcc string, oti byte) string {
	switch fourcc {
	case "avc1", "avc2", "avc3", "avc4":
		return CodecH264
	case "hvc1", "hev1", "dvh1", "dvhe":
		return CodecH265
	case "vp08":
		return CodecVP8
	case "vp09":
		return CodecVP9
	case "av01":
		return CodecAV1
	case "mp4v":
		// mp4v is a generic "MPEG video in esds" entry; the descriptor's
		// object type says which one (ISO 14496-1 table 5).
		switch {
		case oti >= 0x60 && oti <= 0x65:
			return "mpeg2video"
		case oti == 0x6A:
			return "mpeg1video"
		case oti == 0x6C:
			return "mjpeg"
		}
		return CodecMPEG4
	case "s263", "h263":
		return "h263"
	case "jpeg", "mjpa", "mjpb":
		return "mjpeg"
	case "apcn", "apch", "apcs", "apco", "ap4h", "ap4x":
		return "prores"
	}
	return fourcc
}

// mp4AudioCodec maps an ISO BMFF audio sample entry fourcc (and the esds
// ObjectTypeIndication for mp4a) to a codec name.
func mp4AudioCodec(fourcc string, oti byte) string {
	switch fourcc {
	case "mp4a":
		switch oti {
		case 0x69, 0x6B:
			return "mp3"
		case 0xA5:
			return "ac3"
		case 0xA6:
			return "eac3"
		case 0xAD:
			return "opus"
		case 0xDD:
			return "vorbis"
		}
		return "aac"
	case ".mp3":
		return "mp3"
	case "ac-3":
		return "ac3"
	case "ec-3":
		return "eac3"
	case "Opus":
		return "opus"
	case "fLaC":
		return "flac"
	case "alac":
		return "alac"
	case "samr":
		return "amr_nb"
	case "sawb":
		return "amr_wb"
	case "lpcm", "sowt", "twos", "in24", "in32", "fl32", "fl64", "raw ", "NONE":
		return "pcm"
	}
	return fourcc
}

// matroskaVideoCodec maps a Matroska video CodecID to a codec name.
// private is the track's CodecPrivate prefix, used for V_MS/VFW/FOURCC.
func matroskaVideoCodec(id string, private []byte) string {
	switch {
	case id == "V_MPEG4/ISO/AVC":
		return CodecH264
	case id == "V_MPEGH/ISO/HEVC":
		return CodecH265
	case id == "V_VP8":
		return CodecVP8
	case id == "V_VP9":
		return CodecVP9
	case id == "V_AV1":
		return CodecAV1
	case strings.HasPrefix(id, "V_MPEG4/ISO/"): // SP, ASP, AP
		return CodecMPEG4
	case id == "V_MPEG1":
		return "mpeg1video"
	case id == "V_MPEG2":
		return "mpeg2video"
	case id == "V_THEORA":
		return "theora"
	case id == "V_PRORES":
		return "prores"
	case id == "V_MJPEG":
		return "mjpeg"
	case id == "V_MS/VFW/FOURCC":
		// CodecPrivate is a BITMAPINFOHEADER; biCompression is at offset 16.
		if len(private) >= 20 {
			return vfwVideoCodec(string(private[16:20]))
		}
	}
	return id
}

// matroskaAudioCodec maps a Matroska audio CodecID to a codec name.
func matroskaAudioCodec(id string) string {
	switch {
	case id == "A_OPUS":
		return "opus"
	case id == "A_VORBIS":
		return "vorbis"
	case strings.HasPrefix(id, "A_AAC"):
		return "aac"
	case id == "A_MPEG/L3":
		return "mp3"
	case id == "A_MPEG/L2":
		return "mp2"
	case id == "A_AC3":
		return "ac3"
	case id == "A_EAC3":
		return "eac3"
	case id == "A_FLAC":
		return "flac"
	case id == "A_ALAC":
		return "alac"
	case id == "A_DTS":
		return "dts"
	case id == "A_TRUEHD":
		return "truehd"
	case strings.HasPrefix(id, "A_PCM/"):
		return "pcm"
	}
	return id
}

// vfwVideoCodec maps a Video for Windows compression fourcc (as found in
// Matroska V_MS/VFW/FOURCC tracks) to a codec name.
func vfwVideoCodec(fourcc string) string {
	switch strings.ToUpper(fourcc) {
	case "H264", "X264", "AVC1", "DAVC":
		return CodecH264
	case "HEVC", "H265", "HVC1", "X265":
		return CodecH265
	case "XVID", "DIVX", "DX50", "FMP4", "MP4V":
		return CodecMPEG4
	case "VP80":
		return CodecVP8
	case "VP90":
		return CodecVP9
	case "AV01":
		return CodecAV1
	case "MJPG":
		return "mjpeg"
	}
	return printableFourCC(fourcc)
}

// printableFourCC returns s unless it holds bytes that would garble a log
// line or a JSON cause, in which case it returns a hex rendering.
func printableFourCC(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			const hex = "0123456789abcdef"
			b := make([]byte, 0, 2+2*len(s))
			b = append(b, '0', 'x')
			for j := 0; j < len(s); j++ {
				b = append(b, hex[s[j]>>4], hex[s[j]&0xF])
			}
			return string(b)
		}
	}
	return s
}
