package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/keys"
)

const targeted = 8 // index of the targeted sample candidate

func TestClientAddr(t *testing.T) {
	for _, tc := range []struct {
		trust  bool
		remote string
		xff    []string
		want   string
	}{
		{false, "192.0.2.1:5", []string{"198.51.100.1"}, "192.0.2.1"},
		{true, "192.0.2.1:5", []string{"198.51.100.1, 203.0.113.4"}, "203.0.113.4"},
		{true, "192.0.2.1:5", []string{"198.51.100.1", "203.0.113.5"}, "203.0.113.5"},
		{true, "192.0.2.1:5", nil, "192.0.2.1"},
		{false, "[2001:db8:a:b:c::1]:5", nil, "2001:db8:a:b::/64"},
		{false, "[::ffff:192.0.2.9]:5", nil, "192.0.2.9"},
	} {
		s := &Server{cfg: Config{TrustProxyHeaders: tc.trust}}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientAddr(r); got != tc.want {
			t.Errorf("%v %s %v: %s, want %s", tc.trust, tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestMetricsAndOps(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	f.do("GET", f.qrPath(0))
	f.do("GET", f.qrPath(0))
	f.do("GET", "/C/12")
	f.do("GET", "/nowhere")
	f.do("GET", "/api/v1/verify")
	if w := f.do("GET", "/healthz"); w.Code != 200 {
		t.Fatalf("healthz %d", w.Code)
	}
	if w := f.do("GET", "/readyz"); w.Code != 200 {
		t.Fatalf("readyz %d", w.Code)
	}
	w := f.do("GET", "/metrics")
	m := w.Body.String()
	for _, want := range []string{
		`titlecert_http_requests_total{route="GET /C/{digits}",code="200"} 3`,
		`titlecert_http_requests_total{route="unmatched",code="404"} 1`,
		`titlecert_http_requests_total{route="unmatched",code="405"} 1`,
		`titlecert_verifications_total{channel="page",verdict="valid"} 2`,
		`titlecert_verifications_total{channel="page",verdict="invalid"} 1`,
		`titlecert_http_request_duration_seconds_count{route="GET /C/{digits}"} 3`,
		`titlecert_verification_log_dropped_total 0`,
		"# TYPE titlecert_http_request_duration_seconds histogram",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %s", w.Header().Get("Content-Type"))
	}
	// The access log names the route pattern, not the path.
	logs := f.logs.String()
	if !strings.Contains(logs, `"route":"GET /C/{digits}"`) || !strings.Contains(logs, `"status":200`) || !strings.Contains(logs, `"duration_ms"`) {
		t.Fatalf("access log: %s", logs)
	}
	f.st.Close()
	if w := f.do("GET", "/readyz"); w.Code != 503 {
		t.Fatalf("readyz with a closed store: %d", w.Code)
	}
	if err := f.srv.Ready(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "server: ") {
		t.Fatalf("Ready: %v", err)
	}
}

func TestHTTPServer(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	hs := f.srv.HTTPServer("127.0.0.1:0")
	if hs.Handler != f.srv || hs.ReadTimeout == 0 || hs.ReadHeaderTimeout == 0 || hs.WriteTimeout == 0 || hs.IdleTimeout == 0 || hs.MaxHeaderBytes == 0 {
		t.Fatalf("%+v", hs)
	}
	// Over a real connection, the QR path fits in the header limit.
	ts := httptest.NewUnstartedServer(f.srv)
	ts.Config = hs
	ts.Config.Addr = ""
	ts.Start()
	defer ts.Close()
	res, err := http.Get(ts.URL + f.qrPath(0))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || verdictClass(t, string(b)) != "verdict-valid" {
		t.Fatalf("%d", res.StatusCode)
	}
}

func TestNew(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	other, _ := keys.Generate(keys.EdDSA, nil)
	for name, edit := range map[string]func(*Config){
		"no issuer":             func(c *Config) { c.Issuer.ID = "" },
		"bad base URL":          func(c *Config) { c.Issuer.BaseURL = "ftp://x" },
		"no trust":              func(c *Config) { c.Trust = jose.JSONWebKeySet{} },
		"public signing key":    func(c *Config) { c.SigningKey = keys.Public(f.key) },
		"signing key untrusted": func(c *Config) { c.SigningKey = other },
		"TTL over validity":     func(c *Config) { c.StatusTTL = 48 * time.Hour; c.StatusValidity = 24 * time.Hour },
	} {
		cfg := f.cfg
		edit(&cfg)
		if _, err := New(cfg, f.st, renderer()); err == nil || !strings.HasPrefix(err.Error(), "server: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(f.cfg, nil, renderer()); err == nil {
		t.Error("no store")
	}
}

// Pages, the API and admin changes at once, for the race detector.
func TestConcurrent(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	done := make(chan struct{})
	for g := range 6 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 15 {
				switch (g + i) % 3 {
				case 0:
					f.do("GET", f.qrPath(0))
				case 1:
					f.do("POST", "/api/v1/verify", strings.NewReader(f.issued[1].JWS), header("Content-Type", "text/plain"))
				default:
					f.do("GET", "/s/1")
				}
			}
		}()
	}
	for i := range 6 {
		action := []string{"suspend", "reinstate"}[i%2]
		if w := f.admin(action, `{"numbers":["`+f.issued[0].Number+`"]}`); w.Code != 200 {
			t.Errorf("%s: %d %s", action, w.Code, w.Body)
		}
	}
	for range 6 {
		<-done
	}
	f.do("GET", "/metrics")
	if got := verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()); got != "verdict-valid" {
		t.Fatalf("after suspend/reinstate: %s", got)
	}
}
