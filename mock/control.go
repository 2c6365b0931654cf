package mock

import (
	"runtime/debug"
	"strings"
	"time"

	"github.com/memharness/memharness/internal/clock"
	"github.com/memharness/memharness/mock/chat"
	"github.com/memharness/memharness/mock/store"
	"github.com/memharness/memharness/platform/limits"
)

// controlRegistry maps the control plane's operationIds (control.yaml) to
// handlers. The control plane is never part of the emulated API.
func (s *Server) controlRegistry() map[string]handlerFunc {
	docs := s.docsHandler()
	ui := s.uiHandler()
	return map[string]handlerFunc{
		"mock_ui":                  ui,
		"mock_ui_page":             ui,
		"mock_redeliver":           s.cCallbackRedeliver,
		"mock_docs":                docs,
		"mock_docs_page":           docs,
		"mock_health":              s.cHealth,
		"mock_reset":               s.cReset,
		"mock_clock":               s.cClock,
		"mock_clock_advance":       s.cClockAdvance,
		"mock_video_status":        s.cVideoStatus,
		"mock_video_complete":      s.cVideoComplete,
		"mock_account":             s.cAccount,
		"mock_account_balance":     s.cAccountBalance,
		"mock_account_webhook":     s.cAccountWebhook,
		"mock_account_webhook_get": s.cAccountWebhookGet,
		"mock_account_keys":        s.cAccountKeys,
		"mock_account_keys_get":    s.cAccountKeysGet,
		"mock_v2_assets":           s.cV2Assets,
		"mock_v2_tasks":            s.cV2Tasks,
		"mock_callbacks":           s.cCallbacks,
		"mock_requests":            s.cRequests,
		"mock_requests_find":       s.cRequestsFind,
		"mock_requests_delete":     s.cRequestsDelete,
		"mock_fixtures":            s.cFixtures,
		"mock_export":              s.cExport,
		"mock_stubs_list":          s.cStubsList,
		"mock_stubs_add":           s.cStubsAdd,
		"mock_stubs_delete":        s.cStubsDelete,
		"mock_stub_delete":         s.cStubDelete,
		"mock_faults_get":          s.cFaultsGet,
		"mock_faults_put":          s.cFaultsPut,
		"mock_config":              s.cConfig,
		"mock_stream_get":          s.cStreamGet,
		"mock_stream_put":          s.cStreamPut,
	}
}

// Version is the mock's version, from the build info when available.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func (s *Server) cHealth(cl *call) (any, error) {
	return map[string]any{
		"status": "ok", "version": Version(), "operations": s.apiOps(),
		"uptime_seconds": s.clk.Now().Sub(s.started).Seconds(),
	}, nil
}

// Reset deletes every record, media file, balance, delivery and journal
// entry, as POST /_mock/reset does.
func (s *Server) Reset() error {
	s.life.mu.Lock()
	defer s.life.mu.Unlock()
	if err := s.store.Reset(); err != nil {
		return err
	}
	s.p.Reset()
	s.world.reset()
	s.stubs.Reset()
	if s.v2 != nil {
		s.v2.Reset()
	}
	if ms := s.memSync(); ms != nil {
		ms.Reset()
	}
	return nil
}

func (s *Server) cReset(cl *call) (any, error) {
	reset := s.Reset
	if key := cl.c.Query("api_key"); key != "" {
		reset = func() error { return s.ResetAccount(key) }
	}
	if err := reset(); err != nil {
		return nil, err
	}
	return map[string]any{"status": "ok"}, nil
}

func (s *Server) cClock(cl *call) (any, error) {
	return map[string]any{"now": s.clk.Now().UTC().Format(time.RFC3339Nano)}, nil
}

// Advance moves the mock's clock forward (when it is advanceable) and
// applies every transition that became due.
func (s *Server) Advance(d time.Duration) error {
	switch c := s.clk.(type) {
	case *clock.Offset:
		c.Advance(d)
	case *clock.Fake:
		c.Advance(d)
	default:
		return apiErr(CodeBadParam, "this mock's clock cannot be advanced")
	}
	s.Tick()
	return nil
}

func (s *Server) cClockAdvance(cl *call) (any, error) {
	secs, ok := cl.num("seconds")
	if !ok || secs < 0 {
		return nil, apiErr(CodeBadParam, "seconds must be a non-negative number")
	}
	if key := cl.c.Query("api_key"); key != "" {
		s.AdvanceAccount(key, time.Duration(secs*float64(time.Second)))
		return s.cClock(cl)
	}
	if err := s.Advance(time.Duration(secs * float64(time.Second))); err != nil {
		return nil, err
	}
	return s.cClock(cl)
}

func (s *Server) cVideoStatus(cl *call) (any, error) {
	v, err := s.store.LookupVideo(cl.c.Param("videoNo"))
	if err != nil {
		return nil, err
	}
	status := strings.ToUpper(cl.str("status"))
	switch status {
	case "FAILED", "PARSE_ERROR":
		status = store.StatusFail
	case store.StatusParse, store.StatusFail, store.StatusUnparse:
	default:
		return nil, apiErr(CodeBadParam, "status must be PARSE, FAIL or UNPARSE")
	}
	c := cl.str("cause")
	if status == store.StatusFail && c == "" {
		c = "failed by the control plane"
	}
	s.life.force(v, status, c)
	v, err = s.store.LookupVideo(v.No)
	if err != nil {
		return nil, err
	}
	return videoDetails(v), nil
}

