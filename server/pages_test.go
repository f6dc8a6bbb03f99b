package server

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

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
	c, _, err := verify.Verify(f.issued[i].JWS, verify.Options{Trust: &verify.PinnedKeys{Keys: f.cfg.Trust}, Now: f.clock.Now})
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
	claims, _, err := verify.Verify(f.issued[0].JWS, verify.Options{Trust: &verify.PinnedKeys{Keys: f.cfg.Trust}, Now: f.clock.Now})
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

// HEAD requests (link previews) are not shown to the holder.
func TestHeadNotRecorded(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	f.do("HEAD", f.qrPath(0))
	w := f.postJSON("/api/v1/holder/verifications", downloadBody(f.issued[0].Number, f.cands[0].IDNumber))
	if w.Body.String() != `{"number":"`+f.issued[0].Number+`","verifications":[]}`+"\n" {
		t.Fatalf("%s", w.Body)
	}
}
