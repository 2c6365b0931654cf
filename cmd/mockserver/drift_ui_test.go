package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
)

// TestDriftUI: the dashboard's Drift view gets the collector's findings,
// counted, timed and with the redacted example pair.
func TestDriftUI(t *testing.T) {
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	col, err := drift.New(drift.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		req := httptest.NewRequest(http.MethodGet, "/serve/api/v1/not_described", nil)
		req.Header.Set("Authorization", "sk-live-secret-key")
		u, _ := url.Parse("https://api.example" + req.URL.Path)
		col.Observe(&proxy.Exchange{Surface: "memories", Started: clk.Now(), Request: req, URL: u, Status: http.StatusOK,
			Header: http.Header{"Content-Type": {"application/json"}}, ResponseBody: proxy.Body{Bytes: []byte(`{"code":"0000"}`), Size: 15}})
		if i == 0 {
			clk.Advance(time.Second)
		}
	}
	rep := driftUI{col}.DriftReport()
	if rep.Exchanges != 2 || len(rep.Findings) != 1 {
		t.Fatalf("report %+v", rep)
	}
	f := rep.Findings[0]
	if f.Count != 2 || f.Where != "response" || !strings.Contains(f.Rule, "not in the description") ||
		f.FirstSeen.IsZero() || !f.LastSeen.After(f.FirstSeen) {
		t.Fatalf("finding %+v", f)
	}
	if f.Example.Response.Status != http.StatusOK || f.Example.Response.Body != `{"code":"0000"}` || f.Example.Request.Method != http.MethodGet {
		t.Fatalf("example %+v", f.Example)
	}
	for _, h := range f.Example.Request.Headers {
		if h.Value == "sk-live-secret-key" {
			t.Fatal("the example shows the API key")
		}
	}
}