func (s *Server) cVideoComplete(cl *call) (any, error) {
	v, err := s.store.LookupVideo(cl.c.Param("videoNo"))
	if err != nil {
		return nil, err
	}
	if v.Status == store.StatusUnparse {
		if v.ReadyAt.Equal(farFuture) {
			return nil, apiErr(CodeBadParam, "the video's media is still being fetched")
		}
		s.life.force(v, v.FinalStatus, v.FinalCause)
	}
	v, err = s.store.LookupVideo(v.No)
	if err != nil {
		return nil, err
	}
	return videoDetails(v), nil
}

func (s *Server) cAccount(cl *call) (any, error) {
	key := cl.c.Param("api_key")
	acct := s.p.Accounts.Resolve(key) // linked keys share one balance
	l := s.meter.ledger
	return map[string]any{
		"api_key": key, "balance": l.Balance(acct), "free_credits": l.FreeCredits(),
		"credits_enabled": l.Enabled(), "ledger": l.Entries(acct), "usage": l.Usage(acct),
	}, nil
}

func (s *Server) cAccountBalance(cl *call) (any, error) {
	credits, ok := cl.num("credits")
	if !ok {
		return nil, apiErr(CodeBadParam, "credits must be a number")
	}
	s.meter.ledger.SetBalance(s.p.Accounts.Resolve(cl.c.Param("api_key")), credits)
	return s.cAccount(cl)
}

func (s *Server) cCallbacks(cl *call) (any, error) {
	return map[string]any{"deliveries": s.hooks.Snapshot()}, nil
}

func (s *Server) cRequests(cl *call) (any, error) {
	if key := cl.c.Query("api_key"); key != "" {
		return map[string]any{"requests": s.requestsOf(key, cl.int("limit", 100))}, nil
	}
	return map[string]any{"requests": s.p.Journal.Last(cl.int("limit", 100))}, nil
}

func (s *Server) cFaultsGet(cl *call) (any, error) {
	if key := cl.c.Query("api_key"); key != "" {
		ops, own := s.p.AccountFaults(key)
		return map[string]any{"operations": ops, "scoped": own}, nil
	}
	return map[string]any{"operations": s.meter.faults.Get()}, nil
}

func (s *Server) cFaultsPut(cl *call) (any, error) {
	raw, ok := cl.body["operations"].(map[string]any)
	if !ok {
		return nil, apiErr(CodeBadParam, "operations must be an object of operationId -> fault spec")
	}
	specs := map[string]limits.FaultSpec{}
	for op, v := range raw {
		var fs limits.FaultSpec
		if err := remarshal(v, &fs); err != nil {
			return nil, apiErr(CodeBadParam, "operations.%s: %v", op, err)
		}
		specs[op] = fs
	}
	set := s.meter.faults.Set
	if key := cl.c.Query("api_key"); key != "" {
		set = func(specs map[string]limits.FaultSpec) error { return s.p.SetAccountFaults(key, specs) }
	}
	if err := set(specs); err != nil {
		return nil, apiErr(CodeBadParam, "%v", err)
	}
	return s.cFaultsGet(cl)
}

func (s *Server) cConfig(cl *call) (any, error) {
	o := s.opts
	return map[string]any{
		"seed": o.Seed, "error_style": o.ErrorStyle, "rate_limits": o.RateLimits, "rate_limit_file": o.RateLimitFile,
		"rate_limit_headers": o.RateLimitHeaders, "credits": !o.CreditsOff, "free_credits": o.FreeCredits,
		"data_dir": o.DataDir, "persistent": s.store.Persistent(), "max_upload_bytes": o.MaxUploadBytes,
		"processing_time": o.ProcessingTime.String(), "processing_speed": o.ProcessingSpeed,
		"scrape_time": o.ScrapeTime.String(), "fetch_urls": o.FetchURLs, "api_keys": len(o.APIKeys),
		"stream": map[string]any{"first_event": o.StreamFirstEvent.String(), "chunk_delay": o.StreamChunkDelay.String(),
			"chunk_size": o.StreamChunkSize, "fail_probability": o.StreamFailProbability},
		"operations": s.apiOps(),
	}, nil
}

func (s *Server) apiOps() int {
	n, _, _ := s.Operations()
	return n
}

// streamKnobs is the JSON form of the chat stream knobs.
type streamKnobs struct {
	FirstEventMS    float64 `json:"first_event_ms"`
	ChunkDelayMS    float64 `json:"chunk_delay_ms"`
	ChunkSize       int     `json:"chunk_size"`
	FailProbability float64 `json:"fail_probability"`
}

func (s *Server) cStreamGet(cl *call) (any, error) {
	k := s.knobs()
	return streamKnobs{FirstEventMS: float64(k.FirstEvent) / float64(time.Millisecond),
		ChunkDelayMS: float64(k.PerChunk) / float64(time.Millisecond), ChunkSize: k.ChunkSize,
		FailProbability: k.FailProbability}, nil
}

func (s *Server) cStreamPut(cl *call) (any, error) {
	var in streamKnobs
	if err := remarshal(cl.body, &in); err != nil {
		return nil, apiErr(CodeBadParam, "%v", err)
	}
	if in.FirstEventMS < 0 || in.ChunkDelayMS < 0 || in.ChunkSize < 0 || in.FailProbability < 0 || in.FailProbability > 1 {
		return nil, apiErr(CodeBadParam, "knobs out of range")
	}
	if in.ChunkSize == 0 {
		in.ChunkSize = 12
	}
	s.setKnobs(chat.Knobs{FirstEvent: time.Duration(in.FirstEventMS * float64(time.Millisecond)),
		PerChunk: time.Duration(in.ChunkDelayMS * float64(time.Millisecond)), ChunkSize: in.ChunkSize,
		FailProbability: in.FailProbability})
	return s.cStreamGet(cl)
}
