package proxy

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestDecodeKeepsAtMostMaxAndSaysSo(t *testing.T) {
	text := strings.Repeat("the osprey dives. ", 100)
	var gz, br bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(text))
	_ = zw.Close()
	bw := brotli.NewWriter(&br)
	_, _ = bw.Write([]byte(text))
	_ = bw.Close()
	for _, tc := range []struct {
		name    string
		enc     string
		in      []byte
		max     int64
		want    string
		wantCut bool
		wantErr error
	}{
		{name: "gzip whole", enc: "gzip", in: gz.Bytes(), max: 1 << 20, want: text},
		{name: "br whole, case and spaces", enc: " BR ", in: br.Bytes(), max: 1 << 20, want: text},
		{name: "br cut", enc: "br", in: br.Bytes(), max: 10, want: text[:10], wantCut: true},
		{name: "exactly max", enc: "gzip", in: gz.Bytes(), max: int64(len(text)), want: text},
		{name: "unknown coding", enc: "zstd", in: []byte("x"), max: 10, wantErr: errUnknownEncoding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, cut, err := decode(tc.enc, tc.in, tc.max)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want || cut != tc.wantCut {
				t.Fatalf("got %d bytes cut=%v err=%v", len(got), cut, err)
			}
		})
	}
	if _, _, err := decode("br", []byte("not brotli at all"), 100); err == nil {
		t.Fatal("a corrupt br body decoded without error")
	}
}
