package main

import (
	"github.com/memharness/memharness/dashboard"
	"github.com/memharness/memharness/proxy/drift"
)

// driftUI is the dashboard's Drift view of the proxy's drift collector:
// the collector's report converted to the dashboard's own types, so the
// dashboard never imports package proxy.
type driftUI struct{ c *drift.Collector }

// DriftReport implements dashboard.Drift. It does not drain the gateways
// first (GET /_mock/drift does): the live page catches up on its next
// round.
func (d driftUI) DriftReport() dashboard.DriftReport {
	rep := d.c.Report()
	out := dashboard.DriftReport{Exchanges: rep.Exchanges, Operations: rep.Operations, Dropped: rep.Dropped,
		Findings: make([]dashboard.DriftFinding, 0, len(rep.Findings))}
	for _, f := range rep.Findings {
		out.Findings = append(out.Findings, dashboard.DriftFinding{
			Surface: f.Surface, Operation: f.Operation, Method: f.Method, Path: f.Path,
			Where: f.Where, Pointer: f.Pointer, Rule: f.Rule, Count: f.Count, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen,
			Example: dashboard.DriftExample{Pointer: f.Example.Pointer, Reason: f.Example.Reason,
				Request: driftMessage(f.Example.Request), Response: driftMessage(f.Example.Response)},
		})
	}
	return out
}

func driftMessage(m drift.Message) dashboard.DriftMessage {
	out := dashboard.DriftMessage{Method: m.Method, URL: m.URL, Status: m.Status, Body: m.Body}
	for _, h := range m.Headers {
		out.Headers = append(out.Headers, dashboard.Header{Name: h.Name, Value: h.Value})
	}
	return out
}
