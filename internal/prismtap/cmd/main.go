// Command prismtap runs a prismtap.Tap in front of a Prism proxy (or, with
// "fixture", a deliberately broken upstream for proving the check fails):
//
//	prismtap --listen 127.0.0.1:0 --target http://127.0.0.1:4010 --server http://127.0.0.1:8080 --report out.json
//	prismtap fixture --listen 127.0.0.1:0
//	prismtap probe --prism http://127.0.0.1:4010 --spec memories --header 'Authorization: sk-probe'
//
// probe (see prismtap.Probe) exits 1 when Prism leaves an operation's
// request body unvalidated.
//
// It prints "listening on http://ADDR" once ready. On SIGINT or SIGTERM the
// tap prints its report, writes it as JSON to --report and exits 1 when
// Prism reported a failure (see prismtap.Classify), 0 otherwise.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/memharness/memharness/internal/prismtap"
	"github.com/memharness/memharness/openapi"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "probe" {
		return probe(args[1:], stdout, stderr)
	}
	fixture := len(args) > 0 && args[0] == "fixture"
	if fixture {
		args = args[1:]
	}
	fs := flag.NewFlagSet("prismtap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "listen address (loopback)")
	target := fs.String("target", "", "Prism proxy URL to forward to")
	server := fs.String("server", "", "Prism's upstream, for the exchanges Prism cannot carry intact (see prismtap.Bypass); empty sends everything through Prism")
	report := fs.String("report", "", "write the JSON report here on exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, "prismtap:", err)
		return 2
	}
	var h http.Handler
	var tap *prismtap.Tap
	if fixture {
		h = brokenUpstream()
	} else {
		u, err := url.Parse(*target)
		if err != nil || u.Host == "" {
			fmt.Fprintln(stderr, "prismtap: --target must be a URL")
			return 2
		}
		var su *url.URL
		if *server != "" {
			if su, err = url.Parse(*server); err != nil || su.Host == "" {
				fmt.Fprintln(stderr, "prismtap: --server must be a URL")
				return 2
			}
		}
		tap = prismtap.New(u, su)
		h = tap
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	if tap == nil {
		return 0
	}
	r := tap.Report()
	fmt.Fprint(stdout, r.Text())
	if *report != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		if err := os.WriteFile(*report, b, 0o644); err != nil {
			fmt.Fprintln(stderr, "prismtap:", err)
			return 2
		}
	}
	if !r.OK() {
		return 1
	}
	return 0
}

// brokenUpstream answers like a faulty Memories.ai server: list_videos
// sends a body that breaks its schema, and search accepts any request,
// even one its description refuses. Prism must flag both.
func brokenUpstream() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /serve/api/v1/list_videos", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"code":"0000","msg":"success","data":{"videos":"not-a-list","current_page":"one"},"success":true,"failed":false}`)
	})
	mux.HandleFunc("POST /serve/api/v1/search", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"code":"0000","msg":"success","data":[],"success":true,"failed":false}`)
	})
	return mux
}

// probe runs prismtap.Probe against the embedded description named by --spec.
func probe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prismtap probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	prism := fs.String("prism", "", "Prism proxy URL")
	spec := fs.String("spec", "memories", "embedded description: memories or memsync")
	hdr := fs.String("header", "", `header sent with every probe, "Name: value"`)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	load := map[string]func() (*openapi3.T, error){"memories": openapi.Memories, "memsync": openapi.MemSync}[*spec]
	if load == nil || *prism == "" {
		fmt.Fprintln(stderr, "prismtap probe: --prism URL and --spec memories|memsync are required")
		return 2
	}
	doc, err := load()
	if err != nil {
		fmt.Fprintln(stderr, "prismtap probe:", err)
		return 2
	}
	h := http.Header{}
	if name, value, ok := strings.Cut(*hdr, ":"); ok {
		h.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	checked, silent, err := prismtap.Probe(ctx, &http.Client{Timeout: 30 * time.Second}, *prism, doc, h)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	fmt.Fprintf(stdout, "probe %s: Prism flagged a wrong-typed JSON body on %d of %d operations\n", *spec, checked-len(silent), checked)
	for _, op := range silent {
		fmt.Fprintf(stdout, "  NOT VALIDATED by Prism: %s\n", op)
	}
	if len(silent) > 0 || checked == 0 {
		return 1
	}
	return 0
}
