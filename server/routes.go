package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/titlecert/titlecert/store"
)

func (s *Server) routes() {
	m := http.NewServeMux()
	// Pages.
	m.HandleFunc("GET /{$}", s.handle(s.handleLookupForm))
	m.HandleFunc("GET /v", s.handle(s.handleLookupForm))
	// QR codes carry "/C/" (either case); a browser may add a final "/".
	m.HandleFunc("GET /C/{digits}", s.handle(s.handleQRPage))
	m.HandleFunc("GET /c/{digits}", s.handle(s.handleQRPage))
	m.HandleFunc("GET /C/{digits}/{$}", s.handle(s.handleQRPage))
	m.HandleFunc("GET /c/{digits}/{$}", s.handle(s.handleQRPage))
	m.HandleFunc("POST /v/lookup", s.handle(s.handleLookup))
	m.HandleFunc("POST /v/upload", s.handle(s.handleUpload))
	m.HandleFunc("POST /v/confirm", s.handle(s.handleConfirm))
	m.HandleFunc("GET /download", s.handle(s.handleDownloadForm))
	m.HandleFunc("POST /download", s.handle(s.handleDownloadPost))
	m.HandleFunc("GET /directory", s.handle(s.handleDirectory))
	m.HandleFunc("GET /static/{file}", s.handle(s.handleStatic))
	// Publication.
	m.HandleFunc("GET /.well-known/jwks.json", s.handle(s.handleJWKS))
	m.HandleFunc("GET /s/{id}", s.handle(s.handleStatusList))
	// API.
	m.HandleFunc("POST /api/v1/verify", s.handle(s.handleAPIVerify))
	m.HandleFunc("GET /api/v1/certificates/{number}", s.handle(s.handleAPICertificate))
	m.HandleFunc("POST /api/v1/download", s.handle(s.handleAPIDownload))
	m.HandleFunc("POST /api/v1/holder/verifications", s.handle(s.handleAPIHolderLog))
	m.HandleFunc("POST /api/v1/admin/revoke", s.handle(s.handleAdmin(store.ActionRevoke)))
	m.HandleFunc("POST /api/v1/admin/suspend", s.handle(s.handleAdmin(store.ActionSuspend)))
	m.HandleFunc("POST /api/v1/admin/reinstate", s.handle(s.handleAdmin(store.ActionReinstate)))
	// Operations.
	m.HandleFunc("GET /healthz", s.handle(s.handleHealthz))
	m.HandleFunc("GET /readyz", s.handle(s.handleReadyz))
	m.HandleFunc("GET /metrics", s.handle(s.handleMetrics))
	s.mux = m
}

// ServeHTTP implements http.Handler: security headers, routing under the
// base path, the error renderer for unknown routes and methods, metrics and
// one log line per request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	s.securityHeaders(sw.Header(), r)
	route := "unmatched"
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", "route", route, "panic", fmt.Sprint(p))
			if !sw.wrote {
				s.fail(sw, r, errInternal(fmt.Errorf("panic: %v", p)))
			}
		}
		d := time.Since(start)
		s.m.requests.Inc(route, fmt.Sprint(sw.code()))
		s.m.latency.Observe(d.Seconds(), route)
		level := slog.LevelInfo
		if sw.code() >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("route", route), slog.String("method", r.Method), slog.Int("status", sw.code()),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000), slog.Int64("bytes", sw.n))
	}()
	r2, ok := s.stripBase(r)
	if !ok {
		s.fail(sw, r, errNotFound)
		return
	}
	h, pattern := s.mux.Handler(r2)
	if pattern == "" {
		// The mux's own "not found", "method not allowed" or redirect:
		// keep its status and Allow header, render our own body.
		cw := &captureWriter{header: http.Header{}}
		h.ServeHTTP(cw, r2)
		switch c := cw.code(); {
		case c == http.StatusMethodNotAllowed:
			sw.Header().Set("Allow", cw.header.Get("Allow"))
			s.fail(sw, r2, errMethod)
		case c >= 300 && c < 400 && cw.header.Get("Location") != "":
			sw.Header().Set("Location", s.base+cw.header.Get("Location"))
			sw.WriteHeader(c)
		default:
			s.fail(sw, r2, errNotFound)
		}
		return
	}
	route = pattern
	s.mux.ServeHTTP(sw, r2)
}

// stripBase removes the base path (case-insensitively: QR codes of the
// legacy form carry it upper-cased) from r's path.
func (s *Server) stripBase(r *http.Request) (*http.Request, bool) {
	if s.base == "" {
		return r, true
	}
	p := r.URL.Path
	if len(p) < len(s.base) || !strings.EqualFold(p[:len(s.base)], s.base) {
		return nil, false
	}
	rest := p[len(s.base):]
	if rest == "" {
		rest = "/"
	} else if rest[0] != '/' {
		return nil, false
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = rest, ""
	r2.URL = &u
	return r2, true
}

// contentSecurityPolicy allows no script at all and styles only from
// /static.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (s *Server) securityHeaders(h http.Header, r *http.Request) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	if r.TLS != nil || s.cfg.TrustProxyHeaders && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}
