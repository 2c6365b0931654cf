package mock

import "testing"

// TestVendorClientFidelity covers the behaviours the vendor's own example code relies on
// (API_FACTS source EX): get_metadata of an unknown video is 0000 with data null (while
// get_private_video_details keeps 0001), and "filtering_level": null searches without a
// threshold (an unknown level is still 0001).
func TestVendorClientFidelity(t *testing.T) {
	ts := newTestServer(t, Options{CreditsOff: true})
	const unknown = "VI000000000000000001"
	tests := []struct {
		name     string
		method   string
		path     string
		body     any
		wantCode string
		wantNull bool // data must be null
	}{
		{name: "get_metadata unknown", method: "GET", path: "/serve/api/v1/get_metadata?video_no=" + unknown, wantCode: CodeOK, wantNull: true},
		{name: "get_metadata unknown in a namespace", method: "GET", path: "/serve/api/v1/get_metadata?video_no=" + unknown + "&unique_id=elsewhere", wantCode: CodeOK, wantNull: true},
		{name: "private details unknown", method: "GET", path: "/serve/api/v1/get_private_video_details?video_no=" + unknown, wantCode: CodeBadParam},
		{name: "filtering_level null", method: "POST", path: "/serve/api/v1/search", body: map[string]any{"search_param": "kite", "search_type": "BY_VIDEO", "filtering_level": nil}, wantCode: CodeOK},
		{name: "filtering_level unknown", method: "POST", path: "/serve/api/v1/search", body: map[string]any{"search_param": "kite", "filtering_level": "none"}, wantCode: CodeBadParam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ts.json(tc.method, tc.path, "sk-fidelity", tc.body)
			if c := code(got); c != tc.wantCode {
				t.Fatalf("code %s, want %s: %v", c, tc.wantCode, got)
			}
			if d, present := got["data"]; tc.wantNull && (!present || d != nil) {
				t.Errorf("data = %v (present %v), want null", d, present)
			}
		})
	}
}
