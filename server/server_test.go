package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

const targeted = 8 // index of the targeted sample candidate

func TestQRPage(t *testing.T) {
	f := newFixture(t, 10, "", nil)
	t.Run("valid", func(t *testing.T) {
		w := f.do("GET", f.qrPath(0))
		body := w.Body.String()
		if w.Code != 200 || verdictClass(t, body) != "verdict-valid" {
			t.Fatalf("%d %s", w.Code, verdictClass(t, body))
		}
		c := f.cands[0]
		for _, want := range []string{c.Name, cert.MaskIDNumber(c.IDNumber), c.Title, c.Committee, c.ApprovalDoc, f.issued[0].Number,
			f.issued[0].VerificationCode, "有效", "VALID", `id="status-freshness"`, `<dd id="checked-at">2026-07-01 11:00:00 (UTC&#43;8)</dd>`, `action="/v/confirm"`, `method="post"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if strings.Contains(body, c.IDNumber) {
			t.Error("the page shows the full ID number")
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
			t.Error("inline script or style")
		}
		if got := w.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q", got)
		}
		savePage(t, "valid", body)
	})
	t.Run("lower-case path", func(t *testing.T) {
		w := f.do("GET", strings.Replace(f.qrPath(1), "/C/", "/c/", 1))
		if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" {
			t.Fatalf("%d", w.Code)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		if w := f.do("HEAD", f.qrPath(1)); w.Code != 200 {
			t.Fatalf("%d", w.Code)
		}
	})
	t.Run("POST not allowed", func(t *testing.T) {
		w := f.do("POST", f.qrPath(1))
		if w.Code != 405 || !strings.Contains(w.Header().Get("Allow"), "GET") || !strings.Contains(w.Body.String(), "不支持") {
			t.Fatalf("%d allow=%q", w.Code, w.Header().Get("Allow"))
		}
	})
	t.Run("targeted", func(t *testing.T) {
		if f.cands[targeted].Route != cert.RouteTargeted {
			t.Fatalf("sample candidate %d is not targeted", targeted)
		}
		body := f.do("GET", f.qrPath(targeted)).Body.String()
		scope := f.cands[targeted].Scope
		if verdictClass(t, body) != "verdict-valid" || !strings.Contains(body, `id="targeted-notice"`) ||
			!strings.Contains(body, "仅限"+scope+"基层岗位有效") || !strings.Contains(body, "grass-roots posts in "+scope) {
			t.Fatal("no targeted notice")
		}
		if b := f.do("GET", f.qrPath(0)).Body.String(); strings.Contains(b, "targeted-notice") {
			t.Fatal("targeted notice on a regular title")
		}
		savePage(t, "targeted", body)
	})
	t.Run("invalid", func(t *testing.T) {
		p := f.qrPath(2)
		// Change one character of the payload: the signature no longer matches.
		digits := p[strings.LastIndex(p, "/C/")+3:]
		jws := f.issued[2].JWS
		dot := strings.IndexByte(jws, '.')
		i := 2 * (dot + 10)
		pair := digits[i : i+2]
		repl := "10"
		if pair == repl {
			repl = "11"
		}
		tampered := p[:len(p)-len(digits)] + digits[:i] + repl + digits[i+2:]
		for name, tc := range map[string]struct{ path, reason string }{
			"tampered":   {tampered, "签名与证书内容不符"},
			"odd digits": {p[:len(p)-1], "证书数据不完整"},
			"not a JWS":  {"/C/1234", "证书数据不完整"},
			"too large":  {"/C/" + strings.Repeat("11", 5000), "数据过长"},
		} {
			t.Run(name, func(t *testing.T) {
				w := f.do("GET", tc.path)
				body := w.Body.String()
				if w.Code != 200 || verdictClass(t, body) != "verdict-invalid" || !strings.Contains(body, tc.reason) {
					t.Fatalf("%d %s, want invalid: %s", w.Code, verdictClass(t, body), tc.reason)
				}
				if strings.Contains(body, `id="certificate"`) {
					t.Fatal("the details of an unverified certificate are shown")
				}
				if name == "tampered" {
					savePage(t, "invalid", body)
				}
			})
		}
	})
	t.Run("untrusted key", func(t *testing.T) {
		other, _ := keys.Generate(keys.EdDSA, nil)
		jws := resign(t, f, 0, other, nil)
		body := f.do("GET", "/C/"+qrDigits(jws)).Body.String()
		if verdictClass(t, body) != "verdict-invalid" || !strings.Contains(body, "可能是伪造的") {
			t.Fatal("a certificate signed by another key is not invalid")
		}
	})
	t.Run("claims are escaped", func(t *testing.T) {
		jws := resign(t, f, 0, f.key, func(c *cert.Claims) {
			c.Employer = `<script>alert(1)</script>`
			c.HolderName = `"><img src=x onerror=alert(2)>`
		})
		w := f.do("GET", "/C/"+qrDigits(jws))
		body := w.Body.String()
		if verdictClass(t, body) != "verdict-valid" {
			t.Fatalf("verdict %s", verdictClass(t, body))
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img") {
			t.Fatal("a claim is not escaped")
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(body, "&lt;img src=x onerror=alert(2)&gt;") {
			t.Fatal("the escaped claims are missing")
		}
	})
}

