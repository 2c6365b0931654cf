package mediatest

// h264Level is level_idc 3.0, enough for standard definition.
const h264Level = 30

// h264ParameterSets returns a Constrained Baseline sequence parameter set
// describing a width x height picture (ITU-T H.264 §7.3.2.1) and a matching
// picture parameter set, as NAL units without start codes. They make the
// avcC of generated files describe the same size as the sample entry, so
// tools such as ffprobe report consistent dimensions.
func h264ParameterSets(width, height int) (sps, pps []byte) {
	mbW, mbH := (width+15)/16, (height+15)/16
	var s bitWriter
	s.bits(66, 8)   // profile_idc: Baseline
	s.bits(0xC0, 8) // constraint_set0/1 (Constrained Baseline)
	s.bits(h264Level, 8)
	s.ue(0)       // seq_parameter_set_id
	s.ue(0)       // log2_max_frame_num_minus4
	s.ue(2)       // pic_order_cnt_type: derived from frame_num
	s.ue(1)       // max_num_ref_frames
	s.bits(0, 1)  // gaps_in_frame_num_value_allowed_flag
	s.ue(mbW - 1) // pic_width_in_mbs_minus1
	s.ue(mbH - 1) // pic_height_in_map_units_minus1
	s.bits(1, 1)  // frame_mbs_only_flag
	s.bits(1, 1)  // direct_8x8_inference_flag

	cropR, cropB := (mbW*16-width)/2, (mbH*16-height)/2 // 4:2:0 crop units are 2 pixels
	if cropR > 0 || cropB > 0 {
		s.bits(1, 1)
		s.ue(0)
		s.ue(cropR)
		s.ue(0)
		s.ue(cropB)
	} else {
		s.bits(0, 1)
	}
	s.bits(0, 1) // vui_parameters_present_flag
	s.trailing()
	sps = nal(0x67, s.buf)

	var p bitWriter
	p.ue(0)      // pic_parameter_set_id
	p.ue(0)      // seq_parameter_set_id
	p.bits(0, 1) // entropy_coding_mode_flag: CAVLC
	p.bits(0, 1) // bottom_field_pic_order_in_frame_present_flag
	p.ue(0)      // num_slice_groups_minus1
	p.ue(0)      // num_ref_idx_l0_default_active_minus1
	p.ue(0)      // num_ref_idx_l1_default_active_minus1
	p.bits(0, 1) // weighted_pred_flag
	p.bits(0, 2) // weighted_bipred_idc
	p.se(0)      // pic_init_qp_minus26
	p.se(0)      // pic_init_qs_minus26
	p.se(0)      // chroma_qp_index_offset
	p.bits(1, 1) // deblocking_filter_control_present_flag
	p.bits(0, 1) // constrained_intra_pred_flag
	p.bits(0, 1) // redundant_pic_cnt_present_flag
	p.trailing()
	return sps, nal(0x68, p.buf)
}

// nal prefixes a NAL header byte and inserts emulation-prevention bytes.
func nal(header byte, rbsp []byte) []byte {
	out := []byte{header}
	zeros := 0
	for _, b := range rbsp {
		if zeros >= 2 && b <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, b)
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

// bitWriter writes MSB-first bit fields and Exp-Golomb codes.
type bitWriter struct {
	buf  []byte
	nbit int // bits used in the last byte (0 = byte aligned)
}

func (w *bitWriter) bits(v uint64, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.nbit == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.buf[len(w.buf)-1] |= 0x80 >> uint(w.nbit)
		}
		w.nbit = (w.nbit + 1) % 8
	}
}

// ue writes an unsigned Exp-Golomb code.
func (w *bitWriter) ue(v int) {
	x := uint64(v) + 1
	n := 0
	for t := x; t > 1; t >>= 1 {
		n++
	}
	w.bits(0, n)
	w.bits(x, n+1)
}

// se writes a signed Exp-Golomb code.
func (w *bitWriter) se(v int) {
	if v > 0 {
		w.ue(2*v - 1)
	} else {
		w.ue(-2 * v)
	}
}

// trailing writes rbsp_trailing_bits: a one, then zeros to a byte boundary.
func (w *bitWriter) trailing() {
	w.bits(1, 1)
	for w.nbit != 0 {
		w.bits(0, 1)
	}
}
