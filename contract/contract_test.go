package contract

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
	"github.com/spf13/pflag"
)

// opts are the godog options of `go test ./contract`, bound to the flags
// -godog.tags, -godog.format, -godog.concurrency, -godog.random, ...
var opts = godog.Options{
	Output: colors.Colored(os.Stdout),
	Format: "progress",
	Strict: true,
}

func TestMain(m *testing.M) {
	godog.BindCommandLineFlags("godog.", &opts)
	// godog binds to pflag, which reads "-godog.tags" as shorthand flags;
	// mirror the godog.* flags into the standard flag set that go test
	// parses, so `go test ./contract -godog.tags=@smoke` works.
	pflag.CommandLine.VisitAll(func(f *pflag.Flag) {
		if strings.HasPrefix(f.Name, "godog.") && flag.Lookup(f.Name) == nil {
			flag.Var(f.Value, f.Name, f.Usage)
		}
	})
	os.Exit(m.Run())
}

// TestFeatures runs the feature files against the in-process mock, or the
// server named by MEMORIES_API_BASE_URL / MEMORIES_API_KEY.
func TestFeatures(t *testing.T) {
	if testing.Short() {
		t.Skip("the contract suite does not run with -short")
	}
	cfg, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	o := opts
	o.TestingT = t
	if o.Strict == false {
		t.Log("running with -godog.strict=false: undefined steps do not fail")
	}
	cfg.Options = o
	s, err := NewSuite(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Plan(os.Stdout); err != nil {
		t.Fatal(err)
	}
	ts := s.TestSuite()
	status := ts.Run()
	s.SkipReport(os.Stdout)
	if status != 0 {
		t.Fatalf("godog exited with status %d", status)
	}
}