// resign signs certificate i's claims again with key, changed by edit.
func resign(t *testing.T, f *fixture, i int, key jose.JSONWebKey, edit func(*cert.Claims)) string {
	t.Helper()
	c, _, err := verify.Verify(f.issued[i].JWS, verify.Options{Trust: f.cfg.Trust, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(c)
	}
	s, err := cert.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := cert.Sign(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

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

func TestPublication(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	t.Run("jwks", func(t *testing.T) {
		w := f.do("GET", "/.well-known/jwks.json")
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/jwk-set+json" || !bytes.Equal(w.Body.Bytes(), f.cfg.JWKS) {
			t.Fatalf("%d %s", w.Code, w.Header())
		}
		if _, err := keys.ParseTrust(w.Body.Bytes()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("status list", func(t *testing.T) {
		w := f.do("GET", "/s/1")
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/statuslist+jwt" || w.Header().Get("Cache-Control") != "public, max-age=43200" {
			t.Fatalf("%d %v", w.Code, w.Header())
		}
		etag := w.Header().Get("ETag")
		if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
			t.Fatalf("ETag %q", etag)
		}
		tok, err := statuslist.Parse(w.Body.String(), f.cfg.Trust, f.clock.Now())
		if err != nil || tok.Subject != "https://verify.example/s/1" || tok.Issuer != "fjhrss" {
			t.Fatalf("%v %+v", err, tok)
		}
		for _, inm := range []string{etag, `"x", ` + etag, "W/" + etag, "*"} {
			w := f.do("GET", "/s/1", nil, header("If-None-Match", inm))
			if w.Code != 304 || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
				t.Fatalf("If-None-Match %s: %d", inm, w.Code)
			}
		}
		if w := f.do("GET", "/s/1", nil, header("If-None-Match", `"other"`)); w.Code != 200 {
			t.Fatalf("other ETag: %d", w.Code)
		}
		// Same lists, same token, same ETag, until something changes.
		if w := f.do("GET", "/s/1"); w.Header().Get("ETag") != etag {
			t.Fatal("the ETag changed without a change")
		}
		for _, p := range []string{"/s/2", "/s/0", "/s/x", "/s/-1"} {
			if w := f.do("GET", p); w.Code != 404 {
				t.Fatalf("%s: %d", p, w.Code)
			}
		}
	})
	t.Run("directory", func(t *testing.T) {
		w := f.do("GET", "/directory")
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, "工程技术") || !strings.Contains(body, "高级工程师") || !strings.Contains(body, "区块链工程") {
			t.Fatalf("%d", w.Code)
		}
		w = f.do("GET", "/directory?format=json")
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%d", w.Code)
		}
	})
}

