package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memharness/memharness/proxy/har"
)

// TestRecordAndDriftReport runs the @smoke scenarios through the recording
// proxy: the run passes, the HAR files hold the exchanges without the key,
// and the drift report (HTML) says there is no drift.
func TestRecordAndDriftReport(t *testing.T) {
	dir := t.TempDir()
	recDir, report := filepath.Join(dir, "rec"), filepath.Join(dir, "drift.html")
	var out, errOut bytes.Buffer
	got := run(context.Background(), []string{"--tags", "@smoke", "--record", recDir, "--drift-report", report}, env(nil), &out, &errOut, false)
	if got != 0 {
		t.Fatalf("status %d\n%s%s", got, out.String(), errOut.String())
	}
	files, err := har.List(recDir)
	if err != nil || len(files) == 0 {
		t.Fatalf("recordings: %v %v\n%s", files, err, out.String())
	}
	entries := 0
	for _, f := range files {
		doc, err := har.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		entries += len(doc.Log.Entries)
		raw, _ := os.ReadFile(f)
		if bytes.Contains(raw, []byte("sk-contract-proxied")) || bytes.Contains(raw, []byte("ms-contract-proxied")) {
			t.Fatalf("%s holds a key", f)
		}
	}
	page, err := os.ReadFile(report)
	if err != nil || !bytes.Contains(page, []byte("No drift")) {
		t.Fatalf("drift report: %v\n%s\n%s", err, page, out.String())
	}
	if !strings.Contains(out.String(), "drift: 0 finding(s)") || entries < 10 {
		t.Fatalf("%d entries\n%s", entries, out.String())
	}
}
