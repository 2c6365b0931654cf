package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/memharness/memharness/contract"
	"github.com/memharness/memharness/memsync"
	"github.com/memharness/memharness/mock"
	"github.com/memharness/memharness/proxy"
	"github.com/memharness/memharness/proxy/drift"
)

// proxied puts loopback gateways (package proxy) between the suite and its
// targets when --record or --drift-report is set, and points cfg at them:
// every exchange of the run is recorded as HAR and checked for drift.
// Without a --target it starts the mocks itself, so the run has URLs to
// proxy. finish writes the drift report and the last recordings.
func (c config) proxied(cfg *contract.Config, stdout io.Writer) (finish func() error, err error) {
	if c.record == "" && c.driftReport == "" {
		return func() error { return nil }, nil
	}
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	serve := func(h http.Handler) (string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		closers = append(closers, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hs.Shutdown(ctx)
		})
		return "http://" + ln.Addr().String(), nil
	}
	memURL, msURL := cfg.TargetURL, cfg.MemSyncURL
	if memURL == "" {
		m, err := mock.New(contract.InProcessOptions(0))
		if err != nil {
			return nil, err
		}
		closers = append(closers, func() { _ = m.Close() })
		if memURL, err = serve(m.Handler()); err != nil {
			return nil, err
		}
		cfg.APIKey = "sk-contract-proxied"
	}
	if msURL == "" {
		ms, err := memsync.New(memsync.Options{Seed: 1})
		if err != nil {
			return nil, err
		}
		closers = append(closers, func() { _ = ms.Close() })
		if msURL, err = serve(ms.Handler()); err != nil {
			return nil, err
		}
		cfg.MemSyncKey = "ms-contract-proxied"
	}
	var observers []proxy.Observer
	col, err := drift.New(drift.Options{Redact: splitComma(c.redact)})
	if err != nil {
		return nil, err
	}
	observers = append(observers, col)
	var rec *proxy.Recorder
	if c.record != "" {
		rec, err = proxy.NewRecorder(proxy.RecorderOptions{Dir: c.record, Redact: splitComma(c.redact), Version: mock.Version()})
		if err != nil {
			return nil, err
		}
		observers = append(observers, rec)
	}
	var gateways []*proxy.Gateway
	front := func(upstream string, routes ...proxy.Route) (string, error) {
		u, err := url.Parse(upstream)
		if err != nil {
			return "", err
		}
		for i := range routes {
			routes[i].Upstream = u
		}
		// Nothing is local: a remote mock's control plane is forwarded
		// too, unobserved.
		g, err := proxy.New(proxy.Options{Routes: routes, LocalPrefixes: []string{}, Observers: observers})
		if err != nil {
			return "", err
		}
		gateways = append(gateways, g)
		return serve(g)
	}
	if cfg.TargetURL, err = front(memURL,
		proxy.Route{Prefix: "/", Surface: "memories"},
		proxy.Route{Prefix: "/serve/api/v2/", Surface: "v2"},
		proxy.Route{Prefix: "/_mock/", Surface: "control", Unobserved: true}); err != nil {
		return nil, err
	}
	if cfg.MemSyncURL, err = front(msURL, proxy.Route{Prefix: "/", Surface: "memsync"}); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "contract: through a recording proxy (%s -> %s, %s -> %s)\n", cfg.TargetURL, memURL, cfg.MemSyncURL, msURL)
	return func() error {
		var errs []error
		cleanup() // stops the listeners: every answer has been written
		for _, g := range gateways {
			g.Drain()
			_ = g.Close()
		}
		if rec != nil {
			if err := rec.Close(); err != nil {
				errs = append(errs, err)
			}
			fmt.Fprintf(stdout, "contract: recorded %d HAR file(s) in %s\n", len(rec.Files()), c.record)
		}
		rep := col.Report()
		fmt.Fprintf(stdout, "contract: drift: %d finding(s) over %d exchanges of %d operations\n", len(rep.Findings), rep.Exchanges, rep.Operations)
		if c.driftReport != "" {
			if err := writeReport(c.driftReport, rep); err != nil {
				errs = append(errs, err)
			} else {
				fmt.Fprintf(stdout, "contract: drift report written to %s\n", c.driftReport)
			}
		}
		return errors.Join(errs...)
	}, nil
}

// writeReport writes the drift report as HTML (a .html/.htm file) or JSON.
func writeReport(path string, rep drift.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if strings.HasSuffix(path, ".html") || strings.HasSuffix(path, ".htm") {
		err = drift.WriteHTML(f, rep)
	} else {
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
