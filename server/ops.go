package server

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/titlecert/titlecert/server/internal/metrics"
	"github.com/titlecert/titlecert/store"
)

// serverMetrics are the series /metrics exposes. Labels take values from
// fixed sets: route patterns, status codes, channels, verdicts, outcomes.
type serverMetrics struct {
	reg           metrics.Registry
	requests      *metrics.CounterVec
	latency       *metrics.HistogramVec
	verifications *metrics.CounterVec
	holder        *metrics.CounterVec
	admin         *metrics.CounterVec
	logDropped    *metrics.CounterVec
	logCoalesced  *metrics.CounterVec
	statusSigned  *metrics.CounterVec
}

func newServerMetrics() *serverMetrics {
	m := &serverMetrics{}
	m.requests = m.reg.NewCounterVec("titlecert_http_requests_total", "HTTP requests by route pattern and status code.", "route", "code")
	m.latency = m.reg.NewHistogramVec("titlecert_http_request_duration_seconds", "HTTP request latency by route pattern.",
		[]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}, "route")
	m.verifications = m.reg.NewCounterVec("titlecert_verifications_total", "Certificate verifications by channel and verdict.", "channel", "verdict")
	m.holder = m.reg.NewCounterVec("titlecert_holder_requests_total", "Holder credential checks (download, log) by outcome.", "purpose", "outcome")
	m.admin = m.reg.NewCounterVec("titlecert_admin_requests_total", "Admin API requests by action and outcome.", "action", "outcome")
	m.logDropped = m.reg.NewCounterVec("titlecert_verification_log_dropped_total", "Holder-log entries not written (queue full or store error).")
	m.logCoalesced = m.reg.NewCounterVec("titlecert_verification_log_coalesced_total", "Verifications folded into a holder-log entry of the same certificate and channel made shortly before.")
	m.statusSigned = m.reg.NewCounterVec("titlecert_status_list_signings_total", "Times the status lists were signed.")
	m.logDropped.Add(0)
	m.logCoalesced.Add(0)
	m.statusSigned.Add(0)
	return m
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

// handleReadyz answers 200 "ready" or 503 "not ready: <reason>", in plain
// text for probes and people; the reason names no path (the log has the
// whole error).
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Ready(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "err", err.Error())
		reason := "the store does not answer"
		switch {
		case errors.Is(err, store.ErrMissing):
			reason = "the store file was removed or replaced while open"
		case errors.Is(err, store.ErrCorrupt):
			reason = "the store file is damaged (cut short or overwritten while open)"
		}
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: " + reason + "\n"))
		return nil
	}
	w.Write([]byte("ready\n"))
	return nil
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	s.m.reg.Write(&buf)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(buf.Bytes())
	return nil
}
