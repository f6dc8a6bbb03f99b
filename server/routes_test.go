package server

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
)

func TestBasePath(t *testing.T) {
	f := newFixture(t, 1, "https://gov.example/Check", nil)
	p := f.qrPath(0)
	legacy := f.qrPathForm(0, cert.QRFormUpper)
	if !strings.HasPrefix(p, "/Check/C/") || !strings.HasPrefix(legacy, "/CHECK/C/") {
		t.Fatalf("QR paths %.20s, %.20s", p, legacy)
	}
	for _, path := range []string{p, legacy, strings.Replace(legacy, "/CHECK/C/", "/check/c/", 1), strings.Replace(p, "/C/", "/c/", 1)} {
		w := f.do("GET", path)
		if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" {
			t.Fatalf("%s: %d", path[:12], w.Code)
		}
	}
	// The status list is where certificates say it is, links carry the prefix.
	if w := f.do("GET", "/Check/s/1"); w.Code != 200 {
		t.Fatalf("status list: %d", w.Code)
	}
	if w := f.do("GET", "/s/1"); w.Code != 404 {
		t.Fatalf("outside the base path: %d", w.Code)
	}
	if b := f.do("GET", "/Check/v").Body.String(); !strings.Contains(b, `href="/Check/static/style.css"`) || !strings.Contains(b, `action="/Check/v/lookup"`) {
		t.Fatal("links without the base path")
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	for _, path := range []string{"/v", "/nowhere", "/api/v1/nowhere", "/.well-known/jwks.json", f.qrPath(0)} {
		w := f.do("GET", path)
		h := w.Header()
		if h.Get("Content-Security-Policy") != contentSecurityPolicy || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%.20s: headers %v", path, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%.20s: HSTS over plain HTTP", path)
		}
	}
	w := f.do("GET", "/v", nil, func(r *http.Request) { r.TLS = &tls.ConnectionState{} })
	if !strings.HasPrefix(w.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS over TLS")
	}
	if w := f.do("GET", "/nowhere"); w.Code != 404 || !strings.Contains(w.Header().Get("Content-Type"), "text/html") {
		t.Errorf("page 404: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	w = f.do("GET", "/api/v1/nowhere")
	if w.Code != 404 || w.Body.String() != `{"code":"not_found","error":"not found"}`+"\n" {
		t.Errorf("API 404: %d %s", w.Code, w.Body)
	}
	if w := f.do("GET", "/static/style.css"); w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Errorf("style sheet: %d", w.Code)
	}
}
