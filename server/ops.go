package server

import (
	"bytes"
	"net/http"

	"github.com/titlecert/titlecert/server/internal/metrics"
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

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.Ready(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "err", err.Error())
		return errUnavailable
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
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
