package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/verify"
)

func TestAPIVerify(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	expect := func(text string) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.Encode(verify.Check(text, f.srv.options(context.Background())))
		return buf.String()
	}
	qr := cert.QRText(f.baseURL, f.issued[0].JWS)
	for _, tc := range []struct {
		name, ctype, body, status, source string
	}{
		{"JWS", "application/jose", f.issued[0].JWS, "valid", "jws"},
		{"QR text", "text/plain; charset=utf-8", qr, "valid", "url"},
		{"no content type", "", f.issued[1].JWS + "\n", "valid", "jws"},
		// What common clients send: curl -d (form-urlencoded, its
		// default), curl --data-binary with -H octet-stream, HTTPie,
		// scripts with a wrong or odd type.
		{"curl -d JWS", "application/x-www-form-urlencoded", f.issued[0].JWS, "valid", "jws"},
		{"curl -d QR text", "application/x-www-form-urlencoded", qr + "\n", "valid", "url"},
		{"curl -d QR text, chat suffix", "application/x-www-form-urlencoded", qr + "?from=singlemessage&isappinstalled=0", "", "url"},
		{"curl --data-urlencode token@file", "application/x-www-form-urlencoded", "token=" + url.QueryEscape(qr), "valid", "url"},
		{"octet-stream", "application/octet-stream", f.issued[1].JWS, "valid", "jws"},
		{"text/plain JWS", "text/plain", f.issued[1].JWS, "valid", "jws"},
		{"unparsable type", "text/plain; charset", f.issued[0].JWS, "valid", "jws"},
		{"form, not a token", "application/x-www-form-urlencoded", "token=abc", "invalid", "jws"},
		{"malformed", "text/plain", "eyJhbGciOi.x.y", "invalid", "jws"},
		{"flipped byte", "text/plain", f.issued[0].JWS[:len(f.issued[0].JWS)-3] + "AAA", "invalid", "jws"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []any{strings.NewReader(tc.body)}
			if tc.ctype != "" {
				args = append(args, header("Content-Type", tc.ctype))
			}
			w := f.do("POST", "/api/v1/verify", args...)
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
			}
			body := tc.body
			if strings.HasPrefix(body, "token=") {
				body, _ = url.QueryUnescape(body[len("token="):])
			}
			if want := expect(body); w.Body.String() != want {
				t.Fatalf("got  %s\nwant %s", w.Body, want)
			}
			var res verify.Result
			json.Unmarshal(w.Body.Bytes(), &res)
			if tc.status == "" {
				return // whatever verify.Check says, checked above
			}
			if string(res.Status) != tc.status || res.Source != tc.source || (tc.status == "valid") != res.StatusChecked {
				t.Fatalf("result %+v", res)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		w := f.do("POST", "/api/v1/verify", strings.NewReader(strings.Repeat("A", 16<<10+1)), header("Content-Type", "text/plain"))
		if w.Code != 413 || !strings.Contains(w.Body.String(), `"code":"too_large"`) {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		// Without a Content-Length (chunked), the cap still holds.
		r := strings.NewReader(strings.Repeat("A", 16<<10+1))
		w = f.do("POST", "/api/v1/verify", io.MultiReader(r), func(r *http.Request) { r.ContentLength = -1 })
		if w.Code != 413 {
			t.Fatalf("chunked: %d", w.Code)
		}
	})
	t.Run("JSON and multipart refused with what to send", func(t *testing.T) {
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/merge-patch+json", "multipart/form-data; boundary=x"} {
			w := f.do("POST", "/api/v1/verify", strings.NewReader(f.issued[0].JWS), header("Content-Type", ct))
			if w.Code != 415 || !strings.Contains(w.Body.String(), `"error":"send the JWS or the QR text itself as the body (Content-Type: text/plain, or none)"`) {
				t.Fatalf("%s: %d %s", ct, w.Code, w.Body)
			}
		}
	})
	t.Run("GET not allowed", func(t *testing.T) {
		for _, m := range []string{"GET", "HEAD", "PUT"} {
			w := f.do(m, "/api/v1/verify")
			if w.Code != 405 || w.Header().Get("Allow") != "POST" {
				t.Fatalf("%s: %d allow=%q", m, w.Code, w.Header().Get("Allow"))
			}
			if m == "GET" && !strings.Contains(w.Body.String(), `"code":"method_not_allowed"`) {
				t.Fatalf("body %s", w.Body)
			}
		}
	})
}

func TestAPICertificate(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	num, name := f.issued[0].Number, f.cands[0].Name
	w := f.do("GET", "/api/v1/certificates/"+num+"?name="+url.QueryEscape(" "+name+" "))
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var got map[string]any
	json.Unmarshal(w.Body.Bytes(), &got)
	if got["number"] != num || got["status"] != "valid" || got["title"] != f.cands[0].Title || got["checked_at"] != "2026-07-01T03:00:00Z" || len(got) != 4 {
		t.Fatalf("%s", w.Body)
	}
	notFound := f.do("GET", "/api/v1/certificates/2099000001?name="+url.QueryEscape(name))
	for _, path := range []string{
		"/api/v1/certificates/" + num + "?name=" + url.QueryEscape(f.cands[1].Name),
		"/api/v1/certificates/" + num,
		"/api/v1/certificates/" + num + "?name=" + url.QueryEscape(name[:3]),
	} {
		w := f.do("GET", path)
		if w.Code != 404 || w.Body.String() != notFound.Body.String() || notFound.Code != 404 {
			t.Fatalf("%d %s / %s", w.Code, w.Body, notFound.Body)
		}
	}
	// Revoked: the status, its reason and since when.
	if w := f.admin("revoke", `{"numbers":["`+num+`"],"reason":"fraud"}`); w.Code != 200 {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	w = f.do("GET", "/api/v1/certificates/"+num+"?name="+url.QueryEscape(name))
	got = nil
	json.Unmarshal(w.Body.Bytes(), &got)
	if got["status"] != "revoked" || got["status_reason"] != "fraud" || got["status_at"] != "2026-07-01T03:00:00Z" {
		t.Fatalf("%s", w.Body)
	}
}

// The handler's cost over verify.Check alone (the load test measures it
// over loopback).
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, 1, "", nil)
	jws := f.issued[0].JWS
	b.Run("verify.Check", func(b *testing.B) {
		for b.Loop() {
			verify.Check(jws, f.srv.options(context.Background()))
		}
	})
	b.Run("POST /api/v1/verify", func(b *testing.B) {
		for b.Loop() {
			r := httptest.NewRequest("POST", "/api/v1/verify", strings.NewReader(jws))
			f.srv.ServeHTTP(httptest.NewRecorder(), r)
		}
	})
	b.Run("QR page", func(b *testing.B) {
		p := f.qrPath(0)
		for b.Loop() {
			f.srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
		}
	})
}
