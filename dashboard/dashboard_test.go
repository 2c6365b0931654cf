package dashboard

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/platform/journal"
	"github.com/memharness/memharness/platform/limits"
	"github.com/memharness/memharness/platform/webhook"
)

func newTestDashboard(t *testing.T, items int, o Options) *Dashboard {
	t.Helper()
	clk := clock.NewFake(time.Date(2025, 10, 20, 11, 0, 0, 0, time.UTC))
	wh := webhook.New(webhook.Options{Clock: clk})
	t.Cleanup(wh.Close)
	lib := stubLibrary{}
	for i := range items {
		lib.items = append(lib.items, Item{ID: fmt.Sprintf("VI%018d", i), Name: fmt.Sprintf("clip-%d", i), Status: "PARSE"})
	}
	d, err := New(Sources{Clock: clk, Journal: journal.New(10), Webhooks: wh,
		Accounts: stubAccounts{limits.NewLimiter(nil, clk)}, Libraries: []Library{lib}}, o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLibraryCapped: a namespace shows its newest LibraryRows items and
// says how many it holds.
func TestLibraryCapped(t *testing.T) {
	tests := []struct {
		name      string
		items     int
		rows      int
		wantShown int
		wantNote  bool
	}{
		{name: "under the cap", items: 3, rows: 5, wantShown: 3},
		{name: "over the cap", items: 7, rows: 5, wantShown: 5, wantNote: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDashboard(t, tt.items, Options{LibraryRows: tt.rows})
			rec := httptest.NewRecorder()
			d.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/_mock/ui/panel?name=library", nil))
			body := rec.Body.String()
			if got := strings.Count(body, "data-item="); got != tt.wantShown {
				t.Errorf("%d rows shown, want %d", got, tt.wantShown)
			}
			note := fmt.Sprintf("The newest %d of %d", tt.rows, tt.items)
			if strings.Contains(body, note) != tt.wantNote {
				t.Errorf("note %q present = %v, want %v", note, !tt.wantNote, tt.wantNote)
			}
		})
	}
}

// TestNewRequires: the dashboard refuses to start without its required
// sources instead of failing on the first request.
func TestNewRequires(t *testing.T) {
	if _, err := New(Sources{}, Options{}); err == nil {
		t.Fatal("New without sources succeeded")
	}
}