func TestAdmin(t *testing.T) {
	f := newFixture(t, 10, "", nil)
	num := f.issued[3].Number
	body := `{"numbers":["` + num + `"],"reason":"misconduct","note":"案件 2026-17"}`
	t.Run("refusals", func(t *testing.T) {
		for name, auth := range map[string]string{
			"none": "", "wrong": "Bearer tc_wrongwrongwrong", "not bearer": "Basic " + f.token,
			"no prefix": "Bearer " + f.token[3:], "bearer only": "Bearer",
		} {
			var opts []reqOpt
			if auth != "" {
				opts = append(opts, header("Authorization", auth))
			}
			w := f.postJSON("/api/v1/admin/revoke", body, opts...)
			if w.Code != 401 || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") || !strings.Contains(w.Body.String(), `"code":"unauthorized"`) {
				t.Fatalf("%s: %d %s", name, w.Code, w.Body)
			}
		}
		for name, tc := range map[string]struct {
			action, body string
			code         int
		}{
			"no reason":       {"revoke", `{"numbers":["` + num + `"]}`, 400},
			"bad reason":      {"revoke", `{"numbers":["` + num + `"],"reason":"investigation"}`, 400},
			"no numbers":      {"suspend", `{"numbers":[]}`, 400},
			"unknown field":   {"suspend", `{"numbers":["` + num + `"],"why":"x"}`, 400},
			"unknown number":  {"suspend", `{"numbers":["` + num + `","2099000001"]}`, 404},
			"not suspended":   {"reinstate", `{"numbers":["` + num + `"]}`, 409},
			"control in note": {"suspend", `{"numbers":["` + num + `"],"note":"a\u0007"}`, 400},
			"too large":       {"suspend", `{"numbers":["` + strings.Repeat("1", 70<<10) + `"]}`, 413},
		} {
			w := f.admin(tc.action, tc.body)
			if w.Code != tc.code {
				t.Errorf("%s: %d %s, want %d", name, w.Code, w.Body, tc.code)
			}
		}
		if w := f.do("GET", "/api/v1/admin/revoke"); w.Code != 405 {
			t.Fatalf("GET: %d", w.Code)
		}
	})
	etag := f.do("GET", "/s/1").Header().Get("ETag")
	if verdictClass(t, f.do("GET", f.qrPath(3)).Body.String()) != "verdict-valid" {
		t.Fatal("not valid before")
	}
	w := f.admin("revoke", body)
	if w.Code != 200 || w.Body.String() != `{"changed":["`+num+`"],"reason":"misconduct","status":"revoked"}`+"\n" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	page := f.do("GET", f.qrPath(3)).Body.String()
	if verdictClass(t, page) != "verdict-revoked" || !strings.Contains(page, "已撤销") || !strings.Contains(page, "学术不端") || !strings.Contains(page, "2026-07-01") {
		t.Fatal("the page does not say revoked, why and since when")
	}
	savePage(t, "revoked", page)
	if e := f.do("GET", "/s/1").Header().Get("ETag"); e == etag {
		t.Fatal("the status list's ETag did not change")
	}
	// The audit log names the token, never the token itself.
	var audit []store.AuditEntry
	f.st.AuditLog(context.Background(), func(e store.AuditEntry) error { audit = append(audit, e); return nil })
	if len(audit) != 1 || audit[0].Actor != "ops-alice" || audit[0].Action != "revoke" || audit[0].Number != num {
		t.Fatalf("audit %+v", audit)
	}
	var events []*store.Event
	f.st.Events(context.Background(), store.EventFilter{Number: num}, func(e *store.Event) error { events = append(events, e); return nil })
	if len(events) != 1 || events[0].Operator != "ops-alice" || events[0].Note != "案件 2026-17" {
		t.Fatalf("archive %+v", events)
	}
	// Suspend with the default reason, then reinstate.
	num2 := f.issued[4].Number
	if w := f.admin("suspend", `{"numbers":["`+num2+`"]}`); w.Code != 200 || !strings.Contains(w.Body.String(), `"reason":"investigation","status":"suspended"`) {
		t.Fatalf("suspend: %d %s", w.Code, w.Body)
	}
	page = f.do("GET", f.qrPath(4)).Body.String()
	if verdictClass(t, page) != "verdict-suspended" || !strings.Contains(page, "正在调查") {
		t.Fatal("not suspended")
	}
	savePage(t, "suspended", page)
	if w := f.admin("reinstate", `{"numbers":["`+num2+`"]}`); w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"valid"`) {
		t.Fatalf("reinstate: %d %s", w.Code, w.Body)
	}
	if verdictClass(t, f.do("GET", f.qrPath(4)).Body.String()) != "verdict-valid" {
		t.Fatal("not valid after reinstatement")
	}
}

// A revocation made by another process (titlecert revoke) reaches the
// pages after the poll interval.
func TestStatusChangedElsewhere(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	if verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()) != "verdict-valid" {
		t.Fatal("not valid")
	}
	_, err := f.st.ChangeStatus(context.Background(), store.Selection{Numbers: []string{f.issued[0].Number}}, store.StatusChange{
		Action: store.ActionRevoke, Reason: store.ReasonError, Effective: f.clock.Now(), RecordedAt: f.clock.Now(), Operator: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()) != "verdict-valid" {
		t.Fatal("polled before the interval") // cached lists are still in use
	}
	f.clock.Add(DefaultStatusPoll)
	if got := verdictClass(t, f.do("GET", f.qrPath(0)).Body.String()); got != "verdict-revoked" {
		t.Fatalf("after the poll interval: %s", got)
	}
	// Lists are signed again at half their TTL.
	signed := f.srv.m.statusSigned.Value()
	f.clock.Add(f.srv.cfg.StatusTTL / 2)
	f.do("GET", "/s/1")
	if f.srv.m.statusSigned.Value() != signed+1 {
		t.Fatal("not signed again at TTL/2")
	}
}

func TestLookup(t *testing.T) {
	f := newFixture(t, 3, "", nil)
	num, name := f.issued[0].Number, f.cands[0].Name
	t.Run("form", func(t *testing.T) {
		for _, p := range []string{"/", "/v"} {
			w := f.do("GET", p)
			if w.Code != 200 || !strings.Contains(w.Body.String(), `action="/v/lookup"`) || !strings.Contains(w.Body.String(), `enctype="multipart/form-data"`) {
				t.Fatalf("%s: %d", p, w.Code)
			}
		}
	})
	t.Run("number and name", func(t *testing.T) {
		w := f.postForm("/v/lookup", url.Values{"number": {" " + num}, "name": {name + " "}}.Encode())
		if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" || !strings.Contains(w.Body.String(), name) {
			t.Fatalf("%d", w.Code)
		}
	})
	t.Run("verification code", func(t *testing.T) {
		code := strings.ToLower(strings.ReplaceAll(f.issued[1].VerificationCode, "-", " "))
		w := f.postForm("/v/lookup", url.Values{"code": {code}}.Encode())
		if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" || !strings.Contains(w.Body.String(), f.cands[1].Name) {
			t.Fatalf("%d", w.Code)
		}
	})
	t.Run("not found", func(t *testing.T) {
		wrongName := f.postForm("/v/lookup", url.Values{"number": {num}, "name": {"张三"}}.Encode())
		unknown := f.postForm("/v/lookup", url.Values{"number": {"2099000001"}, "name": {"张三"}}.Encode())
		if wrongName.Code != 404 || unknown.Code != 404 {
			t.Fatalf("%d %d", wrongName.Code, unknown.Code)
		}
		savePage(t, "lookup-not-found", unknown.Body.String())
		if strings.ReplaceAll(wrongName.Body.String(), num, "N") != strings.ReplaceAll(unknown.Body.String(), "2099000001", "N") {
			t.Fatal("a wrong name and an unknown number answer differently")
		}
		if !strings.Contains(unknown.Body.String(), "未找到与所填信息相符的证书") || strings.Contains(wrongName.Body.String(), "verdict") {
			t.Fatal("not found not said")
		}
		for _, form := range []string{"code=ZZZZZ-ZZZZZ", "code=nonsense", "number=" + num} {
			if w := f.postForm("/v/lookup", form); w.Code != 404 && w.Code != 400 {
				t.Fatalf("%s: %d", form, w.Code)
			}
		}
	})
	t.Run("GET not allowed", func(t *testing.T) {
		if w := f.do("GET", "/v/lookup?number="+num+"&name="+url.QueryEscape(name)); w.Code != 405 {
			t.Fatalf("%d", w.Code)
		}
	})
	t.Run("too large", func(t *testing.T) {
		if w := f.postForm("/v/lookup", "name="+strings.Repeat("x", 70<<10)); w.Code != 413 {
			t.Fatalf("%d", w.Code)
		}
	})
}

func TestLookupRateLimit(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.LookupPerMinute, c.LookupBurst = 3, 3 })
	for i := range 4 {
		w := f.postForm("/v/lookup", "number=1&name=x")
		if i < 3 && w.Code != 404 || i == 3 && (w.Code != 429 || w.Header().Get("Retry-After") != "20") {
			t.Fatalf("look-up %d: %d %q", i, w.Code, w.Header().Get("Retry-After"))
		}
	}
	if w := f.postForm("/v/lookup", "number=1&name=x", from("198.51.100.7:1")); w.Code != 404 {
		t.Fatalf("another client: %d", w.Code)
	}
}

func multipartBody(t *testing.T, field, filename string, data []byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestUpload(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.MaxUpload = 1 << 20 })
	data, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, "file", "c.pdf", data)
	w := f.do("POST", "/v/upload", body, header("Content-Type", ctype))
	if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" || !strings.Contains(w.Body.String(), `name="source" value="pdf_attachment"`) {
		t.Fatalf("%d", w.Code)
	}
	body, ctype = multipartBody(t, "file", "c.pdf", []byte("not a pdf at all"))
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 415 {
		t.Fatalf("neither PDF nor image: %d", w.Code)
	}
	// A photo or scan of the QR code: the same verdict, from the image.
	code, err := qr.Encode(cert.QRText(f.srv.cfg.Issuer.BaseURL, f.issued[0].JWS))
	if err != nil {
		t.Fatal(err)
	}
	png, err := code.PNG(4)
	if err != nil {
		t.Fatal(err)
	}
	body, ctype = multipartBody(t, "file", "photo.png", png)
	w = f.do("POST", "/v/upload", body, header("Content-Type", ctype))
	if w.Code != 200 || verdictClass(t, w.Body.String()) != "verdict-valid" || !strings.Contains(w.Body.String(), `name="source" value="qr_image"`) {
		t.Fatalf("QR image: %d", w.Code)
	}
	blank, _ := (func() ([]byte, error) { c, _ := qr.Encode("x"); return c.PNG(1) })()
	body, ctype = multipartBody(t, "file", "photo.png", blank[:len(blank)/2])
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 400 {
		t.Fatalf("broken image: %d", w.Code)
	}
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 1<<20)...)
	body, ctype = multipartBody(t, "file", "c.pdf", big)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 413 {
		t.Fatalf("too large: %d", w.Code)
	}
	body, ctype = multipartBody(t, "file", "c.pdf", big)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), func(r *http.Request) { r.ContentLength = -1 }); w.Code != 413 {
		t.Fatalf("too large, chunked: %d", w.Code)
	}
	body, ctype = multipartBody(t, "other", "c.pdf", data)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 400 {
		t.Fatalf("no file field: %d", w.Code)
	}
	if w := f.postForm("/v/upload", "file=x"); w.Code != 415 {
		t.Fatalf("not multipart: %d", w.Code)
	}
}

func TestConfirmIDNumber(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	form := func(id string) string {
		return url.Values{"jws": {f.issued[0].JWS}, "source": {"url"}, "channel": {"page"}, "id_number": {id}}.Encode()
	}
	w := f.postForm("/v/confirm", form(strings.ToLower(f.cands[0].IDNumber)))
	body := w.Body.String()
	if w.Code != 200 || verdictClass(t, body) != "verdict-valid" || !strings.Contains(body, `id-match-yes`) {
		t.Fatalf("%d", w.Code)
	}
	if strings.Contains(body, f.cands[0].IDNumber) || strings.Contains(strings.ToUpper(body), f.cands[0].IDNumber) {
		t.Fatal("the page repeats the ID number")
	}
	body = f.postForm("/v/confirm", form(f.cands[1].IDNumber)).Body.String()
	if verdictClass(t, body) != "verdict-valid" || !strings.Contains(body, `id-match-no`) {
		t.Fatal("a wrong ID number is not reported, or changes the verdict")
	}
	body = f.postForm("/v/confirm", form("12345")).Body.String()
	if !strings.Contains(body, "身份证号格式不正确") || strings.Contains(body, "id-match") {
		t.Fatal("a malformed ID number is not reported")
	}
	body = f.postForm("/v/confirm", url.Values{"jws": {"x.y.z"}, "id_number": {f.cands[0].IDNumber}}.Encode()).Body.String()
	if verdictClass(t, body) != "verdict-invalid" {
		t.Fatal("a malformed JWS is not invalid")
	}
	if w := f.do("GET", "/v/confirm?id_number="+f.cands[0].IDNumber); w.Code != 405 {
		t.Fatalf("GET: %d", w.Code)
	}

	// The store's record confirms the whole number: another valid number
	// with the same visible characters is not the holder's.
	twin := sameVisible(t, f.cands[0].IDNumber)
	body = f.postForm("/v/confirm", form(twin), from("198.51.100.1:1")).Body.String()
	if !strings.Contains(body, `id-match-no`) {
		t.Fatal("a number that differs only in the hidden digits is confirmed")
	}

	// A certificate the server signed but has no record of: only the
	// visible characters can be compared, and the page says so.
	claims, _, err := verify.Verify(f.issued[0].JWS, verify.Options{Trust: f.cfg.Trust, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	c := *claims
	c.Number = "2026999999"
	signer, err := cert.NewSigner(f.key)
	if err != nil {
		t.Fatal(err)
	}
	unrecorded, err := cert.Sign(signer, &c)
	if err != nil {
		t.Fatal(err)
	}
	body = f.postForm("/v/confirm", url.Values{"jws": {unrecorded}, "id_number": {twin}}.Encode(), from("198.51.100.2:1")).Body.String()
	if !strings.Contains(body, `id-match-yes`) || !strings.Contains(body, "可见部分") {
		t.Fatal("an unrecorded certificate's visible characters are not compared, or the page does not say only they were")
	}

	// Guesses at the hidden digits count toward the certificate's lock-out,
	// which also stops downloads, from any address.
	for i := range DefaultLockoutFailures - 2 { // two failures above already
		if body := f.postForm("/v/confirm", form(twin), from(fmt.Sprintf("198.51.100.%d:1", 10+i))).Body.String(); !strings.Contains(body, `id-match-no`) {
			t.Fatalf("guess %d not refused", i)
		}
	}
	if w := f.postForm("/v/confirm", form(f.cands[0].IDNumber), from("198.51.100.50:1")); w.Code != 429 {
		t.Fatalf("confirmation after %d wrong guesses: %d", DefaultLockoutFailures, w.Code)
	}
	if w := f.postJSON("/api/v1/download", downloadBody(f.issued[0].Number, f.cands[0].IDNumber), from("198.51.100.51:1")); w.Code != 429 {
		t.Fatalf("download after %d wrong guesses on the page: %d", DefaultLockoutFailures, w.Code)
	}
}

// sameVisible returns another valid resident ID number with the same
// first four and last four characters as id.
func sameVisible(t *testing.T, id string) string {
	t.Helper()
	for region := 0; region < 100; region++ {
		other := fmt.Sprintf("%s%02d%s", id[:4], region, id[6:])
		if other != id && cert.CheckIDNumber(other, time.Now()) == nil {
			return other
		}
	}
	t.Fatal("no other number with the same visible characters")
	return ""
}

func downloadBody(number, id string) string {
	b, _ := json.Marshal(holderCredentials{Number: number, IDNumber: id})
	return string(b)
}

func TestDownload(t *testing.T) {
	f := newFixture(t, 3, "", func(c *Config) { c.HolderPerMinute = 1000 })
	num, id := f.issued[0].Number, f.cands[0].IDNumber
	issued, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	w := f.postJSON("/api/v1/download", downloadBody(" "+num, strings.ToLower(id)))
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" || w.Header().Get("Content-Disposition") != `attachment; filename=`+num+`.pdf` {
		t.Fatalf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	if !bytes.Equal(w.Body.Bytes(), issued) {
		t.Fatal("the PDF is not the one issued")
	}
	// The form does the same.
	w = f.postForm("/download", url.Values{"number": {num}, "id_number": {id}, "action": {"download"}}.Encode())
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), issued) {
		t.Fatalf("form: %d", w.Code)
	}
	if w := f.do("GET", "/download"); w.Code != 200 || !strings.Contains(w.Body.String(), `type="password"`) {
		t.Fatalf("form page: %d", w.Code)
	}

	t.Run("wrong number and wrong ID number answer alike", func(t *testing.T) {
		wrongID := f.postJSON("/api/v1/download", downloadBody(f.issued[1].Number, f.cands[2].IDNumber))
		unknown := f.postJSON("/api/v1/download", downloadBody("2099000001", f.cands[2].IDNumber))
		if wrongID.Code != 403 || unknown.Code != 403 || wrongID.Body.String() != unknown.Body.String() {
			t.Fatalf("%d %s / %d %s", wrongID.Code, wrongID.Body, unknown.Code, unknown.Body)
		}
		form := f.postForm("/download", url.Values{"number": {f.issued[1].Number}, "id_number": {f.cands[2].IDNumber}}.Encode())
		if form.Code != 403 || !strings.Contains(form.Body.String(), "证书编号或身份证号不正确") {
			t.Fatalf("form: %d", form.Code)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		for name, tc := range map[string]struct {
			ctype, body string
			code        int
		}{
			"malformed ID":  {"application/json", downloadBody(num, "110105194912310021"), 400},
			"empty":         {"application/json", `{}`, 400},
			"not JSON":      {"application/json", `number=1`, 400},
			"unknown field": {"application/json", `{"number":"1","id_number":"x","name":"y"}`, 400},
			"trailing data": {"application/json", downloadBody(num, id) + `{}`, 400},
			"form type":     {"application/x-www-form-urlencoded", downloadBody(num, id), 415},
			"too large":     {"application/json", `{"number":"` + strings.Repeat("1", 70<<10) + `"}`, 413},
		} {
			w := f.do("POST", "/api/v1/download", strings.NewReader(tc.body), header("Content-Type", tc.ctype))
			if w.Code != tc.code || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Errorf("%s: %d %s, want %d", name, w.Code, w.Body, tc.code)
			}
		}
		if w := f.do("GET", "/api/v1/download"); w.Code != 405 {
			t.Errorf("GET: %d", w.Code)
		}
	})
	t.Run("lock-out", func(t *testing.T) {
		num := f.issued[2].Number
		for i := range DefaultLockoutFailures {
			if w := f.postJSON("/api/v1/download", downloadBody(num, f.cands[0].IDNumber)); w.Code != 403 {
				t.Fatalf("failure %d: %d", i, w.Code)
			}
		}
		// Locked, even with the right number, from any address.
		w := f.postJSON("/api/v1/download", downloadBody(num, f.cands[2].IDNumber), from("203.0.113.9:5"))
		if w.Code != 429 || w.Header().Get("Retry-After") != "900" || !strings.Contains(w.Body.String(), `"code":"locked"`) {
			t.Fatalf("%d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
		}
		if w := f.postJSON("/api/v1/holder/verifications", downloadBody(num, f.cands[2].IDNumber)); w.Code != 429 {
			t.Fatalf("holder log while locked: %d", w.Code)
		}
		f.clock.Add(DefaultLockoutDuration)
		if w := f.postJSON("/api/v1/download", downloadBody(num, f.cands[2].IDNumber)); w.Code != 200 {
			t.Fatalf("after the lock-out: %d", w.Code)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		f.admin("revoke", `{"numbers":["`+f.issued[1].Number+`"],"reason":"fraud"}`)
		w := f.postJSON("/api/v1/download", downloadBody(f.issued[1].Number, f.cands[1].IDNumber))
		if w.Code != 410 || !strings.Contains(w.Body.String(), "revoked") {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("audit", func(t *testing.T) {
		counts := map[string]int{}
		f.st.AuditLog(context.Background(), func(e store.AuditEntry) error {
			if e.Actor == "holder" {
				counts[e.Action]++
			}
			if strings.Contains(e.Detail, id) {
				t.Error("an ID number in the audit log")
			}
			return nil
		})
		if counts["download"] != 3 || counts["download.denied"] != 3+DefaultLockoutFailures || counts["download.refused"] != 1 {
			t.Fatalf("audit %v", counts)
		}
	})
}

func TestHolderRateLimit(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	for i := range DefaultHolderPerMinute {
		if w := f.postJSON("/api/v1/download", downloadBody(fmt.Sprint(2099000001+i), f.cands[0].IDNumber), from(fmt.Sprintf("[2001:db8::%d]:1", i))); w.Code != 403 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	// The same /64 is the same client.
	w := f.postJSON("/api/v1/download", downloadBody(f.issued[0].Number, f.cands[0].IDNumber), from("[2001:db8::ffff]:1"))
	if w.Code != 429 || w.Header().Get("Retry-After") != "6" || !strings.Contains(w.Body.String(), `"code":"rate_limited"`) {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Retry-After"))
	}
	if w := f.postJSON("/api/v1/download", downloadBody(f.issued[0].Number, f.cands[0].IDNumber), from("[2001:db8:1::1]:1")); w.Code != 200 {
		t.Fatalf("another client: %d", w.Code)
	}
}

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

func TestVerificationLog(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	num, name, id := f.issued[0].Number, f.cands[0].Name, f.cands[0].IDNumber
	pdfData, _ := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	f.do("GET", f.qrPath(0))
	f.clock.Add(time.Minute)
	f.do("POST", "/api/v1/verify", strings.NewReader(f.issued[0].JWS), header("Content-Type", "text/plain"))
	f.clock.Add(time.Minute)
	f.do("GET", "/api/v1/certificates/"+num+"?name="+url.QueryEscape(name))
	f.clock.Add(time.Minute)
	f.postForm("/v/lookup", url.Values{"number": {num}, "name": {name}}.Encode())
	f.clock.Add(time.Minute)
	body, ctype := multipartBody(t, "file", "c.pdf", pdfData)
	f.do("POST", "/v/upload", body, header("Content-Type", ctype))
	// Not recorded: failures, other certificates, other issuers.
	f.do("GET", f.qrPath(1))
	f.postForm("/v/lookup", url.Values{"number": {num}, "name": {"张三"}}.Encode())
	other, _ := keys.Generate(keys.EdDSA, nil)
	f.do("GET", "/C/"+qrDigits(resign(t, f, 0, other, nil)))

	w := f.postJSON("/api/v1/holder/verifications", downloadBody(num, id))
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	want := `{"number":"` + num + `","verifications":[` +
		`{"at":"2026-07-01T03:04:00Z","channel":"upload"},{"at":"2026-07-01T03:03:00Z","channel":"lookup"},` +
		`{"at":"2026-07-01T03:02:00Z","channel":"api"},{"at":"2026-07-01T03:01:00Z","channel":"api"},` +
		`{"at":"2026-07-01T03:00:00Z","channel":"page"}]}` + "\n"
	if w.Body.String() != want {
		t.Fatalf("got  %s\nwant %s", w.Body, want)
	}
	// The download page shows it; a wrong ID number is refused alike.
	w = f.postForm("/download", url.Values{"number": {num}, "id_number": {id}, "action": {"log"}}.Encode())
	if w.Code != 200 || !strings.Contains(w.Body.String(), `id="verification-log"`) || strings.Count(w.Body.String(), "<tr>") != 6 {
		t.Fatalf("%d", w.Code)
	}
	savePage(t, "holder-log", w.Body.String())
	if w := f.postJSON("/api/v1/holder/verifications", downloadBody(num, f.cands[1].IDNumber)); w.Code != 403 {
		t.Fatalf("wrong ID number: %d", w.Code)
	}
	// Nothing about the verifier is kept: only number, time and channel exist.
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

func TestHashToken(t *testing.T) {
	h := HashToken("tc_x")
	if len(h) != 32 || b64(h) != "cBh2Prj4r47wgt6bD2gJeoSC96IYICIhjMRWPyIOKkk" {
		t.Fatalf("%s", b64(h))
	}
}

func TestNewToken(t *testing.T) {
	tok, err := NewToken(bytes.NewReader(make([]byte, 32)))
	if err != nil || tok != "tc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" {
		t.Fatalf("%q %v", tok, err)
	}
	if _, err := NewToken(bytes.NewReader(make([]byte, 31))); err == nil || !strings.HasPrefix(err.Error(), "server: ") {
		t.Fatalf("short rand: %v", err)
	}
	a, _ := NewToken(nil)
	b, _ := NewToken(nil)
	if a == b || len(a) != 46 {
		t.Fatalf("%q %q", a, b)
	}
}

// HEAD requests (link previews) are not shown to the holder.
func TestHeadNotRecorded(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	f.do("HEAD", f.qrPath(0))
	w := f.postJSON("/api/v1/holder/verifications", downloadBody(f.issued[0].Number, f.cands[0].IDNumber))
	if w.Body.String() != `{"number":"`+f.issued[0].Number+`","verifications":[]}`+"\n" {
		t.Fatalf("%s", w.Body)
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

func TestVerificationLogCoalesced(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	for range 5 {
		f.do("GET", f.qrPath(0))
		f.clock.Add(10 * time.Second)
	}
	// 03:00:00 recorded, 03:00:10..03:00:40 folded into it; 03:01:00 is new.
	f.clock.Add(10 * time.Second)
	f.do("GET", f.qrPath(0))
	w := f.postJSON("/api/v1/holder/verifications", downloadBody(f.issued[0].Number, f.cands[0].IDNumber))
	if !strings.Contains(w.Body.String(), `"verifications":[{"at":"2026-07-01T03:01:00Z","channel":"page"},{"at":"2026-07-01T03:00:00Z","channel":"page"}]`) {
		t.Fatalf("%s", w.Body)
	}
	if got := f.srv.m.logCoalesced.Value(); got != 4 {
		t.Fatalf("coalesced %v", got)
	}
}

func TestJWKSDefault(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) {
		c.JWKS = nil
		c.Trust.Keys = append(c.Trust.Keys, c.SigningKey) // a private key in the trust set by mistake
	})
	w := f.do("GET", "/.well-known/jwks.json")
	set, err := keys.ParseTrust(w.Body.Bytes())
	if err != nil || len(set.Keys) != 2 || strings.Contains(w.Body.String(), `"d":`) {
		t.Fatalf("%v %s", err, w.Body)
	}
}

// Uploads share the look-up rate limit, and a full decoding slot answers
// 503 rather than queueing without bound.
func TestUploadLimits(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.LookupPerMinute, c.LookupBurst, c.DecodeWait = 1, 1, -1 })
	data, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, "file", "c.pdf", data)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 200 {
		t.Fatalf("first upload: %d", w.Code)
	}
	body, ctype = multipartBody(t, "file", "c.pdf", data)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype)); w.Code != 429 {
		t.Fatalf("second upload: %d, want 429", w.Code)
	}
	// Both decoding slots taken: with no DecodeWait, the next upload is
	// turned away at once.
	for range DefaultMaxConcurrentUploads {
		if err := f.srv.decoding.Acquire(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
	}
	body, ctype = multipartBody(t, "file", "c.pdf", data)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), from("192.0.2.77:1234")); w.Code != 503 || w.Header().Get("Retry-After") != "5" {
		t.Fatalf("busy: %d %q, want 503", w.Code, w.Header().Get("Retry-After"))
	}
}

// A status list opened by issuance in another process (no archive event)
// is signed and served after the poll interval.
func TestNewStatusListElsewhere(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	if w := f.do("GET", "/s/1"); w.Code != 200 {
		t.Fatalf("/s/1: %d", w.Code)
	}
	if w := f.do("GET", "/s/2"); w.Code != 404 {
		t.Fatalf("/s/2 before it exists: %d", w.Code)
	}
	// Fill list 1 past half: the store opens list 2.
	if _, err := f.st.AllocateStatusSlots(context.Background(), int(store.StatusListSize/2), rand.Reader); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(DefaultStatusPoll)
	if w := f.do("GET", "/s/2"); w.Code != 200 {
		t.Fatalf("/s/2 after the poll interval: %d", w.Code)
	}
}
