package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform"
	"github.com/memharness/memharness/platform/limits"
)

// meter is the per-request machinery of limits and money: rate limiter,
// credit ledger and fault injection (mock/limits), wired into the
// pipeline by guard, precharge and charge.
type meter struct {
	limiter *limits.Limiter
	ledger  *limits.Ledger
	faults  *limits.Faults
}

// quantity is what a request consumed, for charging.
type quantity struct {
	queries int
	tokens  int64
	seconds float64
	bytes   int64
}

// ledgerStore adapts store.Store to the ledger's persistence interface.
type ledgerStore struct{ st store.Store }

func (p ledgerStore) SaveAccount(key string, st limits.AccountState) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return p.st.SaveAccount(store.AccountState{Key: key, CreatedAt: st.Created, State: raw})
}

func (p ledgerStore) LoadAccounts() (map[string]limits.AccountState, error) {
	raw, err := p.st.LoadAccounts()
	if err != nil {
		return nil, err
	}
	out := make(map[string]limits.AccountState, len(raw))
	for k, v := range raw {
		var st limits.AccountState
		if err := json.Unmarshal(v.State, &st); err != nil {
			return nil, fmt.Errorf("account %q: %w", k, err)
		}
		out[k] = st
	}
	return out, nil
}

// initMeter points the meter at the platform's limiter, ledger and faults.
func (s *Server) initMeter() {
	s.meter = &meter{limiter: s.p.Limiter, ledger: s.p.Ledger, faults: s.p.Faults}
}

// errReset and errHTTP500 are fault outcomes that bypass the envelope.
var (
	errReset   = &APIError{Code: "reset", Msg: "connection reset by fault injection"}
	errHTTP500 = &APIError{Code: "http500", Msg: "Internal Server Error"}
)

// guard applies, in order: the per-request X-Mock-Force header and the
// configured faults (latency, errors, resets, slow bodies), then the rate
// limit. A throttled call costs nothing and changes nothing.
func (s *Server) guard(cl *call) error {
	v, err := s.p.Guard(cl.c.Request, cl.account, cl.op.id, cl.seq)
	if err != nil {
		return apiErr(CodeBadParam, "parameter error: %v", err)
	}
	cl.c.Writer = platform.SlowBody(cl.c.Writer, v.SlowBodyBPS, s.clk)
	switch {
	case v.Reset:
		return errReset
	case v.HTTP500:
		return errHTTP500
	case v.Network:
		return errNetwork
	case v.Forced != "":
		return forcedError(v.Forced)
	}
	dec := v.Limit
	if s.opts.RateLimitHeaders && dec.Limit > 0 {
		h := cl.c.Writer.Header()
		h.Set("RateLimit-Limit", strconv.FormatFloat(dec.Limit, 'f', -1, 64))
		h.Set("RateLimit-Remaining", strconv.Itoa(dec.Remaining))
		h.Set("RateLimit-Reset", strconv.Itoa(int(max(0, dec.Reset.Sub(s.clk.Now()).Seconds()))))
		if !dec.Allowed {
			h.Set("Retry-After", strconv.Itoa(int(max(1, dec.RetryAfter.Seconds()+0.999))))
		}
	}
	if v.Limited {
		return errRateLimited
	}
	return nil
}

// forcedError is the error an X-Mock-Force code asks for, with the
// message the real API sends for it.
func forcedError(code string) *APIError {
	switch code {
	case CodeUnauthorized:
		return errUnauthorized
	case CodeNoBalance:
		return errNoBalance
	case CodeRateLimited:
		return errRateLimited
	case CodeDuplicate:
		return &APIError{Code: CodeDuplicate, Msg: "Duplicate request is not allowed."}
	case CodeForbidden:
		return &APIError{Code: CodeForbidden, Msg: "The developer account is disabled."}
	case CodeBadParam:
		return errNetwork
	default:
		return &APIError{Code: code, Msg: "Forced by " + limits.ForceHeader}
	}
}

// precharge refuses a metered call when the balance cannot cover it
// (0402), before anything is created.
func (s *Server) precharge(cl *call) error {
	if !s.meter.ledger.Enabled() || !limits.Metered(cl.op.id) {
		return nil
	}
	c, _ := limits.CostOf(cl.op.id, limits.Quantity{Queries: 1})
	if err := s.meter.ledger.Check(cl.account, c); err != nil {
		return errNoBalance
	}
	return nil
}

// charge debits what a request consumed. Called by handlers whose cost is
// known before they write (downloads); everything else is charged by the
// pipeline after the handler succeeded.
func (s *Server) charge(cl *call, q quantity) error {
	cl.charged = true
	if !s.meter.ledger.Enabled() {
		return nil
	}
	c, ok := limits.CostOf(cl.op.id, limits.Quantity{Queries: q.queries, Tokens: q.tokens, MediaSeconds: q.seconds, Bytes: q.bytes})
	if !ok {
		return nil
	}
	if err := s.meter.ledger.Charge(cl.account, c); err != nil {
		return errNoBalance
	}
	return nil
}

// settle charges a successful request that did not charge itself.
func (s *Server) settle(cl *call) {
	if cl.charged || !s.meter.ledger.Enabled() {
		return
	}
	q := cl.usage
	c, ok := limits.CostOf(cl.op.id, limits.Quantity{Queries: q.queries, Tokens: q.tokens, MediaSeconds: q.seconds, Bytes: q.bytes})
	if ok && c.Credits > 0 {
		s.meter.ledger.Debit(cl.account, c)
	}
}

// chargeIndexing debits indexing when a video is parsed (per minute of
// media, the pricing page's "index" rows). Public-library contributions
// are free, as the docs say.
func (s *Server) chargeIndexing(v *store.Video) {
	if v.Account == publicAccount || !s.meter.ledger.Enabled() {
		return
	}
	if c, ok := limits.CostOf("index", limits.Quantity{MediaSeconds: v.Duration}); ok {
		s.meter.ledger.Debit(v.Account, c)
	}
}

// writeFault answers a fault that is not an envelope: a real HTTP 500, or
// a dropped connection.
func (s *Server) writeFault(cl *call, ae *APIError) bool {
	switch ae {
	case errHTTP500:
		cl.c.Data(http.StatusInternalServerError, "application/json",
			[]byte(`{"timestamp":"`+s.clk.Now().UTC().Format(time.RFC3339)+`","status":500,"error":"Internal Server Error","path":"`+cl.c.Request.URL.Path+`"}`))
		cl.code = "http500"
		return true
	case errReset:
		cl.code = "reset"
		if hj, ok := cl.c.Writer.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		// Not hijackable (HTTP/2, test recorders): an empty answer that
		// closes the connection is the closest equivalent.
		cl.c.Header("Connection", "close")
		cl.c.Status(http.StatusBadGateway)
		return true
	}
	return false
}
